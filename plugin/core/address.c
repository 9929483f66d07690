/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address.c - RFC 5322 address lists with ambiguity flags; RFC 2047
 * encoded-words.  See address.h for the contract.
 *
 * Two passes, both linear and without recursion:
 *  1. a lexer cuts the field body into tokens: atoms, encoded-words, dots,
 *     quoted strings, comments (nesting counted, not recursed), domain
 *     literals and specials, noting for each whether CFWS came before it;
 *  2. a parser walks the tokens once, splitting the list into elements at
 *     ',' and group boundaries (':' ... ';'), then reads each element as a
 *     name-addr (phrase and angle-addrs) or an addr-spec.
 * Nothing is ever rejected: every oddity becomes a flag and parsing goes on
 * with the reading most mail transfer agents take (for several '@' the last
 * one separates local part and domain, as MTAs route on it).
 */
#include <string.h>

#include "address.h"

/* Comments deeper than this are flagged as a syntax error (no parser reads
 * them alike); nesting is only counted, so depth costs no stack. */
#define MAX_COMMENT_DEPTH 64

#define NO_INDEX G_MAXSIZE

/* ------------------------------------------------------------------ */
/* RFC 2047 encoded-words                                              */
/* ------------------------------------------------------------------ */

/* What decoding found. */
typedef struct {
    gboolean any;        /* at least one encoded-word decoded */
    gboolean addrlike;   /* decoded text holds '@', '<' or '>' */
    gboolean at;         /* decoded text holds '@' */
    gboolean angle;      /* decoded text holds '<' or '>' */
    gboolean nul;        /* decoded text holds NUL */
    gboolean ctl;        /* decoded text holds another C0 control or DEL */
} ew_info_t;

/* One encoded-word found in a text: input spans. */
typedef struct {
    gsize start, end;          /* whole "=?...?=" */
    gsize cs_start, cs_len;    /* charset (without *language) */
    guint8 enc;                /* 'B' or 'Q' */
    gsize tx_start, tx_len;    /* encoded-text */
} ew_span_t;

/* RFC 2047 section 2: token = 1*<any CHAR except SPACE, CTLs, especials>. */
static gboolean
is_ew_token_char(guint8 c)
{
    if (c <= 0x20 || c >= 0x7f)
        return FALSE;
    return strchr("()<>@,;:\"/[]?.=", c) == NULL;
}

/* Matches "=?charset?X?text?=" at s[i]; fills *ew.  Scans at most to the
 * third '?' after i, so repeated attempts stay linear. */
static gboolean
ew_match(const guint8 *s, gsize len, gsize i, ew_span_t *ew)
{
    gsize j = i + 2, k;

    if (i + 1 >= len || s[i] != '=' || s[i + 1] != '?')
        return FALSE;
    while (j < len && is_ew_token_char(s[j]))
        j++;
    if (j == i + 2 || j >= len || s[j] != '?')
        return FALSE;
    ew->cs_start = i + 2;
    ew->cs_len = j - (i + 2);
    /* RFC 2231 section 5: charset*language. */
    for (k = ew->cs_start; k < j; k++)
        if (s[k] == '*') {
            ew->cs_len = k - ew->cs_start;
            break;
        }
    if (ew->cs_len == 0)
        return FALSE;
    j++;
    if (j + 1 >= len || s[j + 1] != '?')
        return FALSE;
    switch (s[j]) {
    case 'B': case 'b': ew->enc = 'B'; break;
    case 'Q': case 'q': ew->enc = 'Q'; break;
    default: return FALSE;
    }
    j += 2;
    ew->tx_start = j;
    while (j < len && s[j] >= 0x21 && s[j] <= 0x7e && s[j] != '?')
        j++;
    if (j + 1 >= len || s[j] != '?' || s[j + 1] != '=')
        return FALSE;
    ew->tx_len = j - ew->tx_start;
    ew->start = i;
    ew->end = j + 2;
    return TRUE;
}

static int
hexval(guint8 c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static gboolean
is_b64_char(guint8 c)
{
    return g_ascii_isalnum(c) || c == '+' || c == '/';
}

/* Decodes the encoded-text of ew into raw bytes appended to out.  FALSE
 * (out unchanged in length) when the text is not valid B or Q. */
static gboolean
ew_decode_bytes(const guint8 *s, const ew_span_t *ew, GByteArray *out)
{
    const guint8 *t = s + ew->tx_start;
    gsize n = ew->tx_len, i;

    if (ew->enc == 'Q') {
        guint before = out->len;

        for (i = 0; i < n; i++) {
            guint8 c = t[i];

            if (c == '_') {
                c = ' ';
            } else if (c == '=') {
                int hi, lo;

                /* "=" must be followed by two hex digits (4.2 (1)). */
                if (i + 2 >= n || (hi = hexval(t[i + 1])) < 0 ||
                    (lo = hexval(t[i + 2])) < 0) {
                    g_byte_array_set_size(out, before);
                    return FALSE;
                }
                c = (guint8)(hi * 16 + lo);
                i += 2;
            }
            g_byte_array_append(out, &c, 1);
        }
        return TRUE;
    } else {
        gsize data = n, pad = 0;
        char *copy;
        guchar *dec;
        gsize dlen = 0;

        while (data > 0 && t[data - 1] == '=' && pad < 2) {
            data--;
            pad++;
        }
        for (i = 0; i < data; i++)
            if (!is_b64_char(t[i]))
                return FALSE;
        if (data % 4 == 1)
            return FALSE;
        if (data == 0)
            return TRUE;
        copy = g_strndup((const char *)t, data);
        /* g_base64_decode wants padding to whole quanta. */
        if (data % 4) {
            char *padded = g_strconcat(copy, data % 4 == 2 ? "==" : "=", NULL);

            g_free(copy);
            copy = padded;
        }
        dec = g_base64_decode(copy, &dlen);
        g_free(copy);
        if (dlen)
            g_byte_array_append(out, dec, (guint)dlen);
        g_free(dec);
        return TRUE;
    }
}

/* TRUE when b[0..n) is UTF-8; NUL counts as a character (it is flagged and
 * escaped elsewhere), unlike g_utf8_validate_len. */
static gboolean
utf8_valid(const guint8 *b, gsize n)
{
    gsize i = 0;

    while (i < n) {
        const gchar *stop = NULL;

        if (g_utf8_validate_len((const char *)b + i, n - i, &stop))
            return TRUE;
        if (*stop != '\0')
            return FALSE;
        i = (gsize)((const guint8 *)stop - b) + 1;
    }
    return TRUE;
}

/* Converts bytes in charset (len cs_len, not NUL-terminated) to UTF-8.
 * Returns a new string and its length, or NULL when GLib cannot. */
static char *
charset_to_utf8(const guint8 *cs, gsize cs_len, const guint8 *b, gsize n,
                gsize *out_len)
{
    char *charset = g_strndup((const char *)cs, cs_len);
    char *r = NULL;
    gsize written = 0;

    if (g_ascii_strcasecmp(charset, "UTF-8") == 0 ||
        g_ascii_strcasecmp(charset, "UTF8") == 0) {
        if (utf8_valid(b, n)) {
            r = g_malloc(n + 1);
            memcpy(r, b, n);
            r[n] = '\0';
            written = n;
        }
    } else if (g_ascii_strcasecmp(charset, "US-ASCII") == 0) {
        gsize i;

        for (i = 0; i < n && b[i] < 0x80; i++)
            ;
        if (i == n) {
            r = g_malloc(n + 1);
            memcpy(r, b, n);
            r[n] = '\0';
            written = n;
        }
    } else {
        r = g_convert((const gchar *)b, (gssize)n, "UTF-8", charset, NULL,
                      &written, NULL);
        if (r && !utf8_valid((const guint8 *)r, written)) {
            g_free(r);
            r = NULL;
        }
    }
    g_free(charset);
    *out_len = written;
    return r;
}

/*
 * Looks for '@', '<' and '>' in s[0..n), and for the Unicode forms a reader
 * takes for them: U+FF20 FULLWIDTH and U+FE6B SMALL COMMERCIAL AT, U+FF1C,
 * U+FF1E FULLWIDTH and U+FE64, U+FE65 SMALL LESS-THAN / GREATER-THAN SIGN.
 */
static void
scan_at_angle(const guint8 *s, gsize n, gboolean *at, gboolean *angle)
{
    gsize i;

    for (i = 0; i < n; i++) {
        if (s[i] == '@') {
            *at = TRUE;
        } else if (s[i] == '<' || s[i] == '>') {
            *angle = TRUE;
        } else if (s[i] == 0xEF && i + 2 < n) {
            guint8 b = s[i + 1], c = s[i + 2];

            if ((b == 0xBC && c == 0xA0) || (b == 0xB9 && c == 0xAB))
                *at = TRUE;
            else if ((b == 0xBC && (c == 0x9C || c == 0x9E)) ||
                     (b == 0xB9 && (c == 0xA4 || c == 0xA5)))
                *angle = TRUE;
        }
    }
}

static void
note_decoded(ew_info_t *info, const char *d, gsize n)
{
    gsize i;

    info->any = TRUE;
    scan_at_angle((const guint8 *)d, n, &info->at, &info->angle);
    if (info->at || info->angle)
        info->addrlike = TRUE;
    for (i = 0; i < n; i++) {
        guint8 c = (guint8)d[i];

        if (c == 0)
            info->nul = TRUE;
        else if ((c < 0x20 && c != '\t') || c == 0x7f)
            info->ctl = TRUE;
    }
}

/* A run of adjacent encoded-words (only whitespace between them) waiting
 * to be converted.  Consecutive words of one charset are converted together
 * so that a character split over two words (against RFC 2047 section 5, but
 * common) comes out whole. */
typedef struct {
    ew_span_t ew;
    gsize     b_start, b_end;   /* this word's bytes inside pending->bytes */
} pend_word_t;

typedef struct {
    GByteArray *bytes;     /* decoded bytes of the run, word after word */
    GArray     *words;     /* pend_word_t */
} ew_pending_t;

static gboolean
same_charset(const guint8 *s, const ew_span_t *a, const ew_span_t *b)
{
    return a->cs_len == b->cs_len &&
           g_ascii_strncasecmp((const char *)s + a->cs_start,
                               (const char *)s + b->cs_start, a->cs_len) == 0;
}

/* Writes the pending run: decoded where the charset converts, as sent where
 * not; the whitespace between two words is dropped only when both were
 * decoded (RFC 2047 6.2). */
static void
pend_flush(const guint8 *s, ew_pending_t *p, GString *out, ew_info_t *info)
{
    guint n = p->words->len, w = 0, g, k;
    gboolean prev_ok = FALSE;

#define PW(i) (&g_array_index(p->words, pend_word_t, (i)))
/* (a GByteArray holding nothing has no data pointer) */
#define BYTES(off) (p->bytes->data ? p->bytes->data + (off) : (const guint8 *)"")
#define GAP(i) g_string_append_len(out, (const char *)s + PW((i) - 1)->ew.end, \
                                   (gssize)(PW(i)->ew.start - PW((i) - 1)->ew.end))
    while (w < n) {
        char *conv;
        gsize clen = 0;

        for (g = w; g + 1 < n && same_charset(s, &PW(w)->ew, &PW(g + 1)->ew); g++)
            ;
        conv = charset_to_utf8(s + PW(w)->ew.cs_start, PW(w)->ew.cs_len,
                               BYTES(PW(w)->b_start),
                               PW(g)->b_end - PW(w)->b_start, &clen);
        if (conv) {
            if (w > 0 && !prev_ok)
                GAP(w);
            g_string_append_len(out, conv, (gssize)clen);
            note_decoded(info, conv, clen);
            g_free(conv);
            prev_ok = TRUE;
        } else {
            for (k = w; k <= g; k++) {
                char *one = charset_to_utf8(s + PW(k)->ew.cs_start,
                                            PW(k)->ew.cs_len,
                                            BYTES(PW(k)->b_start),
                                            PW(k)->b_end - PW(k)->b_start,
                                            &clen);

                if (k > 0 && !(prev_ok && one))
                    GAP(k);
                if (one) {
                    g_string_append_len(out, one, (gssize)clen);
                    note_decoded(info, one, clen);
                    g_free(one);
                } else {
                    g_string_append_len(out, (const char *)s + PW(k)->ew.start,
                                        (gssize)(PW(k)->ew.end - PW(k)->ew.start));
                }
                prev_ok = one != NULL;
            }
        }
        w = g + 1;
    }
#undef GAP
#undef BYTES
#undef PW
    g_byte_array_set_size(p->bytes, 0);
    g_array_set_size(p->words, 0);
}

