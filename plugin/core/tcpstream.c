/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcpstream.c - TCP sequence tracking, retransmissions, out-of-order
 * holding and gaps (see tcpstream.h).  Sequence numbers are compared with
 * RFC 793 section 3.3 modulo 2^32 arithmetic: a is after b when the signed
 * 32-bit difference a - b is positive.
 */
#include <string.h>

#include "tcpstream.h"

/* A segment that arrived ahead of the expected sequence number. */
typedef struct {
    guint32  seq;
    gsize    len;
    guint8  *data;
} held_t;

/* Issue 10: kept for every connection until the file closes, so flags
 * are bits and the hold queue exists only while it holds a segment. */
typedef struct {
    guint32  next_seq;      /* sequence number expected next */
    guint32  acked;         /* highest ACK the peer sent for this direction */
    guint32  seen_end;      /* end of the furthest segment seen, analysed
                               now or not (consume < len) */
    guint    seq_valid : 1;
    guint    acked_valid : 1;
    GQueue  *held;          /* held_t *, ascending sequence order; NULL
                               when none is held */
    gsize    held_bytes;
} direction_t;

struct smtpx_tcpstream {
    direction_t dir[2];
    guint max_segments;
    gsize max_bytes;
};

/* The output of one smtpx_tcpstream_segment call. */
typedef struct {
    smtpx_tcp_emit_fn emit;
    void *user;
} sink_t;

static gint32
seq_diff(guint32 a, guint32 b)
{
    return (gint32)(a - b);
}

/*
 * Leading octets of [seq, seq + len) that come before next (already
 * emitted): 0 when the segment starts at or after next, len when all of it
 * was seen.
 */
static gsize
seen_prefix(guint32 next, guint32 seq, gsize len)
{
    gint32 ahead = seq_diff(seq, next);
    guint32 old;

    if (ahead >= 0)
        return 0;
    old = (guint32)(-(gint64)ahead);
    return old >= len ? len : old;
}

static gboolean
acked_beyond(const direction_t *d, guint32 mark)
{
    return d->seq_valid && d->acked_valid && seq_diff(d->acked, mark) > 0;
}

static void
emit_gap(const sink_t *out, smtpx_dir_t dir, guint32 seq, gsize missing)
{
    smtpx_tcp_span_t sp;

    memset(&sp, 0, sizeof sp);
    sp.kind = SMTPX_TCP_SPAN_GAP;
    sp.dir = dir;
    sp.seq = seq;
    sp.len = missing;
    out->emit(&sp, out->user);
}

static void
emit_data(const sink_t *out, smtpx_dir_t dir, guint32 seq, const guint8 *data,
          gsize len, gboolean in_segment, gsize offset)
{
    smtpx_tcp_span_t sp;

    memset(&sp, 0, sizeof sp);
    sp.kind = SMTPX_TCP_SPAN_DATA;
    sp.dir = dir;
    sp.seq = seq;
    sp.data = data;
    sp.len = len;
    sp.in_segment = in_segment;
    sp.offset = offset;
    out->emit(&sp, out->user);
}

static void
held_free(held_t *h)
{
    g_free(h->data);
    g_free(h);
}

/* Emits held segments that have become contiguous with next_seq. */
static void
release_held(direction_t *d, smtpx_dir_t dir, const sink_t *out)
{
    held_t *h;

    while (d->held && (h = (held_t *)g_queue_peek_head(d->held)) != NULL) {
        gsize skip;

        if (seq_diff(h->seq, d->next_seq) > 0)
            break;                      /* still a hole before it */
        g_queue_pop_head(d->held);
        if (g_queue_is_empty(d->held)) {
            g_queue_free(d->held);
            d->held = NULL;
        }
        d->held_bytes -= h->len;
        skip = seen_prefix(d->next_seq, h->seq, h->len);
        if (skip < h->len) {
            d->next_seq = h->seq + (guint32)h->len;
            emit_data(out, dir, h->seq + (guint32)skip, h->data + skip,
                      h->len - skip, FALSE, 0);
        }
        held_free(h);
    }
}

/* Gives up waiting: the octets before the first held segment are lost. */
static void
flush_first_hole(direction_t *d, smtpx_dir_t dir, const sink_t *out)
{
    const held_t *h = d->held ? (const held_t *)g_queue_peek_head(d->held) : NULL;

    if (!h)
        return;
    emit_gap(out, dir, d->next_seq, (guint32)(h->seq - d->next_seq));
    d->next_seq = h->seq;
    release_held(d, dir, out);
}

static gint
held_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
    gint32 diff = seq_diff(((const held_t *)a)->seq, ((const held_t *)b)->seq);

    (void)unused;
    return diff < 0 ? -1 : diff > 0 ? 1 : 0;
}

/* Keeps a copy of a segment that arrived ahead; gives up holes past the
 * limits. */
static void
hold(smtpx_tcpstream_t *ts, direction_t *d, smtpx_dir_t dir, guint32 seq,
     const guint8 *data, gsize len, const sink_t *out)
{
    held_t *h = smtpx_new0(held_t);

    h->seq = seq;
    h->len = len;
    h->data = (guint8 *)g_malloc(len ? len : 1);
    if (len)
        memcpy(h->data, data, len);
    if (!d->held)
        d->held = g_queue_new();
    g_queue_insert_sorted(d->held, h, held_cmp, NULL);
    d->held_bytes += len;
    /* One hole given up may not be enough (a big segment behind small
     * ones): until the hold is within its limits again. */
    while (d->held && (d->held->length > ts->max_segments || d->held_bytes > ts->max_bytes))
        flush_first_hole(d, dir, out);
}

