/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * headers.h - accumulate a message's header section line by line, unfold it
 * and split it into header fields (RFC 5322 sections 2.2, 2.2.3, 3.6; obsolete
 * syntax 4.5), noting layout tricks that mail parsers read differently.
 * Bounded: at most max_bytes of header text, and at most
 * SMTPX_HEADERS_MAX_FIELDS fields, are kept.
 */
#ifndef SMTPX_CORE_HEADERS_H
#define SMTPX_CORE_HEADERS_H

#include "common.h"

G_BEGIN_DECLS

/* Per-field layout oddities (RFC 5322 2.2: field-name ":" without WSP). */
typedef enum {
    SMTPX_HDR_WS_BEFORE_COLON = 1u << 0, /* "From : x" (obs-optional, 4.5) */
    SMTPX_HDR_FOLDED_NAME     = 1u << 1, /* name alone on a line, colon on the
                                            next (continuation) line */
    SMTPX_HDR_LEADING_WS      = 1u << 2, /* the header section's first line
                                            starts with WSP */
    SMTPX_HDR_NO_COLON        = 1u << 3, /* a line that is no field at all */
    SMTPX_HDR_BARE_LF         = 1u << 4, /* a line ended in LF without CR */
    SMTPX_HDR_BARE_CR         = 1u << 5, /* a lone CR inside the field */
    SMTPX_HDR_NUL             = 1u << 6, /* a NUL byte inside the field */
    SMTPX_HDR_BAD_NAME        = 1u << 7, /* name has chars outside 33..126 */
    SMTPX_HDR_EMPTY_VALUE     = 1u << 8, /* nothing after the colon */
    SMTPX_HDR_TRUNCATED       = 1u << 9, /* a continuation line of this
                                            field was dropped: max_bytes */
    SMTPX_HDR_BLANK_CONTINUATION = 1u << 10 /* a continuation line holding
                                            only WSP (obs-FWS, RFC 5322
                                            4.2): some parsers end the
                                            header section there */
} smtpx_header_flag_t;

/* One header field, unfolded. */
typedef struct {
    char    *name;        /* field name as sent, trailing WSP removed,
                             printable, NUL-terminated (a LEADING_WS
                             field: leading WSP removed too; a NO_COLON
                             line: "", its text is the value) */
    guint8  *value;       /* field body unfolded (CRLF before WSP removed),
                             leading WSP removed, raw bytes, NUL-terminated
                             for convenience but may contain NUL bytes */
    gsize    value_len;   /* length of value without the terminating NUL */
    guint32  flags;       /* smtpx_header_flag_t */
} smtpx_header_field_t;

typedef struct smtpx_headers smtpx_headers_t;

typedef enum {
    SMTPX_HEADERS_MORE = 0,   /* feed more lines */
    SMTPX_HEADERS_DONE,       /* the empty line ending the section was seen */
    SMTPX_HEADERS_LIMIT       /* max_bytes passed: the rest is not kept */
} smtpx_headers_status_t;

/* Header fields kept per message (issue 14): a 64 KiB section holds at most
 * a few thousand fields; real mail has fewer than 100.  The field that
 * would be the next one, and everything after it, is not kept (LIMIT). */
#define SMTPX_HEADERS_MAX_FIELDS 1000

/* A new accumulator keeping at most max_bytes (>= 1) of header text. */
smtpx_headers_t *smtpx_headers_new(gsize max_bytes);
void smtpx_headers_free(smtpx_headers_t *h);

/*
 * smtpx_headers_add_line - add one line of the message (after
 * dot-unstuffing), without its line ending.
 * bare_lf: the line ended in a bare LF (not CRLF).
 * Returns DONE on the empty line that ends the section, LIMIT once the byte
 * budget is used up or a field past SMTPX_HEADERS_MAX_FIELDS begins (further
 * calls return LIMIT and keep nothing), MORE otherwise.  After DONE, further calls return DONE and keep nothing.
 */
smtpx_headers_status_t smtpx_headers_add_line(smtpx_headers_t *h,
                                              const guint8 *line, gsize len,
                                              gboolean bare_lf);

/* Ends accumulation (end of data without an empty line); finishes the last
 * field.  Idempotent. */
void smtpx_headers_finish(smtpx_headers_t *h);

/* Number of fields kept; the i-th (0-based) field, NULL when out of range. */
guint smtpx_headers_count(const smtpx_headers_t *h);
const smtpx_header_field_t *smtpx_headers_nth(const smtpx_headers_t *h, guint i);

/* Number of fields named name (case-insensitive, NUL-terminated), and the
 * first of them (NULL when none). */
guint smtpx_headers_count_name(const smtpx_headers_t *h, const char *name);
const smtpx_header_field_t *smtpx_headers_get(const smtpx_headers_t *h,
                                              const char *name);

/* OR of all fields' flags, plus LEADING_WS for the section. */
guint32 smtpx_headers_flags(const smtpx_headers_t *h);
/* TRUE when max_bytes or the field cap was reached. */
gboolean smtpx_headers_truncated(const smtpx_headers_t *h);
/* TRUE when it was the field cap (SMTPX_HEADERS_MAX_FIELDS); NULL: FALSE. */
gboolean smtpx_headers_field_limit(const smtpx_headers_t *h);
/* Bytes of header text seen so far (kept or not). */
gsize smtpx_headers_bytes(const smtpx_headers_t *h);

/*
 * smtpx_dkim_signing_domain - the "d=" tag of a DKIM-Signature field body
 * (RFC 6376 section 3.5, tag-list syntax 3.2).  value/len: unfolded field
 * body, not NUL-terminated.  Returns the domain lower-cased (g_free), or
 * NULL when there is no d= tag.
 */
char *smtpx_dkim_signing_domain(const guint8 *value, gsize len);

/*
 * smtpx_dkim_signature_wellformed - TRUE when a DKIM-Signature field body
 * carries each tag RFC 6376 section 3.5 requires (v, a, b, bh, d, h, s)
 * exactly once and non-empty, v is "1", and h= lists From (RFC 6376 5.4:
 * the From field must be signed).  A syntax check only: the signature is
 * not verified.  value/len: unfolded field body, not NUL-terminated; NULL
 * gives FALSE.
 */
gboolean smtpx_dkim_signature_wellformed(const guint8 *value, gsize len);

/* Words for the set smtpx_header_flag_t bits ("whitespace between field name
 * and colon; bare LF line ending"), "; " separated, "" when none.  Returns a
 * new string (g_free). */
char *smtpx_header_flags_describe(guint32 flags);

/* The same words joined by sep (NUL-terminated, e.g. ", " inside a
 * sentence); new string (g_free), "" when none. */
char *smtpx_header_flags_words(guint32 flags, const char *sep);

G_END_DECLS

#endif /* SMTPX_CORE_HEADERS_H */
