/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_canon.c - DKIM canonicalization (RFC 6376 3.4): header fields
 * simple (3.4.1) and relaxed (3.4.2), and the body simple (3.4.3) and
 * relaxed (3.4.4, with erratum 1384: an empty relaxed body is empty)
 * computed as a stream into a libgcrypt hash, with the l= limit (3.4.5).
 * See dkim.h for the contract.
 */
#include <stddef.h>
#include <string.h>
#include <gcrypt.h>

#include "dkim.h"

static gboolean
is_wsp(guint8 c)
{
    return c == ' ' || c == '\t';
}

void
smtpx_dkim_canon_header(smtpx_dkim_canon_t c, const guint8 *field, gsize len,
                        gboolean with_crlf, GByteArray *out)
{
    gsize i = 0, colon;
    gboolean wsp = FALSE, any = FALSE;

    if (c == SMTPX_DKIM_CANON_SIMPLE) {
        g_byte_array_append(out, field, (guint)len);
        if (with_crlf)
            g_byte_array_append(out, (const guint8 *)"\r\n", 2);
        return;
    }
    /* relaxed: name lower case, WSP around the colon removed, unfolded,
     * WSP runs to one SP, trailing WSP removed.  The result is at most
     * len + 3 octets (":" and CRLF added): written in place. */
    {
        guint old = out->len;
        guint8 *w;

        g_byte_array_set_size(out, (guint)(old + len + 3));
        w = out->data + old;
        colon = 0;
        while (colon < len && field[colon] != ':')
            colon++;
        {
            gsize ne = colon;

            while (ne > 0 && (is_wsp(field[ne - 1]) ||
                              field[ne - 1] == '\r' ||
                              field[ne - 1] == '\n'))
                ne--;
            for (i = 0; i < ne; i++)
                *w++ = (guint8)smtpx_ascii_tolower(field[i]);
        }
        *w++ = ':';
        for (i = colon + 1; i < len; i++) {
            guint8 ch = field[i];

            if (ch == '\r' && i + 1 < len && field[i + 1] == '\n') {
                i++;                    /* unfold: the CRLF goes */
                continue;
            }
            if (is_wsp(ch)) {
                wsp = TRUE;
                continue;
            }
            if (wsp && any)
                *w++ = ' ';
            wsp = FALSE;
            any = TRUE;
            *w++ = ch;
        }
        if (with_crlf) {
            *w++ = '\r';
            *w++ = '\n';
        }
        g_byte_array_set_size(out, (guint)(w - out->data));
    }
}

struct smtpx_dkim_body {
    smtpx_dkim_canon_t canon;
    gcry_md_hd_t md;
    guint64 limit;          /* canonical octets hashed at most */
    guint64 emitted;        /* canonical octets in all */
    guint64 empty_lines;    /* empty lines held back (maybe at the end) */
    gboolean line_content;  /* the current line has canonical content */
    gboolean cr_held;       /* the last octet was a CR */
    gboolean wsp_held;      /* relaxed: WSP since the last content octet */
    /* Canonical octets not yet handed to the hash.  Issue 10: small
     * enough that the whole stays under 1000 octets, a small block for
     * glibc's malloc (see stream.c). */
    guint8   buf[768];
    gsize    buf_len;
};
G_STATIC_ASSERT(sizeof(struct smtpx_dkim_body) <= 1000);


static void
flush_buf(smtpx_dkim_body_t *b)
{
    if (b->md && b->buf_len)
        gcry_md_write(b->md, b->buf, b->buf_len);
    b->buf_len = 0;
}

smtpx_dkim_body_t *
smtpx_dkim_body_new(smtpx_dkim_canon_t c, int md_algo, guint64 limit)
{
    smtpx_dkim_body_t *b = g_new(smtpx_dkim_body_t, 1);

    /* Every member zeroed but the buffer, which is written before read. */
    memset(b, 0, offsetof(smtpx_dkim_body_t, buf));
    b->buf_len = 0;

    smtpx_dkim_init();
    b->canon = c;
    b->limit = limit;
    if (gcry_md_open(&b->md, md_algo, 0) != 0)
        b->md = NULL;
    return b;
}

static void
emit(smtpx_dkim_body_t *b, const guint8 *p, gsize n)
{
    if (n == 0)
        return;
    if (b->md && b->emitted < b->limit) {
        guint64 room = b->limit - b->emitted;
        gsize k = (guint64)n < room ? n : (gsize)room;

        /* Small pieces are gathered: one hash call per buffer. */
        if (k > sizeof b->buf - b->buf_len)
            flush_buf(b);
        if (k >= sizeof b->buf) {
            gcry_md_write(b->md, p, k);
        } else {
            memcpy(b->buf + b->buf_len, p, k);
            b->buf_len += k;
        }
    }
    b->emitted = (b->emitted > G_MAXUINT64 - n) ? G_MAXUINT64 : b->emitted + n;
}

/* Content is about to be emitted on this line: first the held lines. */
static void
flush_lines(smtpx_dkim_body_t *b)
{
    while (b->empty_lines) {
        emit(b, (const guint8 *)"\r\n", 2);
        b->empty_lines--;
    }
}

static void
content(smtpx_dkim_body_t *b, const guint8 *p, gsize n)
{
    if (!b->line_content)
        flush_lines(b);
    if (b->canon == SMTPX_DKIM_CANON_RELAXED && b->wsp_held) {
        emit(b, (const guint8 *)" ", 1);
        b->wsp_held = FALSE;
    }
    b->line_content = TRUE;
    emit(b, p, n);
}

