/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-frames.c - per-frame records: what each dissector call showed on
 * the first pass, stored with the frame (p_add_proto_data, file scope) and
 * found again on every later pass, so that a random-access GUI click shows
 * what a sequential tshark run shows (DESIGN.md, Invariants).
 *
 * A frame may hold several records (TLS may call the dissector several
 * times per frame).  A later pass may call the dissector fewer times in a
 * frame than the first (TLS and TCP hand a piece that continues in a later
 * frame over only on the first pass), so records are found again by a key
 * of their bytes, in order, not by counting calls.
 *
 * Memory (issue 10): a frame's records are a list, each record one file
 * scope block with its events and in_tvb flags behind it, so a record
 * costs one allocation and never moves; the frame holds the first one.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto_data.h>

#include "ws_compat.h"
#include "packet-smtpx.h"

/* proto_data keys of proto_smtpx. */
enum {
    KEY_RECORDS = 0,    /* file scope: the first smtpx_record_t (a list) */
    KEY_NEXT = 1,       /* packet scope: index after the last record found */
    KEY_DISSECTED = 2,  /* packet scope: the dissector ran in this frame */
    KEY_SHOWN = 3       /* packet scope: map of records shown */
};

static smtpx_record_t *
records_of(packet_info *pinfo)
{
    return (smtpx_record_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_smtpx, KEY_RECORDS);
}

