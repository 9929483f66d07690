/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address_ew.c - RFC 2047 encoded-words in header field bodies: matching
 * "=?charset?B|Q?text?=", decoding B and Q, converting the charset to UTF-8
 * (GLib's g_convert), and what the decoded text shows ('@', '<', '>',
 * controls).  smtpx_rfc2047_decode (address.h) is the public entry.
 */
#include "address_internal.h"

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
gboolean
smtpx_addr_ew_match(const guint8 *s, gsize len, gsize i, ew_span_t *ew)
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
gboolean
smtpx_addr_utf8_valid(const guint8 *b, gsize n)
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
        if (smtpx_addr_utf8_valid(b, n)) {
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
        if (r && !smtpx_addr_utf8_valid((const guint8 *)r, written)) {
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
void
smtpx_addr_scan_at_angle(const guint8 *s, gsize n, gboolean *at,
                         gboolean *angle)
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
    smtpx_addr_scan_at_angle((const guint8 *)d, n, &info->at, &info->angle);
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
void
smtpx_addr_ew_decode(const guint8 *s, gsize len, GString *out, ew_info_t *info)
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

        if (s[i] == '=' && smtpx_addr_ew_match(s, len, i, &ew)) {
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
        smtpx_addr_ew_decode(text, len, out, &info);
    if (decoded_any)
        *decoded_any = info.any;
    r = smtpx_printable((const guint8 *)out->str, out->len);
    g_string_free(out, TRUE);
    return r;
}

/* ENCODED_ADDRESS when an encoded-word inside s[0..n) decodes to something
 * with '@', '<' or '>'; in a comment, what the decoded text shows counts as
 * shown in the comment (AT_IN_COMMENT, ANGLE_IN_NAME). */
guint32
smtpx_addr_ew_flags(const guint8 *s, gsize n, gboolean comment)
{
    GString *tmp;
    ew_info_t info = { 0 };

    if (n < 8 || !memchr(s, '?', n))
        return 0;
    tmp = g_string_new(NULL);
    smtpx_addr_ew_decode(s, n, tmp, &info);
    g_string_free(tmp, TRUE);
    return (info.addrlike ? SMTPX_ADDR_ENCODED_ADDRESS : 0) |
           (comment && info.at ? SMTPX_ADDR_AT_IN_COMMENT : 0) |
           (comment && info.angle ? SMTPX_ADDR_ANGLE_IN_NAME : 0) |
           (info.nul ? SMTPX_ADDR_NUL : 0) |
           (info.ctl ? SMTPX_ADDR_CONTROL_CHAR : 0);
}

/* TRUE when s[0..n) holds an encoded-word that decodes. */
gboolean
smtpx_addr_ew_decodes(const guint8 *s, gsize n)
{
    GString *tmp;
    ew_info_t info = { 0 };

    if (n < 8 || !memchr(s, '?', n))
        return FALSE;
    tmp = g_string_new(NULL);
    smtpx_addr_ew_decode(s, n, tmp, &info);
    g_string_free(tmp, TRUE);
    return info.any;
}
