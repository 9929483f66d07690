/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_tcpstream.c - unit tests for plugin/core/tcpstream.c: in-order,
 * retransmitted, overlapping and out-of-order segments, sequence numbers
 * wrapping at 2^32 (RFC 793 3.3), holes the peer acknowledged, holes that
 * never fill (hold limits, RST), SYN and SYN retransmission (RFC 793 3.4),
 * partial consumption.  Each expected span list follows from the sequence
 * numbers of the case: "C" client / "S" server, "d" data in the segment
 * given, "h" held data of an earlier segment, "g" gap with its size.
 */
#include <string.h>

#include "tcpstream.h"

/* Spans as text: "Cd@0:abc Sg5 Ch:xyz", one word per span. */
static void
record(const smtpx_tcp_span_t *sp, void *user)
{
    GString *s = (GString *)user;

    if (s->len)
        g_string_append_c(s, ' ');
    g_string_append_c(s, sp->dir == SMTPX_DIR_CLIENT ? 'C' : 'S');
    if (sp->kind == SMTPX_TCP_SPAN_GAP) {
        g_assert_null(sp->data);
        g_string_append_printf(s, "g%" G_GSIZE_FORMAT, sp->len);
        return;
    }
    g_assert_cmpuint(sp->len, >, 0);
    if (sp->in_segment)
        g_string_append_printf(s, "d@%" G_GSIZE_FORMAT ":", sp->offset);
    else
        g_string_append(s, "h:");
    g_string_append_len(s, (const char *)sp->data, (gssize)sp->len);
}

typedef struct {
    smtpx_tcpstream_t *ts;
    GString *out;
} fixture_t;

static void
fx_init(fixture_t *f, guint max_segments, gsize max_bytes)
{
    f->ts = smtpx_tcpstream_new(max_segments, max_bytes);
    f->out = g_string_new(NULL);
}

static void
fx_clear(fixture_t *f)
{
    smtpx_tcpstream_free(f->ts);
    g_string_free(f->out, TRUE);
}

/* Feeds one segment and returns the spans it released (then forgets them). */
static const char *
seg(fixture_t *f, smtpx_dir_t dir, guint32 seq, guint32 ack, guint16 flags,
    const char *bytes)
{
    static char *last;
    smtpx_tcp_segment_t s;

    memset(&s, 0, sizeof s);
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.data = (const guint8 *)bytes;
    s.len = bytes ? strlen(bytes) : 0;
    s.consume = s.len;
    g_string_truncate(f->out, 0);
    smtpx_tcpstream_segment(f->ts, dir, &s, record, f->out);
    g_free(last);
    last = g_strdup(f->out->str);
    return last;
}

#define C SMTPX_DIR_CLIENT
#define S SMTPX_DIR_SERVER
#define ACK SMTPX_TCP_ACK

static void
test_in_order(void)
{
    fixture_t f;

    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, C, 1000, 0, 0, "EHLO a\r\n"), ==, "Cd@0:EHLO a\r\n");
    g_assert_cmpstr(seg(&f, C, 1008, 0, 0, "QUIT\r\n"), ==, "Cd@0:QUIT\r\n");
    /* The two directions are independent. */
    g_assert_cmpstr(seg(&f, S, 5, 1014, ACK, "220\r\n"), ==, "Sd@0:220\r\n");
    fx_clear(&f);
}

static void
test_retransmission(void)
{
    fixture_t f;

    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "abcd"), ==, "Cd@0:abcd");
    /* The same bytes again: nothing new. */
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "abcd"), ==, "");
    /* A part of them again. */
    g_assert_cmpstr(seg(&f, C, 2, 0, 0, "bc"), ==, "");
    /* Retransmission carrying new data: only the new octets, at their
     * offset in the segment. */
    g_assert_cmpstr(seg(&f, C, 3, 0, 0, "cdEF"), ==, "Cd@2:EF");
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "abcdEFGH"), ==, "Cd@6:GH");
    fx_clear(&f);
}