/* FNV-1a over the length and up to 64 bytes at each end. */
guint32
smtpx_frames_key(tvbuff_t *tvb)
{
    guint len = tvb_captured_length(tvb);
    guint head = MIN(len, 64u), tail = MIN(len - head, 64u), i;
    const guint8 *p;
    guint32 h = 2166136261u ^ len;

    /* Only the two ends are read (a reassembled tvb is not flattened). */
    if (head) {
        p = tvb_get_ptr(tvb, 0, (gint)head);
        for (i = 0; i < head; i++)
            h = (h ^ p[i]) * 16777619u;
    }
    if (tail) {
        p = tvb_get_ptr(tvb, (gint)(len - tail), (gint)tail);
        for (i = 0; i < tail; i++)
            h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

/* A reply's cmd_name, once per file (the names are few: verbs, the
 * "<greeting>" and "<end-of-data>"; an unknown verb as sent). */
static const char *
intern_name(const char *name)
{
    static wmem_map_t *names;
    char *kept;

    if (!name)
        return NULL;
    if (!names)
        names = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash,
                                       g_str_equal);
    kept = (char *)wmem_map_lookup(names, name);
    if (!kept) {
        kept = wmem_strdup(wmem_file_scope(), name);
        wmem_map_insert(names, kept, kept);
    }
    return kept;
}

/* The frame's own bytes: its first data source, the "Frame" tvb the
 * frame dissector adds before anything else (the same on every pass). */
static const guint8 *
frame_bytes(packet_info *pinfo, guint *len)
{
    tvbuff_t *ft;

    *len = 0;
    if (!pinfo->data_src || !pinfo->data_src->data)
        return NULL;
    ft = get_data_source_tvb((const struct data_source *)pinfo->data_src->data);
    if (!ft || tvb_captured_length(ft) == 0)
        return NULL;
    *len = tvb_captured_length(ft);
    return tvb_get_ptr(ft, 0, (gint)*len);
}

guint32
smtpx_frames_frame_offset(packet_info *pinfo, tvbuff_t *tvb)
{
    guint flen, len = tvb_captured_length(tvb);
    const guint8 *f = frame_bytes(pinfo, &flen);
    guintptr p, b;

    if (!f || len == 0)
        return G_MAXUINT32;
    p = (guintptr)tvb_get_ptr(tvb, 0, (gint)len);
    b = (guintptr)f;
    if (p < b || p - b > flen || p - b + len > flen)
        return G_MAXUINT32;
    return (guint32)(p - b);
}

/* Whether the bytes of an event at base + offset of the record's call are
 * the frame's own (f, flen: frame_bytes), checked, so a view can read them
 * there. */
static gboolean
in_frame(const guint8 *f, guint flen, const smtpx_record_t *rec, const smtpx_frames_event_t *in)
{
    guint64 at;

    if (rec->frame_offset == G_MAXUINT32 || !in->in_tvb)
        return FALSE;
    at = (guint64)rec->frame_offset + rec->base + in->ev->offset;
    if (!f || at + in->ev->length > flen)
        return FALSE;
    /* The very bytes the session read (this call's own), or the same. */
    return f + at == in->bytes || memcmp(f + at, in->bytes, in->ev->length) == 0;
}

/* Kinds whose compact form carries the bytes they are made again from. */
static gboolean
has_bytes(smtpx_event_kind_t kind)
{
    return kind == SMTPX_EV_COMMAND || kind == SMTPX_EV_REPLY;
}

#define NS_PER_S G_GINT64_CONSTANT(1000000000)
#define MAX_DELTA_S G_GINT64_CONSTANT(9000000000)

/* Reply time minus request time in nanoseconds; FALSE when it does not
 * fit (then the reply is kept whole). */
static gboolean
time_delta(smtpx_time_t reply, smtpx_time_t request, gint64 *out)
{
    gint64 ds = reply.secs - request.secs;

    if (ds > MAX_DELTA_S || ds < -MAX_DELTA_S)
        return FALSE;
    *out = ds * NS_PER_S + (gint64)(reply.nsecs - request.nsecs);
    return TRUE;
}

static smtpx_time_t
time_minus(smtpx_time_t t, gint64 delta_ns)
{
    gint64 ns = (gint64)t.nsecs - delta_ns % NS_PER_S;

    t.secs -= delta_ns / NS_PER_S;
    if (ns < 0) {
        ns += NS_PER_S;
        t.secs--;
    } else if (ns >= NS_PER_S) {
        ns -= NS_PER_S;
        t.secs++;
    }
    t.nsecs = (gint32)ns;
    return t;
}

gboolean
smtpx_frames_compactable(packet_info *pinfo, const smtpx_event_t *ev, const guint8 *bytes)
{
    smtpx_time_t now = smtpx_time_of(pinfo);
    gint64 delta;

    if (ev->frame != pinfo->num || ev->offset > G_MAXUINT32 || ev->length > G_MAXUINT32)
        return FALSE;
    switch (ev->kind) {
    case SMTPX_EV_COMMAND:
        return bytes != NULL && ev->command != NULL;
    case SMTPX_EV_REPLY:
        return bytes != NULL && ev->reply != NULL &&
               ev->reply->reply_time.secs == now.secs &&
               ev->reply->reply_time.nsecs == now.nsecs &&
               (guint)ev->reply->cmd_verb <= G_MAXUINT8 &&
               time_delta(now, ev->reply->request_time, &delta);
    case SMTPX_EV_DATA:
    case SMTPX_EV_AUTH_LINE:
    case SMTPX_EV_MESSAGE:
    case SMTPX_EV_END_OF_DATA:
    case SMTPX_EV_TXN:
        return TRUE;
    default:
        return FALSE;
    }
}

/* The compact form of a released event (smtpx_frames_compactable said
 * yes before the session took it). */
static void
compact(packet_info *pinfo, const smtpx_frames_event_t *in, smtpx_cev_t *c)
{
    const smtpx_event_t *ev = in->ev;

    c->kind = (guint8)ev->kind;
    c->dir = (guint8)ev->dir;
    c->offset = (guint32)ev->offset;
    c->length = (guint32)ev->length;
    c->flags = SMTPX_CEV_REBUILT | (in->in_tvb ? SMTPX_CEV_IN_TVB : 0) |
               (ev->began_earlier ? SMTPX_CEV_BEGAN_EARLIER : 0);
    switch (ev->kind) {
    case SMTPX_EV_COMMAND:
        c->linked_frame = ev->command->response_frame;
        c->flags |= (ev->command->injected ? SMTPX_CEV_INJECTED : 0) |
                    (ev->command->pipelined ? SMTPX_CEV_PIPELINED : 0);
        break;
    case SMTPX_EV_REPLY:
        time_delta(smtpx_time_of(pinfo), ev->reply->request_time, &c->request_delta_ns);
        c->cmd_verb = (guint8)ev->reply->cmd_verb;
        c->linked_frame = ev->reply->request_frame;
        c->ptr = intern_name(ev->reply->cmd_name);
        c->flags |= (ev->reply->injected ? SMTPX_CEV_INJECTED : 0) |
                    (ev->reply->intermediate ? SMTPX_CEV_INTERMEDIATE : 0) |
                    (ev->reply->ehlo ? SMTPX_CEV_EHLO : 0);
        break;
    case SMTPX_EV_DATA:
    case SMTPX_EV_MESSAGE:
    case SMTPX_EV_END_OF_DATA:
        c->ptr = ev->message;
        break;
    case SMTPX_EV_TXN:
        c->ptr = ev->txn;
        break;
    default:
        break;
    }
}

smtpx_record_t *
smtpx_frames_store(packet_info *pinfo, const smtpx_record_t *rec,
                   const smtpx_frames_event_t *events, guint n_events)
{
    smtpx_record_t *first = records_of(pinfo), *copy, *last;
    smtpx_cev_t *cevs;
    guint8 *block, *bytes;
    gsize n_bytes = 0;
    guint i, flen;
    guint8 *frame_held = wmem_alloc0(SMTPX_PACKET_POOL(pinfo), n_events + 1);
    const guint8 *f = frame_bytes(pinfo, &flen);

    for (i = 0; i < n_events; i++) {
        if (!events[i].released || !has_bytes(events[i].ev->kind))
            continue;
        frame_held[i] = in_frame(f, flen, rec, &events[i]);
        if (!frame_held[i])
            n_bytes += events[i].ev->length;
    }
    block = (guint8 *)wmem_alloc(wmem_file_scope(),
                                 sizeof(smtpx_record_t) + sizeof(smtpx_cev_t) * n_events + n_bytes);
    copy = (smtpx_record_t *)(void *)block;
    *copy = *rec;
    copy->next = NULL;
    copy->n_events = n_events;
    cevs = smtpx_record_cevs(copy);
    bytes = (guint8 *)(cevs + n_events);
    for (i = 0; i < n_events; i++) {
        smtpx_event_t *ev = events[i].ev;
        smtpx_cev_t *c = &cevs[i];

        memset(c, 0, sizeof *c);
        if (events[i].released) {
            compact(pinfo, &events[i], c);
            if (frame_held[i]) {
                c->flags |= SMTPX_CEV_IN_FRAME;
            } else if (has_bytes(ev->kind)) {
                memcpy(bytes, events[i].bytes, c->length);
                bytes += c->length;
            }
            if (ev->kind == SMTPX_EV_COMMAND)
                ev->command->user = c;
        } else {
            c->kind = (guint8)ev->kind;
            c->flags = events[i].in_tvb ? SMTPX_CEV_IN_TVB : 0;
            c->ptr = ev;
        }
        /* The command this reply answers learns its response frame. */
        if (ev->kind == SMTPX_EV_REPLY && ev->reply && ev->reply->answered_user)
            ((smtpx_cev_t *)ev->reply->answered_user)->linked_frame = ev->frame;
    }
    if (!first) {
        p_add_proto_data(wmem_file_scope(), pinfo, proto_smtpx, KEY_RECORDS, copy);
    } else {
        for (last = first; last->next; last = last->next)
            ;
        last->next = copy;
    }
    return copy;
}

/* Rebuilt events of one view go when the packet's memory goes. */
static smtpx_ws_bool
free_rebuilt(wmem_allocator_t *allocator _U_, wmem_cb_event_t event _U_, void *data)
{
    GPtrArray *a = (GPtrArray *)data;
    guint i;

    for (i = 0; i < a->len; i++)
        smtpx_event_free((smtpx_event_t *)g_ptr_array_index(a, i));
    g_ptr_array_free(a, TRUE);
    return FALSE;
}

/* Event i of a view from its compact form; NULL when its bytes no longer
 * parse (they are the bytes the session parsed, so this does not
 * happen). */
static smtpx_event_t *
make_event(packet_info *pinfo, const smtpx_cev_t *c, const guint8 *bytes, GPtrArray **rebuilt)
{
    smtpx_rebuild_context_t ctx;
    smtpx_event_t *ev;

    if (!(c->flags & SMTPX_CEV_REBUILT))
        return (smtpx_event_t *)(gsize)c->ptr;
    if (!has_bytes((smtpx_event_kind_t)c->kind)) {
        ev = wmem_new0(SMTPX_PACKET_POOL(pinfo), smtpx_event_t);
        ev->kind = (smtpx_event_kind_t)c->kind;
        ev->dir = (smtpx_dir_t)c->dir;
        ev->frame = pinfo->num;
        ev->offset = c->offset;
        ev->length = c->length;
        ev->began_earlier = (c->flags & SMTPX_CEV_BEGAN_EARLIER) != 0;
        if (c->kind == SMTPX_EV_TXN)
            ev->txn = (smtpx_txn_event_t *)(gsize)c->ptr;
        else
            ev->message = (smtpx_message_event_t *)(gsize)c->ptr;
        return ev;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.kind = (smtpx_event_kind_t)c->kind;
    ctx.dir = (smtpx_dir_t)c->dir;
    ctx.frame = pinfo->num;
    ctx.offset = c->offset;
    ctx.injected = (c->flags & SMTPX_CEV_INJECTED) != 0;
    ctx.pipelined = (c->flags & SMTPX_CEV_PIPELINED) != 0;
    ctx.linked_frame = c->linked_frame;
    ctx.cmd_name = (const char *)c->ptr;
    ctx.cmd_verb = (smtpx_verb_t)c->cmd_verb;
    ctx.reply_time = smtpx_time_of(pinfo);
    ctx.request_time = time_minus(ctx.reply_time, c->request_delta_ns);
    ctx.intermediate = (c->flags & SMTPX_CEV_INTERMEDIATE) != 0;
    ctx.has_ehlo = (c->flags & SMTPX_CEV_EHLO) != 0;
    ev = smtpx_event_rebuild(&ctx, bytes, c->length);
    if (ev) {
        if (!*rebuilt) {
            *rebuilt = g_ptr_array_new();
            wmem_register_callback(SMTPX_PACKET_POOL(pinfo), free_rebuilt, *rebuilt);
        }
        g_ptr_array_add(*rebuilt, ev);
    }
    return ev;
}

const smtpx_record_t *
smtpx_frames_view(packet_info *pinfo, const smtpx_record_t *stored)
{
    smtpx_record_view_t *v = wmem_new0(SMTPX_PACKET_POOL(pinfo), smtpx_record_view_t);
    const smtpx_cev_t *cevs = smtpx_record_cevs(stored);
    const guint8 *bytes = (const guint8 *)(cevs + stored->n_events);
    smtpx_event_t **events = wmem_alloc0_array(SMTPX_PACKET_POOL(pinfo), smtpx_event_t *,
                                               stored->n_events + 1);
    guint8 *in_tvb = (guint8 *)wmem_alloc0(SMTPX_PACKET_POOL(pinfo), stored->n_events + 1);
    GPtrArray *rebuilt = NULL;
    const guint8 *frame = NULL;
    guint i, n = 0, flen = 0;

    for (i = 0; i < stored->n_events; i++) {
        const smtpx_cev_t *c = &cevs[i];
        const guint8 *src = NULL;
        smtpx_event_t *ev;

        /* Where a command's or reply's bytes are: the frame's own, or the
         * next ones stored after the events. */
        if ((c->flags & SMTPX_CEV_IN_FRAME)) {
            guint64 at = (guint64)stored->frame_offset + stored->base + c->offset;

            if (!frame)
                frame = frame_bytes(pinfo, &flen);
            src = frame && at + c->length <= flen ? frame + at : NULL;
        } else if ((c->flags & SMTPX_CEV_REBUILT) && has_bytes((smtpx_event_kind_t)c->kind)) {
            src = bytes;
            bytes += c->length;
        }
        ev = make_event(pinfo, c, src, &rebuilt);
        if (!ev)
            continue;
        events[n] = ev;
        in_tvb[n] = (c->flags & SMTPX_CEV_IN_TVB) ? 1 : 0;
        n++;
    }
    v->rec = *stored;
    v->rec.n_events = n;
    v->events = events;
    v->in_tvb = in_tvb;
    return &v->rec;
}

smtpx_record_t *
smtpx_frames_find(packet_info *pinfo, guint32 key)
{
    smtpx_record_t *rec = records_of(pinfo);
    guint next, i;

    if (!rec)
        return NULL;
    next = GPOINTER_TO_UINT(p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx,
                                             KEY_NEXT));
    for (i = 0; rec; rec = rec->next, i++) {
        if (i >= next && !rec->catchup && rec->key == key) {
            p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, KEY_NEXT,
                             GUINT_TO_POINTER(i + 1));
            return rec;
        }
    }
    return NULL;
}

