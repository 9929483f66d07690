/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream.c - per-direction framing of an SMTP session: lines, the DATA body
 * (end of data, dot-unstuffing, size, smuggling look-alikes) and BDAT
 * chunks.  See stream.h for the contract.  This file holds the state's
 * life, the mode switches and the item queue; the modes are in
 * stream_lines.c and stream_body.c, the look-alike check in
 * stream_smuggle.c.
 */
#include "stream_internal.h"

/* Issue 10: each session makes two of these.  glibc's malloc serves a
 * request above 1000 octets from its large bins, and every such request
 * first merges all the small freed blocks of the process (its
 * malloc_consolidate): that cost a fifth of the core's time when the
 * state was 1200 octets.  Keep it a small block. */
G_STATIC_ASSERT(sizeof(struct smtpx_stream) <= 1000);

smtpx_stream_t *
smtpx_stream_new(gsize max_line)
{
    smtpx_stream_t *st = g_new0(smtpx_stream_t, 1);

    st->max_line = max_line ? max_line : DEFAULT_MAX_LINE;
    st->lbuf = g_byte_array_new();
    st->bbuf = g_byte_array_new();
    st->mode = SMTPX_STREAM_LINES;
    return st;
}

void
smtpx_stream_free(smtpx_stream_t *st)
{
    if (!st)
        return;
    g_byte_array_free(st->lbuf, TRUE);
    g_byte_array_free(st->bbuf, TRUE);
    g_free(st);
}

gboolean
smtpx_stream_idle(const smtpx_stream_t *st)
{
    return st->mode == SMTPX_STREAM_LINES && !st->l_active && st->q_count == 0 &&
           !st->b_active;
}

smtpx_stream_item_t *
push_item(smtpx_stream_t *st, smtpx_stream_item_kind_t kind)
{
    smtpx_stream_item_t *it;

    /* Never more than a handful are queued per octet: the ring cannot
     * overflow, but stay safe if it ever would (oldest kept). */
    if (st->q_count == QUEUE_CAP)
        return NULL;
    it = &st->queue[(st->q_head + st->q_count) % QUEUE_CAP];
    st->q_count++;
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    it->size = st->size;
    return it;
}

/* Offset of something that began at (feed, off): 0 and began_earlier when
 * it began in an earlier feed. */
void
set_start(const smtpx_stream_t *st, smtpx_stream_item_t *it,
          guint64 feed, gsize off, gsize end_excl)
{
    if (feed == st->feed_no) {
        it->offset = off;
        it->began_earlier = FALSE;
    } else {
        it->offset = 0;
        it->began_earlier = TRUE;
    }
    it->length = end_excl >= it->offset ? end_excl - it->offset : 0;
}

void
reset_body_line(smtpx_stream_t *st)
{
    g_byte_array_set_size(st->bbuf, 0);
    st->b_active = FALSE;
    st->b_raw = 0;
    st->b_ncr = 0;
    st->b_last_cr = FALSE;
    st->b_delivered = FALSE;
}

void
reset_line(smtpx_stream_t *st)
{
    g_byte_array_set_size(st->lbuf, 0);
    st->l_active = FALSE;
    st->l_raw = 0;
    st->l_ncr = 0;
    st->l_last_cr = FALSE;
}

static void
reset_message(smtpx_stream_t *st)
{
    reset_body_line(st);
    st->size = 0;
    st->text_line_len = 0;
    st->long_reported = FALSE;
    st->bare_lf_reported = FALSE;
    st->bare_cr_reported = FALSE;
    st->want_lines = TRUE;
}

/* The body starts at a line start: the window holds a virtual CRLF (the
 * DATA command line's), so "." first in the body is at a line start. */
static void
reset_window_bol(smtpx_stream_t *st)
{
    st->win[0] = '\n';
    st->win[1] = '\r';
    st->win_here[0] = st->win_here[1] = WIN_VIRTUAL;
    st->win_off[0] = st->win_off[1] = 0;
    st->win_n = 2;
}

void
smtpx_stream_begin(smtpx_stream_t *st, const guint8 *data, gsize len)
{
    guint i;

    st->data = data;
    st->len = data ? len : 0;
    st->pos = 0;
    st->feed_no++;
    st->q_count = 0;
    st->q_head = 0;
    st->body_start = 0;
    for (i = 0; i < G_N_ELEMENTS(st->win_here); i++)
        if (st->win_here[i] == WIN_HERE)
            st->win_here[i] = WIN_EARLIER;
}