static void
test_out_of_order(void)
{
    fixture_t f;

    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "aa"), ==, "Cd@0:aa");
    /* [5, 7) and [7, 9) arrive before [3, 5): held. */
    g_assert_cmpstr(seg(&f, C, 7, 0, 0, "dd"), ==, "");
    g_assert_cmpstr(seg(&f, C, 5, 0, 0, "cc"), ==, "");
    g_assert_cmpuint(smtpx_tcpstream_held_segments(f.ts, C), ==, 2);
    g_assert_cmpuint(smtpx_tcpstream_held_bytes(f.ts, C), ==, 4);
    /* The hole fills: its bytes first, then the held ones in order. */
    g_assert_cmpstr(seg(&f, C, 3, 0, 0, "bb"), ==, "Cd@0:bb Ch:cc Ch:dd");
    g_assert_cmpuint(smtpx_tcpstream_held_segments(f.ts, C), ==, 0);
    g_assert_cmpuint(smtpx_tcpstream_held_bytes(f.ts, C), ==, 0);
    fx_clear(&f);
}

static void
test_overlapping_held(void)
{
    fixture_t f;

    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "a"), ==, "Cd@0:a");
    /* Two held segments overlapping each other, one a duplicate. */
    g_assert_cmpstr(seg(&f, C, 4, 0, 0, "DEF"), ==, "");
    g_assert_cmpstr(seg(&f, C, 5, 0, 0, "EFGH"), ==, "");
    g_assert_cmpstr(seg(&f, C, 4, 0, 0, "DEF"), ==, "");
    /* The filler overlaps the first held one too. */
    g_assert_cmpstr(seg(&f, C, 2, 0, 0, "bcD"), ==, "Cd@0:bcD Ch:EF Ch:GH");
    g_assert_cmpuint(smtpx_tcpstream_held_segments(f.ts, C), ==, 0);
    fx_clear(&f);
}

static void
test_wraparound(void)
{
    fixture_t f;

    fx_init(&f, 0, 0);
    /* [2^32 - 2, 2^32 + 2) then [2, 4): contiguous across the wrap. */
    g_assert_cmpstr(seg(&f, C, 0xfffffffeu, 0, 0, "abcd"), ==, "Cd@0:abcd");
    g_assert_cmpstr(seg(&f, C, 2, 0, 0, "ef"), ==, "Cd@0:ef");
    /* A retransmission from before the wrap is recognised as old. */
    g_assert_cmpstr(seg(&f, C, 0xffffffffu, 0, 0, "bcdefg"), ==, "Cd@5:g");
    fx_clear(&f);

    /* Out of order across the wrap: 0 is after 2^32 - 4. */
    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, S, 0xfffffffcu, 0, 0, "ab"), ==, "Sd@0:ab");
    g_assert_cmpstr(seg(&f, S, 0, 0, 0, "ef"), ==, "");
    g_assert_cmpstr(seg(&f, S, 0xfffffffeu, 0, 0, "cd"), ==, "Sd@0:cd Sh:ef");
    fx_clear(&f);

    /* Acknowledgments compare across the wrap too: 3 is beyond 2^32 - 1. */
    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, S, 0xfffffffdu, 0, 0, "12"), ==, "Sd@0:12");
    g_assert_cmpstr(seg(&f, C, 10, 3, ACK, "x"), ==, "Sg4 Cd@0:x");
    fx_clear(&f);
}

static void
test_acked_hole(void)
{
    fixture_t f;

    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, S, 100, 0, 0, "220 a\r\n"), ==, "Sd@0:220 a\r\n");
    /* Server bytes [107, 120) never captured; [120, 130) held. */
    g_assert_cmpstr(seg(&f, S, 120, 0, 0, "250 ok\r\n.."), ==, "");
    /* The client acknowledges 130: the hole is lost, not late. */
    g_assert_cmpstr(seg(&f, C, 1, 130, ACK, "QUIT\r\n"), ==,
                    "Sg13 Sh:250 ok\r\n.. Cd@0:QUIT\r\n");
    /* The missing segment turning up late is old news. */
    g_assert_cmpstr(seg(&f, S, 107, 0, 0, "lost bytes!!!"), ==, "");
    fx_clear(&f);
}

