/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-smtpx.h - what the glue files share (the way Wireshark's transum
 * plugin shares packet-transum.h and preferences.h).
 *
 * One TCP segment travels one way through them:
 *
 *   smtpx-dissect.c   dissect_smtpx: built-in SMTP first, then
 *                     smtpx_dissect_stream(); on the first pass the bytes go
 *                     to the conversation's smtpx_tcpstream_t (core), whose
 *                     spans feed the smtpx_session_t (core), whose events
 *                     become one record
 *   smtpx-frames.c    stores that record with the frame, finds it again on
 *                     later passes
 *   smtpx-tree.c      builds the tree, the expert infos and the Info
 *                     column from a record, on every pass
 *   smtpx-stats.c     counts the record's events (tap)
 *
 * Beside that path: smtpx-catchup.c (postdissector for segments TCP does not
 * hand over), smtpx-exceptions.c (the sender exceptions UAT), and
 * packet-smtpx.c (registration and preferences only).
 */
#ifndef SMTPX_PACKET_SMTPX_H
#define SMTPX_PACKET_SMTPX_H

#include <glib.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>

#include "ws_compat.h"
#include "session.h"

/* ---- packet-smtpx.c: registration --------------------------------------- */

void proto_register_smtpx(void);
void proto_reg_handoff_smtpx(void);

/* Header fields, one member per hf (registered in packet-smtpx.c). */
#define SMTPX_HF_LIST(X) \
    X(cmd) X(cmd_pipelined) X(injected) X(response_in) X(helo) \
    X(mail_from) X(mail_from_domain) X(rcpt_to) X(rcpt_to_domain) \
    X(param) X(param_size) X(param_body) X(auth_mechanism) \
    X(bdat_size) X(bdat_last) X(sasl) X(data_length) \
    X(reply_code) X(reply_cmd) X(request_in) X(time) X(reply_text) \
    X(status) X(status_class) X(status_subject) X(status_detail) \
    X(status_description) X(ehlo_domain) X(ehlo_capability) \
    X(ehlo_capabilities) X(ehlo_size) X(ehlo_auth_mechanism) \
    X(ehlo_limits_rcptmax) X(ehlo_limits_mailmax) \
    X(ehlo_limits_rcptdomainmax) \
    X(msg_from) X(msg_from_address) X(msg_from_display_name) \
    X(msg_from_domain) X(msg_sender) X(msg_reply_to) X(msg_return_path) \
    X(msg_dkim_domain) X(msg_size) X(msg_verdict_frame) \
    X(from_forged) X(from_org_domain) X(from_envelope_domain) \
    X(from_envelope_mismatch) X(from_envelope_invalid) \
    X(from_dkim_aligned) X(from_display_name_spoof) X(from_multiple) \
    X(from_missing) X(from_ambiguous) X(from_lookalike) \
    X(from_exception) X(from_exception_rule) X(from_reasons) X(from_reason) \
    X(txn) X(txn_tls) X(txn_auth) X(txn_end) X(txn_client) X(txn_server) \
    X(txn_mail_frame) X(txn_rcpt_frame) X(txn_data_frame) X(txn_end_frame) \
    X(msg_from_forged)

/* Subtrees. */
#define SMTPX_ETT_LIST(X) \
    X(smtpx) X(command) X(reply) X(status) X(ehlo) X(message) X(author) \
    X(verdict) X(txn) X(reply_lines) X(links)

#define SMTPX_ID_MEMBER(name) int name;
typedef struct { SMTPX_HF_LIST(SMTPX_ID_MEMBER) } smtpx_hf_t;
typedef struct { SMTPX_ETT_LIST(SMTPX_ID_MEMBER) } smtpx_ett_t;
#undef SMTPX_ID_MEMBER

extern int proto_smtpx;
extern int smtpx_tap;
extern smtpx_hf_t smtpx_hf;
extern smtpx_ett_t smtpx_ett;
extern expert_field smtpx_ei[SMTPX_ANOM_COUNT];   /* by anomaly kind */

/* Preferences. */
extern guint smtpx_pref_max_header_bytes;
extern guint smtpx_pref_max_pending;     /* smtpx.max_pending (session.h) */
extern guint smtpx_pref_max_records;     /* smtpx.max_records (session.h) */
extern guint smtpx_pref_max_transactions; /* smtpx.max_transactions (session.h) */
extern smtpx_ws_bool smtpx_pref_info_tags;

/* Handles: ours, the built-in SMTP dissector, TLS. */
extern dissector_handle_t smtpx_handle;
extern dissector_handle_t smtpx_smtp_handle;
extern dissector_handle_t smtpx_tls_handle;
/* Protocol ids of tls, icmp and icmpv6 (handoff time; -1 if absent). */
extern int smtpx_proto_tls, smtpx_proto_icmp, smtpx_proto_icmpv6;

/* ---- smtpx-exceptions.c: the sender exceptions UAT ---------------------- */

/* Registers the UAT as preference "exceptions" of module. */
void smtpx_exceptions_register(module_t *module);
/* The current exceptions (borrowed; valid until the UAT changes). */
const smtpx_exception_t *smtpx_exceptions_get(gsize *n);

