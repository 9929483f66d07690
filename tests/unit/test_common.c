/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_common.c - plugin/core/common.c: the printable-ASCII fast path of
 * smtpx_printable() (eight octets at a time), checked against the plain
 * octet-by-octet definition for every octet value at every position of
 * every word, and the inline helpers of common.h.
 */
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "common.h"

/* The definition: printable ASCII is 0x20..0x7e (common.h). */
static gsize
prefix_naive(const guint8 *p, gsize n)
{
    gsize i = 0;

    while (i < n && p[i] >= 0x20 && p[i] < 0x7f)
        i++;
    return i;
}

/* Every octet value at every offset of buffers of 0 to 40 octets of
 * printable filler: the prefix stops exactly there; the boundary octets
 * 0x1f/0x20 and 0x7e/0x7f/0x80 and 0xff matter most (carries and borrows
 * of the word test). */
static void
test_prefix_every_octet(void)
{
    guint8 buf[48];
    gsize len, at;
    guint v;

    for (len = 0; len <= 40; len++) {
        memset(buf, 'a', sizeof buf);
        g_assert_cmpuint(smtpx_printable_ascii_prefix(buf, len), ==, len);
        for (at = 0; at < len; at++) {
            for (v = 0; v < 256; v++) {
                gsize want;

                memset(buf, 'a', sizeof buf);
                buf[at] = (guint8)v;
                want = (v >= 0x20 && v < 0x7f) ? len : at;
                g_assert_cmpuint(prefix_naive(buf, len), ==, want);
                g_assert_cmpuint(smtpx_printable_ascii_prefix(buf, len), ==, want);
            }
        }
    }
    /* The octets past len are never looked at: a control octet there does
     * not shorten the prefix. */
    memset(buf, 'a', sizeof buf);
    buf[8] = 0x00;
    g_assert_cmpuint(smtpx_printable_ascii_prefix(buf, 8), ==, 8);
    g_assert_cmpuint(smtpx_printable_ascii_prefix(buf, 9), ==, 8);
    g_assert_cmpuint(smtpx_printable_ascii_prefix(NULL, 0), ==, 0);
}

/* Two bad octets in one word (a carry from 0xff into the next octet, a
 * borrow next to 0x7f): the first one counts. */
static void
test_prefix_pairs(void)
{
    static const guint8 bad[] = { 0x00, 0x09, 0x1f, 0x7f, 0x80, 0xc3, 0xfe, 0xff };
    guint8 buf[24];
    gsize a, b, i, j;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        for (j = 0; j < G_N_ELEMENTS(bad); j++) {
            for (a = 0; a < 16; a++) {
                for (b = a + 1; b < 16; b++) {
                    memset(buf, '~', sizeof buf);
                    buf[a] = bad[i];
                    buf[b] = bad[j];
                    g_assert_cmpuint(smtpx_printable_ascii_prefix(buf, sizeof buf), ==, a);
                }
            }
        }
    }
}

/* Random buffers, mostly printable: the same as the definition, and
 * smtpx_printable() copies printable input as it is. */
static void
test_prefix_random(void)
{
    GRand *r = g_rand_new_with_seed(10);
    guint8 buf[64];
    guint round;

    for (round = 0; round < 20000; round++) {
        gsize len = (gsize)g_rand_int_range(r, 0, (gint32)sizeof buf + 1), i;
        char *s;

        for (i = 0; i < len; i++)
            buf[i] = g_rand_int_range(r, 0, 20) ? (guint8)g_rand_int_range(r, 0x20, 0x7f)
                                                : (guint8)g_rand_int_range(r, 0, 256);
        g_assert_cmpuint(smtpx_printable_ascii_prefix(buf, len), ==, prefix_naive(buf, len));
        s = smtpx_printable(buf, len);
        if (prefix_naive(buf, len) == len)
            g_assert_cmpmem(s, strlen(s), buf, len);
        else
            g_assert_cmpuint(strlen(s), >, prefix_naive(buf, len));
        g_free(s);
    }
    g_rand_free(r);
}

/* smtpx_printable() around the fast path: escapes start where the prefix
 * ends, in and after the first word. */