/*
 * Decodes every encoded-word in s[0..len) into out (raw bytes: text outside
 * encoded-words is copied as it is, so out may hold invalid UTF-8 or NUL).
 * Like most mail readers, a complete encoded-word is decoded wherever it
 * stands; whitespace between two adjacent encoded-words is dropped (RFC 2047
 * section 6.2).  Linear in len.
 */
static void
ew_decode(const guint8 *s, gsize len, GString *out, ew_info_t *info)
{
    ew_pending_t p;
    GByteArray *one;
    gsize i = 0, emit_from = 0;
    gboolean ws_only = FALSE;   /* only whitespace since the pending run */

    if (len < 8 || !memchr(s, '=', len)) {
        g_string_append_len(out, (const char *)s, (gssize)len);
        return;
    }
    p.bytes = g_byte_array_new();
    p.words = g_array_new(FALSE, FALSE, sizeof(pend_word_t));
    one = g_byte_array_new();

    while (i < len) {
        ew_span_t ew;

        if (s[i] == '=' && ew_match(s, len, i, &ew)) {
            g_byte_array_set_size(one, 0);
            if (ew_decode_bytes(s, &ew, one)) {
                gboolean adjacent = p.words->len > 0 && ws_only;
                pend_word_t pw;

                if (!adjacent) {
                    pend_flush(s, &p, out, info);
                    g_string_append_len(out, (const char *)s + emit_from,
                                        (gssize)(i - emit_from));
                }
                pw.ew = ew;
                pw.b_start = p.bytes->len;
                g_byte_array_append(p.bytes, one->data, one->len);
                pw.b_end = p.bytes->len;
                g_array_append_val(p.words, pw);
                i = emit_from = ew.end;
                ws_only = TRUE;
                continue;
            }
            /* Not decodable: plain text. */
        }
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
            ws_only = FALSE;
            pend_flush(s, &p, out, info);
        }
        i++;
    }
    pend_flush(s, &p, out, info);
    g_string_append_len(out, (const char *)s + emit_from,
                        (gssize)(len - emit_from));
    g_byte_array_free(p.bytes, TRUE);
    g_byte_array_free(one, TRUE);
    g_array_free(p.words, TRUE);
}

char *
smtpx_rfc2047_decode(const guint8 *text, gsize len, gboolean *decoded_any)
{
    GString *out = g_string_sized_new(len + 1);
    ew_info_t info = { 0 };
    char *r;

    if (text)
        ew_decode(text, len, out, &info);
    if (decoded_any)
        *decoded_any = info.any;
    r = smtpx_printable((const guint8 *)out->str, out->len);
    g_string_free(out, TRUE);
    return r;
}

/* ------------------------------------------------------------------ */
/* Lexer                                                               */
/* ------------------------------------------------------------------ */

typedef enum {
    T_ATOM,      /* 1*atext (RFC 6532: bytes >= 0x80 too); controls kept */
    T_EWORD,     /* an encoded-word, even when its text holds specials */
    T_DOT,
    T_QSTR,      /* quoted-string; content has quoted-pairs resolved */
    T_COMMENT,   /* a top-level comment; content includes nested ones */
    T_DLIT,      /* domain-literal; content without brackets */
    T_SPECIAL    /* < > : ; @ , \ ] ) */
} tok_type_t;

typedef struct {
    tok_type_t type;
    guint8   ch;          /* T_SPECIAL: the character */
    gboolean sep;         /* CFWS between the previous non-comment token and
                             this one (comments: unused) */
    gboolean ws_only;     /* that CFWS held no comment */
    gsize    start, end;  /* raw span in the field body */
    gsize    cstart, clen;/* T_QSTR/T_COMMENT/T_DLIT content in lex->content */
    gsize    match;       /* '<': index of the next '>' token, or NO_INDEX */
    guint32  flags;       /* context-free flags of this token */
    gboolean has_at;      /* content (QSTR, COMMENT) holds '@' */
    gboolean has_angle;   /* content holds '<' or '>' */
} tok_t;

