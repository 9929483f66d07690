/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-frames.c - per-frame records: what each dissector call showed on
 * the first pass, stored in file scope with an index by frame number and
 * found again on every later pass, so that a random-access GUI click shows
 * what a sequential tshark run shows (DESIGN.md, Invariants).
 *
 * A frame may hold several records (TLS may call the dissector several
 * times per frame).  A later pass may call the dissector fewer times in a
 * frame than the first (TLS and TCP hand a piece that continues in a later
 * frame over only on the first pass), so records are found again by a key
 * of their bytes, in order, not by counting calls.
 *
 * Memory (issue 10): each record is packed (a header of a few octets,
 * then its events) into one GStringChunk for the file, so it costs no
 * allocation of its own and never moves; the index holds 12 octets per
 * record, no proto_data entry per frame.  What callers get is the header
 * decoded into packet scope, pointing at the stored bytes.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto_data.h>

#include "ws_compat.h"
#include "packet-smtpx.h"

/* proto_data key of proto_smtpx (packet scope): frame_state_t. */
#define KEY_FRAME_STATE 1

/* What this dissection of a frame has done so far (packet scope; issue
 * 10: one proto_data entry, made at the frame's first call). */
typedef struct {
    gboolean dissected;        /* the dissector ran in this frame */
    guint next;                /* index after the last record found */
    guint n_shown;             /* records shown, in shown[] */
    guint cap_shown;
    const guint8 **shown;      /* smtpx_record_t.stored of each */
} frame_state_t;

/* The frame's state; create: make it when there is none (else NULL). */
static frame_state_t *
frame_state(packet_info *pinfo, gboolean create)
{
    frame_state_t *st = (frame_state_t *)p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo,
                                                          proto_smtpx, KEY_FRAME_STATE);

    if (!st && create) {
        st = wmem_new0(SMTPX_PACKET_POOL(pinfo), frame_state_t);
        p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, KEY_FRAME_STATE, st);
    }
    return st;
}

/*
 * Every record of the file, in the order of its frame (issue 10: two
 * arrays instead of a proto_data entry per frame, whose list node and
 * entry cost more than a small record).  The first pass meets frames in
 * order, so a record is appended; a frame's records lie side by side.
 */
static GArray *index_frames;     /* guint32: the record's frame number */
static GPtrArray *index_records; /* const guint8 *: the stored record */
/* The stored records, packed one after another in large blocks (no
 * allocation header, no alignment per record). */
static GStringChunk *store;

void
smtpx_frames_cleanup(void)
{
    if (index_frames) {
        g_array_free(index_frames, TRUE);
        index_frames = NULL;
    }
    if (index_records) {
        g_ptr_array_free(index_records, TRUE);
        index_records = NULL;
    }
    if (store) {
        g_string_chunk_free(store);
        store = NULL;
    }
}

/* The first index entry whose frame is not below frame (index_frames->len
 * when there is none). */
