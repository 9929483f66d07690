/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream_smuggle.c - end-of-data look-alikes in a DATA body ("SMTP
 * smuggling"): "<x>.<y>" with line breaks other than CRLF, which some
 * servers take for the end of data (RFC 5321 4.1.1.4 wants CRLF.CRLF).
 */
#include "stream_internal.h"

/* A line break kind in the window: 0 none, 1 CRLF, 2 LF, 3 CR.  idx is the
 * index of the octet just before the ".". *start is set to the index of the
 * first octet of the break. */
static int
break_before(const smtpx_stream_t *st, guint idx, guint *start)
{
    if (idx >= st->win_n)
        return 0;
    if (st->win[idx] == '\n') {
        if (idx + 1 < st->win_n && st->win[idx + 1] == '\r') {
            *start = idx + 1;
            return 1;
        }
        *start = idx;
        return 2;
    }
    if (st->win[idx] == '\r') {
        *start = idx;
        return 3;
    }
    return 0;
}

static const char *
pattern_name(int b1, int b2)
{
    static const char *const names[4][4] = {
        { NULL, NULL, NULL, NULL },
        { NULL, "<CR><LF>.<CR><LF>", "<CR><LF>.<LF>", "<CR><LF>.<CR>" },
        { NULL, "<LF>.<CR><LF>", "<LF>.<LF>", "<LF>.<CR>" },
        { NULL, "<CR>.<CR><LF>", "<CR>.<LF>", "<CR>.<CR>" },
    };
    return names[b1][b2];
}

/* A look-alike: window index start_idx is its first octet; it ends with the
 * octet at end_at (in this feed when end_here); follows from follow_at. */
static void
queue_lookalike(smtpx_stream_t *st, int b1, int b2, guint start_idx,
                gboolean end_here, gsize end_at, gsize follow_at)
{
    smtpx_stream_item_t *it = push_item(st, SMTPX_SITEM_LOOKALIKE);
    gsize end_excl = end_here ? end_at + 1 : 0;

    if (!it)
        return;
    it->pattern = pattern_name(b1, b2);
    /* A virtual line start (the body's first line) is not part of the
     * body: the look-alike starts at its first real octet. */
    while (start_idx > 0 && st->win_here[start_idx] == WIN_VIRTUAL)
        start_idx--;
    if (st->win_here[start_idx] == WIN_HERE) {
        it->offset = st->win_off[start_idx];
        it->began_earlier = FALSE;
    } else {
        it->offset = 0;
        it->began_earlier = TRUE;
    }
    it->length = end_excl > it->offset ? end_excl - it->offset : 0;
    if (follow_at < st->len) {
        const guint8 *f = st->data + follow_at;
        gsize n = MIN(st->len - follow_at, (gsize)FOLLOWS_MAX);

        it->follows = f;
        it->follows_len = n;
        it->follows_command = smtpx_stream_looks_like_command(f, n);
    }
}

/* Checks octet c (at offset at) against the window for a look-alike; the
 * window holds the octets before c. */
void
check_lookalike(smtpx_stream_t *st, guint8 c, gsize at)
{
    guint start = 0;
    int b1;

    /* "." then LF: <x>.<LF> */
    if (c == '\n' && st->win_n >= 2 && st->win[0] == '.') {
        b1 = break_before(st, 1, &start);
        if (b1)
            queue_lookalike(st, b1, 2, start, TRUE, at, at + 1);
        return;
    }
    /* "." CR then c: <x>.<CR><LF> or <x>.<CR> (bare) */
    if (st->win_n >= 3 && st->win[0] == '\r' && st->win[1] == '.') {
        int b2 = (c == '\n') ? 1 : 3;

        b1 = break_before(st, 2, &start);
        if (!b1 || (b1 == 1 && b2 == 1))
            return;          /* no line start, or the real end of data */
        if (b2 == 1)
            queue_lookalike(st, b1, b2, start, TRUE, at, at + 1);
        else
            queue_lookalike(st, b1, b2, start, st->win_here[0] == WIN_HERE,
                            st->win_off[0], at);
    }
}

void
window_push(smtpx_stream_t *st, guint8 c, gsize at)
{
    /* Four entries: plain moves (no library call per octet). */
    st->win[3] = st->win[2];
    st->win[2] = st->win[1];
    st->win[1] = st->win[0];
    st->win_here[3] = st->win_here[2];
    st->win_here[2] = st->win_here[1];
    st->win_here[1] = st->win_here[0];
    st->win_off[3] = st->win_off[2];
    st->win_off[2] = st->win_off[1];
    st->win_off[1] = st->win_off[0];
    st->win[0] = c;
    st->win_here[0] = WIN_HERE;
    st->win_off[0] = at;
    if (st->win_n < 4)
        st->win_n++;
}

void
window_push_run(smtpx_stream_t *st, const guint8 *p, gsize n, gsize at)
{
    gsize k;

    if (n >= 4) {
        /* The last four octets fill the window: win[0] is p[n - 1]. */
        for (k = 0; k < 4; k++) {
            st->win[k] = p[n - 1 - k];
            st->win_here[k] = WIN_HERE;
            st->win_off[k] = at + n - 1 - k;
        }
        st->win_n = 4;
        return;
    }
    for (k = 0; k < n; k++)
        window_push(st, p[k], at + k);
}