static void
test_acked_unseen(void)
{
    fixture_t f;

    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, S, 100, 0, 0, "220\r\n"), ==, "Sd@0:220\r\n");
    /* The client acknowledges server bytes [105, 112) that no segment of
     * the capture carried: a gap, emitted before the client's bytes. */
    g_assert_cmpstr(seg(&f, C, 1, 112, ACK, "MAIL\r\n"), ==, "Sg7 Cd@0:MAIL\r\n");
    /* Said once. */
    g_assert_cmpstr(seg(&f, C, 7, 112, ACK, "RCPT\r\n"), ==, "Cd@0:RCPT\r\n");
    /* An ACK that goes backwards changes nothing. */
    g_assert_cmpstr(seg(&f, C, 13, 104, ACK, "DATA\r\n"), ==, "Cd@0:DATA\r\n");
    g_assert_cmpstr(seg(&f, S, 112, 19, ACK, "250\r\n"), ==, "Sd@0:250\r\n");
    fx_clear(&f);
}

static void
test_ahead_of_own_ack(void)
{
    fixture_t f;

    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "ab"), ==, "Cd@0:ab");
    g_assert_cmpstr(seg(&f, S, 50, 3, ACK, "x"), ==, "Sd@0:x");
    /* The server acknowledges client bytes up to 9: [3, 9) were sent and
     * received, but no segment of the capture carried them. */
    g_assert_cmpstr(seg(&f, S, 51, 9, ACK, "y"), ==, "Cg6 Sd@0:y");
    fx_clear(&f);

    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "ab"), ==, "Cd@0:ab");
    /* A client segment ahead, held while nothing says it is lost. */
    g_assert_cmpstr(seg(&f, C, 7, 0, 0, "gh"), ==, "");
    /* The server acknowledged 5 only (not the hole's end). */
    g_assert_cmpstr(seg(&f, S, 50, 5, ACK, "x"), ==, "Cg4 Ch:gh Sd@0:x");
    fx_clear(&f);
}

/* A segment past an acknowledged hole whose octets are all left for later
 * (consume 0): the gap is said once, and the octets, handed back later,
 * are new (fuzz_tcpstream found the gap said twice). */
static void
test_gap_before_deferred(void)
{
    fixture_t f;
    smtpx_tcp_segment_t s;

    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "ab"), ==, "Cd@0:ab");
    memset(&s, 0, sizeof s);
    s.seq = 25;
    s.data = (const guint8 *)"MAI";
    s.len = 3;
    s.consume = 0;
    /* [3, 25) missing, nothing known yet: nothing to say. */
    g_string_truncate(f.out, 0);
    smtpx_tcpstream_segment(f.ts, C, &s, record, f.out);
    g_assert_cmpstr(f.out->str, ==, "");
    /* The server acknowledges 26: [3, 25) was lost. */
    g_assert_cmpstr(seg(&f, S, 1, 26, ACK, "x"), ==, "Sd@0:x");
    g_string_truncate(f.out, 0);
    smtpx_tcpstream_segment(f.ts, C, &s, record, f.out);
    g_assert_cmpstr(f.out->str, ==, "Cg22");
    /* Handed back with more octets: contiguous, no second gap. */
    g_assert_cmpstr(seg(&f, C, 25, 0, 0, "MAIL\r\n"), ==, "Cd@0:MAIL\r\n");
    fx_clear(&f);
}