gsize
smtpx_stream_pos(const smtpx_stream_t *st)
{
    return st->pos;
}

smtpx_stream_mode_t
smtpx_stream_mode(const smtpx_stream_t *st)
{
    return st->mode;
}

void
smtpx_stream_begin_data(smtpx_stream_t *st)
{
    reset_line(st);
    reset_message(st);
    st->mode = SMTPX_STREAM_DATA;
    st->dstate = D_BOL;
    reset_window_bol(st);
    st->body_start = st->pos;
}

void
smtpx_stream_begin_bdat(smtpx_stream_t *st, guint64 chunk_size,
                        gboolean new_message)
{
    reset_line(st);
    if (new_message)
        reset_message(st);
    st->mode = SMTPX_STREAM_BDAT;
    st->remaining = chunk_size;
    st->body_start = st->pos;
}

guint64
smtpx_stream_bdat_remaining(const smtpx_stream_t *st)
{
    return st->mode == SMTPX_STREAM_BDAT ? st->remaining : 0;
}

void
smtpx_stream_set_content_cb(smtpx_stream_t *st, smtpx_stream_content_cb cb,
                            void *user)
{
    st->content_cb = cb;
    st->content_user = user;
}

void
smtpx_stream_set_want_lines(smtpx_stream_t *st, gboolean want)
{
    st->want_lines = want != FALSE;
    if (!want)
        reset_body_line(st);
}

guint64
smtpx_stream_size(const smtpx_stream_t *st)
{
    return st->size;
}

void
smtpx_stream_end_body(smtpx_stream_t *st)
{
    reset_body_line(st);
    reset_line(st);
    st->mode = SMTPX_STREAM_LINES;
    st->remaining = 0;
}

smtpx_stream_mode_t
smtpx_stream_gap(smtpx_stream_t *st, guint64 missing)
{
    switch (st->mode) {
    case SMTPX_STREAM_LINES:
        reset_line(st);
        break;
    case SMTPX_STREAM_DATA:
        reset_body_line(st);
        st->dstate = D_TEXT;
        st->win_n = 0;
        st->text_line_len = 0;
        st->size = sat_add(st->size, missing);
        break;
    case SMTPX_STREAM_BDAT:
        reset_body_line(st);
        if (missing > 0 && missing <= st->remaining) {
            st->remaining -= missing;
            st->size = sat_add(st->size, missing);
        } else {
            st->mode = SMTPX_STREAM_LINES;
            st->remaining = 0;
            reset_line(st);
        }
        break;
    }
    return st->mode;
}

/* ------------------------------------------------------------------ */
/* Verbs for the smuggling preview (verbs.def). */

gboolean
smtpx_stream_looks_like_command(const guint8 *text, gsize len)
{
    guint v;

    if (!text)
        return FALSE;
    for (v = SMTPX_VERB_UNKNOWN + 1; v < SMTPX_VERB_COUNT; v++) {
        const char *verb = smtpx_verb_lookalike((smtpx_verb_t)v);
        gsize n = strlen(verb);

        if (len < n || g_ascii_strncasecmp((const char *)text, verb, n) != 0)
            continue;
        if (verb[n - 1] == ':')
            return TRUE;
        if (len == n || text[n] == ' ' || text[n] == '\r' || text[n] == '\n')
            return TRUE;
    }
    return FALSE;
}

gboolean
smtpx_stream_next(smtpx_stream_t *st, smtpx_stream_item_t *item)
{
    while (st->q_count == 0) {
        gsize before = st->pos;
        smtpx_stream_mode_t mode = st->mode;

        switch (st->mode) {
        case SMTPX_STREAM_LINES:
            if (!lines_step(st))
                return FALSE;
            break;
        case SMTPX_STREAM_DATA:
            data_step(st);
            break;
        case SMTPX_STREAM_BDAT:
            bdat_step(st);
            break;
        }
        /* Nothing queued, nothing consumed, mode unchanged: done. */
        if (st->q_count == 0 && st->pos == before && st->mode == mode)
            return FALSE;
    }
    *item = st->queue[st->q_head];
    st->q_head = (st->q_head + 1) % QUEUE_CAP;
    st->q_count--;
    return TRUE;
}
