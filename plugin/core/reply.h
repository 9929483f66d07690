/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reply.h - SMTP reply lines and multi-line replies (RFC 5321 section 4.2)
 * and enhanced status codes at the start of reply text (RFC 3463 section 2,
 * RFC 2034 section 3).
 */
#ifndef SMTPX_CORE_REPLY_H
#define SMTPX_CORE_REPLY_H

#include "common.h"

G_BEGIN_DECLS

/*
 * An enhanced status code "class.subject.detail" (RFC 3463 section 2):
 * class is 2, 4 or 5; subject and detail are 1 to 3 digits each.
 */
typedef struct {
    gboolean present;    /* a syntactically valid code was found */
    guint8   klass;      /* 2, 4 or 5 */
    guint16  subject;    /* 0..999 */
    guint16  detail;     /* 0..999 */
    gsize    offset;     /* where the code starts, relative to the text given */
    gsize    length;     /* its length in bytes */
} smtpx_enhanced_status_t;

/*
 * smtpx_enhanced_status_parse - find an enhanced status code at the start of
 * reply text (after the reply code and its separator).  Leading spaces are
 * skipped; the code must be followed by SP, end of text, or nothing else
 * printable (RFC 2034 section 4 grammar).
 *
 * text/len: the reply text, not NUL-terminated, without CRLF.
 * out: filled in; out->present is FALSE when there is no code (never an error).
 * Returns out->present.
 */
gboolean smtpx_enhanced_status_parse(const guint8 *text, gsize len,
                                     smtpx_enhanced_status_t *out);

/* One reply line, split (RFC 5321 section 4.2: Reply-line). */
typedef struct {
    gboolean valid;      /* starts with 3 digits then SP, '-' or end of line */
    guint16  code;       /* 100..599 when valid; 0 otherwise */
    gboolean continued;  /* separator was '-': more lines follow */
    gsize    text_offset;/* offset of the text after the separator (<= len) */
} smtpx_reply_line_t;

/*
 * smtpx_reply_line_parse - split one reply line.
 * line/len: one line without its CRLF (or bare LF), not NUL-terminated.
 * Returns out->valid.  First digit must be 2..5, second 0..5 (RFC 5321 4.2);
 * anything else gives valid = FALSE and code 0.
 */
gboolean smtpx_reply_line_parse(const guint8 *line, gsize len,
                                smtpx_reply_line_t *out);

/* A whole reply, possibly multi-line, as the core stores it. */
typedef struct {
    guint16  code;            /* code of the first line */
    GPtrArray *lines;         /* char *: text of each line after code and
                                 separator, made printable (smtpx_printable) */
    smtpx_enhanced_status_t status;  /* of the first line's text */
    char    *status_text;     /* "5.7.1" as sent, or NULL */
    gboolean code_mismatch;   /* a later line carried a different code */
    gboolean complete;        /* the last line (SP separator) was seen */
    guint    n_lines;         /* lines added, dropped ones included */
    gboolean bad_line;        /* a line without a valid reply code was
                                 added; it ended the reply (complete stays
                                 FALSE) and its whole text is in lines */
} smtpx_reply_t;

/* A new empty reply (free with smtpx_reply_free). */
smtpx_reply_t *smtpx_reply_new(void);

/*
 * smtpx_reply_add_line - add one reply line (without CRLF) to r.
 * Returns TRUE when this line completes the reply.  An invalid line (no
 * code) completes the reply and is kept as text; the caller flags it.
 * At most SMTPX_REPLY_MAX_LINES lines are kept; further lines are counted
 * (n_lines) but their text dropped.  A line given after the reply ended
 * (complete or bad_line) is ignored and TRUE returned.
 */
#define SMTPX_REPLY_MAX_LINES 256
gboolean smtpx_reply_add_line(smtpx_reply_t *r, const guint8 *line, gsize len);

/* Frees r and everything it owns; NULL is allowed. */
void smtpx_reply_free(smtpx_reply_t *r);

G_END_DECLS

#endif /* SMTPX_CORE_REPLY_H */
