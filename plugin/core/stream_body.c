/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream_body.c - DATA mode (RFC 5321 4.5.2 transparency, 4.1.1.4 end of
 * data) and BDAT mode (RFC 3030 2) of the SMTP framer: the message body,
 * dot-unstuffed, counted, with its header-section lines handed out.
 */
#include "stream_internal.h"

/* ------------------------------------------------------------------ */
/* Body lines (header section), shared by DATA and BDAT. */

static void
body_line_octets(smtpx_stream_t *st, const guint8 *p, gsize n, gsize at,
                 gboolean here)
{
    if (!st->want_lines || n == 0)
        return;
    if (st->b_delivered)
        reset_body_line(st);
    if (!st->b_active) {
        st->b_active = TRUE;
        /* An octet from an earlier feed: any feed number but this one. */
        st->b_start_feed = here ? st->feed_no : st->feed_no - 1;
        st->b_start = here ? at : 0;
    }
    append_capped(st->bbuf, st->max_line + 1, p, n);
    st->b_raw = sat_add(st->b_raw, n);
    st->b_ncr = sat_add(st->b_ncr, count_cr(p, n));
    st->b_last_cr = p[n - 1] == '\r';
}

/* The LF of a body line at offset at: hands out the line. */
static void
body_line_end(smtpx_stream_t *st, gsize at)
{
    smtpx_stream_item_t *it;

    if (!st->want_lines)
        return;
    if (st->b_delivered)
        reset_body_line(st);
    if (!st->b_active) {
        st->b_start_feed = st->feed_no;
        st->b_start = at;
    }
    it = push_item(st, SMTPX_SITEM_BODY_LINE);
    if (!it)
        return;
    finish_line_item(it, st->bbuf->data, st->bbuf->len, st->b_raw, st->b_ncr,
                     st->b_last_cr, st->max_line);
    set_start(st, it, st->b_start_feed, st->b_start, at + 1);
    st->b_delivered = TRUE;
    st->b_active = FALSE;
}

/* ------------------------------------------------------------------ */
/* DATA mode */

static void
queue_body_span(smtpx_stream_t *st, gsize end_excl)
{
    smtpx_stream_item_t *it;

    if (end_excl <= st->body_start)
        return;
    it = push_item(st, SMTPX_SITEM_BODY);
    if (!it)
        return;
    it->offset = st->body_start;
    it->length = end_excl - st->body_start;
    it->began_earlier = FALSE;
    st->body_start = end_excl;
}

static void
note_once(smtpx_stream_t *st, gboolean *flag, smtpx_stream_item_kind_t kind,
          gboolean here, gsize at)
{
    smtpx_stream_item_t *it;

    if (*flag)
        return;
    *flag = TRUE;
    it = push_item(st, kind);
    if (!it)
        return;
    it->offset = here ? at : 0;
    it->began_earlier = !here;
    it->length = here ? 1 : 0;
}

/* One octet of message content after unstuffing; at: its raw offset, here:
 * it is in this feed (a CR held back from an earlier feed is not). */
static void
content_octet(smtpx_stream_t *st, guint8 c, gsize at, gboolean here)
{
    if (st->content_cb)
        st->content_cb(st->content_user, &c, 1);
    st->size = sat_add(st->size, 1);
    st->text_line_len = sat_add(st->text_line_len, 1);
    if (c == '\n') {
        if (st->text_line_len > TEXT_LINE_LIMIT && !st->long_reported) {
            smtpx_stream_item_t *it;

            st->long_reported = TRUE;
            it = push_item(st, SMTPX_SITEM_LONG_TEXT_LINE);
            if (it) {
                it->offset = at;
                it->length = 1;
                it->raw_len = st->text_line_len;
            }
        }
        st->text_line_len = 0;
        body_line_end(st, at);
    } else {
        body_line_octets(st, &c, 1, at, here);
    }
}

static void
end_of_data(smtpx_stream_t *st, gsize at)
{
    smtpx_stream_item_t *it;
    gsize term = (st->term_feed == st->feed_no) ? st->term_start : 0;

    queue_body_span(st, term);
    it = push_item(st, SMTPX_SITEM_END_OF_DATA);
    if (it)
        set_start(st, it, st->term_feed, st->term_start, at + 1);
    st->body_start = at + 1;
    st->mode = SMTPX_STREAM_LINES;
    reset_body_line(st);
    reset_line(st);
}

