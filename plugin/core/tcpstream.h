/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tcpstream.h - TCP sequence tracking for the two directions of one
 * connection, as plain C: the caller hands each TCP segment it is given
 * (sequence number, acknowledgment number, flags, payload bytes) and gets
 * back, in stream order, the spans of new bytes to analyse and the gaps
 * where bytes are known to be lost.  RFC 793 section 3.3 (sequence
 * numbers, modulo 2^32 arithmetic), 3.4 (SYN), 3.7 (retransmission), RFC
 * 1122 section 4.2.2.12 (data in a RST is not stream data).
 *
 * What it does with a segment of direction dir:
 * - Bytes before the sequence number expected next (a retransmission or an
 *   overlap) are dropped; new bytes after them are emitted (a retransmission
 *   carrying new data).
 * - A segment ahead of the expected sequence number is held (copied, at most
 *   max_segments segments or max_bytes octets per direction) until the hole
 *   before it fills; then it is emitted after the bytes that filled it.
 * - A hole is a gap (emitted once, with the number of missing octets) when
 *   the peer acknowledged bytes beyond it (the capture lost them, TCP did
 *   not), when the hold limit is passed, or when a RST ends the direction.
 * - The peer acknowledging bytes that no segment of the capture carried is
 *   a gap of the peer's direction, emitted before this segment's bytes.
 * - A SYN occupies one sequence number: its data, if any, starts at seq + 1;
 *   a retransmitted SYN carries nothing new.
 *
 * Every span is emitted exactly once, through the callback, in the order the
 * analysis must consume them; nothing emitted is revised later.  The spans
 * of a direction are contiguous in sequence space, except that a gap of the
 * peer's direction starts after octets seen but left for later (consume <
 * len): those are abandoned with it, as the reassembly that held them back
 * cannot complete.  Bad input
 * (any numbers, any flags, any length) never crashes: wild sequence numbers
 * give gaps or dropped bytes, and memory stays within the hold limits.
 */
#ifndef SMTPX_CORE_TCPSTREAM_H
#define SMTPX_CORE_TCPSTREAM_H

#include "common.h"

G_BEGIN_DECLS

/* TCP header flags (RFC 793 section 3.1, th_flags bits). */
#define SMTPX_TCP_FIN 0x001
#define SMTPX_TCP_SYN 0x002
#define SMTPX_TCP_RST 0x004
#define SMTPX_TCP_ACK 0x010

/* Default hold limits per direction. */
#define SMTPX_TCP_HOLD_SEGMENTS 64
#define SMTPX_TCP_HOLD_BYTES    (1024u * 1024u)

/* One TCP segment as the caller was given it. */
typedef struct {
    guint32       seq;     /* sequence number of the first payload octet
                              (of the SYN when flags has SMTPX_TCP_SYN) */
    guint32       ack;     /* acknowledgment number; read only with ACK */
    guint16       flags;   /* SMTPX_TCP_* bits; others are ignored */
    const guint8 *data;    /* payload, not NUL-terminated: its first
                              consume octets are read (NULL: none) */
    gsize         len;     /* payload octets the segment covers in
                              sequence space (all of them count as seen,
                              captured or not) */
    gsize         consume; /* of those, the leading octets to analyse now
                              (the rest will come back in a later segment,
                              e.g. reassembled by the caller's TCP layer);
                              taken as at most len, and as 0 when data is
                              NULL */
} smtpx_tcp_segment_t;

typedef enum {
    SMTPX_TCP_SPAN_DATA = 0, /* new octets, in stream order */
    SMTPX_TCP_SPAN_GAP       /* octets lost before what follows */
} smtpx_tcp_span_kind_t;

typedef struct {
    smtpx_tcp_span_kind_t kind;
    smtpx_dir_t   dir;       /* direction the span belongs to (a gap can be
                                the peer's) */
    guint32       seq;       /* sequence number of the first octet (DATA), or
                                where the hole starts (GAP) */
    const guint8 *data;      /* DATA: len octets, valid only during the
                                callback; GAP: NULL */
    gsize         len;       /* DATA: octets; GAP: missing octets */
    gboolean      in_segment;/* DATA: the octets are in the segment just
                                given, at offset; FALSE for held octets of
                                an earlier segment */
    gsize         offset;    /* DATA with in_segment: offset in seg->data */
} smtpx_tcp_span_t;

/* Called once per span, in order; user is the caller's pointer. */
typedef void (*smtpx_tcp_emit_fn)(const smtpx_tcp_span_t *span, void *user);

typedef struct smtpx_tcpstream smtpx_tcpstream_t;

/*
 * A tracker for one connection, both directions unknown yet.
 * max_segments/max_bytes: hold limits per direction (0: the defaults
 * above).  Free with smtpx_tcpstream_free (NULL is allowed there).
 */
smtpx_tcpstream_t *smtpx_tcpstream_new(guint max_segments, gsize max_bytes);
void smtpx_tcpstream_free(smtpx_tcpstream_t *ts);

/*
 * smtpx_tcpstream_segment - one segment of direction dir, in capture order.
 * The first segment of a direction sets its expected sequence number.
 * seg->data is read during the call only (held octets are copied).
 * emit is called for every span this segment releases, possibly none.
 */
void smtpx_tcpstream_segment(smtpx_tcpstream_t *ts, smtpx_dir_t dir,
                             const smtpx_tcp_segment_t *seg,
                             smtpx_tcp_emit_fn emit, void *user);

/* Octets currently held (out of order) for dir: for tests and limits. */
gsize smtpx_tcpstream_held_bytes(const smtpx_tcpstream_t *ts, smtpx_dir_t dir);
guint smtpx_tcpstream_held_segments(const smtpx_tcpstream_t *ts, smtpx_dir_t dir);

G_END_DECLS

#endif /* SMTPX_CORE_TCPSTREAM_H */
