/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session_internal.h - state shared by the files of the session engine
 * (session.c, session_events.c, session_txn.c, session_commands.c,
 * session_client.c, session_replies.c).  Not a public interface: the epan
 * glue and the tests use session.h only.
 *
 * Conventions for every function declared here: s is a live session (never
 * NULL); byte spans are (const guint8 *, gsize) into the current feed or
 * stream item, not NUL-terminated; offsets and lengths are octets of the
 * current feed (s->feed->len); events are owned by the session (s->events) and
 * freed with it; nothing here fails on bad input: problems become
 * anomalies on the event concerned (RFC 5321, RFC 3030, RFC 3207, RFC 4954).
 */
#ifndef SMTPX_SESSION_INTERNAL_H
#define SMTPX_SESSION_INTERNAL_H

#include <glib.h>

#include "session.h"
#include "stream.h"
#include "dkim.h"

#define MAX_ANOMALIES       16     /* per event */
#define MAX_RCPTS           1000   /* listed per transaction */
#define MAX_PROMOTED        64     /* anomaly records kept past max_records */
#define MAX_SMUGGLING       16     /* smuggling events per message */
#define UNKNOWN_RUN_LIMIT   8      /* unknown commands in a row: resync */
#define COMMAND_LINE_LIMIT  512    /* RFC 5321 4.5.3.1.4, CRLF included */
#define REPLY_LINE_LIMIT    512    /* RFC 5321 4.5.3.1.5, CRLF included */
#define PREVIEW_MAX         80     /* octets of a smuggled command shown */
#define PREVIEW_LINES       4      /* lines of smuggled commands shown */

/* Types */

typedef enum {
    P_CMD = 0,        /* a command line */
    P_GREETING,       /* the banner, pending from the start */
    P_END_OF_DATA     /* the end of a DATA body */
} pending_kind_t;

typedef struct txn txn_t;

typedef struct {
    pending_kind_t kind;
    smtpx_verb_t verb;
    const char *name;            /* the command's verb_text, or static */
    guint32 frame;               /* 0 when not seen */
    smtpx_time_t time;
    smtpx_command_event_t *cmd;  /* NULL for greeting and end of data */
    txn_t *txn;                  /* transaction this belongs to */
    txn_t *txn_abort;            /* transaction this command ends */
    gboolean bdat_last;
    gboolean owns_cmd;           /* cmd belongs to this entry: its event was
                                    transient (past max_records) */
} pending_t;

/* Issue 10: the members are ordered, and the flags are bits, so that no
 * padding is kept per transaction (here and in the session below). */
struct txn {
    txn_t *next;                 /* kept: the next of s->txns */
    const smtpx_path_t *mail_from;   /* the MAIL command event's path */
    smtpx_path_t *owned_mail_from;   /* that path when the event was
                                        transient (past max_records) */
    char *neg_status;
    smtpx_message_event_t *own_msg;  /* its first message when both are
                                        kept (issue 10: the others are in
                                        s->messages or s->loose) */
    guint16 neg_code;
    guint emitted : 1;
    guint helo_borrowed : 1;     /* ev->helo is an earlier kept
                                    transaction's (issue 10) */
    guint loose : 1;             /* past max_transactions (issue 14): its
                                    events are transient, and it is freed
                                    once nothing refers to it
                                    (sess_reclaim_loose) */
    guint mark;                  /* sess_reclaim_loose's epoch */
    guint n_messages;            /* messages begun in it */
    guint32 rcpt_octets;         /* of ev.rcpt_to in use; its block is
                                    sess_rcpt_capacity(rcpt_octets) long
                                    until the transaction settles, then
                                    exactly this long */
    smtpx_txn_event_t ev;        /* its summary, shown by a TXN event
                                    (issue 10: in the same block) */
};

/* A message past max_transactions: freed with (or after) its loose owner,
 * once it is no longer the one being received. */
typedef struct {
    smtpx_message_event_t *m;
    txn_t *owner;                /* its transaction, NULL when none or kept */
} loose_msg_t;

/* Issue 14: past max_transactions, transactions and messages are followed
 * but not kept (sess_take_txn_slot, sess_reclaim_loose).  Issue 10: made
 * with the first of them (few sessions reach the cap). */
typedef struct {
    GPtrArray *txns;             /* txn_t *, owned */
    GArray *msgs;                /* loose_msg_t, the messages owned */
    guint sweep_at;              /* sweep when this many are loose */
    guint epoch;                 /* sess_reclaim_loose's */
} loose_t;