/* One raw DATA octet. */
static void
data_octet(smtpx_stream_t *st, guint8 c, gsize at)
{
    check_lookalike(st, c, at);

    for (;;) {
        switch (st->dstate) {
        case D_BOL:
            if (c == '.') {
                st->dstate = D_DOT;
                st->term_feed = st->feed_no;
                st->term_start = at;
                goto done;
            }
            st->dstate = D_TEXT;
            continue;
        case D_DOT:
            if (c == '\r') {
                st->dstate = D_DOT_CR;
                goto done;
            }
            /* A line starting with "." and more: the dot is deleted
             * (RFC 5321 4.5.2). */
            st->dstate = D_TEXT;
            continue;
        case D_DOT_CR:
            if (c == '\n') {
                end_of_data(st, at);
                return;
            }
            /* ".<CR>x": the dot is deleted, the CR is content. */
            st->dstate = D_CR;
            continue;
        case D_TEXT:
            if (c == '\r') {
                st->dstate = D_CR;
                goto done;
            }
            if (c == '\n')
                note_once(st, &st->bare_lf_reported, SMTPX_SITEM_BARE_LF,
                          TRUE, at);
            content_octet(st, c, at, TRUE);
            goto done;
        case D_CR: {
            /* The pending CR is the latest octet of the window. */
            gboolean cr_here = st->win_n > 0 && st->win_here[0] == WIN_HERE;
            gsize cr_at = cr_here ? st->win_off[0] : 0;

            if (c == '\n') {
                content_octet(st, '\r', cr_at, cr_here);
                content_octet(st, '\n', at, TRUE);
                st->dstate = D_BOL;
                goto done;
            }
            /* The pending CR is a bare CR. */
            note_once(st, &st->bare_cr_reported, SMTPX_SITEM_BARE_CR,
                      cr_here, cr_at);
            content_octet(st, '\r', cr_at, cr_here);
            st->dstate = D_TEXT;
            continue;
        }
        }
    }
done:
    window_push(st, c, at);
}

void
data_step(smtpx_stream_t *st)
{
    while (st->pos < st->len && st->q_count == 0 &&
           st->mode == SMTPX_STREAM_DATA) {
        const guint8 *p = st->data + st->pos;
        gsize avail = st->len - st->pos;

        if (st->dstate == D_TEXT || (st->dstate == D_BOL && p[0] != '.')) {
            /* Fast path: a whole line with its CRLF in this feed, no CR
             * or LF inside, not ending in "." (so no look-alike of the
             * end of data can be in it), not longer than the text line
             * limit (or that was reported): all of it is content, and the
             * next octet is at a line start.  In D_TEXT the line must be
             * non-empty (the octet before it, in the window, might be a
             * ".").  In the header section the line is handed out too, as
             * the octets one by one would (issue 10: one content call per
             * line, not four). */
            const guint8 *lf = memchr(p, '\n', avail);
            gsize n = lf ? (gsize)(lf - p) : 0;

            if (lf && n > 0 && p[n - 1] == '\r' &&
                (n >= 2 ? p[n - 2] != '.' : st->dstate == D_BOL) &&
                (n == 1 || !memchr(p, '\r', n - 1)) &&
                (st->long_reported ||
                 st->text_line_len + n + 1 <= TEXT_LINE_LIMIT)) {
                gsize m = n + 1;

                st->size = sat_add(st->size, m);
                if (st->content_cb)
                    st->content_cb(st->content_user, p, m);
                st->text_line_len = 0;
                if (st->want_lines) {
                    body_line_octets(st, p, n, st->pos, TRUE);  /* with its CR */
                    body_line_end(st, st->pos + n);
                }
                window_push_run(st, p, m, st->pos);
                st->dstate = D_BOL;
                st->pos += m;
                continue;
            }
        }
        if (st->dstate == D_TEXT) {
            /* Fast path: a run of octets that are neither CR nor LF. */
            gsize n = 0;

            while (n < avail && p[n] != '\r' && p[n] != '\n')
                n++;
            if (n > 0) {
                st->size = sat_add(st->size, n);
                st->text_line_len = sat_add(st->text_line_len, n);
                if (st->content_cb)
                    st->content_cb(st->content_user, p, n);
                body_line_octets(st, p, n, st->pos, TRUE);
                window_push_run(st, p, n, st->pos);
                st->pos += n;
                continue;
            }
        }
        data_octet(st, *p, st->pos);
        st->pos++;
    }
    if (st->mode == SMTPX_STREAM_DATA && st->pos == st->len)
        queue_body_span(st, st->len);
}

/* ------------------------------------------------------------------ */
/* BDAT mode */

void
bdat_step(smtpx_stream_t *st)
{
    while (st->q_count == 0 && st->mode == SMTPX_STREAM_BDAT) {
        gsize avail = st->len - st->pos;
        gsize n;

        if (st->remaining == 0) {
            smtpx_stream_item_t *it;

            queue_body_span(st, st->pos);
            it = push_item(st, SMTPX_SITEM_CHUNK_END);
            if (it) {
                it->offset = st->pos;
                it->length = 0;
            }
            st->mode = SMTPX_STREAM_LINES;
            return;
        }
        if (avail == 0)
            break;
        n = (gsize)MIN((guint64)avail, st->remaining);
        if (st->want_lines) {
            const guint8 *p = st->data + st->pos;
            const guint8 *lf = memchr(p, '\n', n);

            if (lf) {
                gsize k = (gsize)(lf - p);

                body_line_octets(st, p, k, st->pos, TRUE);
                body_line_end(st, st->pos + k);
                n = k + 1;
            } else {
                body_line_octets(st, p, n, st->pos, TRUE);
            }
        }
        if (st->content_cb)
            st->content_cb(st->content_user, st->data + st->pos, n);
        st->size = sat_add(st->size, n);
        st->remaining -= n;
        st->pos += n;
    }
    if (st->mode == SMTPX_STREAM_BDAT && st->pos == st->len &&
        st->remaining > 0)
        queue_body_span(st, st->len);
}