/* ---- smtpx-frames.c: per-frame records ---------------------------------- */

/*
 * What one dissector call on the first pass produced.  It is stored packed
 * for the file (smtpx-frames.c: a header of a few octets, then its
 * n_events events, a few octets each, with the bytes of the commands and
 * replies that are made again on each showing and are not the frame's
 * own; issue 10: a finished transaction keeps a few bytes per event, not
 * the session's parsed events), and does not move once stored.  This is
 * its header decoded, in packet scope (smtpx_frames_store, _find, _get).
 */
typedef struct smtpx_record {
    guint32  n_events;
    guint32  base;             /* tvb offset where the analysed bytes start */
    guint32  key;              /* content key of the tvb (smtpx_frames_key) */
    guint32  payload_offset;   /* catch-up: TCP payload offset in the frame */
    guint32  frame_offset;     /* where this call's bytes start in the
                                  frame's own data (its first data source),
                                  or G_MAXUINT32: not there (reassembled,
                                  decrypted) */
    guint8   starttls;         /* STARTTLS was accepted in this call */
    guint8   catchup;          /* made by the catch-up postdissector */
    const guint8 *stored;      /* the stored record (file scope): who it is */
    const guint8 *packed;      /* its events, packed */
} smtpx_record_t;

/* A record as it is shown: the stored record's members, then n_events
 * event pointers and their in_tvb flags (packet scope, smtpx_frames_view). */
typedef struct {
    smtpx_record_t rec;        /* a copy of the stored one */
    smtpx_event_t *const *events;
    const guint8 *in_tvb;      /* per event: CEV_IN_TVB was set */
} smtpx_record_view_t;

/* The view's events: n_events pointers, valid for this packet. */
static inline smtpx_event_t *const *
smtpx_record_events(const smtpx_record_t *rec)
{
    return ((const smtpx_record_view_t *)(const void *)rec)->events;
}

/* Per event: its offset and length are in this call's bytes; 0 or 1. */
static inline const guint8 *
smtpx_record_in_tvb(const smtpx_record_t *rec)
{
    return ((const smtpx_record_view_t *)(const void *)rec)->in_tvb;
}

/* What the first pass hands smtpx_frames_store per event. */
typedef struct {
    smtpx_event_t *ev;         /* the session's */
    gboolean in_tvb;
    gboolean released;         /* smtpx_session_release took it: store it
                                  compact (bytes: its span for a COMMAND or
                                  REPLY, valid during this call) */
    const guint8 *bytes;
} smtpx_frames_event_t;

/* The capture time of the frame, as the session is fed it. */
static inline smtpx_time_t
smtpx_time_of(const packet_info *pinfo)
{
    smtpx_time_t t;

    t.secs = (gint64)pinfo->abs_ts.secs;
    t.nsecs = (gint32)pinfo->abs_ts.nsecs;
    return t;
}

/* A key for the bytes a call is given (later passes find records by it). */
guint32 smtpx_frames_key(tvbuff_t *tvb);
/* First pass: keeps a copy of rec (its n_events is ignored)
 * with the frame and its n_events events, compact where released; sets a
 * released command's user to the place of its response frame in the
 * record, and writes the frame of a reply there when the reply's
 * answered_user is set; returns the copy. */
smtpx_record_t *smtpx_frames_store(packet_info *pinfo, const smtpx_record_t *rec,
                                   const smtpx_frames_event_t *events, guint n_events);
/* Whether ev (of this frame's first pass) can be stored compact: a
 * COMMAND or REPLY with its span's bytes (bytes not NULL), or an event of
 * another kind that only points at a message or transaction; ask before
 * smtpx_session_release. */
gboolean smtpx_frames_compactable(packet_info *pinfo, const smtpx_event_t *ev,
                                  const guint8 *bytes);
/* The record just stored, shown with the session's events of its feed
 * (events: the n_events given to smtpx_frames_store; the session's events
 * are valid until its next feed, so only before any other call feeds it). */
const smtpx_record_t *smtpx_frames_live_view(packet_info *pinfo, const smtpx_record_t *stored,
                                             const smtpx_frames_event_t *events);
/* Where tvb's first byte is in the frame's own data, or G_MAXUINT32 when
 * tvb is not a piece of it (smtpx_record_t.frame_offset). */
guint32 smtpx_frames_frame_offset(packet_info *pinfo, tvbuff_t *tvb);
/* The record as shown in this dissection (packet scope): compact events
 * made again (those whose bytes no longer parse are left out). */
const smtpx_record_t *smtpx_frames_view(packet_info *pinfo, const smtpx_record_t *stored);
/* Later passes: the next stored dissector record with this key, or NULL. */
smtpx_record_t *smtpx_frames_find(packet_info *pinfo, guint32 key);
/* Every stored record of the frame: count, and one by index. */
guint smtpx_frames_count(packet_info *pinfo);
smtpx_record_t *smtpx_frames_get(packet_info *pinfo, guint i);
/* Whether rec was shown in this dissection of the frame; mark: note it. */
gboolean smtpx_frames_shown(packet_info *pinfo, const smtpx_record_t *rec, gboolean mark);
/* Forgets the index of the records (file close; wmem frees the records). */
void smtpx_frames_cleanup(void);
/* The dissector saw this frame in this dissection (catch-up stays out). */
void smtpx_frames_mark_dissected(packet_info *pinfo);
gboolean smtpx_frames_dissected(packet_info *pinfo);