typedef enum {
    C_COMMAND = 0,   /* command lines */
    C_RESYNC,        /* skipping until a line that is plainly a command */
    C_DATA,          /* DATA body (stream in DATA mode) */
    C_BDAT,          /* BDAT chunk (stream in BDAT mode) */
    C_AUTH,          /* AUTH exchange: lines are SASL responses */
    C_STARTTLS,      /* STARTTLS sent, no reply: later octets are injected */
    C_TLS_WAIT       /* 220 to STARTTLS: only the TLS handshake is expected */
} client_state_t;

typedef enum {
    S_NORMAL = 0,
    S_RESYNC,        /* skipping until a valid reply line */
    S_INJECTED       /* after the 220 to STARTTLS: replies are injected */
} server_state_t;

/* Where TLS stands (RFC 3207; implicit TLS on port 465). */
typedef enum {
    TLS_CLEAR = 0,     /* plaintext, no STARTTLS accepted */
    TLS_ACCEPTED,      /* a 220 answered STARTTLS (or the client began its
                          handshake): plaintext is no longer expected */
    TLS_ON_STARTTLS,   /* decrypted application data after STARTTLS */
    TLS_ON_IMPLICIT    /* decrypted application data from the start */
} tls_phase_t;

#define TLS_IS_ON(s) ((s)->tls_phase >= TLS_ON_STARTTLS)
#define STARTTLS_WAS_ACCEPTED(s) ((s)->tls_phase == TLS_ACCEPTED || \
                                  (s)->tls_phase == TLS_ON_STARTTLS)

/* Plaintext in one direction that the TLS layer will swallow. */
typedef struct {
    gsize from;                  /* first octet of it in this feed */
    gboolean active;
} inject_t;

/* The message being received; begin_message resets it as one. */
typedef struct {
    smtpx_message_event_t *m;    /* NULL when none */
    txn_t *txn;                  /* the transaction it belongs to */
    guint64 body_first_feed;
    guint64 chunk_size;          /* the size of the current BDAT chunk */
    guint smuggling_count;
    guint loose : 1;             /* m is past max_transactions: never
                                    handed out */
    guint judged : 1;
    guint body_seen : 1;         /* a BODY item of it was seen */
    guint data_gap : 1;          /* a gap inside its DATA body */
    guint chunk_last : 1;        /* the current BDAT chunk is LAST */
} rx_t;

/*
 * What one phase of the session knows and where it stands: everything
 * learnt in clear, which RFC 3207 4.2 has both sides discard when TLS
 * starts.  smtpx_session_set_tls resets it as one (phase_reset).
 */
typedef struct {
    /* Knowledge.  Of the capabilities (issue 10) the session keeps only
     * what it reads (sess_caps_take): the extension mask, SIZE and the
     * AUTH mechanisms. */
    const GPtrArray *caps_auth;  /* AUTH mechanisms (char *), NULL when
                                    none: borrowed from the EHLO reply's
                                    parse, or s->owned_auth once that went */
    guint64 caps_size;           /* SIZE with a value, else 0 */
    char *helo;                  /* the HELO domain (sess_helo_set) */
    txn_t *cur_txn;              /* MAIL seen, end of data not yet */

    /* Client side. */
    pending_t *auth_pending;
    pending_t *bdat_pending;     /* the BDAT whose chunk is being read,
                                    while it waits for its reply */
    rx_t rx;                     /* the message being received */

    /* Server side. */
    smtpx_reply_t *reply;        /* reply being assembled */
    guint64 reply_feed;
    gsize reply_start;
    guint64 reply_longest;       /* longest line, line ending included */

    /* STARTTLS: plaintext windows and handshakes per direction. */
    inject_t inject[2];

    /* The 32-bit members of the groups above, then the flags (issue 10:
     * bits), so that nothing is padding. */
    guint32 caps_mask;           /* SMTPX_EXT_*, 0 when no EHLO reply */
    client_state_t cstate;
    guint unknown_run;
    server_state_t sstate;
    guint8 tls_started[2];       /* a TLS record was seen after STARTTLS */

    guint helo_lent : 1;         /* helo is owned by a kept transaction
                                    (its ev->helo), not by the phase */
    guint caps_known : 1;        /* an EHLO/HELO reply was seen */
    guint caps_ehlo : 1;         /* it was an EHLO reply (with caps_*) */
    guint authenticated : 1;
    guint resync_flagged : 1;    /* the resync already has its anomaly */
    guint queue_limit_flagged : 1;
    guint auth_continued : 1;    /* a 334 was seen in this AUTH exchange */
    guint bdat_refused : 1;      /* that BDAT was refused before any octet
                                    of its chunk came */
    guint reply_began_earlier : 1;
    guint reply_injected : 1;
    guint reply_rebuildable : 1; /* every line so far whole in its feed */
    guint bad_run : 1;
    guint unexpected_run : 1;
    guint gap_compat : 1;
} phase_t;