static void
test_printable_escapes(void)
{
    char *s;

    s = smtpx_printable((const guint8 *)"abcdefgh\x7fijk", 12);
    g_assert_cmpstr(s, ==, "abcdefgh\\x7fijk");
    g_free(s);
    s = smtpx_printable((const guint8 *)"abcdefg\x1f", 8);
    g_assert_cmpstr(s, ==, "abcdefg\\x1f");
    g_free(s);
    s = smtpx_printable((const guint8 *)"0123456789abcdef\xc3\xa9!", 19);
    g_assert_cmpstr(s, ==, "0123456789abcdef\xc3\xa9!");
    g_free(s);
    s = smtpx_printable((const guint8 *)"0123456789abcdef\xff", 17);
    g_assert_cmpstr(s, ==, "0123456789abcdef\\xff");
    g_free(s);
    s = smtpx_printable_upper((const guint8 *)"mail from:<a@b>", 15);
    g_assert_cmpstr(s, ==, "MAIL FROM:<A@B>");
    g_free(s);
    s = smtpx_printable_upper((const guint8 *)"ehlo\x01x", 6);
    g_assert_cmpstr(s, ==, "EHLO\\x01X");
    g_free(s);
}

/* The inline helpers are GLib's functions (every octet value) and
 * g_malloc0(). */
static void
test_inline_helpers(void)
{
    guint v;
    guint8 *z;
    gsize i;

    for (v = 0; v < 256; v++) {
        g_assert_cmpint(smtpx_ascii_tolower((gchar)v), ==, g_ascii_tolower((gchar)v));
        g_assert_cmpint(smtpx_ascii_toupper((gchar)v), ==, g_ascii_toupper((gchar)v));
    }
    z = smtpx_alloc0(100);
    for (i = 0; i < 100; i++)
        g_assert_cmpuint(z[i], ==, 0);
    g_free(z);
    g_free(smtpx_alloc0(0));
}

/* A string kept at its exact size: the same text, and (glibc) a block far
 * smaller than the 64 octets a GString starts with. */
static void
test_string_free_exact(void)
{
    const char *texts[] = { "", "abc", "MAIL FROM gives no domain (203.0.113.25)" };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(texts); i++) {
        GString *s = g_string_new(NULL);
        char *out;

        g_string_append(s, texts[i]);
        g_string_append(s, "; padding that is then cut off");
        g_string_truncate(s, strlen(texts[i]));
        out = smtpx_string_free_exact(s);
        g_assert_cmpstr(out, ==, texts[i]);
#ifdef __GLIBC__
        g_assert_cmpuint(malloc_usable_size(out), <, strlen(texts[i]) + 1 + 32);
#endif
        g_free(out);
    }
}

/* A structure with string members, as a verdict or a mailbox has. */
typedef struct {
    guint32 number;
    char *a, *b, *c, *d, *e;
} packed_t;

static void
test_pack_strings(void)
{
    static const gsize members[] = {
        offsetof(packed_t, a), offsetof(packed_t, b), offsetof(packed_t, c),
        offsetof(packed_t, d), offsetof(packed_t, e),
    };
    packed_t *p = g_new0(packed_t, 1);
    const char *lo, *hi;

    p->number = 42;
    p->a = g_strdup("example.com");
    p->b = NULL;
    p->c = g_strdup("mail.example.com");
    p->d = g_strdup("example.com");    /* equal to a: stored once */
    p->e = g_strdup("");
    p = smtpx_pack_strings(p, sizeof *p, members, G_N_ELEMENTS(members));
    g_assert_cmpuint(p->number, ==, 42);
    g_assert_cmpstr(p->a, ==, "example.com");
    g_assert_null(p->b);
    g_assert_cmpstr(p->c, ==, "mail.example.com");
    g_assert_cmpstr(p->d, ==, "example.com");
    g_assert_true(p->d == p->a);
    g_assert_cmpstr(p->e, ==, "");
    /* Every string lies behind the structure, in its block, each once. */
    lo = (const char *)(p + 1);
    hi = lo + strlen("example.com") + 1 + strlen("mail.example.com") + 1 + 1;
    g_assert_true(p->a >= lo && p->a < hi);
    g_assert_true(p->c >= lo && p->c < hi);
    g_assert_true(p->e >= lo && p->e < hi);
#ifdef __GLIBC__
    g_assert_cmpuint(malloc_usable_size(p), >=, (gsize)(hi - (const char *)p));
    g_assert_cmpuint(malloc_usable_size(p), <, (gsize)(hi - (const char *)p) + 32);
#endif
    g_free(p);   /* one block: valgrind and ASan see no leak */
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/common/prefix/every-octet", test_prefix_every_octet);
    g_test_add_func("/common/prefix/pairs", test_prefix_pairs);
    g_test_add_func("/common/prefix/random", test_prefix_random);
    g_test_add_func("/common/string-free-exact", test_string_free_exact);
    g_test_add_func("/common/pack-strings", test_pack_strings);
    g_test_add_func("/common/printable/escapes", test_printable_escapes);
    g_test_add_func("/common/inline-helpers", test_inline_helpers);
    return g_test_run();
}
