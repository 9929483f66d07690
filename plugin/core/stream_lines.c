/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream_lines.c - LINES mode of the SMTP framer: command and reply lines
 * (RFC 5321 2.3.8, 4.5.3.1.4-5), capped, with bare CR and LF noted, and the
 * line helpers the body shares.
 */
#include "stream_internal.h"

/* Appends octets of a line to buf, keeping at most max_line + 1. */
void
append_capped(GByteArray *buf, gsize cap, const guint8 *p, gsize n)
{
    if (buf->len < cap) {
        gsize room = cap - buf->len;
        g_byte_array_append(buf, p, (guint)MIN(n, room));
    }
}

guint64
count_cr(const guint8 *p, gsize n)
{
    guint64 c = 0;
    const guint8 *end = p + n;

    while (p < end) {
        const guint8 *q = memchr(p, '\r', (gsize)(end - p));
        if (!q)
            break;
        c++;
        p = q + 1;
    }
    return c;
}

/* Fills the line members of an item from (content octets so far). */
void
finish_line_item(smtpx_stream_item_t *it, const guint8 *content, gsize kept,
                 guint64 raw_content, guint64 ncr, gboolean last_cr,
                 gsize max_line)
{
    guint64 text_len = raw_content;

    if (last_cr && text_len > 0) {
        text_len--;
        ncr--;
        it->eol = SMTPX_EOL_CRLF;
    } else {
        it->eol = SMTPX_EOL_LF;
    }
    it->raw_len = sat_add(raw_content, 1);
    it->bare_cr = ncr > 0;
    it->cut = text_len > max_line;
    it->line = content;
    it->line_len = (gsize)MIN(MIN(text_len, (guint64)max_line), (guint64)kept);
}

gboolean
lines_step(smtpx_stream_t *st)
{
    const guint8 *p = st->data + st->pos;
    gsize avail = st->len - st->pos;
    const guint8 *lf;
    gsize n;

    if (avail == 0)
        return FALSE;
    lf = memchr(p, '\n', avail);
    n = lf ? (gsize)(lf - p) : avail;

    if (!st->l_active) {
        st->l_active = TRUE;
        st->l_start_feed = st->feed_no;
        st->l_start = st->pos;
    }

    if (lf && st->lbuf->len == 0 && st->l_raw == 0) {
        /* The whole line is in this feed: no copy. */
        smtpx_stream_item_t *it = push_item(st, SMTPX_SITEM_LINE);
        gboolean last_cr = n > 0 && p[n - 1] == '\r';

        finish_line_item(it, p, n, n, count_cr(p, n), last_cr, st->max_line);
        set_start(st, it, st->l_start_feed, st->l_start, st->pos + n + 1);
        st->pos += n + 1;
        reset_line(st);
        return TRUE;
    }

    append_capped(st->lbuf, st->max_line + 1, p, n);
    st->l_raw = sat_add(st->l_raw, n);
    st->l_ncr = sat_add(st->l_ncr, count_cr(p, n));
    if (n > 0)
        st->l_last_cr = p[n - 1] == '\r';
    st->pos += n;
    if (!lf)
        return FALSE;

    {
        smtpx_stream_item_t *it = push_item(st, SMTPX_SITEM_LINE);

        st->pos++;   /* the LF */
        finish_line_item(it, st->lbuf->data, st->lbuf->len, st->l_raw,
                         st->l_ncr, st->l_last_cr, st->max_line);
        set_start(st, it, st->l_start_feed, st->l_start, st->pos);
        /* Emptying lbuf keeps its storage: the item's line stays valid
         * until the next call appends to it. */
        reset_line(st);
    }
    return TRUE;
}