/*
 * What the ACK of a segment says about the peer's direction: octets the
 * peer sent and no segment of the capture carried.
 */
static void
peer_acknowledged(direction_t *p, smtpx_dir_t peer, const sink_t *out)
{
    if (p->held && acked_beyond(p, p->next_seq)) {
        flush_first_hole(p, peer, out);
    } else if (acked_beyond(p, p->seen_end)) {
        /* Said now, before this side's octets: a client that does not
         * pipeline read those replies before its next command. */
        emit_gap(out, peer, p->seen_end, (guint32)(p->acked - p->seen_end));
        p->next_seq = p->acked;
        p->seen_end = p->acked;
    }
}

/* The octets [seq, seq + take) of the segment, after the hole checks. */
static void
place(smtpx_tcpstream_t *ts, direction_t *d, smtpx_dir_t dir, guint32 seq,
      const guint8 *data, gsize take, const sink_t *out)
{
    gint32 ahead = seq_diff(seq, d->next_seq);
    gsize skip = 0;

    if (ahead > 0 && acked_beyond(d, d->next_seq)) {
        /* The peer already acknowledged the missing octets: lost. */
        flush_first_hole(d, dir, out);
        ahead = seq_diff(seq, d->next_seq);
        if (ahead > 0) {
            /* Said once: the octets expected next are this segment's, even
             * when none of them is consumed now. */
            emit_gap(out, dir, d->next_seq, (guint32)ahead);
            d->next_seq = seq;
            ahead = 0;
        }
    } else if (ahead > 0) {
        if (take > 0)
            hold(ts, d, dir, seq, data, take, out);
        return;
    }
    if (ahead < 0)
        skip = seen_prefix(d->next_seq, seq, take);
    if (take > skip) {
        d->next_seq = seq + (guint32)take;
        emit_data(out, dir, seq + (guint32)skip, data + skip, take - skip, TRUE, skip);
    }
    release_held(d, dir, out);
}

smtpx_tcpstream_t *
smtpx_tcpstream_new(guint max_segments, gsize max_bytes)
{
    smtpx_tcpstream_t *ts = smtpx_new0(smtpx_tcpstream_t);

    ts->max_segments = max_segments ? max_segments : SMTPX_TCP_HOLD_SEGMENTS;
    ts->max_bytes = max_bytes ? max_bytes : SMTPX_TCP_HOLD_BYTES;
    return ts;
}

void
smtpx_tcpstream_free(smtpx_tcpstream_t *ts)
{
    guint i;

    if (!ts)
        return;
    for (i = 0; i < 2; i++)
        if (ts->dir[i].held)
            g_queue_free_full(ts->dir[i].held, (GDestroyNotify)held_free);
    g_free(ts);
}

void
smtpx_tcpstream_segment(smtpx_tcpstream_t *ts, smtpx_dir_t dir,
                        const smtpx_tcp_segment_t *seg,
                        smtpx_tcp_emit_fn emit, void *user)
{
    smtpx_dir_t peer = dir == SMTPX_DIR_CLIENT ? SMTPX_DIR_SERVER : SMTPX_DIR_CLIENT;
    direction_t *d, *p;
    sink_t out;
    guint32 seq, end;
    gsize len, take;

    if (!ts || !seg || !emit || (dir != SMTPX_DIR_CLIENT && dir != SMTPX_DIR_SERVER))
        return;
    d = &ts->dir[dir];
    p = &ts->dir[peer];
    out.emit = emit;
    out.user = user;
    len = MIN(seg->len, (gsize)G_MAXINT32);  /* a span of sequence space */
    take = seg->data ? MIN(seg->consume, len) : 0;
    /* RFC 793 3.4: the SYN occupies the sequence number before the data. */
    seq = (seg->flags & SMTPX_TCP_SYN) ? seg->seq + 1 : seg->seq;
    /* The FIN occupies the number after the data (RFC 793 3.5). */
    end = seq + (guint32)len + ((seg->flags & SMTPX_TCP_FIN) ? 1 : 0);

    if (!d->seq_valid) {
        d->seq_valid = TRUE;
        d->next_seq = seq;
        d->seen_end = seq;
    }
    if (seq_diff(end, d->seen_end) > 0)
        d->seen_end = end;
    if (seg->flags & SMTPX_TCP_ACK) {
        if (!p->acked_valid || seq_diff(seg->ack, p->acked) > 0)
            p->acked = seg->ack;
        p->acked_valid = TRUE;
    }
    peer_acknowledged(p, peer, &out);

    if (seg->flags & SMTPX_TCP_RST) {
        /* RFC 1122 4.2.2.12: data in a RST is a diagnostic, not stream
         * data.  The sender aborted: its holes will never fill. */
        while (d->held)
            flush_first_hole(d, dir, &out);
        return;
    }
    place(ts, d, dir, seq, seg->data, take, &out);
}

gsize
smtpx_tcpstream_held_bytes(const smtpx_tcpstream_t *ts, smtpx_dir_t dir)
{
    if (!ts || (dir != SMTPX_DIR_CLIENT && dir != SMTPX_DIR_SERVER))
        return 0;
    return ts->dir[dir].held_bytes;
}

guint
smtpx_tcpstream_held_segments(const smtpx_tcpstream_t *ts, smtpx_dir_t dir)
{
    if (!ts || (dir != SMTPX_DIR_CLIENT && dir != SMTPX_DIR_SERVER))
        return 0;
    return ts->dir[dir].held ? ts->dir[dir].held->length : 0;
}
