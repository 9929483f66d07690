/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_tcpstream.c - libFuzzer target for plugin/core/tcpstream.c.
 *
 * The input is a list of segments, each an 8-octet header and its payload:
 *   [0]    bit 0 direction, bits 1-4 flags FIN SYN RST ACK
 *   [1..2] sequence number, signed big-endian delta from the direction's
 *          base (so that segments land near each other)
 *   [3..4] acknowledgment number, delta from the peer's base
 *   [5]    payload length, [6] octets to consume now, [7] unused
 * Checked on every span: spans of a direction are contiguous in sequence
 * space (a gap may skip octets that were seen but left for later), every
 * data span is non-empty, and the held octets stay within the limits.
 */
#include <string.h>

#include "tcpstream.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

#define HOLD_SEGMENTS 8
#define HOLD_BYTES    512

typedef struct {
    gboolean known[2];
    guint32  end[2];
} track_t;

static void
check(const smtpx_tcp_span_t *sp, void *user)
{
    track_t *t = (track_t *)user;
    guint d = sp->dir == SMTPX_DIR_SERVER ? 1 : 0;

    if (sp->kind == SMTPX_TCP_SPAN_DATA) {
        if (sp->len == 0 || !sp->data)
            __builtin_trap();
        if (t->known[d] && sp->seq != t->end[d])
            __builtin_trap();
    } else if (t->known[d] && (gint32)(sp->seq - t->end[d]) < 0) {
        __builtin_trap();
    }
    t->known[d] = TRUE;
    t->end[d] = sp->seq + (guint32)sp->len;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    static const guint16 flag_bits[4] = {
        SMTPX_TCP_FIN, SMTPX_TCP_SYN, SMTPX_TCP_RST, SMTPX_TCP_ACK
    };
    smtpx_tcpstream_t *ts = smtpx_tcpstream_new(HOLD_SEGMENTS, HOLD_BYTES);
    const guint32 base[2] = { 0xfffff000u, 0x7ffffff0u };
    track_t t;
    size_t pos = 0;

    memset(&t, 0, sizeof t);
    while (pos + 8 <= size) {
        const guint8 *h = data + pos;
        smtpx_tcp_segment_t seg;
        guint d = h[0] & 1, i;
        gsize len = h[5];

        memset(&seg, 0, sizeof seg);
        for (i = 0; i < 4; i++)
            if (h[0] & (2u << i))
                seg.flags |= flag_bits[i];
        seg.seq = base[d] + (guint32)(gint32)(gint16)((h[1] << 8) | h[2]);
        seg.ack = base[1 - d] + (guint32)(gint32)(gint16)((h[3] << 8) | h[4]);
        pos += 8;
        len = MIN(len, size - pos);
        seg.data = data + pos;
        seg.len = len;
        seg.consume = h[6];
        pos += len;
        smtpx_tcpstream_segment(ts, d ? SMTPX_DIR_SERVER : SMTPX_DIR_CLIENT, &seg, check, &t);
        for (i = 0; i < 2; i++) {
            smtpx_dir_t dir = i ? SMTPX_DIR_SERVER : SMTPX_DIR_CLIENT;
            if (smtpx_tcpstream_held_segments(ts, dir) > HOLD_SEGMENTS ||
                smtpx_tcpstream_held_bytes(ts, dir) > HOLD_BYTES)
                __builtin_trap();
        }
    }
    smtpx_tcpstream_free(ts);
    return 0;
}
