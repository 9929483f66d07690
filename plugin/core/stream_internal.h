/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream_internal.h - what the files of the per-direction SMTP framer share
 * (stream.c, stream_lines.c, stream_body.c, stream_smuggle.c); not part of
 * the core's interface (stream.h is).
 *
 * The state of one direction (struct smtpx_stream) and the steps over its
 * current feed: each reads st->data[st->pos..st->len) (bytes as sent, not
 * NUL-terminated, any value), advances st->pos and queues items (at most
 * QUEUE_CAP; offsets into the current feed, RFC 5321 2.3.8 lines, 4.5.2
 * transparency, 4.1.1.4 end of data, RFC 3030 BDAT).  Nothing allocates
 * beyond the two line buffers, capped at max_line + 1 octets.
 */
#ifndef SMTPX_CORE_STREAM_INTERNAL_H
#define SMTPX_CORE_STREAM_INTERNAL_H

#include <string.h>

#include "stream.h"
#include "command.h"

G_BEGIN_DECLS

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

/* Issue 10: the members are ordered, and the flags nobody points at are
 * bits, so that no padding is kept and the whole stays a small block for
 * malloc (stream.c checks its size). */
struct smtpx_stream {
    gsize max_line;

    /* The current feed. */
    const guint8 *data;
    gsize len;
    gsize pos;
    guint64 feed_no;

    /* Items waiting to be returned (a ring). */
    smtpx_stream_item_t queue[QUEUE_CAP];

    /* LINES mode: the line in progress. */
    GByteArray *lbuf;        /* its first max_line + 1 octets */
    guint64  l_start_feed;   /* feed where the line began */
    gsize    l_start;        /* its offset in that feed */
    guint64  l_raw;          /* octets before the LF so far */
    guint64  l_ncr;          /* CR octets among them */

    /* Body (DATA and BDAT). */
    GByteArray *bbuf;        /* body line in progress (first max_line + 1) */
    guint64  b_start_feed;
    gsize    b_start;
    guint64  b_raw;
    guint64  b_ncr;
    guint64  size;           /* message octets after unstuffing */
    guint64  text_line_len;  /* current text line, CRLF included */
    gsize    body_start;     /* body octets of this feed start here */

    /* DATA */
    guint64  term_feed;      /* where the "." of a possible end began */
    gsize    term_start;
    gsize    win_off[4];     /* where each octet of win is (win_here) */

    /* BDAT */
    guint64  remaining;

    /* Message content octets (after unstuffing) go here too. */
    smtpx_stream_content_cb content_cb;
    void    *content_user;

    /* The 32-bit members, then the octets and flags. */
    smtpx_stream_mode_t mode;
    guint    q_head;
    guint    q_count;
    data_state_t dstate;     /* DATA */
    guint    win_n;          /* DATA: valid entries in win */
    gboolean long_reported;
    gboolean bare_lf_reported;
    gboolean bare_cr_reported;
    guint8   win[4];         /* DATA: last raw octets, win[0] the latest */
    guint8   win_here[4];    /* WIN_EARLIER, WIN_HERE or WIN_VIRTUAL */
    guint    l_active : 1;   /* LINES: octets of a line were seen */
    guint    l_last_cr : 1;  /* LINES: the last octet so far was CR */
    guint    want_lines : 1; /* body: BODY_LINE items are wanted */
    guint    b_active : 1;   /* body: octets of a line were seen */
    guint    b_last_cr : 1;  /* body: the last octet so far was CR */
    guint    b_delivered : 1; /* bbuf was handed out: clear before reuse */
};

/* a + b, saturating at G_MAXUINT64. */
static inline guint64
sat_add(guint64 a, guint64 b)
{
    return (a > G_MAXUINT64 - b) ? G_MAXUINT64 : a + b;
}

/* The functions below keep their short names in the source; these macros
 * give their symbols the project's prefix. */
#define push_item         smtpx_stream_push_item
#define set_start         smtpx_stream_set_start
#define reset_body_line   smtpx_stream_reset_body_line
#define reset_line        smtpx_stream_reset_line
#define append_capped     smtpx_stream_append_capped
#define count_cr          smtpx_stream_count_cr
#define finish_line_item  smtpx_stream_finish_line_item
#define lines_step        smtpx_stream_lines_step
#define data_step         smtpx_stream_data_step
#define bdat_step         smtpx_stream_bdat_step
#define check_lookalike   smtpx_stream_check_lookalike
#define window_push       smtpx_stream_window_push
#define window_push_run   smtpx_stream_window_push_run

/* ---- stream.c: the item queue and resets ---- */

/* A new item of kind at the queue's tail (zeroed, size = st->size), or
 * NULL when QUEUE_CAP are queued already (never in practice). */
smtpx_stream_item_t *push_item(smtpx_stream_t *st,
                               smtpx_stream_item_kind_t kind);

/* Offset and length in the current feed of something that began at (feed,
 * off) and ends before end_excl: offset 0 and began_earlier when it began
 * in an earlier feed. */
void set_start(const smtpx_stream_t *st, smtpx_stream_item_t *it,
               guint64 feed, gsize off, gsize end_excl);

/* Forget the body line (DATA, BDAT) or the command line (LINES) in
 * progress. */
void reset_body_line(smtpx_stream_t *st);
void reset_line(smtpx_stream_t *st);

/* ---- stream_lines.c: LINES mode, and line helpers the body shares ---- */

/* Appends p[0..n) to buf, keeping at most cap octets in all (callers
 * pass max_line + 1). */
void append_capped(GByteArray *buf, gsize cap, const guint8 *p, gsize n);

/* The number of CR octets in p[0..n). */
guint64 count_cr(const guint8 *p, gsize n);

/* Fills the line members of it from the line's first kept octets
 * (content[0..kept)), raw octets before the LF (raw), CRs among them
 * (ncr), whether the last was CR (last_cr), and the cap (max_line). */
void finish_line_item(smtpx_stream_item_t *it, const guint8 *content,
                      gsize kept, guint64 raw, guint64 ncr, gboolean last_cr,
                      gsize max_line);

/* One step in LINES mode: FALSE when the feed ends inside a line. */
gboolean lines_step(smtpx_stream_t *st);

/* ---- stream_body.c: DATA and BDAT modes ---- */

/* One step in DATA mode (RFC 5321 4.5.2, 4.1.1.4) or BDAT mode (RFC 3030
 * 2): consumes octets until an item is queued, the mode ends or the feed
 * does. */
void data_step(smtpx_stream_t *st);
void bdat_step(smtpx_stream_t *st);

/* ---- stream_smuggle.c: end-of-data look-alikes ---- */

/* Checks DATA octet c (at offset at of this feed) against the window of
 * the octets before it; queues a SMTPX_SITEM_LOOKALIKE for "<x>.<y>" line
 * breaks other than CRLF.CRLF ("SMTP smuggling"). */
void check_lookalike(smtpx_stream_t *st, guint8 c, gsize at);

/* Pushes DATA octet c (at offset at of this feed) into the window. */
void window_push(smtpx_stream_t *st, guint8 c, gsize at);

/* Pushes the n DATA octets p[0..n) (p[k] at offset at + k of this feed)
 * into the window, as n calls of window_push would (only the last four
 * stay). */
void window_push_run(smtpx_stream_t *st, const guint8 *p, gsize n,
                     gsize at);

G_END_DECLS

#endif /* SMTPX_CORE_STREAM_INTERNAL_H */