typedef struct {
    const guint8 *s;
    gsize         len;
    GArray       *toks;     /* tok_t */
    GString      *content;  /* contents of QSTR, COMMENT, DLIT tokens */
} lex_t;

static gboolean
is_wsp(guint8 c)
{
    return c == ' ' || c == '\t';
}

/* CRLF followed by WSP: folding whitespace left in the body. */
static gboolean
is_fold(const guint8 *s, gsize len, gsize i)
{
    return i + 2 < len && s[i] == '\r' && s[i + 1] == '\n' && is_wsp(s[i + 2]);
}

/* Flags for one content byte. */
static guint32
byte_flags(guint8 c)
{
    if (c == 0)
        return SMTPX_ADDR_NUL;
    if ((c < 0x20 && c != '\t') || c == 0x7f)
        return SMTPX_ADDR_CONTROL_CHAR;
    return 0;
}

static gboolean
is_atom_char(guint8 c)
{
    if (is_wsp(c))
        return FALSE;
    return strchr("()<>[]:;@\\,.\"", c) == NULL || c == 0;
}

/* ENCODED_ADDRESS when an encoded-word inside s[0..n) decodes to something
 * with '@', '<' or '>'; in a comment, what the decoded text shows counts as
 * shown in the comment (AT_IN_COMMENT, ANGLE_IN_NAME). */
static guint32
ew_flags(const guint8 *s, gsize n, gboolean comment)
{
    GString *tmp;
    ew_info_t info = { 0 };

    if (n < 8 || !memchr(s, '?', n))
        return 0;
    tmp = g_string_new(NULL);
    ew_decode(s, n, tmp, &info);
    g_string_free(tmp, TRUE);
    return (info.addrlike ? SMTPX_ADDR_ENCODED_ADDRESS : 0) |
           (comment && info.at ? SMTPX_ADDR_AT_IN_COMMENT : 0) |
           (comment && info.angle ? SMTPX_ADDR_ANGLE_IN_NAME : 0) |
           (info.nul ? SMTPX_ADDR_NUL : 0) |
           (info.ctl ? SMTPX_ADDR_CONTROL_CHAR : 0);
}

/* TRUE when s[0..n) holds an encoded-word that decodes. */
static gboolean
ew_decodes(const guint8 *s, gsize n)
{
    GString *tmp;
    ew_info_t info = { 0 };

    if (n < 8 || !memchr(s, '?', n))
        return FALSE;
    tmp = g_string_new(NULL);
    ew_decode(s, n, tmp, &info);
    g_string_free(tmp, TRUE);
    return info.any;
}

/* Appends a content byte (qtext, ctext, dtext) and notes controls. */
static void
content_add(lex_t *lx, tok_t *t, guint8 c)
{
    g_string_append_c(lx->content, (char)c);
    t->flags |= byte_flags(c);
}

/* Reads "(...)" from s[i] (an opening parenthesis); returns the index after. */
static gsize
lex_comment(lex_t *lx, gsize i, tok_t *t)
{
    const guint8 *s = lx->s;
    gsize len = lx->len;
    guint depth = 1;

    t->type = T_COMMENT;
    i++;
    while (i < len) {
        guint8 c = s[i];

        if (c == '\\') {
            if (i + 1 < len) {
                content_add(lx, t, s[i + 1]);
                i += 2;
            } else {
                i++;
            }
            continue;
        }
        if (is_fold(s, len, i)) {
            i += 2;
            continue;
        }
        if (c == '(') {
            depth++;
            if (depth > MAX_COMMENT_DEPTH)
                t->flags |= SMTPX_ADDR_SYNTAX_ERROR;
        } else if (c == ')') {
            depth--;
            if (depth == 0) {
                i++;
                break;
            }
        }
        content_add(lx, t, c);
        i++;
    }
    if (depth > 0)
        t->flags |= SMTPX_ADDR_UNBALANCED_PAREN;
    scan_at_angle((const guint8 *)lx->content->str + t->cstart,
                  lx->content->len - t->cstart, &t->has_at, &t->has_angle);
    if (t->has_at)
        t->flags |= SMTPX_ADDR_AT_IN_COMMENT;
    if (t->has_angle)
        t->flags |= SMTPX_ADDR_ANGLE_IN_NAME;
    return i;
}

static gsize
lex_qstring(lex_t *lx, gsize i, tok_t *t)
{
    const guint8 *s = lx->s;
    gsize len = lx->len;
    gboolean closed = FALSE;

    t->type = T_QSTR;
    i++;
    while (i < len) {
        guint8 c = s[i];

        if (c == '"') {
            closed = TRUE;
            i++;
            break;
        }
        if (c == '\\') {
            if (i + 1 < len) {
                content_add(lx, t, s[i + 1]);
                i += 2;
            } else {
                i++;
            }
            continue;
        }
        if (is_fold(s, len, i)) {
            i += 2;
            continue;
        }
        content_add(lx, t, c);
        i++;
    }
    if (!closed)
        t->flags |= SMTPX_ADDR_UNBALANCED_QUOTE;
    scan_at_angle((const guint8 *)lx->content->str + t->cstart,
                  lx->content->len - t->cstart, &t->has_at, &t->has_angle);
    return i;
}

static gsize
lex_dliteral(lex_t *lx, gsize i, tok_t *t)
{
    const guint8 *s = lx->s;
    gsize len = lx->len;
    gboolean closed = FALSE;

    t->type = T_DLIT;
    i++;
    while (i < len) {
        guint8 c = s[i];

        if (c == ']') {
            closed = TRUE;
            i++;
            break;
        }
        if (c == '\\') {
            /* obs-dtext: quoted-pair (RFC 5322 4.4) */
            t->flags |= SMTPX_ADDR_OBS_SYNTAX;
            if (i + 1 < len) {
                content_add(lx, t, s[i + 1]);
                i += 2;
            } else {
                i++;
            }
            continue;
        }
        if (is_wsp(c) || is_fold(s, len, i)) {
            /* FWS inside a domain literal carries no meaning. */
            i += is_wsp(c) ? 1 : 2;
            continue;
        }
        if (c == '[')
            t->flags |= SMTPX_ADDR_SYNTAX_ERROR;
        content_add(lx, t, c);
        i++;
    }
    if (!closed)
        t->flags |= SMTPX_ADDR_SYNTAX_ERROR;
    return i;
}

/* An encoded-word or an atom from s[i]; returns the index after it. */
static gsize
lex_word(lex_t *lx, gsize i, tok_t *t)
{
    const guint8 *s = lx->s;
    gsize len = lx->len;
    ew_span_t ew;

    if (s[i] == '=' && ew_match(s, len, i, &ew)) {
        gsize k;

        t->type = T_EWORD;
        /* Specials inside: strict parsers cut the word there. */
        for (k = ew.start; k < ew.end; k++)
            if (strchr("@<>,;:\"()[]\\", s[k]))
                t->flags |= SMTPX_ADDR_SYNTAX_ERROR;
        i = ew.end;
    } else {
        t->type = T_ATOM;
        while (i < len && is_atom_char(s[i]) && !is_fold(s, len, i)) {
            t->flags |= byte_flags(s[i]);
            i++;
        }
    }
    t->flags |= ew_flags(s + t->start, i - t->start, FALSE);
    return i;
}

/* Each '<' learns where the next '>' is (one backward pass). */
static void
match_angles(lex_t *lx)
{
    gsize k = lx->toks->len, next_gt = NO_INDEX;

    while (k-- > 0) {
        tok_t *t = &g_array_index(lx->toks, tok_t, k);

        if (t->type == T_SPECIAL && t->ch == '>')
            next_gt = k;
        else if (t->type == T_SPECIAL && t->ch == '<')
            t->match = next_gt;
    }
}