guint
smtpx_frames_count(packet_info *pinfo)
{
    const smtpx_record_t *rec;
    guint n = 0;

    for (rec = records_of(pinfo); rec; rec = rec->next)
        n++;
    return n;
}

smtpx_record_t *
smtpx_frames_get(packet_info *pinfo, guint i)
{
    smtpx_record_t *rec;

    for (rec = records_of(pinfo); rec && i > 0; rec = rec->next)
        i--;
    return rec;
}

gboolean
smtpx_frames_shown(packet_info *pinfo, const smtpx_record_t *rec, gboolean mark)
{
    wmem_map_t *shown = (wmem_map_t *)p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo,
                                                       proto_smtpx, KEY_SHOWN);

    if (!shown) {
        if (!mark)
            return FALSE;
        shown = wmem_map_new(SMTPX_PACKET_POOL(pinfo), g_direct_hash, g_direct_equal);
        p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, KEY_SHOWN, shown);
    }
    if (wmem_map_contains(shown, rec))
        return TRUE;
    if (mark)
        wmem_map_insert(shown, rec, GUINT_TO_POINTER(1));
    return FALSE;
}

void
smtpx_frames_mark_dissected(packet_info *pinfo)
{
    p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, KEY_DISSECTED,
                     GUINT_TO_POINTER(1));
}

gboolean
smtpx_frames_dissected(packet_info *pinfo)
{
    return p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, KEY_DISSECTED) != NULL;
}

const smtpx_record_t *
smtpx_frames_live_view(packet_info *pinfo, const smtpx_record_t *stored,
                       const smtpx_frames_event_t *events)
{
    smtpx_record_view_t *v = wmem_new0(SMTPX_PACKET_POOL(pinfo), smtpx_record_view_t);
    guint n = stored->n_events;
    smtpx_event_t **ev = wmem_alloc0_array(SMTPX_PACKET_POOL(pinfo), smtpx_event_t *, n + 1);
    guint8 *flags = (guint8 *)wmem_alloc0(SMTPX_PACKET_POOL(pinfo), n + 1);

    guint i;

    for (i = 0; i < n; i++) {
        ev[i] = events[i].ev;
        flags[i] = events[i].in_tvb ? 1 : 0;
    }
    v->rec = *stored;
    v->events = ev;
    v->in_tvb = flags;
    return &v->rec;
}