/* The current feed (smtpx_session_feed, smtpx_session_gap): on the stack
 * of that call, s->feed during it only (issue 10: a session keeps none of
 * it between feeds). */
typedef struct {
    smtpx_time_t ts;
    GPtrArray *out;              /* the caller's events, or NULL */
    const guint8 *data;          /* the bytes of this feed (len); NULL for
                                    a gap */
    gsize len;
    gsize body_feed_start;       /* where the body began in this feed */
    guint32 frame;
} feed_t;

/* The session's copy of smtpx_config_t (issue 10: without padding or the
 * caller's exceptions pointer), every zero member given its default. */
typedef struct {
    guint32 max_header_bytes;    /* issue 10: 32 bits (values above
                                    G_MAXUINT32 are taken as it) */
    guint32 max_line;
    guint max_pending;
    guint max_records;
    guint max_transactions;
    guint n_exceptions;          /* of s->exceptions */
} sess_cfg_t;

struct smtpx_session {
    sess_cfg_t cfg;
    smtpx_exception_t *exceptions;   /* the copy, strings in the same
                                        block; NULL when none */
    GQueue pending;              /* pending_t * */
    guint64 feed_no;

    smtpx_stream_t *st[2];
    /* Issue 10: every list is NULL until its first member (keep_event,
     * sess_scratch_add, sess_own_txn, sess_own_message,
     * smtpx_session_release); events and released are freed again once
     * a 221 answered QUIT and they are empty (sess_free_released). */
    GPtrArray *events;           /* smtpx_event_t *, owned */
    GPtrArray *scratch;          /* transient events of this feed, owned
                                    (issue 14: past max_records) */
    GPtrArray *released;         /* events the caller released after the
                                    last feed, owned; freed at the next
                                    (the list too once quit_answered) */
    GPtrArray *owned_auth;       /* ph.caps_auth when its reply event went
                                    (released or transient) */
    GPtrArray *messages;         /* smtpx_message_event_t *, owned: the
                                    kept ones that are not the first of
                                    a kept transaction (txn_t.own_msg) */
    txn_t *txns;                 /* the first kept transaction, owned; the
                                    others follow by next (issue 10: no
                                    array) */
    txn_t *txns_last;            /* the last of them */
    txn_t *txns_unsettled;       /* the first not settled yet, or NULL
                                    (sess_settle_txns) */
    loose_t *loose;              /* past max_transactions, or NULL */
    guint n_txn_slots;           /* transactions and messages kept */
    guint n_records;             /* record events kept (max_records) */
    guint n_promoted;            /* transient events kept for an anomaly */
    tls_phase_t tls_phase;       /* the whole session's */

    feed_t *feed;                /* the current feed, NULL between feeds */

    guint32 txn_count;

    /* Flags (issue 10: bits). */
    guint body_began_earlier : 1;    /* the current feed's */
    guint client_seen : 1;
    guint server_seen : 1;
    guint quit_answered : 1;     /* a 221 answered QUIT: idle framing
                                    state is given back (issue 10) */
    /* Caps reached (issue 14): each anomaly once per session. */
    guint txn_limit_flagged : 1;
    guint record_limit_flagged : 1;
    guint rcpt_limit_flagged : 1;
    guint reply_limit_flagged : 1;
    guint ehlo_limit_flagged : 1;
    guint field_limit_flagged : 1;
    guint dkim_limit_flagged : 1;

    phase_t ph;                  /* reset when TLS starts */
};

