/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream.h - one direction of an SMTP session as a byte stream: line framing
 * for commands and replies (RFC 5321 section 2.3.8, lines end in CRLF), the
 * DATA body up to the end of data <CRLF>.<CRLF> with dot-unstuffing
 * (section 4.5.2) and message size counting (RFC 1870 section 4: octets after
 * unstuffing, CRLFs included, the terminating "." line not), SMTP smuggling
 * look-alikes of the end of data (SEC Consult, December 2023;
 * CVE-2023-51764, CVE-2023-51765, CVE-2023-51766), and BDAT chunks that are
 * exactly N octets whatever they contain (RFC 3030 section 2).
 *
 * The stream does not interpret commands: the session tells it when to switch
 * mode (smtpx_stream_begin_data after a 354, smtpx_stream_begin_bdat after a
 * BDAT line).  It is a pull parser: smtpx_stream_begin() hands it the bytes of
 * one feed, then smtpx_stream_next() returns one item at a time; between two
 * items the caller may switch modes, and the switch applies to the very next
 * byte.  Partial lines are carried from feed to feed.
 *
 * Memory: a line is kept whole up to max_line octets (longer lines are cut,
 * flagged, and the rest of the line is only counted), so a stream never holds
 * more than about 2 * max_line bytes.  The body is not copied: only body lines
 * the caller asks for (smtpx_stream_set_want_lines, for the header section)
 * are assembled.
 */
#ifndef SMTPX_CORE_STREAM_H
#define SMTPX_CORE_STREAM_H

#include "common.h"

G_BEGIN_DECLS

typedef enum {
    SMTPX_STREAM_LINES = 0,  /* commands or replies, one line at a time */
    SMTPX_STREAM_DATA,       /* DATA body until <CRLF>.<CRLF> */
    SMTPX_STREAM_BDAT        /* the octets of one BDAT chunk */
} smtpx_stream_mode_t;

/* How a line ended. */
typedef enum {
    SMTPX_EOL_CRLF = 0,      /* CR LF, the only ending RFC 5321 allows */
    SMTPX_EOL_LF             /* a bare LF (RFC 5321 2.3.8 forbids it) */
} smtpx_eol_t;

typedef enum {
    /* LINES mode: one complete line (up to and including its LF). */
    SMTPX_SITEM_LINE = 0,
    /* DATA/BDAT: the body octets of this feed (span; sent at the end of
     * the feed, or before END_OF_DATA / CHUNK_END).  Never of length 0. */
    SMTPX_SITEM_BODY,
    /* DATA/BDAT: a body line after unstuffing, given only while the caller
     * wants lines (the header section).  Lines are split at LF, so a line
     * may continue across BDAT chunks and feeds. */
    SMTPX_SITEM_BODY_LINE,
    /* DATA: the first text line of this message longer than 1000 octets
     * with its CRLF, after unstuffing (RFC 5321 4.5.3.1.6). */
    SMTPX_SITEM_LONG_TEXT_LINE,
    /* DATA: the first bare LF / bare CR of this message. */
    SMTPX_SITEM_BARE_LF,
    SMTPX_SITEM_BARE_CR,
    /* DATA: a "." line whose line ending before or after is not CRLF:
     * <LF>.<LF>, <CR>.<CR>, <LF>.<CR><LF>, <CR><LF>.<LF>, ...  Some servers
     * take these as the end of data (SMTP smuggling).  Not the end here. */
    SMTPX_SITEM_LOOKALIKE,
    /* DATA: the end of data; offset/length cover ".<CRLF>".  The stream is
     * back in LINES mode. */
    SMTPX_SITEM_END_OF_DATA,
    /* BDAT: the chunk is complete (offset is where it ended, length 0).
     * The stream is back in LINES mode. */
    SMTPX_SITEM_CHUNK_END
} smtpx_stream_item_kind_t;

/* One item.  Offsets are relative to the data given to smtpx_stream_begin.
 * Issue 10: the members are ordered and the flags are bits, so that the
 * stream's queue of items (stream_internal.h) stays small. */
typedef struct {
    smtpx_stream_item_kind_t kind;
    smtpx_eol_t eol;         /* LINE and BODY_LINE: how it ended */
    gsize    offset;         /* first octet in this feed (0 if began_earlier) */
    gsize    length;         /* octets of this feed it covers */

    /* LINE and BODY_LINE: the content without its line ending.  Points into
     * the feed's data or into the stream; valid until the next call to
     * smtpx_stream_next/begin/free.  Not NUL-terminated. */
    const guint8 *line;
    gsize    line_len;       /* <= max_line */
    guint64  raw_len;        /* the whole line's octets with its ending, over
                                all feeds (saturates at G_MAXUINT64) */

    /* LOOKALIKE */
    const char *pattern;     /* "<LF>.<LF>" and so on; static string */
    const guint8 *follows;   /* the octets right after it in this feed, at
                                most 200; NULL when none in this feed */
    gsize    follows_len;

    /* BODY_LINE..CHUNK_END: message octets so far after unstuffing. */
    guint64  size;

    guint    began_earlier : 1;  /* it started in an earlier feed */
    guint    cut : 1;        /* LINE, BODY_LINE: longer than max_line: line
                                holds the start */
    guint    bare_cr : 1;    /* LINE, BODY_LINE: a CR not followed by LF
                                inside the line */
    guint    follows_command : 1; /* LOOKALIKE: follows starts with an SMTP
                                command verb */
} smtpx_stream_item_t;