static void
end_line(smtpx_dkim_body_t *b)
{
    b->wsp_held = FALSE;
    if (b->line_content)
        emit(b, (const guint8 *)"\r\n", 2);
    else
        b->empty_lines++;
    b->line_content = FALSE;
}

/* The octets that end a run of plain octets in smtpx_dkim_body_feed: CR
 * always, WSP in relaxed (stop_class[c] & the mode's mask). */
#define STOP_CR  1
#define STOP_WSP 2
static const guint8 stop_class[256] = {
    ['\r'] = STOP_CR, [' '] = STOP_WSP, ['\t'] = STOP_WSP,
};

#define ONES  G_GUINT64_CONSTANT(0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT(0x8080808080808080)

/* The high bit of every octet of x equal to c (and, rarely, of an octet
 * 0x01 away from c just above one that is: never a miss). */
static inline guint64
octets_equal(guint64 x, guint8 c)
{
    guint64 y = x ^ (ONES * c);

    return (y - ONES) & ~y & HIGHS;
}

/* Whether the 8 octets at p are plain for the run in smtpx_dkim_body_feed
 * (issue 10: eight at a time): no CR, and in relaxed no TAB, no two SP in
 * a row and no SP last (what follows it is not known here).  FALSE is
 * always safe: the octets are then looked at one by one. */
static inline gboolean
word_plain(const guint8 *p, gboolean relaxed)
{
    guint64 x, sp;

    memcpy(&x, p, sizeof x);
    if (octets_equal(x, '\r'))
        return FALSE;
    if (!relaxed)
        return TRUE;
    sp = octets_equal(x, ' ');
    return !octets_equal(x, '\t') && !(sp & (sp >> 8)) && p[7] != ' ';
}

void
smtpx_dkim_body_feed(smtpx_dkim_body_t *b, const guint8 *p, gsize n)
{
    gsize i = 0;

    while (i < n) {
        guint8 c = p[i];

        if (b->cr_held) {
            b->cr_held = FALSE;
            if (c == '\n') {
                end_line(b);
                i++;
                continue;
            }
            content(b, (const guint8 *)"\r", 1);  /* a bare CR is content */
        }
        if (c == '\r') {
            b->cr_held = TRUE;
            i++;
            continue;
        }
        if (b->canon == SMTPX_DKIM_CANON_RELAXED && is_wsp(c)) {
            b->wsp_held = TRUE;
            i++;
            continue;
        }
        {
            /* A run of octets whose canonical form is themselves, at
             * once: plain octets, in relaxed a single SP between two of
             * them, and a CRLF after them (the line has content, so its
             * CRLF is emitted as is), going on into the next line when
             * that starts with a plain octet (no empty lines are held
             * then, and no WSP). */
            gboolean relaxed = b->canon == SMTPX_DKIM_CANON_RELAXED;
            gboolean ended_line = FALSE;
            guint8 stop = relaxed ? (STOP_CR | STOP_WSP) : STOP_CR;
            gsize j = i + 1;

            while (j < n) {
                guint8 d;

                while (n - j >= 8 && word_plain(p + j, relaxed))
                    j += 8;
                if (j >= n)
                    break;
                d = p[j];
                if (!(stop_class[d] & stop)) {
                    j++;                /* a plain octet (one test) */
                    continue;
                }
                if (d == '\r') {
                    if (j + 1 < n && p[j + 1] == '\n') {
                        if (j + 2 < n && p[j + 2] != '\r' &&
                            !(relaxed && is_wsp(p[j + 2]))) {
                            j += 3;
                            continue;
                        }
                        j += 2;
                        ended_line = TRUE;
                    }
                    break;
                }
                if (relaxed && is_wsp(d)) {
                    if (d == ' ' && j + 1 < n && p[j + 1] != '\r' &&
                        !is_wsp(p[j + 1])) {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j++;
            }
            content(b, p + i, j - i);
            if (ended_line) {
                b->line_content = FALSE;    /* as end_line() */
                b->wsp_held = FALSE;
            }
            i = j;
        }
    }
}

gsize
smtpx_dkim_body_finish(smtpx_dkim_body_t *b, guint8 *out, gsize max,
                       guint64 *canon_len)
{
    gsize dl = 0;

    if (b->cr_held) {
        b->cr_held = FALSE;
        content(b, (const guint8 *)"\r", 1);
    }
    if (b->line_content)
        end_line(b);               /* a last line without CRLF gets one */
    if (b->canon == SMTPX_DKIM_CANON_SIMPLE && b->emitted == 0)
        emit(b, (const guint8 *)"\r\n", 2);   /* 3.4.3: empty body = CRLF */
    if (canon_len)
        *canon_len = b->emitted;
    flush_buf(b);
    if (b->md) {
        int algo = gcry_md_get_algo(b->md);
        const guint8 *d = gcry_md_read(b->md, algo);

        dl = gcry_md_get_algo_dlen(algo);
        if (dl > max)
            dl = max;
        if (d)
            memcpy(out, d, dl);
        else
            dl = 0;
    }
    return dl;
}

void
smtpx_dkim_body_free(smtpx_dkim_body_t *b)
{
    if (!b)
        return;
    if (b->md)
        gcry_md_close(b->md);
    g_free(b);
}