/* ------------------------------------------------------------------ */
/* session_events.c */
void sess_add_anomaly(smtpx_event_t *ev, smtpx_anomaly_kind_t kind, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
const char *sess_dir_name(smtpx_dir_t dir);
smtpx_event_t *sess_emit(smtpx_session_t *s, smtpx_event_kind_t kind, smtpx_dir_t dir,
     gsize offset, gsize length, gboolean began_earlier);
void sess_event_free(gpointer p);
void sess_command_event_free(smtpx_command_event_t *c);
/* session_commands.c: the COMMAND event's content from its line (no
 * session state read; anomalies of the arguments go to ev unless
 * injected); *limit: the longest line RFC 5321 4.5.3.1.4 allows it. */
smtpx_command_event_t *sess_command_event_build(const guint8 *line, gsize line_len,
                                                const smtpx_command_t *cmd,
                                                smtpx_event_t *ev, gboolean injected,
                                                gsize *limit);
void sess_drop_transient(smtpx_session_t *s);
void sess_free_released(smtpx_session_t *s);
/* A line item that lies whole and unchanged in this feed's data at its
 * offset, not cut (smtpx_event_rebuild can read it again). */
gboolean sess_line_rebuildable(const smtpx_session_t *s, const smtpx_stream_item_t *it);
void sess_reply_event_free(smtpx_reply_event_t *r);
void sess_promote_transient(smtpx_session_t *s);
void sess_message_free(gpointer p);
gboolean sess_take_txn_slot(smtpx_session_t *s, const smtpx_event_t *ref);
smtpx_event_t *sess_emit_txn_event(smtpx_session_t *s, gboolean loose, smtpx_event_kind_t kind,
     smtpx_dir_t dir, gsize offset, gsize length, gboolean began_earlier);
void sess_reclaim_loose(smtpx_session_t *s);
void sess_free_loose(smtpx_session_t *s);
void sess_pending_clear(smtpx_session_t *s);
void sess_pending_drop(smtpx_session_t *s, pending_t *p);
pending_t *sess_pending_new(pending_kind_t kind, smtpx_verb_t verb, const char *name,
            smtpx_session_t *s);
void sess_pending_push(smtpx_session_t *s, pending_t *p, smtpx_event_t *ev);
void sess_txn_free(gpointer p);
/* Issue 10: the owning lists, made on first use: a transient event (past
 * max_records), a transaction (kept or loose by t->loose), a message
 * (kept: by owner when first_of_kept, else by the session; or loose, with
 * its loose owner or NULL). */
void sess_scratch_add(smtpx_session_t *s, smtpx_event_t *ev);
void sess_own_txn(smtpx_session_t *s, txn_t *t);
void sess_own_message(smtpx_session_t *s, smtpx_message_event_t *m, gboolean loose,
                      txn_t *owner, gboolean first_of_kept);

/* session_txn.c */
/* Recipients (issue 10): mailbox (NUL-terminated) joins t's rcpt_to; the
 * caller keeps the MAX_RCPTS cap.  sess_rcpt_capacity: the size of the
 * rcpt_to block of an open transaction with used octets. */
void sess_txn_add_rcpt(txn_t *t, const char *mailbox);
gsize sess_rcpt_capacity(gsize used);
void sess_abandon_message(smtpx_session_t *s, const smtpx_event_t *ref);
void sess_begin_message(smtpx_session_t *s, txn_t *t, const smtpx_event_t *ref);
txn_t *sess_detach_cur_txn(smtpx_session_t *s);
/* The phase's HELO domain becomes helo (owned; NULL: none); the old one is
 * freed unless a kept transaction took it over (helo_lent). */
void sess_helo_set(smtpx_session_t *s, char *helo);
void sess_settle_txns(smtpx_session_t *s);
void sess_dkim_content(void *user, const guint8 *p, gsize n);
void sess_judge_here(smtpx_session_t *s, gsize end_excl, gboolean incomplete);
void sess_judge_message(smtpx_session_t *s, gsize offset, gsize length,
              gboolean began_earlier, gboolean incomplete);
void sess_message_complete(smtpx_session_t *s, guint64 size, gsize offset, gsize length,
                 gboolean began_earlier, smtpx_event_t **end_ev);
guint64 sess_size_limit(const smtpx_session_t *s);
void sess_txn_end(smtpx_session_t *s, txn_t *t, const char *reason,
        const smtpx_reply_t *r, gboolean decisive, const smtpx_event_t *ref);
txn_t *sess_txn_new(smtpx_session_t *s, const smtpx_path_t *mail_from,
                    const smtpx_event_t *ref);
void sess_txn_note_reply(txn_t *t, const smtpx_reply_t *r);

/* session_commands.c */
void sess_client_command(smtpx_session_t *s, const smtpx_stream_item_t *it,
               gboolean injected);
void sess_enter_resync(smtpx_session_t *s, gboolean flagged);
void sess_helo_accepted(smtpx_session_t *s, pending_t *p, const smtpx_event_t *ev);
void sess_mail_refused(smtpx_session_t *s, pending_t *p);
gboolean sess_plainly_command(const smtpx_command_t *cmd, const guint8 *line, gsize len);

/* session_client.c */
void sess_client_item(smtpx_session_t *s, const smtpx_stream_item_t *it);

/* session_replies.c */
void sess_reply_effects(smtpx_session_t *s, smtpx_event_t *ev, smtpx_reply_event_t *re,
              pending_t *p);
void sess_server_line(smtpx_session_t *s, const smtpx_stream_item_t *it);

/* session_replies.c: the capabilities of EHLO reply e (NULL: a HELO
 * reply, none) become the phase's; sess_caps_keep: reply event re goes
 * (released or transient), the AUTH mechanisms the phase borrows from it
 * move to the session. */
void sess_caps_take(smtpx_session_t *s, const smtpx_ehlo_t *e);
void sess_caps_keep(smtpx_session_t *s, smtpx_reply_event_t *re);

/* session.c */
void sess_bdat_refused_check(smtpx_session_t *s, const guint8 *data, gsize len);

#endif /* SMTPX_SESSION_INTERNAL_H */
