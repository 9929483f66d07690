/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-dissect.c - the dissector: Wireshark's own SMTP dissector first (so
 * every smtp.* and imf.* field keeps working), then the stream analysis.
 *
 * First pass: the segment goes to the conversation's TCP tracker
 * (plugin/core/tcpstream.h), which drops what was seen, holds what is
 * early and says what is lost; each span it releases goes to the SMTP
 * session (plugin/core/session.h); the events those spans produce become
 * one record stored with the frame (smtpx-frames.c).  Every pass: the
 * record is shown (smtpx-tree.c) and tapped (smtpx-stats.c).
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/conversation.h>
#include <epan/tap.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/dissectors/packet-tls.h>
#include <epan/dissectors/packet-tls-utils.h>

#include "ws_compat.h"
#include "packet-smtpx.h"
#include "smtpx-dkim-glue.h"
#include "tcpstream.h"

/* Per-conversation state (g_new0, freed at file close). */
typedef struct {
    smtpx_session_t   *session;
    smtpx_tcpstream_t *tcp;
    address  server_addr;       /* file scope copy */
    guint32  server_port;
    gboolean tls_seen;          /* decrypted data was fed */
    /* Per direction (smtpx_dir_t): raw TCP sequence number minus the one
     * TCP gives us, noted on the first segment TCP hands over. */
    guint32  seq_delta[2];
    gboolean have_delta[2];
} smtpx_conv_t;

/* Every conversation of the open file, freed at file close. */
static GPtrArray *all_convs;
/* analyse(): one call's events and what is stored of them (emptied by
 * each call). */
static GPtrArray *call_events;
static GArray *call_out;
/* Server ports of SMTPX conversations (the catch-up's cheap filter). */
static GHashTable *server_ports;

static void
conv_free(gpointer p)
{
    smtpx_conv_t *c = (smtpx_conv_t *)p;

    smtpx_session_free(c->session);
    smtpx_tcpstream_free(c->tcp);
    g_free(c);
}

void
smtpx_dissect_cleanup(void)
{
    if (server_ports) {
        g_hash_table_destroy(server_ports);
        server_ports = NULL;
    }
    if (all_convs) {
        g_ptr_array_free(all_convs, TRUE);
        all_convs = NULL;
    }
    if (call_events) {
        g_ptr_array_free(call_events, TRUE);
        g_array_free(call_out, TRUE);
        call_events = NULL;
        call_out = NULL;
    }
    smtpx_catchup_reset();
    smtpx_frames_cleanup();
}

/* The server is the end on the port that matched (or Decode As). */
static void
set_server(smtpx_conv_t *c, const packet_info *pinfo)
{
    gboolean src;

    if (pinfo->match_uint == pinfo->srcport && pinfo->match_uint != pinfo->destport)
        src = TRUE;
    else if (pinfo->match_uint == pinfo->destport)
        src = FALSE;
    else
        src = pinfo->srcport < pinfo->destport;
    copy_address_wmem(wmem_file_scope(), &c->server_addr, src ? &pinfo->src : &pinfo->dst);
    c->server_port = src ? pinfo->srcport : pinfo->destport;
}

static smtpx_conv_t *
get_conv(packet_info *pinfo)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    smtpx_conv_t *c = (smtpx_conv_t *)conversation_get_proto_data(conv, proto_smtpx);
    smtpx_config_t cfg;

    if (c)
        return c;
    c = g_new0(smtpx_conv_t, 1);
    smtpx_config_init(&cfg);
    cfg.max_header_bytes = smtpx_pref_max_header_bytes;
    cfg.max_pending = smtpx_pref_max_pending;
    cfg.max_records = smtpx_pref_max_records;
    cfg.max_transactions = smtpx_pref_max_transactions;
    cfg.exceptions = smtpx_exceptions_get(&cfg.n_exceptions);
    c->session = smtpx_session_new(&cfg);
    c->tcp = smtpx_tcpstream_new(0, 0);
    if (!all_convs)
        all_convs = g_ptr_array_new_with_free_func(conv_free);
    g_ptr_array_add(all_convs, c);
    set_server(c, pinfo);
    conversation_add_proto_data(conv, proto_smtpx, c);
    if (!server_ports)
        server_ports = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_add(server_ports, GUINT_TO_POINTER(c->server_port + 1u));
    smtpx_catchup_activate();
    return c;
}