static void
lex(lex_t *lx)
{
    const guint8 *s = lx->s;
    gsize len = lx->len, i = 0;
    gboolean sep = FALSE, ws_only = TRUE;

    while (i < len) {
        guint8 c = s[i];
        tok_t t;

        if (is_wsp(c)) {
            sep = TRUE;
            i++;
            continue;
        }
        if (is_fold(s, len, i)) {
            sep = TRUE;
            i += 3;
            continue;
        }
        memset(&t, 0, sizeof t);
        t.start = i;
        t.match = NO_INDEX;
        t.cstart = lx->content->len;
        if (c == '(') {
            i = lex_comment(lx, i, &t);
            t.end = i;
            t.clen = lx->content->len - t.cstart;
            t.flags |= ew_flags((const guint8 *)lx->content->str + t.cstart,
                                t.clen, TRUE);
            g_array_append_val(lx->toks, t);
            sep = TRUE;
            ws_only = FALSE;
            continue;
        }
        if (c == '"') {
            i = lex_qstring(lx, i, &t);
            t.clen = lx->content->len - t.cstart;
            t.flags |= ew_flags((const guint8 *)lx->content->str + t.cstart,
                                t.clen, FALSE);
        } else if (c == '[') {
            i = lex_dliteral(lx, i, &t);
            t.clen = lx->content->len - t.cstart;
        } else if (c == '.') {
            t.type = T_DOT;
            i++;
        } else if (c != 0 && strchr("<>:;@,\\])", c)) {
            t.type = T_SPECIAL;
            t.ch = c;
            if (c == ')')
                t.flags |= SMTPX_ADDR_UNBALANCED_PAREN;
            else if (c == ']' || c == '\\')
                t.flags |= SMTPX_ADDR_SYNTAX_ERROR;
            i++;
        } else {
            i = lex_word(lx, i, &t);
        }
        t.end = i;
        t.sep = sep;
        t.ws_only = sep && ws_only;
        sep = FALSE;
        ws_only = TRUE;
        g_array_append_val(lx->toks, t);
    }

    match_angles(lx);
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */

typedef struct {
    gsize    open;       /* index of '<' */
    gsize    close;      /* index of '>' or of the token ending the angle */
    gboolean unclosed;
} angle_t;

typedef struct {
    lex_t                *lx;
    smtpx_address_list_t *list;
    gboolean              in_group;
    char                 *group_name;
} parser_t;

static tok_t *
tok_at(const parser_t *p, gsize k)
{
    return &g_array_index(p->lx->toks, tok_t, k);
}

static const guint8 *
tok_content(const parser_t *p, const tok_t *t)
{
    return (const guint8 *)p->lx->content->str + t->cstart;
}

static gboolean
is_special(const tok_t *t, guint8 c)
{
    return t->type == T_SPECIAL && t->ch == c;
}

/* Collapses runs of SP/HTAB into one SP, trims, and makes it printable. */
static char *
fold_printable(const GString *raw)
{
    GString *f = g_string_sized_new(raw->len + 1);
    gsize i;
    char *r;

    for (i = 0; i < raw->len; i++) {
        char c = raw->str[i];

        if (c == ' ' || c == '\t') {
            if (f->len && f->str[f->len - 1] != ' ')
                g_string_append_c(f, ' ');
            continue;
        }
        g_string_append_c(f, c);
    }
    if (f->len && f->str[f->len - 1] == ' ')
        g_string_truncate(f, f->len - 1);
    r = smtpx_printable((const guint8 *)f->str, f->len);
    g_string_free(f, TRUE);
    return r;
}

/* dot-atom-text of RFC 5322 3.2.3 (with RFC 6532 UTF-8): no quoting needed. */
static gboolean
is_dot_atom_text(const guint8 *s, gsize n)
{
    gsize i;

    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return FALSE;
    for (i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i - 1] == '.')
                return FALSE;
            continue;
        }
        if (s[i] <= 0x20 || s[i] == 0x7f || !is_atom_char(s[i]))
            return FALSE;
    }
    return TRUE;
}

/* Flush a segment of atoms/dots into the display name, decoding. */
static void
flush_segment(GString *seg, GString *raw, ew_info_t *info)
{
    if (seg->len) {
        ew_decode((const guint8 *)seg->str, seg->len, raw, info);
        g_string_truncate(seg, 0);
    }
}

/*
 * The display name (phrase, RFC 5322 3.2.5, obs-phrase 4.1) from the tokens
 * [a, b): words joined by one space where CFWS separated them; encoded-words
 * decoded, also inside quoted strings since mail readers do.  Returns NULL
 * when there is no word at all.  *flags gets what the phrase shows.
 */
static char *
build_phrase(parser_t *p, gsize a, gsize b, guint32 *flags)
{
    GString *raw = g_string_new(NULL);
    GString *seg = g_string_new(NULL);
    ew_info_t info = { 0 };
    gboolean any = FALSE;
    gsize k;
    char *r;

    for (k = a; k < b; k++) {
        const tok_t *t = tok_at(p, k);

        if (t->type == T_COMMENT)
            continue;
        if (any && t->sep) {
            /* RFC 2047 6.2: whitespace between encoded-words is dropped
             * by ew_decode when both sit in one segment. */
            if (t->ws_only && t->type != T_QSTR) {
                g_string_append_c(seg, ' ');
            } else {
                flush_segment(seg, raw, &info);
                g_string_append_c(raw, ' ');
            }
        }
        switch (t->type) {
        case T_ATOM:
        case T_EWORD:
            g_string_append_len(seg, (const char *)p->lx->s + t->start,
                                (gssize)(t->end - t->start));
            break;
        case T_DOT:
            /* obs-phrase: word *(word / "." / CFWS) */
            *flags |= any ? SMTPX_ADDR_OBS_SYNTAX : SMTPX_ADDR_SYNTAX_ERROR;
            g_string_append_c(seg, '.');
            break;
        case T_QSTR:
            flush_segment(seg, raw, &info);
            ew_decode(tok_content(p, t), t->clen, raw, &info);
            break;
        case T_DLIT:
            *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            flush_segment(seg, raw, &info);
            g_string_append_len(raw, (const char *)p->lx->s + t->start,
                                (gssize)(t->end - t->start));
            break;
        case T_SPECIAL:
            if (t->ch == '>' || t->ch == '<')
                *flags |= SMTPX_ADDR_UNBALANCED_ANGLE;
            *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            flush_segment(seg, raw, &info);
            g_string_append_c(raw, (char)t->ch);
            break;
        case T_COMMENT:
            break;
        }
        any = TRUE;
    }
    flush_segment(seg, raw, &info);
    g_string_free(seg, TRUE);
    if (!any) {
        g_string_free(raw, TRUE);
        return NULL;
    }
    {
        gboolean at = FALSE, angle = FALSE;

        scan_at_angle((const guint8 *)raw->str, raw->len, &at, &angle);
        if (at)
            *flags |= SMTPX_ADDR_AT_IN_DISPLAY_NAME;
        if (angle)
            *flags |= SMTPX_ADDR_ANGLE_IN_NAME;
    }
    if (info.addrlike)
        *flags |= SMTPX_ADDR_ENCODED_ADDRESS;
    if (info.nul)
        *flags |= SMTPX_ADDR_NUL;
    if (info.ctl)
        *flags |= SMTPX_ADDR_CONTROL_CHAR;
    r = fold_printable(raw);
    g_string_free(raw, TRUE);
    return r;
}

/* Text of the comments in [a, b), decoded, joined by " ", or NULL. */
static char *
collect_comments(parser_t *p, gsize a, gsize b)
{
    GString *raw = NULL;
    gsize k;
    char *r;

    for (k = a; k < b; k++) {
        const tok_t *t = tok_at(p, k);
        ew_info_t info = { 0 };

        if (t->type != T_COMMENT)
            continue;
        if (!raw)
            raw = g_string_new(NULL);
        else
            g_string_append_c(raw, ' ');
        ew_decode(tok_content(p, t), t->clen, raw, &info);
    }
    if (!raw)
        return NULL;
    r = fold_printable(raw);
    g_string_free(raw, TRUE);
    return r;
}

/* Where a word sequence stands: what may come next (dot-atom structure). */
typedef enum { W_START, W_WORD, W_DOT } wstate_t;

/* Appends one word token (atom, encoded-word, quoted string, domain
 * literal) of a local part or domain to out, noting what it shows. */