/* ---- smtpx-tree.c: the tree from a record ------------------------------- */

/* Whether a record shown now would be seen at all: the tree is wanted,
 * or a column, an expert or SMTPX tap listens (issue 10). */
gboolean smtpx_tree_needed(packet_info *pinfo, proto_tree *tree);
/* rec: a view (smtpx_frames_view). */
void smtpx_tree_build(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                      const smtpx_record_t *rec);
/* An expert info on item whose text may be long (smtpx-tree.c): the message
 * is kept under the label limit, the whole text follows as text items
 * below item (at: their offset in tvb). */
void smtpx_tree_expert(packet_info *pinfo, proto_item *item, tvbuff_t *tvb, gint at,
                       expert_field *ei, const char *text);

/* ---- smtpx-dissect.c: the dissector and the stream analysis ------------- */

/* What TCP said about the segment; tracked FALSE: no sequence numbers
 * (decrypted TLS data, or no tcpinfo). */
typedef struct {
    gboolean tracked;
    guint32  seq;
    guint32  ack;
    guint16  flags;     /* SMTPX_TCP_* (tcpstream.h) */
    gboolean catchup;   /* the catch-up postdissector calls, with the TCP
                           payload at payload_offset of the frame */
    guint    payload_offset;
} smtpx_segment_info_t;

int dissect_smtpx(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
/* Frees every conversation's state (cleanup routine, file close). */
void smtpx_dissect_cleanup(void);
/*
 * Stores (first pass) or finds again (later passes) what these bytes show,
 * and shows it.  fed_len: bytes of tvb that belong to the stream now (the
 * rest comes back reassembled).  Returns the record, or NULL when a later
 * pass finds none.
 */
smtpx_record_t *smtpx_dissect_stream(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                     const smtpx_segment_info_t *seg, gboolean decrypted,
                                     guint fed_len);
/* Shows a stored record once per dissection (tree, TLS hand-over, tap). */
void smtpx_show_record(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                       const smtpx_record_t *rec);
/* Whether the frame's layers so far include the protocol proto_id (what
 * proto_is_frame_protocol says, by id instead of by name; FALSE for -1). */
gboolean smtpx_frame_has_proto(const packet_info *pinfo, int proto_id);
/* Whether either port is the server port of an SMTPX conversation of the
 * open file (a hash lookup). */
gboolean smtpx_server_port(guint32 srcport, guint32 destport);

/* A TCP header read from the frame bytes (RFC 9293 3.1): raw numbers. */
typedef struct {
    guint32  raw_seq;
    guint32  raw_ack;
    gboolean ack;               /* the ACK flag */
    guint    payload_offset;    /* in the frame */
    guint    payload_len;       /* from the IP length: no link-layer padding */
} smtpx_tcp_header_t;
/* Frame pinfo's SMTPX conversation in plaintext: th's raw numbers as the
 * numbers TCP gives the dissector (relative or absolute, as the TCP
 * preferences say), by the difference noted on a frame TCP handed over in
 * each direction; FALSE when there is none yet, or no such conversation. */
gboolean smtpx_conversation_tcp_numbers(packet_info *pinfo, const smtpx_tcp_header_t *th,
                                        smtpx_segment_info_t *seg);

/* ---- smtpx-catchup.c: segments TCP does not hand over ------------------- */

int dissect_smtpx_catchup(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
/* Handoff time: keeps the postdissector's handle. */
void smtpx_catchup_handoff(dissector_handle_t handle);
/* The first SMTPX conversation of a file: from now on the postdissector
 * looks at frames on SMTPX server ports; until then it does nothing.  It
 * never asks for a field (no tree is forced). */
void smtpx_catchup_activate(void);
/* File close: back to doing nothing. */
void smtpx_catchup_reset(void);
/* The TCP header of pinfo's segment (pinfo's addresses and ports, IPv4, or
 * IPv6 through hop-by-hop, routing, destination options and authentication
 * headers) in the frame's bytes; FALSE if absent (IP fragments reassembled
 * elsewhere, a cut capture). */
gboolean smtpx_catchup_find_tcp(tvbuff_t *frame, const packet_info *pinfo,
                                smtpx_tcp_header_t *out);

/* ---- smtpx-stats.c ------------------------------------------------------ */

void register_tap_listener_smtpx(void);
/* packet-smtpx.c: the name of a reply code (RFC 5321 4.2.3), NULL if none. */
const char *smtpx_reply_code_name(guint code);

/* Tap data: the events one dissector call showed (borrowed, file scope). */
typedef struct {
    smtpx_event_t *const *events;
    guint           n_events;
    wmem_array_t   *glue_anomalies;  /* guint kinds raised by the DKIM glue, or NULL */
} smtpx_tap_info_t;

#endif /* SMTPX_PACKET_SMTPX_H */