static smtpx_conv_t *
find_conv(packet_info *pinfo)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);

    return conv ? (smtpx_conv_t *)conversation_get_proto_data(conv, proto_smtpx) : NULL;
}

gboolean
smtpx_server_port(guint32 srcport, guint32 destport)
{
    return server_ports &&
           (g_hash_table_contains(server_ports, GUINT_TO_POINTER(srcport + 1u)) ||
            g_hash_table_contains(server_ports, GUINT_TO_POINTER(destport + 1u)));
}

static smtpx_dir_t
direction_of(const smtpx_conv_t *c, const packet_info *pinfo)
{
    if (pinfo->srcport == c->server_port && addresses_equal(&pinfo->src, &c->server_addr))
        return SMTPX_DIR_SERVER;
    return SMTPX_DIR_CLIENT;
}

/* First segment TCP hands over in a direction: how its numbers differ from
 * the raw ones in the frame (for the catch-up without a tree). */
static void
note_seq_delta(smtpx_conv_t *c, smtpx_dir_t dir, packet_info *pinfo, guint32 seq)
{
    smtpx_tcp_header_t th;
    tvbuff_t *frame;

    if (c->have_delta[dir] || !pinfo->data_src)
        return;
    frame = get_data_source_tvb((const struct data_source *)pinfo->data_src->data);
    if (frame && smtpx_catchup_find_tcp(frame, pinfo, &th)) {
        c->seq_delta[dir] = th.raw_seq - seq;
        c->have_delta[dir] = TRUE;
    }
}

gboolean
smtpx_conversation_tcp_numbers(packet_info *pinfo, const smtpx_tcp_header_t *th,
                               smtpx_segment_info_t *seg)
{
    const smtpx_conv_t *c = find_conv(pinfo);
    smtpx_dir_t dir;

    if (!c || c->tls_seen || smtpx_session_starttls_accepted(c->session))
        return FALSE;
    dir = direction_of(c, pinfo);
    if (!c->have_delta[dir])
        return FALSE;
    memset(seg, 0, sizeof *seg);
    seg->tracked = TRUE;
    seg->seq = th->raw_seq - c->seq_delta[dir];
    if (th->ack && c->have_delta[!dir]) {
        seg->ack = th->raw_ack - c->seq_delta[!dir];
        seg->flags = SMTPX_TCP_ACK;
    }
    return TRUE;
}

/* What the spans of one call produce. */
typedef struct {
    smtpx_conv_t *conv;
    packet_info  *pinfo;
    GPtrArray    *events;     /* smtpx_event_t *, borrowed (the session's
                                 output array) */
    GArray       *out;        /* smtpx_frames_event_t per event: in_tvb and
                                 bytes (this call's own, or a packet-scope
                                 copy of held ones); released is set later */
    guint         base;       /* offset of the span from this call's bytes */
} feed_t;

/* One span of the TCP tracker into the session (tcpstream.h callback). */
static void
feed_span(const smtpx_tcp_span_t *sp, void *user)
{
    feed_t *f = (feed_t *)user;
    guint before = f->events->len;
    guint8 mine = sp->kind == SMTPX_TCP_SPAN_DATA && sp->in_segment;

    if (sp->kind == SMTPX_TCP_SPAN_GAP)
        smtpx_session_gap(f->conv->session, sp->dir, f->pinfo->num, smtpx_time_of(f->pinfo),
                          sp->len, f->events);
    else
        smtpx_session_feed(f->conv->session, sp->dir, f->pinfo->num, smtpx_time_of(f->pinfo),
                           sp->data, sp->len, f->events);
    if (mine)
        f->base = (guint)sp->offset;
    for (; before < f->events->len; before++) {
        smtpx_frames_event_t fe;

        memset(&fe, 0, sizeof fe);
        fe.ev = (smtpx_event_t *)g_ptr_array_index(f->events, before);
        fe.in_tvb = mine;
        /* What the session parsed, for showing it again (issue 10): this
         * call's own bytes stay valid for the call, held ones are copied. */
        if (fe.ev->rebuildable && sp->kind == SMTPX_TCP_SPAN_DATA && fe.ev->length > 0 &&
            fe.ev->offset + fe.ev->length <= sp->len)
            fe.bytes = mine ? sp->data + fe.ev->offset
                            : (const guint8 *)wmem_memdup(SMTPX_PACKET_POOL(f->pinfo),
                                                          sp->data + fe.ev->offset,
                                                          fe.ev->length);
        g_array_append_val(f->out, fe);
    }
}