static void
dotted_append_word(parser_t *p, const tok_t *t, gboolean is_domain,
                   GString *out, guint32 *flags)
{
    if (t->type == T_QSTR) {
        g_string_append_len(out, (const char *)tok_content(p, t),
                            (gssize)t->clen);
        if (is_domain)
            *flags |= SMTPX_ADDR_SYNTAX_ERROR;
        else if (t->has_at)
            *flags |= SMTPX_ADDR_QUOTED_LOCAL_AT;
    } else if (t->type == T_DLIT) {
        g_string_append_c(out, '[');
        g_string_append_len(out, (const char *)tok_content(p, t),
                            (gssize)t->clen);
        g_string_append_c(out, ']');
        if (!is_domain)
            *flags |= SMTPX_ADDR_SYNTAX_ERROR;
    } else {
        g_string_append_len(out, (const char *)p->lx->s + t->start,
                            (gssize)(t->end - t->start));
        /* RFC 2047 5: no encoded-word in an addr-spec; readers that decode
         * it anyway may show another address (the decoded readings say
         * whether they do). */
        if (ew_decodes(p->lx->s + t->start, t->end - t->start))
            *flags |= SMTPX_ADDR_ENCODED_IN_ADDR_SPEC;
    }
}

/*
 * Builds local part or domain text from the tokens [a, b) (comments skipped)
 * checking dot-atom / obs-local-part / obs-domain structure.  is_domain
 * selects the rules of the domain.  Returns the text in *out (raw bytes).
 */
static void
build_dotted(parser_t *p, gsize a, gsize b, gboolean is_domain,
             GString *out, guint32 *flags, gboolean *quoted)
{
    wstate_t st = W_START;
    guint words = 0, qstrs = 0, dlits = 0;
    gboolean first = TRUE;
    const tok_t *prev = NULL;
    gsize k;

    for (k = a; k < b; k++) {
        const tok_t *t = tok_at(p, k);

        if (t->type == T_COMMENT)
            continue;
        if (!first && t->sep)
            *flags |= SMTPX_ADDR_OBS_SYNTAX;   /* CFWS inside: obs-* */
        first = FALSE;
        switch (t->type) {
        case T_ATOM:
        case T_EWORD:
        case T_QSTR:
        case T_DLIT:
            /* An encoded-word and atext touching it are one atom. */
            if (st == W_WORD && !t->sep && prev &&
                (prev->type == T_ATOM || prev->type == T_EWORD) &&
                (t->type == T_ATOM || t->type == T_EWORD))
                words--;
            else if (st == W_WORD)
                *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            st = W_WORD;
            words++;
            /* RFC 6532: an address is UTF-8; lax decoders read overlong
             * or broken sequences as ASCII ('@' from 0xC0 0x80...). */
            if (!utf8_valid(p->lx->s + t->start, t->end - t->start))
                *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            if (t->type == T_QSTR)
                qstrs++;
            else if (t->type == T_DLIT)
                dlits++;
            dotted_append_word(p, t, is_domain, out, flags);
            break;
        case T_DOT:
            if (st != W_WORD)
                *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            st = W_DOT;
            g_string_append_c(out, '.');
            break;
        case T_SPECIAL:
            /* '@' here is one of several (MULTIPLE_AT says so already). */
            if (t->ch != '@')
                *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            if (t->ch == '>' || t->ch == '<')
                *flags |= SMTPX_ADDR_UNBALANCED_ANGLE;
            g_string_append_c(out, (char)t->ch);
            st = W_DOT;
            break;
        case T_COMMENT:
            break;
        }
        prev = t;
    }
    if (st == W_DOT)
        *flags |= SMTPX_ADDR_SYNTAX_ERROR;
    if (qstrs && words > 1)
        *flags |= SMTPX_ADDR_OBS_SYNTAX;     /* obs-local-part */
    if (dlits && words > 1)
        *flags |= SMTPX_ADDR_SYNTAX_ERROR;
    if (quoted)
        *quoted = qstrs > 0;
}

/*
 * TRUE when the tokens [a, b) are an obs-domain-list (RFC 5322 4.4):
 * *(CFWS / ",") "@" domain *("," [CFWS] ["@" domain]).
 */
static gboolean
route_ok(parser_t *p, gsize a, gsize b)
{
    /* 0: before "@" (commas allowed), 1: after "@", 2: in a domain after a
     * word, 3: in a domain after a dot */
    int st = 0;
    gboolean saw_at = FALSE;
    gsize k;

    for (k = a; k < b; k++) {
        const tok_t *t = tok_at(p, k);
        gboolean word = t->type == T_ATOM || t->type == T_EWORD ||
                        t->type == T_DLIT;

        if (t->type == T_COMMENT)
            continue;
        if (st == 0 && is_special(t, ','))
            continue;
        if (st == 0 && is_special(t, '@')) {
            st = 1;
            saw_at = TRUE;
        } else if ((st == 1 || st == 3) && word) {
            st = 2;
        } else if (st == 2 && word && !t->sep && t->type != T_DLIT) {
            /* atext touching an encoded-word: the same atom */
        } else if (st == 2 && t->type == T_DOT) {
            st = 3;
        } else if (st == 2 && is_special(t, ',')) {
            st = 0;
        } else {
            return FALSE;
        }
    }
    return saw_at && (st == 0 || st == 2);
}

/* mb->local_part and mb->address ("local@domain", the local part quoted
 * again when it is no dot-atom-text) from the raw local part; mb->domain
 * is set already (or NULL). */
static void
mailbox_set_address(smtpx_mailbox_t *mb, const GString *local)
{
    GString *addr = g_string_new(NULL);

    mb->local_part = smtpx_printable((const guint8 *)local->str, local->len);
    if (is_dot_atom_text((const guint8 *)local->str, local->len)) {
        g_string_append_len(addr, local->str, (gssize)local->len);
    } else {
        gsize i;

        g_string_append_c(addr, '"');
        for (i = 0; i < local->len; i++) {
            if (local->str[i] == '"' || local->str[i] == '\\')
                g_string_append_c(addr, '\\');
            g_string_append_c(addr, local->str[i]);
        }
        g_string_append_c(addr, '"');
    }
    if (mb->domain) {
        g_string_append_c(addr, '@');
        g_string_append(addr, mb->domain);
    }
    mb->address = smtpx_printable((const guint8 *)addr->str, addr->len);
    g_string_free(addr, TRUE);
}

/*
 * Reads an addr-spec (RFC 5322 3.4.1) from the tokens [a, b) into mb: an
 * obs-route before it (in_angle, or a bare "@d:" at the start) is skipped
 * and flagged.
 */
static void
parse_addr_spec(parser_t *p, gsize a, gsize b, gboolean in_angle,
                smtpx_mailbox_t *mb, guint32 *flags)
{
    gsize k, first_sig = NO_INDEX, colon = NO_INDEX, at = NO_INDEX;
    guint n_at = 0;
    GString *local = g_string_new(NULL);
    guint32 f = 0;

    for (k = a; k < b; k++) {
        const tok_t *t = tok_at(p, k);

        if (t->type == T_COMMENT)
            continue;
        if (first_sig == NO_INDEX)
            first_sig = k;
        if (is_special(t, ':') && colon == NO_INDEX)
            colon = k;
    }
    if (colon != NO_INDEX) {
        const tok_t *t0 = tok_at(p, first_sig);

        /* obs-route = obs-domain-list ":" (4.4); only inside "<...>". */
        if (is_special(t0, '@') || is_special(t0, ',')) {
            f |= SMTPX_ADDR_ROUTE;
            if (!in_angle || !route_ok(p, first_sig, colon))
                f |= SMTPX_ADDR_SYNTAX_ERROR;
        } else {
            f |= SMTPX_ADDR_SYNTAX_ERROR;
        }
        a = colon + 1;
    } else if (in_angle) {
        for (k = a; k < b; k++)
            if (is_special(tok_at(p, k), ','))
                f |= SMTPX_ADDR_SYNTAX_ERROR;
    }
    for (k = a; k < b; k++)
        if (is_special(tok_at(p, k), '@')) {
            n_at++;
            at = k;
        }
    if (n_at > 1)
        f |= SMTPX_ADDR_MULTIPLE_AT;

    if (at == NO_INDEX) {
        gboolean quoted = FALSE;

        f |= SMTPX_ADDR_SYNTAX_ERROR;   /* no domain (or "<>") */
        build_dotted(p, a, b, FALSE, local, &f, &quoted);
        mb->domain = NULL;
    } else {
        GString *dom = g_string_new(NULL);
        char *lower;
        gboolean quoted = FALSE;

        build_dotted(p, a, at, FALSE, local, &f, &quoted);
        if (local->len == 0)
            f |= SMTPX_ADDR_SYNTAX_ERROR;
        build_dotted(p, at + 1, b, TRUE, dom, &f, NULL);
        if (dom->len == 0) {
            f |= SMTPX_ADDR_SYNTAX_ERROR;
            mb->domain = NULL;
        } else {
            lower = smtpx_ascii_lower_dup(dom->str, dom->len);
            mb->domain = smtpx_printable((const guint8 *)lower, dom->len);
            g_free(lower);
        }
        g_string_free(dom, TRUE);
    }

    mailbox_set_address(mb, local);
    g_string_free(local, TRUE);
    *flags |= f;
}