typedef struct smtpx_stream smtpx_stream_t;

/* A new stream in LINES mode.  max_line: longest line kept whole, in octets
 * (0 means 65536).  Free with smtpx_stream_free (NULL allowed). */
smtpx_stream_t *smtpx_stream_new(gsize max_line);
void smtpx_stream_free(smtpx_stream_t *st);
/* TRUE when st is in LINES mode with no line in progress and no item
 * queued: a new stream (smtpx_stream_new with the same max_line and the
 * same content callback) would frame the next octets exactly as st would,
 * so st may be freed and made again (session.c gives the state of a closed
 * session back this way).  st must not be NULL. */
gboolean smtpx_stream_idle(const smtpx_stream_t *st);

/*
 * smtpx_stream_begin - start a feed: data/len are the next octets of this
 * direction, any content, not NUL-terminated (data may be NULL if len is 0).
 * The stream borrows data until the next smtpx_stream_begin; items point
 * into it.  Octets of a feed not consumed by smtpx_stream_next are dropped.
 */
void smtpx_stream_begin(smtpx_stream_t *st, const guint8 *data, gsize len);

/*
 * smtpx_stream_next - the next item of the current feed.
 * Returns FALSE when the feed is used up (a partial line is carried over).
 */
gboolean smtpx_stream_next(smtpx_stream_t *st, smtpx_stream_item_t *item);

/* Octets of the current feed consumed so far. */
gsize smtpx_stream_pos(const smtpx_stream_t *st);

/* The current mode (DATA and BDAT switch back to LINES by themselves at
 * END_OF_DATA and CHUNK_END). */
smtpx_stream_mode_t smtpx_stream_mode(const smtpx_stream_t *st);

/*
 * smtpx_stream_begin_data - from the next octet on, the DATA body of a new
 * message (after the 354 reply).  Size and body-line state are reset, body
 * lines are wanted.  A partial line in LINES mode is dropped.
 */
void smtpx_stream_begin_data(smtpx_stream_t *st);

/*
 * smtpx_stream_begin_bdat - from the next octet on, a BDAT chunk of exactly
 * chunk_size octets (0 allowed: CHUNK_END comes at once).  new_message:
 * this is the first chunk of a message (size and body-line state reset, body
 * lines wanted); otherwise size and a body line in progress continue from
 * the previous chunk.
 */
void smtpx_stream_begin_bdat(smtpx_stream_t *st, guint64 chunk_size,
                             gboolean new_message);

/* Octets of the current BDAT chunk still to come (0 outside BDAT). */
guint64 smtpx_stream_bdat_remaining(const smtpx_stream_t *st);

/* Whether BODY_LINE items are wanted (TRUE after begin_data and the first
 * begin_bdat; the caller clears it once the header section is complete). */
void smtpx_stream_set_want_lines(smtpx_stream_t *st, gboolean want);

/*
 * smtpx_stream_set_content_cb - cb(user, p, n) is called with every message
 * octet of DATA bodies after dot-unstuffing and of BDAT chunks, in order,
 * in pieces (p valid only during the call; the terminating "." line is not
 * content).  It lets a caller hash the body as it passes without a copy
 * (DKIM, dkim.h).  cb NULL: none.  Kept across modes.
 */
typedef void (*smtpx_stream_content_cb)(void *user, const guint8 *p, gsize n);
void smtpx_stream_set_content_cb(smtpx_stream_t *st, smtpx_stream_content_cb cb,
                                 void *user);

/* Message octets counted so far (after unstuffing). */
guint64 smtpx_stream_size(const smtpx_stream_t *st);

/* Leave DATA/BDAT mode at once (body abandoned) and go back to LINES mode,
 * at a line start. */
void smtpx_stream_end_body(smtpx_stream_t *st);

/*
 * smtpx_stream_gap - missing octets (missing 0 = unknown amount) before the
 * next feed.  LINES: the partial line is dropped.  DATA: stays in DATA, the
 * partial body line is dropped and the position counts as inside a line (a
 * "." line needs a CRLF first); missing is added to the size.  BDAT: when
 * missing is known and at most the rest of the chunk, the chunk continues
 * (a chunk ending exactly at the gap gives CHUNK_END first thing in the next
 * feed); otherwise the chunk is lost and the stream is in LINES mode.
 * Returns the mode after the gap.
 */
smtpx_stream_mode_t smtpx_stream_gap(smtpx_stream_t *st, guint64 missing);

/*
 * smtpx_stream_looks_like_command - TRUE when text (not NUL-terminated)
 * starts with an SMTP command verb of RFC 5321 and its extensions followed by
 * SP, CR, LF or the end ("MAIL FROM:", "RCPT TO:", "DATA", "QUIT", ...),
 * case-insensitive.  Used for the smuggling preview.
 */
gboolean smtpx_stream_looks_like_command(const guint8 *text, gsize len);

G_END_DECLS

#endif /* SMTPX_CORE_STREAM_H */