/* First pass: the new bytes of this call through the tracker and the
 * session, then stored as a record (smtpx-frames.c) unless the call
 * produced nothing; returns the stored record or NULL. */
static smtpx_record_t *
analyse(tvbuff_t *tvb, packet_info *pinfo, const smtpx_segment_info_t *seg,
        gboolean decrypted, guint fed_len, guint32 key, const smtpx_record_t **live,
        smtpx_session_t **session)
{
    smtpx_record_t rec, *stored = NULL;
    feed_t f;
    smtpx_dir_t dir;
    const guint8 *bytes = fed_len ? tvb_get_ptr(tvb, 0, (gint)fed_len) : NULL;
    gboolean was_accepted;

    memset(&rec, 0, sizeof rec);
    memset(&f, 0, sizeof f);
    f.conv = get_conv(pinfo);
    f.pinfo = pinfo;
    *session = f.conv->session;
    /* Issue 10: two arrays for every call, made once (nothing the call
     * runs comes back here before it returns). */
    if (!call_events) {
        call_events = g_ptr_array_new();
        call_out = g_array_new(FALSE, TRUE, sizeof(smtpx_frames_event_t));
    }
    g_ptr_array_set_size(call_events, 0);
    g_array_set_size(call_out, 0);
    f.events = call_events;
    f.out = call_out;
    dir = direction_of(f.conv, pinfo);
    was_accepted = smtpx_session_starttls_accepted(f.conv->session);
    if (decrypted && !f.conv->tls_seen) {
        f.conv->tls_seen = TRUE;
        smtpx_session_set_tls(f.conv->session, TRUE);
    }
    if (seg && seg->tracked && !decrypted) {
        smtpx_tcp_segment_t ts;

        note_seq_delta(f.conv, dir, pinfo, seg->seq);

        memset(&ts, 0, sizeof ts);
        ts.seq = seg->seq;
        ts.ack = seg->ack;
        ts.flags = seg->flags;
        ts.data = bytes;
        ts.len = tvb_reported_length(tvb);
        ts.consume = fed_len;
        smtpx_tcpstream_segment(f.conv->tcp, dir, &ts, feed_span, &f);
    } else if (fed_len > 0) {
        smtpx_tcp_span_t sp;

        memset(&sp, 0, sizeof sp);
        sp.kind = SMTPX_TCP_SPAN_DATA;
        sp.dir = dir;
        sp.data = bytes;
        sp.len = fed_len;
        sp.in_segment = TRUE;
        feed_span(&sp, &f);
    }
    rec.base = f.base;
    rec.key = key;
    rec.catchup = seg && seg->catchup;
    rec.payload_offset = seg && seg->catchup ? seg->payload_offset : 0;
    rec.starttls = !was_accepted && smtpx_session_starttls_accepted(f.conv->session);
    /* A call that produced nothing stores nothing (issue 14: a frame's
     * record is not kept for bytes that are only carried on, such as the
     * middle of a long line); later passes find none and show nothing, as
     * this pass does. */
    if (f.events->len || rec.starttls) {
        smtpx_frames_event_t *in = (smtpx_frames_event_t *)(void *)f.out->data;
        guint i;

        rec.frame_offset = smtpx_frames_frame_offset(pinfo, tvb);
        /* Issue 10: what can be made again from its bytes is handed back
         * to the session and kept compact. */
        for (i = 0; i < f.out->len; i++)
            in[i].released = smtpx_frames_compactable(pinfo, in[i].ev, in[i].bytes) &&
                             smtpx_session_release(f.conv->session, in[i].ev);
        stored = smtpx_frames_store(pinfo, &rec, in, f.out->len);
        /* Shown right away, before any other feed: the session's own
         * events, released or not, are still whole (no parse again). */
        *live = smtpx_frames_live_view(pinfo, stored, in);
    }
    return stored;
}