static smtpx_mailbox_t *
mailbox_new(parser_t *p)
{
    smtpx_mailbox_t *mb = g_new0(smtpx_mailbox_t, 1);

    if (p->in_group) {
        mb->flags |= SMTPX_ADDR_GROUP;
        mb->group = g_strdup(p->group_name);
    }
    g_ptr_array_add(p->list->mailboxes, mb);
    return mb;
}

/* OR of the context-free token flags in [a, b). */
static guint32
tokens_flags(parser_t *p, gsize a, gsize b)
{
    guint32 f = 0;
    gsize k;

    for (k = a; k < b; k++)
        f |= tok_at(p, k)->flags;
    return f;
}

/* RFC 6532: the raw bytes of [a, b) should be UTF-8. */
static guint32
utf8_flag(parser_t *p, gsize a, gsize b)
{
    gsize s, e;

    if (a >= b)
        return 0;
    s = tok_at(p, a)->start;
    e = tok_at(p, b - 1)->end;
    return utf8_valid(p->lx->s + s, e - s) ? 0 : SMTPX_ADDR_INVALID_UTF8;
}

/*
 * One element of the list: tokens [a, b) between separators, with the
 * angle-addrs found in it.  Adds zero or more mailboxes.  Returns FALSE when
 * the element holds no word at all (an empty list element).
 */
static gboolean
parse_element(parser_t *p, gsize a, gsize b, const GArray *angles)
{
    gsize k;
    gboolean sig = FALSE;
    guint32 ef;

    for (k = a; k < b && !sig; k++)
        if (tok_at(p, k)->type != T_COMMENT)
            sig = TRUE;
    if (!sig && angles->len == 0) {
        p->list->flags |= tokens_flags(p, a, b) | utf8_flag(p, a, b);
        return FALSE;
    }
    ef = tokens_flags(p, a, b) | utf8_flag(p, a, b);

    if (angles->len == 0) {
        smtpx_mailbox_t *mb = mailbox_new(p);
        guint32 f = ef;

        parse_addr_spec(p, a, b, FALSE, mb, &f);
        mb->comments = collect_comments(p, a, b);
        mb->flags |= f;
        return TRUE;
    } else {
        const angle_t *an0 = &g_array_index(angles, angle_t, 0);
        guint32 f = ef;
        char *name, *name_raw = NULL;
        guint i;

        if (angles->len > 1)
            f |= SMTPX_ADDR_MULTIPLE_ANGLE;
        name = build_phrase(p, a, an0->open, &f);
        if (name) {
            gsize s = tok_at(p, a)->start, e = tok_at(p, an0->open - 1)->end;

            name_raw = smtpx_printable(p->lx->s + s, e - s);
        }
        /* Words after an angle-addr (other than comments) are no syntax. */
        for (i = 0; i < angles->len; i++) {
            const angle_t *an = &g_array_index(angles, angle_t, i);
            gsize end = (i + 1 < angles->len)
                ? g_array_index(angles, angle_t, i + 1).open : b;

            for (k = an->close + (an->unclosed ? 0 : 1); k < end; k++) {
                const tok_t *t = tok_at(p, k);

                if (t->type == T_COMMENT)
                    continue;
                f |= SMTPX_ADDR_SYNTAX_ERROR;
                if (is_special(t, '>'))
                    f |= SMTPX_ADDR_UNBALANCED_ANGLE;
            }
        }
        for (i = 0; i < angles->len; i++) {
            const angle_t *an = &g_array_index(angles, angle_t, i);
            smtpx_mailbox_t *mb = mailbox_new(p);
            guint32 mf = f;

            if (an->unclosed)
                mf |= SMTPX_ADDR_UNBALANCED_ANGLE;
            parse_addr_spec(p, an->open + 1, an->close, TRUE, mb, &mf);
            if (i == 0) {
                mb->display_name = name;
                mb->display_name_raw = name_raw;
                mb->comments = collect_comments(p, a, b);
                name = name_raw = NULL;
            }
            mb->flags |= mf;
        }
        return TRUE;
    }
}

static void
mailbox_free(gpointer data)
{
    smtpx_mailbox_t *mb = data;

    g_free(mb->display_name);
    g_free(mb->display_name_raw);
    g_free(mb->local_part);
    g_free(mb->domain);
    g_free(mb->address);
    g_free(mb->group);
    g_free(mb->comments);
    g_free(mb);
}

/* An angle-addr from the '<' at token k: to the matching '>' or, when
 * unclosed, to the next ',' or ';'.  Appends it; returns the next index. */
static gsize
scan_angle(parser_t *p, gsize k, GArray *angles)
{
    gsize n = p->lx->toks->len, j, next;
    const tok_t *t = tok_at(p, k);
    angle_t an;

    an.open = k;
    an.unclosed = FALSE;
    if (t->match != NO_INDEX) {
        an.close = t->match;
        next = t->match + 1;
    } else {
        for (j = k + 1; j < n && !is_special(tok_at(p, j), ',') &&
                        !is_special(tok_at(p, j), ';'); j++)
            ;
        an.close = next = j;
        an.unclosed = TRUE;
    }
    /* An earlier '<' inside this angle: nested, not 3.4. */
    for (j = an.open + 1; j < an.close; j++)
        if (is_special(tok_at(p, j), '<'))
            p->list->flags |= SMTPX_ADDR_SYNTAX_ERROR;
    g_array_append_val(angles, an);
    return next;
}

/* group = display-name ":" [group-list] ";" [CFWS] (3.4): the ':' at token
 * colon opens a group named by the tokens [el_start, colon). */
static void
open_group(parser_t *p, gsize el_start, gsize colon, gboolean after_group)
{
    guint32 gf = 0;

    g_free(p->group_name);
    p->group_name = build_phrase(p, el_start, colon, &gf);
    if (!p->group_name)
        gf |= SMTPX_ADDR_SYNTAX_ERROR;    /* no display-name */
    if (after_group)
        gf |= SMTPX_ADDR_SYNTAX_ERROR;    /* no ',' after a group */
    p->list->flags |= gf | tokens_flags(p, el_start, colon) | SMTPX_ADDR_GROUP;
    p->in_group = TRUE;
}

/* Walks the tokens once: address-list = address *("," address), group =
 * display-name ":" [group-list] ";" (3.4), with obs-addr-list empty
 * elements (4.4). */
static void
parse_list(parser_t *p)
{
    gsize n = p->lx->toks->len, k = 0, el_start = 0;
    GArray *angles = g_array_new(FALSE, FALSE, sizeof(angle_t));
    gboolean el_has_at = FALSE;
    /* What ended the previous element: the list's start, ',', the ':' that
     * opened a group or the ';' that closed one. */
    enum { SEP_START, SEP_COMMA, SEP_GROUP_OPEN, SEP_GROUP_CLOSE } prev = SEP_START;

    while (k <= n) {
        const tok_t *t = k < n ? tok_at(p, k) : NULL;
        gboolean end_el = FALSE, comma = FALSE, semi = FALSE;

        if (t && is_special(t, '<')) {
            k = scan_angle(p, k, angles);
            continue;
        }
        if (!t) {
            end_el = TRUE;
        } else if (is_special(t, ',')) {
            end_el = comma = TRUE;
        } else if (is_special(t, ';')) {
            end_el = semi = TRUE;
        } else if (is_special(t, ':') && !p->in_group && angles->len == 0 &&
                   !el_has_at) {
            open_group(p, el_start, k, prev == SEP_GROUP_CLOSE);
            el_start = k + 1;
            prev = SEP_GROUP_OPEN;
            k++;
            continue;
        } else if (is_special(t, '@')) {
            el_has_at = TRUE;
        }
        if (end_el) {
            gboolean had = parse_element(p, el_start, t ? k : n, angles);

            /* An empty element between commas, or before the first or
             * after the last one, is obs-mbox-list / obs-addr-list /
             * obs-group-list (4.4); the ',' that follows a group's ';' is
             * the ordinary separator. */
            if (!had && (comma ? prev != SEP_GROUP_CLOSE : prev == SEP_COMMA))
                p->list->flags |= SMTPX_ADDR_OBS_SYNTAX;
            if (had && prev == SEP_GROUP_CLOSE)
                p->list->flags |= SMTPX_ADDR_SYNTAX_ERROR; /* no ',' */
            prev = SEP_COMMA;
            if (semi) {
                if (p->in_group) {
                    p->in_group = FALSE;
                    g_free(p->group_name);
                    p->group_name = NULL;
                    prev = SEP_GROUP_CLOSE;
                } else {
                    /* a stray ';' read as a separator */
                    p->list->flags |= SMTPX_ADDR_SYNTAX_ERROR;
                }
            }
            g_array_set_size(angles, 0);
            el_has_at = FALSE;
            el_start = k + 1;
        }
        k++;
    }
    if (p->in_group)
        p->list->flags |= SMTPX_ADDR_SYNTAX_ERROR;   /* group without ';' */
    g_array_free(angles, TRUE);
}