static void
test_hold_limits(void)
{
    fixture_t f;

    /* At most two held segments: the third gives up on the first hole. */
    fx_init(&f, 2, 0);
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "a"), ==, "Cd@0:a");
    g_assert_cmpstr(seg(&f, C, 5, 0, 0, "e"), ==, "");
    g_assert_cmpstr(seg(&f, C, 7, 0, 0, "g"), ==, "");
    /* The third held segment (c at 3, first in order) passes the limit:
     * the hole [2, 3) is given up, c follows; the hole [4, 5) before e
     * stays open until the next overflow. */
    g_assert_cmpstr(seg(&f, C, 3, 0, 0, "c"), ==, "Cg1 Ch:c");
    g_assert_cmpuint(smtpx_tcpstream_held_segments(f.ts, C), ==, 2);
    fx_clear(&f);

    fx_init(&f, 2, 0);
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "a"), ==, "Cd@0:a");
    g_assert_cmpstr(seg(&f, C, 5, 0, 0, "e"), ==, "");
    g_assert_cmpstr(seg(&f, C, 6, 0, 0, "f"), ==, "");
    g_assert_cmpstr(seg(&f, C, 10, 0, 0, "j"), ==, "Cg3 Ch:e Ch:f");
    g_assert_cmpuint(smtpx_tcpstream_held_segments(f.ts, C), ==, 1);
    fx_clear(&f);

    /* At most 4 octets held. */
    fx_init(&f, 0, 4);
    g_assert_cmpstr(seg(&f, S, 1, 0, 0, "a"), ==, "Sd@0:a");
    g_assert_cmpstr(seg(&f, S, 3, 0, 0, "cd"), ==, "");
    g_assert_cmpstr(seg(&f, S, 5, 0, 0, "efg"), ==, "Sg1 Sh:cd Sh:efg");
    g_assert_cmpuint(smtpx_tcpstream_held_bytes(f.ts, S), ==, 0);
    fx_clear(&f);

    /* A big segment behind small ones: giving up one hole is not enough,
     * holes are given up until the hold is within the limit (found by
     * fuzz_tcpstream). */
    fx_init(&f, 0, 5);
    g_assert_cmpstr(seg(&f, S, 1, 0, 0, "a"), ==, "Sd@0:a");
    g_assert_cmpstr(seg(&f, S, 3, 0, 0, "c"), ==, "");
    g_assert_cmpstr(seg(&f, S, 5, 0, 0, "e"), ==, "");
    g_assert_cmpstr(seg(&f, S, 20, 0, 0, "tuvwx"), ==, "Sg1 Sh:c Sg1 Sh:e");
    g_assert_cmpuint(smtpx_tcpstream_held_bytes(f.ts, S), ==, 5);
    fx_clear(&f);
}

static void
test_hole_never_fills(void)
{
    fixture_t f;
    guint i;

    /* A hole that nothing ever fills and nobody acknowledges: memory stays
     * within the limit, every held byte comes out after a gap. */
    fx_init(&f, 4, 0);
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "a"), ==, "Cd@0:a");
    for (i = 0; i < 100; i++) {
        seg(&f, C, 3 + 2 * i, 0, 0, "x");
        g_assert_cmpuint(smtpx_tcpstream_held_segments(f.ts, C), <=, 4);
    }
    fx_clear(&f);
}

static void
test_rst(void)
{
    fixture_t f;

    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, C, 1, 0, 0, "ab"), ==, "Cd@0:ab");
    g_assert_cmpstr(seg(&f, C, 6, 0, 0, "fg"), ==, "");
    g_assert_cmpstr(seg(&f, C, 10, 0, 0, "jk"), ==, "");
    /* The client aborts: both holes are lost; a RST's payload is a
     * diagnostic (RFC 1122 4.2.2.12), never stream data. */
    g_assert_cmpstr(seg(&f, C, 12, 0, SMTPX_TCP_RST, "reason"), ==,
                    "Cg3 Ch:fg Cg2 Ch:jk");
    g_assert_cmpuint(smtpx_tcpstream_held_segments(f.ts, C), ==, 0);
    /* A RST of the other side leaves this side alone. */
    g_assert_cmpstr(seg(&f, C, 16, 0, 0, "pq"), ==, "");
    g_assert_cmpstr(seg(&f, S, 1, 0, SMTPX_TCP_RST, NULL), ==, "");
    g_assert_cmpuint(smtpx_tcpstream_held_segments(f.ts, C), ==, 1);
    fx_clear(&f);
}

static void
test_syn(void)
{
    fixture_t f;

    fx_init(&f, 0, 0);
    /* SYN at 1000: the first data octet is 1001. */
    g_assert_cmpstr(seg(&f, C, 1000, 0, SMTPX_TCP_SYN, NULL), ==, "");
    /* SYN retransmitted: nothing. */
    g_assert_cmpstr(seg(&f, C, 1000, 0, SMTPX_TCP_SYN, NULL), ==, "");
    g_assert_cmpstr(seg(&f, C, 1001, 0, ACK, "EHLO\r\n"), ==, "Cd@0:EHLO\r\n");
    /* A late SYN retransmission after data: still nothing. */
    g_assert_cmpstr(seg(&f, C, 1000, 0, SMTPX_TCP_SYN, NULL), ==, "");
    g_assert_cmpstr(seg(&f, C, 1007, 0, ACK, "QUIT\r\n"), ==, "Cd@0:QUIT\r\n");
    fx_clear(&f);

    /* Data on the SYN (TCP Fast Open, RFC 7413) starts after it; the SYN
     * retransmitted with its data gives nothing new. */
    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, C, 7, 0, SMTPX_TCP_SYN, "EHLO\r\n"), ==, "Cd@0:EHLO\r\n");
    g_assert_cmpstr(seg(&f, C, 7, 0, SMTPX_TCP_SYN, "EHLO\r\n"), ==, "");
    g_assert_cmpstr(seg(&f, C, 14, 0, 0, "QUIT\r\n"), ==, "Cd@0:QUIT\r\n");
    fx_clear(&f);
}