/* rec shown with view (NULL: made from the stored record). */
static void
show_record(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const smtpx_record_t *rec,
            const smtpx_record_t *view)
{
    if (smtpx_frames_shown(pinfo, rec, TRUE))
        return;
    if (rec->starttls && smtpx_tls_handle)
        tls_set_appdata_dissector(smtpx_tls_handle, pinfo, smtpx_handle);

    if (rec->n_events == 0 || !smtpx_tree_needed(pinfo, tree))
        return;
    /* A tap reads its events at the end of the frame, maybe after another
     * call of this frame fed the session (and freed what it released):
     * it gets a view of its own. */
    if (!view || have_tap_listener(smtpx_tap))
        view = smtpx_frames_view(pinfo, rec);
    smtpx_tree_build(tvb, pinfo, tree, view);
    if (view->n_events) {
        smtpx_tap_info_t *ti = wmem_new0(SMTPX_PACKET_POOL(pinfo), smtpx_tap_info_t);
        ti->events = smtpx_record_events(view);
        ti->n_events = view->n_events;
        ti->glue_anomalies = smtpx_dkim_glue_raised(pinfo);
        tap_queue_packet(smtpx_tap, pinfo, ti);
    }
}

void
smtpx_show_record(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const smtpx_record_t *rec)
{
    show_record(tvb, pinfo, tree, rec, NULL);
}

smtpx_record_t *
smtpx_dissect_stream(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                     const smtpx_segment_info_t *seg, gboolean decrypted, guint fed_len)
{
    smtpx_record_t *rec;
    const smtpx_record_t *live = NULL;
    smtpx_session_t *session = NULL;
    guint32 key = smtpx_frames_key(tvb);

    if (!PINFO_FD_VISITED(pinfo))
        rec = analyse(tvb, pinfo, seg, decrypted, fed_len, key, &live, &session);
    else
        rec = smtpx_frames_find(pinfo, key);
    if (rec)
        show_record(tvb, pinfo, tree, rec, live);
    /* The live view was the last reader of the session's events. */
    smtpx_session_feed_done(session);
    return rec;
}

gboolean
smtpx_frame_has_proto(const packet_info *pinfo, int proto_id)
{
    wmem_list_frame_t *f;

    if (proto_id < 0)
        return FALSE;
    for (f = wmem_list_head(pinfo->layers); f; f = wmem_list_frame_next(f))
        if (GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto_id)
            return TRUE;
    return FALSE;
}

int
dissect_smtpx(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    gboolean decrypted = smtpx_frame_has_proto(pinfo, smtpx_proto_tls);
    const struct tcpinfo *tcpinfo = decrypted ? NULL : (const struct tcpinfo *)data;
    smtpx_segment_info_t seg;
    guint len = tvb_captured_length(tvb);
    guint fed_len;

    /* The catch-up postdissector leaves frames we saw ourselves alone. */
    smtpx_frames_mark_dissected(pinfo);
    smtpx_dkim_glue_seen_smtp();       /* DKIM keys from DNS answers, from now on */

    /* Wireshark's own SMTP/IMF dissection first; let it desegment. */
    pinfo->can_desegment = pinfo->saved_can_desegment;
    call_dissector_with_data(smtpx_smtp_handle, tvb, pinfo, tree, data);

    if (pinfo->flags.in_error_pkt)
        return (int)len;    /* bytes quoted in an ICMP error: not the stream */

    fed_len = len;
    if (pinfo->desegment_len > 0 && pinfo->desegment_offset >= 0 &&
        (guint)pinfo->desegment_offset < len)
        fed_len = (guint)pinfo->desegment_offset;

    memset(&seg, 0, sizeof seg);
    if (tcpinfo) {
        seg.tracked = TRUE;
        seg.seq = tcpinfo->seq;
        seg.ack = tcpinfo->lastackseq;
        seg.flags = (guint16)(tcpinfo->flags & (SMTPX_TCP_ACK | SMTPX_TCP_RST |
                                                SMTPX_TCP_SYN | SMTPX_TCP_FIN));
    }
    smtpx_dissect_stream(tvb, pinfo, tree, &seg, decrypted, fed_len);
    return (int)len;
}