smtpx_address_list_t *
smtpx_address_list_parse(const guint8 *value, gsize len)
{
    smtpx_address_list_t *list = g_new0(smtpx_address_list_t, 1);
    lex_t lx;
    parser_t p;
    guint i;

    list->mailboxes = g_ptr_array_new_with_free_func(mailbox_free);
    if (!value)
        len = 0;
    lx.s = value ? value : (const guint8 *)"";
    lx.len = len;
    lx.toks = g_array_new(FALSE, FALSE, sizeof(tok_t));
    lx.content = g_string_new(NULL);
    lex(&lx);

    memset(&p, 0, sizeof p);
    p.lx = &lx;
    p.list = list;
    parse_list(&p);
    g_free(p.group_name);

    for (i = 0; i < list->mailboxes->len; i++)
        list->flags |= ((smtpx_mailbox_t *)
                        g_ptr_array_index(list->mailboxes, i))->flags;
    if (list->mailboxes->len == 0)
        list->flags |= SMTPX_ADDR_EMPTY;

    g_array_free(lx.toks, TRUE);
    g_string_free(lx.content, TRUE);
    return list;
}

void
smtpx_address_list_free(smtpx_address_list_t *list)
{
    if (!list)
        return;
    g_ptr_array_free(list->mailboxes, TRUE);
    g_free(list);
}

char *
smtpx_addr_flags_describe(guint32 flags)
{
    static const smtpx_flag_name_t names[] = {
        { SMTPX_ADDR_ROUTE, "source route in address (obs-route)" },
        { SMTPX_ADDR_ENCODED_ADDRESS, "encoded-word decodes to '@', '<' or '>'" },
        { SMTPX_ADDR_AT_IN_COMMENT, "'@' in comment" },
        { SMTPX_ADDR_AT_IN_DISPLAY_NAME, "'@' in display name" },
        { SMTPX_ADDR_ANGLE_IN_NAME, "'<' or '>' in display name or comment" },
        { SMTPX_ADDR_CONTROL_CHAR, "control character" },
        { SMTPX_ADDR_NUL, "NUL byte" },
        { SMTPX_ADDR_UNBALANCED_QUOTE, "unbalanced quote" },
        { SMTPX_ADDR_UNBALANCED_ANGLE, "unbalanced angle bracket" },
        { SMTPX_ADDR_UNBALANCED_PAREN, "unbalanced parenthesis" },
        { SMTPX_ADDR_MULTIPLE_AT, "several '@' in one address" },
        { SMTPX_ADDR_MULTIPLE_ANGLE, "several angle-addrs in one mailbox" },
        { SMTPX_ADDR_GROUP, "group syntax" },
        { SMTPX_ADDR_SYNTAX_ERROR, "syntax outside RFC 5322" },
        { SMTPX_ADDR_QUOTED_LOCAL_AT, "'@' inside quoted local part" },
        { SMTPX_ADDR_OBS_SYNTAX, "obsolete syntax (RFC 5322 4.4)" },
        { SMTPX_ADDR_EMPTY, "no mailbox" },
        { SMTPX_ADDR_INVALID_UTF8, "invalid UTF-8" },
        { SMTPX_ADDR_ENCODED_IN_ADDR_SPEC, "encoded-word inside the address (RFC 2047 5)" },
    };

    return smtpx_flags_describe(flags, names, G_N_ELEMENTS(names), "; ", TRUE);
}

/* ------------------------------------------------------------------ */
/* Readings                                                            */
/* ------------------------------------------------------------------ */

/*
 * How the readers of smtpx_reader_t take an author out of a field body.
 * The strict reading is the parser above.  The lenient ones are small
 * scans, each modelled on a known way of reading addresses wrongly: over
 * the lexer's tokens (quotes and comments understood) for FIRST_ADDRESS,
 * LAST_ANGLE and ROUTE, over the raw bytes (nothing understood) for
 * NAIVE.  All of them run again over the field with its
 * encoded-words decoded (READ_DECODED).  Every scan is linear.
 */

/* Internal: the reading was made after decoding (goes to readers_decoded). */
#define READ_DECODED (1u << 31)

static void
reading_free(gpointer data)
{
    smtpx_reading_t *r = data;

    g_free(r->address);
    g_free(r->domain);
    g_free(r);
}

/* Adds address (local@domain, or the route domain) with its domain, both
 * raw bytes; trailing dots of the domain are dropped; a reading already
 * listed gains the readers' bits (readers_decoded when decoded). */
static void
reading_add(GPtrArray *out, const guint8 *local, gsize llen,
            const guint8 *domain, gsize dlen, guint32 readers)
{
    gboolean decoded = (readers & READ_DECODED) != 0;

    char *dom, *addr, *lower;
    GString *a;
    guint i;

    while (dlen > 0 && domain[dlen - 1] == '.')
        dlen--;
    if (dlen == 0)
        return;
    lower = smtpx_ascii_lower_dup((const char *)domain, dlen);
    dom = smtpx_printable((const guint8 *)lower, dlen);
    g_free(lower);
    a = g_string_new(NULL);
    if (local) {
        g_string_append_len(a, (const char *)local, (gssize)llen);
        g_string_append_c(a, '@');
    }
    g_string_append(a, dom);
    addr = smtpx_printable((const guint8 *)a->str, a->len);
    g_string_free(a, TRUE);

    for (i = 0; i < out->len; i++) {
        smtpx_reading_t *r = g_ptr_array_index(out, i);

        if (strcmp(r->address, addr) == 0 && strcmp(r->domain, dom) == 0) {
            if (decoded)
                r->readers_decoded |= readers & ~READ_DECODED;
            else
                r->readers |= readers;
            g_free(addr);
            g_free(dom);
            return;
        }
    }
    if (out->len >= SMTPX_MAX_READINGS) {
        g_free(addr);
        g_free(dom);
        return;
    }
    {
        smtpx_reading_t *r = g_new0(smtpx_reading_t, 1);

        r->address = addr;
        r->domain = dom;
        if (decoded)
            r->readers_decoded = readers & ~READ_DECODED;
        else
            r->readers = readers;
        g_ptr_array_add(out, r);
    }
}

static gboolean
is_word_tok(const tok_t *t)
{
    return t->type == T_ATOM || t->type == T_EWORD || t->type == T_DOT;
}

/* FIRST_ADDRESS: the first '@' with words touching it on both sides (no
 * CFWS in between), outside quotes and comments. */
static void
read_first_address(const lex_t *lx, GPtrArray *out, guint32 extra)
{
    gsize n = lx->toks->len, k;

    for (k = 1; k + 1 < n; k++) {
        const tok_t *at = &g_array_index(lx->toks, tok_t, k);
        gsize a = k, b = k + 1;

        if (!(at->type == T_SPECIAL && at->ch == '@') || at->sep)
            continue;
        while (a > 0 && is_word_tok(&g_array_index(lx->toks, tok_t, a - 1))) {
            a--;
            if (g_array_index(lx->toks, tok_t, a).sep)
                break;
        }
        while (b < n && is_word_tok(&g_array_index(lx->toks, tok_t, b)) &&
               (b == k + 1 || !g_array_index(lx->toks, tok_t, b).sep))
            b++;
        if (a == k || b == k + 1 ||
            g_array_index(lx->toks, tok_t, k + 1).sep)
            continue;
        {
            gsize ls = g_array_index(lx->toks, tok_t, a).start;
            gsize ds = g_array_index(lx->toks, tok_t, k + 1).start;
            gsize de = g_array_index(lx->toks, tok_t, b - 1).end;

            reading_add(out, lx->s + ls, at->start - ls, lx->s + ds, de - ds,
                        SMTPX_READER_FIRST_ADDRESS | extra);
        }
        return;
    }
}