static void
test_fin(void)
{
    fixture_t f;

    /* The FIN occupies one sequence number: its ACK is no gap. */
    fx_init(&f, 0, 0);
    g_assert_cmpstr(seg(&f, S, 1, 0, SMTPX_TCP_FIN, "221\r\n"), ==, "Sd@0:221\r\n");
    g_assert_cmpstr(seg(&f, C, 1, 7, ACK, "x"), ==, "Cd@0:x");
    fx_clear(&f);
}

static void
test_partial_consume(void)
{
    fixture_t f;
    smtpx_tcp_segment_t s;

    fx_init(&f, 0, 0);
    memset(&s, 0, sizeof s);
    s.seq = 1;
    s.data = (const guint8 *)"MAIL FROM:<a@b>\r\nRCP";
    s.len = 20;
    s.consume = 17;
    smtpx_tcpstream_segment(f.ts, C, &s, record, f.out);
    g_assert_cmpstr(f.out->str, ==, "Cd@0:MAIL FROM:<a@b>\r\n");
    /* The peer acknowledging all 20 octets is no gap: they were seen. */
    g_assert_cmpstr(seg(&f, S, 1, 21, ACK, "250\r\n"), ==, "Sd@0:250\r\n");
    /* The rest comes back with more octets (reassembled). */
    g_assert_cmpstr(seg(&f, C, 18, 0, 0, "RCPT\r\n"), ==, "Cd@0:RCPT\r\n");
    /* consume beyond len is taken as len. */
    g_string_truncate(f.out, 0);
    s.seq = 24;
    s.data = (const guint8 *)"DATA\r\n";
    s.len = 6;
    s.consume = 1000;
    smtpx_tcpstream_segment(f.ts, C, &s, record, f.out);
    g_assert_cmpstr(f.out->str, ==, "Cd@0:DATA\r\n");
    fx_clear(&f);
}

static void
test_bad_input(void)
{
    fixture_t f;
    smtpx_tcp_segment_t s;

    fx_init(&f, 0, 0);
    memset(&s, 0, sizeof s);
    /* NULL data with a length: nothing to read, nothing emitted. */
    s.len = 100;
    s.consume = 100;
    smtpx_tcpstream_segment(f.ts, C, &s, record, f.out);
    g_assert_cmpstr(f.out->str, ==, "");
    /* No tracker, no segment, no callback, a wild direction: ignored. */
    smtpx_tcpstream_segment(NULL, C, &s, record, f.out);
    smtpx_tcpstream_segment(f.ts, C, NULL, record, f.out);
    smtpx_tcpstream_segment(f.ts, C, &s, NULL, f.out);
    smtpx_tcpstream_segment(f.ts, (smtpx_dir_t)7, &s, record, f.out);
    g_assert_cmpuint(smtpx_tcpstream_held_bytes(f.ts, (smtpx_dir_t)7), ==, 0);
    g_assert_cmpuint(smtpx_tcpstream_held_segments(NULL, C), ==, 0);
    /* A sequence number half the space away is "behind": dropped, never
     * held. */
    g_assert_cmpstr(seg(&f, S, 1, 0, 0, "a"), ==, "Sd@0:a");
    g_assert_cmpstr(seg(&f, S, 0x80000002u, 0, 0, "b"), ==, "");
    g_assert_cmpuint(smtpx_tcpstream_held_segments(f.ts, S), ==, 0);
    fx_clear(&f);
    smtpx_tcpstream_free(NULL);
}

/* Concatenated DATA spans of one direction (gaps as '#' runs). */
static void
collect(const smtpx_tcp_span_t *sp, void *user)
{
    GString *s = (GString *)user;

    if (sp->kind == SMTPX_TCP_SPAN_DATA)
        g_string_append_len(s, (const char *)sp->data, (gssize)sp->len);
    else
        g_string_append_c(s, '#');
}