static guint
lower_bound(guint32 frame)
{
    const guint32 *f = (const guint32 *)(void *)index_frames->data;
    guint lo = 0, hi = index_frames->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (f[mid] < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Where the frame's records are in the index: *n of them from the
 * returned position. */
static guint
records_of(const packet_info *pinfo, guint *n)
{
    guint at, end;

    *n = 0;
    if (!index_frames || index_frames->len == 0)
        return 0;
    at = lower_bound(pinfo->num);
    for (end = at; end < index_frames->len &&
                   g_array_index(index_frames, guint32, end) == pinfo->num; end++)
        ;
    *n = end - at;
    return at;
}

static void
index_add(const packet_info *pinfo, const guint8 *rec)
{
    guint32 frame = pinfo->num;
    guint at;

    if (!index_frames) {
        index_frames = g_array_new(FALSE, FALSE, sizeof(guint32));
        index_records = g_ptr_array_new();
    }
    at = index_frames->len;
    /* After the frame's records stored so far, also if frames came out of
     * order. */
    if (at > 0 && g_array_index(index_frames, guint32, at - 1) > frame) {
        at = lower_bound(frame + 1);
        g_array_insert_val(index_frames, at, frame);
        g_ptr_array_insert(index_records, (gint)at, (gpointer)(gsize)rec);
        return;
    }
    g_array_append_val(index_frames, frame);
    g_ptr_array_add(index_records, (gpointer)(gsize)rec);
}

/* A word into the key (a 64-bit multiply and fold). */
static guint64
key_mix(guint64 h, guint64 w)
{
    h = (h ^ w) * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    return h ^ (h >> 29);
}

/* n octets of p into the key, eight at a time (the last word padded with
 * zeros). */
static guint64
key_add(guint64 h, const guint8 *p, guint n)
{
    guint64 w;
    guint i;

    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        h = key_mix(h, w);
    }
    if (i < n) {
        w = 0;
        memcpy(&w, p + i, n - i);
        h = key_mix(h, w);
    }
    return h;
}

/* The length and up to 64 octets at each end, eight at a time. */
guint32
smtpx_frames_key(tvbuff_t *tvb)
{
    guint len = tvb_captured_length(tvb);
    guint head = MIN(len, 64u), tail = MIN(len - head, 64u);
    guint64 h = G_GUINT64_CONSTANT(0xcbf29ce484222325) ^ len;

    /* Only the two ends are read (a reassembled tvb is not flattened). */
    if (head)
        h = key_add(h, tvb_get_ptr(tvb, 0, (gint)head), head);
    if (tail)
        h = key_add(h, tvb_get_ptr(tvb, (gint)(len - tail), (gint)tail), tail);
    return (guint32)(h ^ (h >> 32));
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

/*
 * The packed form of a record's events (issue 10), one after another
 * behind the record, in order:
 *
 *   octet 0   kind (PK_KIND), dir (PK_DIR), PK_PTR: an 8-octet pointer
 *             follows, PK_VERB_NAME: a reply's cmd_name is the name of
 *             its cmd_verb
 *   octet 1   CEV_* flags
 *   not CEV_REBUILT: the session's event (PK_PTR; borrowed, it lives
 *             until the file closes)
 *   CEV_REBUILT:
 *     offset, length                        unsigned LEB128 varints
 *     COMMAND  its response frame, 4 octets (host order, written later
 *              through the command's user when its reply comes)
 *     REPLY    cmd_verb (1 octet), the request frame (varint), reply time
 *              minus request time in ns (zigzag varint), cmd_name
 *              (PK_PTR: interned, file scope; PK_VERB_NAME; or neither:
 *              NULL)
 *     others   the message or transaction pointed at (PK_PTR, borrowed:
 *              the session keeps them), or NULL
 *     COMMAND and REPLY not CEV_IN_FRAME: then their length bytes.
 * Pointers and the 4-octet frame are unaligned: read with memcpy.
 */
#define PK_KIND      0x0f
#define PK_DIR       0x10
#define PK_PTR       0x20
#define PK_VERB_NAME 0x40

#define CEV_IN_TVB        0x01  /* offset/length are in this call's bytes
                                   (not a gap, not held bytes of an
                                   earlier frame) */
#define CEV_REBUILT       0x02  /* made again from its bytes
                                   (smtpx_event_rebuild); else whole */
#define CEV_BEGAN_EARLIER 0x04
#define CEV_INJECTED      0x08
#define CEV_PIPELINED     0x10
#define CEV_INTERMEDIATE  0x20
#define CEV_EHLO          0x40
#define CEV_IN_FRAME      0x80  /* REBUILT COMMAND/REPLY: its bytes are the
                                   frame's own, at the record's
                                   frame_offset + base + offset; none are
                                   stored */

/* The most one event's packed form takes, its bytes aside. */
#define PK_MAX_EVENT (2 + 10 + 10 + 1 + 10 + 10 + 8)

/* One event, decoded. */
typedef struct {
    guint8   kind;
    guint8   dir;
    guint8   flags;
    guint8   cmd_verb;
    guint64  offset;
    guint64  length;
    guint32  linked_frame;
    const void *ptr;
    gint64   request_delta_ns;
} cev_t;

static guint8 *
put_varint(guint8 *p, guint64 v)
{
    while (v >= 0x80) {
        *p++ = (guint8)(v | 0x80);
        v >>= 7;
    }
    *p++ = (guint8)v;
    return p;
}

/* Reads what put_varint wrote (the record is ours: no bounds to check
 * beyond the 10 octets a guint64 takes). */
static const guint8 *
get_varint(const guint8 *p, guint64 *v)
{
    guint shift = 0;

    *v = 0;
    do {
        *v |= (guint64)(*p & 0x7f) << shift;
        shift += 7;
    } while ((*p++ & 0x80) && shift < 64);
    return p;
}

static guint8 *
put_ptr(guint8 *p, const void *ptr)
{
    memcpy(p, &ptr, sizeof ptr);
    return p + sizeof ptr;
}

/* The compact form of a released event (smtpx_frames_compactable said
 * yes before the session took it), packed at p; *frame_slot: where a
 * COMMAND's response frame is (else NULL).  Returns the end. */
static guint8 *
pack_released(packet_info *pinfo, const smtpx_frames_event_t *in, gboolean in_frame_bytes,
              guint8 *p, guint8 **frame_slot)
{
    const smtpx_event_t *ev = in->ev;
    guint8 *b0 = p;
    guint8 flags = CEV_REBUILT | (in->in_tvb ? CEV_IN_TVB : 0) |
                   (ev->began_earlier ? CEV_BEGAN_EARLIER : 0) |
                   (in_frame_bytes ? CEV_IN_FRAME : 0);
    const void *ptr = NULL;

    *b0 = (guint8)((guint)ev->kind | (ev->dir == SMTPX_DIR_SERVER ? PK_DIR : 0));
    p += 2;
    p = put_varint(p, ev->offset);
    p = put_varint(p, ev->length);
    switch (ev->kind) {
    case SMTPX_EV_COMMAND: {
        guint32 rf = ev->command->response_frame;

        flags |= (ev->command->injected ? CEV_INJECTED : 0) |
                 (ev->command->pipelined ? CEV_PIPELINED : 0);
        *frame_slot = p;
        memcpy(p, &rf, sizeof rf);
        p += sizeof rf;
        break;
    }
    case SMTPX_EV_REPLY: {
        const smtpx_reply_event_t *re = ev->reply;
        gint64 delta = 0;

        flags |= (re->injected ? CEV_INJECTED : 0) |
                 (re->intermediate ? CEV_INTERMEDIATE : 0) |
                 (re->ehlo ? CEV_EHLO : 0);
        time_delta(smtpx_time_of(pinfo), re->request_time, &delta);
        *p++ = (guint8)re->cmd_verb;
        p = put_varint(p, re->request_frame);
        /* zigzag: small magnitudes of either sign stay short */
        p = put_varint(p, ((guint64)delta << 1) ^ (delta < 0 ? G_MAXUINT64 : 0));
        if (re->cmd_name && strcmp(re->cmd_name, smtpx_verb_name(re->cmd_verb)) == 0)
            *b0 |= PK_VERB_NAME;
        else
            ptr = intern_name(re->cmd_name);
        break;
    }
    case SMTPX_EV_DATA:
    case SMTPX_EV_MESSAGE:
    case SMTPX_EV_END_OF_DATA:
        ptr = ev->message;
        break;
    case SMTPX_EV_TXN:
        ptr = ev->txn;
        break;
    default:
        break;
    }
    if (ptr) {
        *b0 |= PK_PTR;
        p = put_ptr(p, ptr);
    }
    b0[1] = flags;
    return p;
}

/* One packed event at p into c; returns the end of its packed form (its
 * stored bytes, if any, follow there). */
static const guint8 *
unpack(const guint8 *p, cev_t *c)
{
    guint8 b0 = *p++;

    memset(c, 0, sizeof *c);
    c->kind = (guint8)(b0 & PK_KIND);
    c->dir = (guint8)((b0 & PK_DIR) ? SMTPX_DIR_SERVER : SMTPX_DIR_CLIENT);
    c->flags = *p++;
    if (c->flags & CEV_REBUILT) {
        p = get_varint(p, &c->offset);
        p = get_varint(p, &c->length);
        if (c->kind == SMTPX_EV_COMMAND) {
            memcpy(&c->linked_frame, p, sizeof c->linked_frame);
            p += sizeof c->linked_frame;
        } else if (c->kind == SMTPX_EV_REPLY) {
            guint64 v;

            c->cmd_verb = *p++;
            p = get_varint(p, &v);
            c->linked_frame = (guint32)v;
            p = get_varint(p, &v);
            c->request_delta_ns = (gint64)(v >> 1) ^ -(gint64)(v & 1);
            if (b0 & PK_VERB_NAME)
                c->ptr = smtpx_verb_name((smtpx_verb_t)c->cmd_verb);
        }
    }
    if (b0 & PK_PTR) {
        memcpy(&c->ptr, p, sizeof c->ptr);
        p += sizeof c->ptr;
    }
    return p;
}

/* A stored record's header, before its events (issue 10: a few octets
 * instead of a 24-octet struct): octet 0 RH_* flags, then n_events and
 * base (varints), key (4 octets), frame_offset (varint, with
 * RH_FRAME_OFFSET; else G_MAXUINT32), payload_offset (varint, with
 * RH_CATCHUP). */
#define RH_STARTTLS     0x01
#define RH_CATCHUP      0x02
#define RH_FRAME_OFFSET 0x04

/* The most a header takes. */
#define RH_MAX (1 + 10 + 10 + 4 + 10 + 10)

static guint8 *
pack_header(guint8 *p, const smtpx_record_t *rec, guint n_events)
{
    guint8 *b0 = p++;

    *b0 = (rec->starttls ? RH_STARTTLS : 0) | (rec->catchup ? RH_CATCHUP : 0) |
          (rec->frame_offset != G_MAXUINT32 ? RH_FRAME_OFFSET : 0);
    p = put_varint(p, n_events);
    p = put_varint(p, rec->base);
    memcpy(p, &rec->key, sizeof rec->key);
    p += sizeof rec->key;
    if (*b0 & RH_FRAME_OFFSET)
        p = put_varint(p, rec->frame_offset);
    if (*b0 & RH_CATCHUP)
        p = put_varint(p, rec->payload_offset);
    return p;
}

/* The stored record at stored, its header decoded (packet scope). */
static smtpx_record_t *
unpack_header(packet_info *pinfo, const guint8 *stored)
{
    smtpx_record_t *rec = wmem_new0(SMTPX_PACKET_POOL(pinfo), smtpx_record_t);
    const guint8 *p = stored + 1;
    guint64 v;

    rec->stored = stored;
    rec->starttls = (*stored & RH_STARTTLS) != 0;
    rec->catchup = (*stored & RH_CATCHUP) != 0;
    p = get_varint(p, &v);
    rec->n_events = (guint32)v;
    p = get_varint(p, &v);
    rec->base = (guint32)v;
    memcpy(&rec->key, p, sizeof rec->key);
    p += sizeof rec->key;
    rec->frame_offset = G_MAXUINT32;
    if (*stored & RH_FRAME_OFFSET) {
        p = get_varint(p, &v);
        rec->frame_offset = (guint32)v;
    }
    if (*stored & RH_CATCHUP) {
        p = get_varint(p, &v);
        rec->payload_offset = (guint32)v;
    }
    rec->packed = p;
    return rec;
}

smtpx_record_t *
smtpx_frames_store(packet_info *pinfo, const smtpx_record_t *rec,
                   const smtpx_frames_event_t *events, guint n_events)
{
    const guint8 *stored;
    guint8 *scratch, *p;
    gsize n_bytes = 0, packed;
    guint i, flen;
    guint8 *frame_held = wmem_alloc0(SMTPX_PACKET_POOL(pinfo), n_events + 1);
    gsize *slots = wmem_alloc0_array(SMTPX_PACKET_POOL(pinfo), gsize, n_events + 1);
    const guint8 *f = frame_bytes(pinfo, &flen);

    for (i = 0; i < n_events; i++) {
        if (!events[i].released || !has_bytes(events[i].ev->kind))
            continue;
        frame_held[i] = in_frame(f, flen, rec, &events[i]);
        if (!frame_held[i])
            n_bytes += events[i].ev->length;
    }
    /* Packed into packet scope first, then kept at its exact size. */
    scratch = (guint8 *)wmem_alloc(SMTPX_PACKET_POOL(pinfo),
                                   RH_MAX + (gsize)n_events * PK_MAX_EVENT + n_bytes + 1);
    p = pack_header(scratch, rec, n_events);
    for (i = 0; i < n_events; i++) {
        smtpx_event_t *ev = events[i].ev;

        slots[i] = G_MAXSIZE;
        if (events[i].released) {
            guint8 *slot = NULL;

            p = pack_released(pinfo, &events[i], frame_held[i], p, &slot);
            if (slot)
                slots[i] = (gsize)(slot - scratch);
            if (!frame_held[i] && has_bytes(ev->kind)) {
                memcpy(p, events[i].bytes, ev->length);
                p += ev->length;
            }
        } else {
            *p++ = (guint8)((guint)ev->kind | (ev->dir == SMTPX_DIR_SERVER ? PK_DIR : 0) |
                            PK_PTR);
            *p++ = events[i].in_tvb ? CEV_IN_TVB : 0;
            p = put_ptr(p, ev);
        }
    }
    packed = (gsize)(p - scratch);
    if (!store)
        store = g_string_chunk_new(64 * 1024);
    /* A copy that never moves (the chunk adds a NUL nobody reads). */
    stored = (const guint8 *)g_string_chunk_insert_len(store, (const gchar *)scratch,
                                                       (gssize)packed);
    for (i = 0; i < n_events; i++) {
        smtpx_event_t *ev = events[i].ev;

        if (slots[i] != G_MAXSIZE && ev->kind == SMTPX_EV_COMMAND)
            ev->command->user = (gpointer)(gsize)(stored + slots[i]);
        /* The command this reply answers learns its response frame. */
        if (ev->kind == SMTPX_EV_REPLY && ev->reply && ev->reply->answered_user) {
            guint32 rf = ev->frame;

            memcpy(ev->reply->answered_user, &rf, sizeof rf);
        }
    }
    index_add(pinfo, stored);
    return unpack_header(pinfo, stored);
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
make_event(packet_info *pinfo, const cev_t *c, const guint8 *bytes, GPtrArray **rebuilt)
{
    smtpx_rebuild_context_t ctx;
    smtpx_event_t *ev;

    if (!(c->flags & CEV_REBUILT))
        return (smtpx_event_t *)(gsize)c->ptr;
    if (!has_bytes((smtpx_event_kind_t)c->kind)) {
        ev = wmem_new0(SMTPX_PACKET_POOL(pinfo), smtpx_event_t);
        ev->kind = (smtpx_event_kind_t)c->kind;
        ev->dir = (smtpx_dir_t)c->dir;
        ev->frame = pinfo->num;
        ev->offset = (gsize)c->offset;
        ev->length = (gsize)c->length;
        ev->began_earlier = (c->flags & CEV_BEGAN_EARLIER) != 0;
        if (c->kind == SMTPX_EV_TXN)
            ev->txn = (smtpx_txn_event_t *)(gsize)c->ptr;
        else
            ev->message = (smtpx_message_event_t *)(gsize)c->ptr;
        return ev;
    }
    if (!bytes)
        return NULL;
    memset(&ctx, 0, sizeof ctx);
    ctx.kind = (smtpx_event_kind_t)c->kind;
    ctx.dir = (smtpx_dir_t)c->dir;
    ctx.frame = pinfo->num;
    ctx.offset = (gsize)c->offset;
    ctx.injected = (c->flags & CEV_INJECTED) != 0;
    ctx.pipelined = (c->flags & CEV_PIPELINED) != 0;
    ctx.linked_frame = c->linked_frame;
    ctx.cmd_name = (const char *)c->ptr;
    ctx.cmd_verb = (smtpx_verb_t)c->cmd_verb;
    ctx.reply_time = smtpx_time_of(pinfo);
    ctx.request_time = time_minus(ctx.reply_time, c->request_delta_ns);
    ctx.intermediate = (c->flags & CEV_INTERMEDIATE) != 0;
    ctx.has_ehlo = (c->flags & CEV_EHLO) != 0;
    ev = smtpx_event_rebuild(&ctx, bytes, (gsize)c->length);
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
    const guint8 *p = stored->packed;
    smtpx_event_t **events = wmem_alloc0_array(SMTPX_PACKET_POOL(pinfo), smtpx_event_t *,
                                               stored->n_events + 1);
    guint8 *in_tvb = (guint8 *)wmem_alloc0(SMTPX_PACKET_POOL(pinfo), stored->n_events + 1);
    GPtrArray *rebuilt = NULL;
    const guint8 *frame = NULL;
    guint i, n = 0, flen = 0;

    for (i = 0; i < stored->n_events; i++) {
        const guint8 *src = NULL;
        smtpx_event_t *ev;
        cev_t c;

        p = unpack(p, &c);
        /* Where a command's or reply's bytes are: the frame's own, or
         * stored right behind its packed form. */
        if ((c.flags & CEV_IN_FRAME)) {
            guint64 at = (guint64)stored->frame_offset + stored->base + c.offset;

            if (!frame)
                frame = frame_bytes(pinfo, &flen);
            src = frame && at + c.length <= flen ? frame + at : NULL;
        } else if ((c.flags & CEV_REBUILT) && has_bytes((smtpx_event_kind_t)c.kind)) {
            src = p;
            p += c.length;
        }
        ev = make_event(pinfo, &c, src, &rebuilt);
        if (!ev)
            continue;
        events[n] = ev;
        in_tvb[n] = (c.flags & CEV_IN_TVB) ? 1 : 0;
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
    guint n, at = records_of(pinfo, &n), i;
    frame_state_t *st;

    if (n == 0)
        return NULL;
    st = frame_state(pinfo, TRUE);
    for (i = st->next; i < n; i++) {
        const guint8 *stored = (const guint8 *)g_ptr_array_index(index_records, at + i);
        smtpx_record_t *rec = unpack_header(pinfo, stored);

        if (!rec->catchup && rec->key == key) {
            st->next = i + 1;
            return rec;
        }
    }
    return NULL;
}

guint
smtpx_frames_count(packet_info *pinfo)
{
    guint n;

    records_of(pinfo, &n);
    return n;
}

smtpx_record_t *
smtpx_frames_get(packet_info *pinfo, guint i)
{
    guint n, at = records_of(pinfo, &n);

    return i < n ? unpack_header(pinfo, (const guint8 *)g_ptr_array_index(index_records, at + i))
                 : NULL;
}

gboolean
smtpx_frames_shown(packet_info *pinfo, const smtpx_record_t *rec, gboolean mark)
{
    frame_state_t *st = frame_state(pinfo, mark);
    guint i;

    if (!st)
        return FALSE;
    for (i = 0; i < st->n_shown; i++)
        if (st->shown[i] == rec->stored)
            return TRUE;
    if (!mark)
        return FALSE;
    if (st->n_shown == st->cap_shown) {
        st->cap_shown = st->cap_shown ? st->cap_shown * 2 : 4;
        st->shown = (const guint8 **)wmem_realloc(SMTPX_PACKET_POOL(pinfo), st->shown,
                                                  st->cap_shown * sizeof *st->shown);
    }
    st->shown[st->n_shown++] = rec->stored;
    return FALSE;
}

void
smtpx_frames_mark_dissected(packet_info *pinfo)
{
    frame_state(pinfo, TRUE)->dissected = TRUE;
}

gboolean
smtpx_frames_dissected(packet_info *pinfo)
{
    const frame_state_t *st = frame_state(pinfo, FALSE);

    return st && st->dissected;
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