/* LAST_ANGLE and ROUTE: the addr-spec of the last closed angle-addr (after
 * a route, the last '@' separating), and the first route domain of any. */
static void
read_angles(const lex_t *lx, GPtrArray *out, guint32 extra)
{
    gsize n = lx->toks->len, k, last = NO_INDEX;
    gboolean route_done = FALSE;

    for (k = 0; k < n; k++) {
        const tok_t *t = &g_array_index(lx->toks, tok_t, k);
        const tok_t *u;
        gsize j;

        if (!(t->type == T_SPECIAL && t->ch == '<') || t->match == NO_INDEX)
            continue;
        last = k;
        u = k + 1 < t->match ? &g_array_index(lx->toks, tok_t, k + 1) : NULL;
        if (route_done || !u || !(u->type == T_SPECIAL && u->ch == '@'))
            continue;
        for (j = k + 2; j < t->match; j++) {
            const tok_t *w = &g_array_index(lx->toks, tok_t, j);

            if (!is_word_tok(w))
                break;
        }
        if (j > k + 2) {
            gsize ds = g_array_index(lx->toks, tok_t, k + 2).start;
            gsize de = g_array_index(lx->toks, tok_t, j - 1).end;

            reading_add(out, NULL, 0, lx->s + ds, de - ds,
                        SMTPX_READER_ROUTE | extra);
            route_done = TRUE;
        }
    }
    if (last != NO_INDEX) {
        const tok_t *t = &g_array_index(lx->toks, tok_t, last);
        gsize from = last + 1, at = NO_INDEX;

        for (k = last + 1; k < t->match; k++) {
            const tok_t *w = &g_array_index(lx->toks, tok_t, k);

            if (w->type == T_SPECIAL && w->ch == ':')
                from = k + 1;
        }
        for (k = from; k < t->match; k++) {
            const tok_t *w = &g_array_index(lx->toks, tok_t, k);

            if (w->type == T_SPECIAL && w->ch == '@')
                at = k;
        }
        if (at != NO_INDEX && at > from && at + 1 < t->match) {
            gsize ls = g_array_index(lx->toks, tok_t, from).start;
            gsize ds = g_array_index(lx->toks, tok_t, at + 1).start;
            gsize de = g_array_index(lx->toks, tok_t, t->match - 1).end;
            gsize le = g_array_index(lx->toks, tok_t, at).start;

            /* Quoted local parts are taken as sent, quotes included. */
            while (le > ls && is_wsp(lx->s[le - 1]))
                le--;
            reading_add(out, lx->s + ls, le - ls, lx->s + ds, de - ds,
                        SMTPX_READER_LAST_ANGLE | extra);
        }
    }
}

static gboolean
is_raw_local_char(guint8 c)
{
    return c >= 0x80 || g_ascii_isalnum(c) ||
           (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

static gboolean
is_raw_domain_char(guint8 c)
{
    return c >= 0x80 || g_ascii_isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* NAIVE: the first "<local@domain>" of the raw text, quotes and comments
 * being plain text, and the first and the last local@domain outside quoted
 * strings, comments being plain text ("a@x(b@y)" is b@y to a scanner that
 * takes the last '@', as MTAs route on it). */
static void
read_quote_blind(const guint8 *s, gsize len, GPtrArray *out, guint32 extra)
{
    const guint8 *lt = memchr(s, '<', len);
    gsize i, la = 0, li = 0, lb = 0;
    gboolean found = FALSE;

    if (lt) {
        gsize o = (gsize)(lt - s) + 1;
        const guint8 *gt = memchr(s + o, '>', len - o);

        if (gt) {
            gsize e = (gsize)(gt - s), at = NO_INDEX, from = o;

            for (i = o; i < e; i++) {
                if (s[i] == '@')
                    at = i;
                else if (s[i] == ':')
                    from = i + 1;
            }
            if (at != NO_INDEX && at > from)
                reading_add(out, s + from, at - from, s + at + 1, e - at - 1,
                            SMTPX_READER_NAIVE | extra);
        }
    }
    for (i = 0; i + 1 < len; i++) {
        gsize a = i, b = i + 1;

        if (s[i] == '"') {
            /* skip the quoted string, quoted-pairs included */
            for (i++; i < len && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
            continue;
        }
        if (s[i] != '@' || i == 0)
            continue;
        while (a > 0 && is_raw_local_char(s[a - 1]))
            a--;
        while (b < len && is_raw_domain_char(s[b]))
            b++;
        if (a < i && b > i + 1) {
            if (!found)
                reading_add(out, s + a, i - a, s + i + 1, b - i - 1,
                            SMTPX_READER_NAIVE | extra);
            found = TRUE;
            la = a;
            li = i;
            lb = b;
        }
    }
    if (found)
        reading_add(out, s + la, li - la, s + li + 1, lb - li - 1,
                    SMTPX_READER_NAIVE | extra);
}

/* Every reading of s[0..len), with extra ORed to the readers' bits. */
static void
readings_of(const guint8 *s, gsize len, guint32 extra, GPtrArray *out)
{
    smtpx_address_list_t *l = smtpx_address_list_parse(s, len);
    lex_t lx;
    guint i;

    for (i = 0; i < l->mailboxes->len; i++) {
        const smtpx_mailbox_t *m = g_ptr_array_index(l->mailboxes, i);

        if (m->domain && *m->domain) {
            /* m->address is local@domain already made printable. */
            const char *at = strrchr(m->address, '@');

            if (at)
                reading_add(out, (const guint8 *)m->address,
                            (gsize)(at - m->address),
                            (const guint8 *)m->domain, strlen(m->domain),
                            SMTPX_READER_STRICT | extra);
        }
    }
    smtpx_address_list_free(l);

    lx.s = s ? s : (const guint8 *)"";
    lx.len = s ? len : 0;
    lx.toks = g_array_new(FALSE, FALSE, sizeof(tok_t));
    lx.content = g_string_new(NULL);
    lex(&lx);
    read_first_address(&lx, out, extra);
    read_angles(&lx, out, extra);
    g_array_free(lx.toks, TRUE);
    g_string_free(lx.content, TRUE);
    read_quote_blind(lx.s, lx.len, out, extra);
}

GPtrArray *
smtpx_address_readings(const guint8 *value, gsize len)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(reading_free);
    GString *decoded;
    ew_info_t info = { 0 };

    if (!value)
        len = 0;
    readings_of(value, len, 0, out);
    if (len == 0)
        return out;
    decoded = g_string_sized_new(len + 1);
    ew_decode(value, len, decoded, &info);
    if (info.any)
        readings_of((const guint8 *)decoded->str, decoded->len,
                    READ_DECODED, out);
    g_string_free(decoded, TRUE);
    return out;
}

char *
smtpx_reading_describe(const smtpx_reading_t *r)
{
    static const smtpx_flag_name_t names[] = {
        { SMTPX_READER_STRICT, "strict RFC 5322 parsers" },
        { SMTPX_READER_FIRST_ADDRESS, "parsers that take the first address in the field" },
        { SMTPX_READER_LAST_ANGLE, "parsers that take the last <...>" },
        { SMTPX_READER_NAIVE, "naive scanners that take the first <...> or address-like text" },
        { SMTPX_READER_ROUTE, "parsers that follow the source route" },
    };
    char *raw = smtpx_flags_describe(r->readers, names, G_N_ELEMENTS(names),
                                     ", ", TRUE);
    char *dec, *out;

    if (!r->readers_decoded)
        return raw;
    dec = smtpx_flags_describe(r->readers_decoded, names, G_N_ELEMENTS(names),
                               ", ", TRUE);
    out = g_strdup_printf("%s%s%s after decoding its encoded-words", raw,
                          *raw ? ", and by " : "", dec);
    g_free(raw);
    g_free(dec);
    return out;
}
