/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream.c - per-direction framing of an SMTP session: lines, the DATA body
 * (end of data, dot-unstuffing, size, smuggling look-alikes) and BDAT
 * chunks.  See stream.h for the contract.
 */
#include <string.h>

#include "stream.h"
#include "command.h"

#define DEFAULT_MAX_LINE   65536
#define TEXT_LINE_LIMIT    1000    /* RFC 5321 4.5.3.1.6, CRLF included */
#define FOLLOWS_MAX        200
#define QUEUE_CAP          8       /* items one octet can produce, and more */

/* Where an octet of the look-alike window is. */
#define WIN_EARLIER 0   /* in an earlier feed */
#define WIN_HERE    1   /* in the current feed, at win_off */
#define WIN_VIRTUAL 2   /* the line start before the body (not sent here) */

/* The DATA automaton (RFC 5321 4.5.2 transparency, 4.1.1.4 end of data). */
typedef enum {
    D_BOL = 0,   /* at a line start after CRLF (or the start of the body) */
    D_DOT,       /* a "." at such a line start, not yet counted */
    D_DOT_CR,    /* ".<CR>" at such a line start */
    D_TEXT,      /* inside a line (also after a bare LF) */
    D_CR         /* a CR inside a line, pending: CRLF or a bare CR? */
} data_state_t;

struct smtpx_stream {
    gsize max_line;
    smtpx_stream_mode_t mode;

    /* The current feed. */
    const guint8 *data;
    gsize len;
    gsize pos;
    guint64 feed_no;

    /* Items waiting to be returned (a ring). */
    smtpx_stream_item_t queue[QUEUE_CAP];
    guint q_head;
    guint q_count;

    /* LINES mode: the line in progress. */
    GByteArray *lbuf;        /* its first max_line + 1 octets */
    gboolean l_active;       /* octets of a line were seen */
    guint64  l_start_feed;   /* feed where the line began */
    gsize    l_start;        /* its offset in that feed */
    guint64  l_raw;          /* octets before the LF so far */
    guint64  l_ncr;          /* CR octets among them */
    gboolean l_last_cr;      /* the last of them was CR */

    /* Body (DATA and BDAT). */
    gboolean want_lines;
    GByteArray *bbuf;        /* body line in progress (first max_line + 1) */
    gboolean b_active;
    guint64  b_start_feed;
    gsize    b_start;
    guint64  b_raw;
    guint64  b_ncr;
    gboolean b_last_cr;
    gboolean b_delivered;    /* bbuf was handed out: clear before reuse */
    guint64  size;           /* message octets after unstuffing */
    guint64  text_line_len;  /* current text line, CRLF included */
    gboolean long_reported;
    gboolean bare_lf_reported;
    gboolean bare_cr_reported;
    gsize    body_start;     /* body octets of this feed start here */

    /* DATA */
    data_state_t dstate;
    guint64  term_feed;      /* where the "." of a possible end began */
    gsize    term_start;
    guint8   win[4];         /* last raw octets, win[0] the latest */
    guint8   win_here[4];    /* WIN_EARLIER, WIN_HERE or WIN_VIRTUAL */
    gsize    win_off[4];     /* and its offset there */
    guint    win_n;          /* valid entries in win */

    /* BDAT */
    guint64  remaining;

    /* Message content octets (after unstuffing) go here too. */
    smtpx_stream_content_cb content_cb;
    void    *content_user;
};

/* ------------------------------------------------------------------ */

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

static guint64
sat_add(guint64 a, guint64 b)
{
    return (a > G_MAXUINT64 - b) ? G_MAXUINT64 : a + b;
}

static smtpx_stream_item_t *
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
static void
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

static void
reset_body_line(smtpx_stream_t *st)
{
    g_byte_array_set_size(st->bbuf, 0);
    st->b_active = FALSE;
    st->b_raw = 0;
    st->b_ncr = 0;
    st->b_last_cr = FALSE;
    st->b_delivered = FALSE;
}

static void
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
    st->want_lines = want;
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

/* ------------------------------------------------------------------ */
/* LINES mode */

/* Appends octets of a line to buf, keeping at most max_line + 1. */
static void
append_capped(GByteArray *buf, gsize cap, const guint8 *p, gsize n)
{
    if (buf->len < cap) {
        gsize room = cap - buf->len;
        g_byte_array_append(buf, p, (guint)MIN(n, room));
    }
}

static guint64
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
static void
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

static gboolean
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
static void
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

static void
window_push(smtpx_stream_t *st, guint8 c, gsize at)
{
    memmove(&st->win[1], &st->win[0], 3);
    memmove(&st->win_here[1], &st->win_here[0], 3);
    memmove(&st->win_off[1], &st->win_off[0], 3 * sizeof(gsize));
    st->win[0] = c;
    st->win_here[0] = WIN_HERE;
    st->win_off[0] = at;
    if (st->win_n < 4)
        st->win_n++;
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

static void
data_step(smtpx_stream_t *st)
{
    while (st->pos < st->len && st->q_count == 0 &&
           st->mode == SMTPX_STREAM_DATA) {
        const guint8 *p = st->data + st->pos;
        gsize avail = st->len - st->pos;

        if (!st->want_lines && (st->dstate == D_TEXT ||
                                (st->dstate == D_BOL && p[0] != '.'))) {
            /* Fast path past the header section: a whole line with its
             * CRLF in this feed, no CR or LF inside, not ending in "."
             * (so no look-alike of the end of data can be in it), not
             * longer than the text line limit (or that was reported):
             * all of it is content, and the next octet is at a line
             * start.  In D_TEXT the line must be non-empty (the octet
             * before it, in the window, might be a "."). */
            const guint8 *lf = memchr(p, '\n', avail);
            gsize n = lf ? (gsize)(lf - p) : 0;

            if (lf && n > 0 && p[n - 1] == '\r' &&
                (n >= 2 ? p[n - 2] != '.' : st->dstate == D_BOL) &&
                (n == 1 || !memchr(p, '\r', n - 1)) &&
                (st->long_reported ||
                 st->text_line_len + n + 1 <= TEXT_LINE_LIMIT)) {
                gsize m = n + 1, k;

                st->size = sat_add(st->size, m);
                if (st->content_cb)
                    st->content_cb(st->content_user, p, m);
                st->text_line_len = 0;
                for (k = (m > 4 ? m - 4 : 0); k < m; k++)
                    window_push(st, p[k], st->pos + k);
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
                gsize k;

                st->size = sat_add(st->size, n);
                st->text_line_len = sat_add(st->text_line_len, n);
                if (st->content_cb)
                    st->content_cb(st->content_user, p, n);
                body_line_octets(st, p, n, st->pos, TRUE);
                for (k = (n > 4 ? n - 4 : 0); k < n; k++)
                    window_push(st, p[k], st->pos + k);
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

static void
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

/* ------------------------------------------------------------------ */

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