/*
 * A stream cut into random segments, shuffled locally and duplicated, from
 * a start near the wrap: with no loss, the spans put together are the
 * stream, whatever the order (seeded: reproducible).
 */
static void
test_reorder_property(void)
{
    GRand *rnd = g_rand_new_with_seed(13);
    guint round;

    for (round = 0; round < 200; round++) {
        guint n = 1 + g_rand_int_range(rnd, 0, 400), i, cut = 0;
        guint8 *stream = g_malloc(n);
        GArray *segs = g_array_new(FALSE, FALSE, sizeof(smtpx_tcp_segment_t));
        smtpx_tcpstream_t *ts = smtpx_tcpstream_new(0, 0);
        GString *out = g_string_new(NULL);
        guint32 isn = 0xffffff00u + (guint32)g_rand_int_range(rnd, 0, 512);
        smtpx_tcp_segment_t first;

        for (i = 0; i < n; i++)
            stream[i] = (guint8)('a' + g_rand_int_range(rnd, 0, 26));
        while (cut < n) {
            smtpx_tcp_segment_t s;
            guint len = 1 + g_rand_int_range(rnd, 0, 40);

            memset(&s, 0, sizeof s);
            len = MIN(len, n - cut);
            s.seq = isn + cut;
            s.data = stream + cut;
            s.len = s.consume = len;
            g_array_append_val(segs, s);
            if (g_rand_int_range(rnd, 0, 5) == 0)
                g_array_append_val(segs, s);    /* a retransmission */
            cut += len;
        }
        /* The first segment stays first (it sets the sequence number). */
        for (i = 1; i + 1 < segs->len; i++) {
            if (g_rand_boolean(rnd)) {
                smtpx_tcp_segment_t t = g_array_index(segs, smtpx_tcp_segment_t, i);
                g_array_index(segs, smtpx_tcp_segment_t, i) =
                    g_array_index(segs, smtpx_tcp_segment_t, i + 1);
                g_array_index(segs, smtpx_tcp_segment_t, i + 1) = t;
            }
        }
        first = g_array_index(segs, smtpx_tcp_segment_t, 0);
        g_assert_cmpuint(first.seq, ==, isn);
        for (i = 0; i < segs->len; i++)
            smtpx_tcpstream_segment(ts, SMTPX_DIR_CLIENT,
                                    &g_array_index(segs, smtpx_tcp_segment_t, i),
                                    collect, out);
        g_assert_cmpuint(out->len, ==, n);
        g_assert_true(memcmp(out->str, stream, n) == 0);
        g_assert_cmpuint(smtpx_tcpstream_held_segments(ts, SMTPX_DIR_CLIENT), ==, 0);
        g_string_free(out, TRUE);
        smtpx_tcpstream_free(ts);
        g_array_free(segs, TRUE);
        g_free(stream);
    }
    g_rand_free(rnd);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcpstream/in_order", test_in_order);
    g_test_add_func("/tcpstream/retransmission", test_retransmission);
    g_test_add_func("/tcpstream/out_of_order", test_out_of_order);
    g_test_add_func("/tcpstream/overlapping_held", test_overlapping_held);
    g_test_add_func("/tcpstream/wraparound", test_wraparound);
    g_test_add_func("/tcpstream/acked_hole", test_acked_hole);
    g_test_add_func("/tcpstream/acked_unseen", test_acked_unseen);
    g_test_add_func("/tcpstream/ahead_of_own_ack", test_ahead_of_own_ack);
    g_test_add_func("/tcpstream/gap_before_deferred", test_gap_before_deferred);
    g_test_add_func("/tcpstream/hold_limits", test_hold_limits);
    g_test_add_func("/tcpstream/hole_never_fills", test_hole_never_fills);
    g_test_add_func("/tcpstream/rst", test_rst);
    g_test_add_func("/tcpstream/syn", test_syn);
    g_test_add_func("/tcpstream/fin", test_fin);
    g_test_add_func("/tcpstream/partial_consume", test_partial_consume);
    g_test_add_func("/tcpstream/bad_input", test_bad_input);
    g_test_add_func("/tcpstream/reorder_property", test_reorder_property);
    return g_test_run();
}
