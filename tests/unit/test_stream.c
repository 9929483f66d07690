/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_stream.c - unit tests for plugin/core/stream.c: line framing across
 * feeds, line caps, DATA end of data and dot-unstuffing (RFC 5321 4.5.2),
 * size (RFC 1870), smuggling look-alikes, BDAT chunks (RFC 3030) and gaps.
 * Expected values come from the bytes of each case.
 */
#include <string.h>

#include "stream.h"

/* A collected item with its line copied (items point into buffers). */
typedef struct {
    smtpx_stream_item_t it;
    char *text;     /* LINE/BODY_LINE content, LOOKALIKE follows, or NULL */
} got_t;

static void
got_free(gpointer p)
{
    got_t *g = p;
    g_free(g->text);
    g_free(g);
}

static got_t *
got_new(const smtpx_stream_item_t *it)
{
    got_t *g = g_new0(got_t, 1);

    g->it = *it;
    if (it->kind == SMTPX_SITEM_LINE || it->kind == SMTPX_SITEM_BODY_LINE)
        g->text = g_strndup((const char *)it->line, it->line_len);
    else if (it->kind == SMTPX_SITEM_LOOKALIKE && it->follows)
        g->text = g_strndup((const char *)it->follows, it->follows_len);
    g->it.line = NULL;
    g->it.follows = NULL;
    return g;
}

/*
 * A tiny driver playing the session's part: lines "DATA!" switch to DATA
 * mode, lines "BDAT n" (n decimal) to a BDAT chunk of n octets ("BDAT n
 * MORE" keeps the message going), the empty body line stops body lines.
 */
static void
drive(smtpx_stream_t *st, const guint8 *data, gsize len, GPtrArray *out)
{
    smtpx_stream_item_t it;

    smtpx_stream_begin(st, data, len);
    while (smtpx_stream_next(st, &it)) {
        g_ptr_array_add(out, got_new(&it));
        if (it.kind == SMTPX_SITEM_LINE) {
            if (it.line_len == 5 && memcmp(it.line, "DATA!", 5) == 0)
                smtpx_stream_begin_data(st);
            else if (it.line_len > 5 && memcmp(it.line, "BDAT ", 5) == 0) {
                char *s = g_strndup((const char *)it.line + 5, it.line_len - 5);
                gboolean more = strstr(s, "MORE") != NULL;
                smtpx_stream_begin_bdat(st, g_ascii_strtoull(s, NULL, 10), !more);
                g_free(s);
            }
        } else if (it.kind == SMTPX_SITEM_BODY_LINE && it.line_len == 0) {
            smtpx_stream_set_want_lines(st, FALSE);
        }
    }
}

/* Feeds s cut at the given split points (sorted, < len), or every
 * `step` octets when splits is NULL. */
static GPtrArray *
run_split(gsize max_line, const char *s, gsize len, const gsize *splits,
          gsize nsplits, gsize step)
{
    smtpx_stream_t *st = smtpx_stream_new(max_line);
    GPtrArray *out = g_ptr_array_new_with_free_func(got_free);
    gsize pos = 0, i = 0;

    while (pos < len) {
        gsize end;
        if (splits)
            end = (i < nsplits) ? splits[i++] : len;
        else
            end = MIN(len, pos + step);
        if (end < pos)
            end = pos;
        drive(st, (const guint8 *)s + pos, end - pos, out);
        pos = end;
    }
    smtpx_stream_free(st);
    return out;
}

static GPtrArray *
run_whole(gsize max_line, const char *s)
{
    return run_split(max_line, s, strlen(s), NULL, 0, strlen(s) ? strlen(s) : 1);
}

static guint
count_kind(GPtrArray *out, smtpx_stream_item_kind_t kind)
{
    guint i, n = 0;
    for (i = 0; i < out->len; i++)
        if (((got_t *)out->pdata[i])->it.kind == kind)
            n++;
    return n;
}

static got_t *
nth_kind(GPtrArray *out, smtpx_stream_item_kind_t kind, guint nth)
{
    guint i;
    for (i = 0; i < out->len; i++) {
        got_t *g = out->pdata[i];
        if (g->it.kind == kind && nth-- == 0)
            return g;
    }
    return NULL;
}

/* A summary of the items other than BODY spans, without offsets: what must
 * not depend on how the bytes were cut into feeds. */
static char *
summary(GPtrArray *out)
{
    GString *s = g_string_new(NULL);
    guint i;

    for (i = 0; i < out->len; i++) {
        got_t *g = out->pdata[i];
        switch (g->it.kind) {
        case SMTPX_SITEM_BODY:
            break;
        case SMTPX_SITEM_LINE:
            g_string_append_printf(s, "L[%s]%d%s%s ", g->text, g->it.eol,
                                   g->it.cut ? "c" : "", g->it.bare_cr ? "r" : "");
            break;
        case SMTPX_SITEM_BODY_LINE:
            g_string_append_printf(s, "B[%s]%d ", g->text, g->it.eol);
            break;
        case SMTPX_SITEM_LOOKALIKE:
            g_string_append_printf(s, "X%s ", g->it.pattern);
            break;
        case SMTPX_SITEM_END_OF_DATA:
            g_string_append_printf(s, "E%" G_GUINT64_FORMAT " ", g->it.size);
            break;
        case SMTPX_SITEM_CHUNK_END:
            g_string_append_printf(s, "C%" G_GUINT64_FORMAT " ", g->it.size);
            break;
        default:
            g_string_append_printf(s, "K%d ", g->it.kind);
            break;
        }
    }
    return g_string_free(s, FALSE);
}

/* Feeds s as run_split does and checks that its summary is want. */
static void
expect_summary(const char *s, gsize len, const gsize *splits, gsize nsplits, gsize step,
               const char *want)
{
    GPtrArray *out = run_split(0, s, len, splits, nsplits, step);
    char *got = summary(out);

    g_assert_cmpstr(got, ==, want);
    g_free(got);
    g_ptr_array_unref(out);
}

/* ------------------------------------------------------------------ */

static void
test_lines_basic(void)
{
    GPtrArray *out = run_whole(0, "EHLO a.example\r\nQUIT\nNOOP\rX\r\n");
    got_t *g;

    g_assert_cmpuint(out->len, ==, 3);
    g = out->pdata[0];
    g_assert_cmpint(g->it.kind, ==, SMTPX_SITEM_LINE);
    g_assert_cmpstr(g->text, ==, "EHLO a.example");
    g_assert_cmpint(g->it.eol, ==, SMTPX_EOL_CRLF);
    g_assert_cmpuint(g->it.offset, ==, 0);
    g_assert_cmpuint(g->it.length, ==, 16);
    g_assert_cmpuint(g->it.raw_len, ==, 16);
    g_assert_false(g->it.began_earlier);
    g = out->pdata[1];
    g_assert_cmpstr(g->text, ==, "QUIT");
    g_assert_cmpint(g->it.eol, ==, SMTPX_EOL_LF);
    g_assert_cmpuint(g->it.offset, ==, 16);
    g_assert_cmpuint(g->it.length, ==, 5);
    /* A bare CR is not a line end; it stays in the line and is noted. */
    g = out->pdata[2];
    g_assert_cmpstr(g->text, ==, "NOOP\rX");
    g_assert_true(g->it.bare_cr);
    g_assert_cmpint(g->it.eol, ==, SMTPX_EOL_CRLF);
    g_ptr_array_unref(out);
}

static void
test_lines_across_feeds(void)
{
    const char *s = "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n";
    gsize splits[] = { 3, 24, 25, 30 };
    GPtrArray *out = run_split(0, s, strlen(s), splits, G_N_ELEMENTS(splits), 0);
    got_t *g;

    g_assert_cmpuint(out->len, ==, 2);
    g = out->pdata[0];
    g_assert_cmpstr(g->text, ==, "MAIL FROM:<a@b.example>");
    g_assert_cmpint(g->it.eol, ==, SMTPX_EOL_CRLF);   /* CR and LF in two feeds */
    g_assert_true(g->it.began_earlier);
    g_assert_cmpuint(g->it.offset, ==, 0);
    g_assert_cmpuint(g->it.length, ==, 1);             /* just the LF here */
    g_assert_cmpuint(g->it.raw_len, ==, 25);
    g = out->pdata[1];
    g_assert_cmpstr(g->text, ==, "RCPT TO:<c@d.example>");
    g_assert_true(g->it.began_earlier);
    g_assert_cmpuint(g->it.offset, ==, 0);
    g_assert_cmpuint(g->it.length, ==, strlen(s) - 30);
    g_ptr_array_unref(out);

    /* Partial line at the end is carried, nothing reported. */
    out = run_whole(0, "QUI");
    g_assert_cmpuint(out->len, ==, 0);
    g_ptr_array_unref(out);
}

static void
test_lines_cap(void)
{
    const char *s = "0123456789ABCDEF\r\nok\r\n";
    GPtrArray *out = run_whole(8, s);
    got_t *g;

    g_assert_cmpuint(out->len, ==, 2);
    g = out->pdata[0];
    g_assert_true(g->it.cut);
    g_assert_cmpstr(g->text, ==, "01234567");
    g_assert_cmpuint(g->it.raw_len, ==, 18);
    g_assert_cmpuint(g->it.length, ==, 18);
    g = out->pdata[1];
    g_assert_false(g->it.cut);
    g_assert_cmpstr(g->text, ==, "ok");
    g_ptr_array_unref(out);

    /* Same, one octet per feed: the kept part never exceeds the cap. */
    out = run_split(8, s, strlen(s), NULL, 0, 1);
    g_assert_cmpuint(out->len, ==, 2);
    g = out->pdata[0];
    g_assert_true(g->it.cut);
    g_assert_cmpstr(g->text, ==, "01234567");
    g_assert_cmpuint(g->it.raw_len, ==, 18);
    g_assert_cmpint(g->it.eol, ==, SMTPX_EOL_CRLF);
    g_ptr_array_unref(out);

    /* Exactly max_line octets of text is not cut. */
    out = run_whole(8, "01234567\r\n");
    g = out->pdata[0];
    g_assert_false(g->it.cut);
    g_assert_cmpstr(g->text, ==, "01234567");
    g_ptr_array_unref(out);
}

/* The body of the lab message (lab5-session.md), as the client sent it. */
#define LAB_BODY \
    "From: Ilon Mask <mask@tesla.com>\r\n" \
    "Subject: Hello Alex\r\n" \
    "\r\n" \
    "Hi Alex! I'm Ilon Mask and I want to buy your startup company. Could you please organize a product presentation?\r\n" \
    "Best,\r\n" \
    "Ilon Mask\r\n"

static void
test_data_lab(void)
{
    const char *s = "DATA!\r\n" LAB_BODY ".\r\nquit\r\n";
    GPtrArray *out = run_whole(0, s);
    got_t *e, *g;

    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_BODY_LINE), ==, 3);
    g = nth_kind(out, SMTPX_SITEM_BODY_LINE, 0);
    g_assert_cmpstr(g->text, ==, "From: Ilon Mask <mask@tesla.com>");
    g_assert_cmpint(g->it.eol, ==, SMTPX_EOL_CRLF);
    g_assert_cmpuint(g->it.offset, ==, 7);
    g_assert_cmpuint(g->it.length, ==, 34);
    g = nth_kind(out, SMTPX_SITEM_BODY_LINE, 1);
    g_assert_cmpstr(g->text, ==, "Subject: Hello Alex");
    g = nth_kind(out, SMTPX_SITEM_BODY_LINE, 2);
    g_assert_cmpstr(g->text, ==, "");
    e = nth_kind(out, SMTPX_SITEM_END_OF_DATA, 0);
    g_assert_nonnull(e);
    /* Size: the body octets, CRLFs included, not the "." line. */
    g_assert_cmpuint(e->it.size, ==, strlen(LAB_BODY));
    g_assert_cmpuint(e->it.offset, ==, 7 + strlen(LAB_BODY));
    g_assert_cmpuint(e->it.length, ==, 3);
    g = nth_kind(out, SMTPX_SITEM_BODY, 0);
    g_assert_cmpuint(g->it.offset, ==, 7);
    g_assert_cmpuint(g->it.length, ==, strlen(LAB_BODY));
    g = nth_kind(out, SMTPX_SITEM_LINE, 1);
    g_assert_cmpstr(g->text, ==, "quit");
    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_LOOKALIKE), ==, 0);
    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_BARE_LF), ==, 0);
    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_BARE_CR), ==, 0);
    g_ptr_array_unref(out);
}

static void
test_data_every_split(void)
{
    const char *s = "DATA!\r\nA: b\r\n\r\n..foo\r\n.x\r\n.\r\nNOOP\r\n";
    gsize len = strlen(s);
    GPtrArray *whole = run_whole(0, s);
    char *want = summary(whole);
    gsize i, j;

    /* "..foo" loses one dot, ".x" loses its dot (4.5.2): the size is the
     * body octets minus two. */
    g_assert_cmpuint(nth_kind(whole, SMTPX_SITEM_END_OF_DATA, 0)->it.size, ==,
                     strlen("A: b\r\n\r\n..foo\r\n.x\r\n") - 2);
    g_assert_cmpstr(want, ==, "L[DATA!]0 B[A: b]0 B[]0 E17 L[NOOP]0 ");
    for (i = 1; i < len; i++) {
        for (j = i; j < len; j++) {
            gsize splits[2] = { i, j };
            expect_summary(s, len, splits, 2, 0, want);
        }
    }
    expect_summary(s, len, NULL, 0, 1, want);
    g_free(want);
    g_ptr_array_unref(whole);
}

static void
test_data_dot_lines_not_flagged(void)
{
    /* Dot-stuffed lines, a lone ".." and a "." inside a line are fine. */
    GPtrArray *out = run_whole(0,
        "DATA!\r\nS: x\r\n\r\n..foo\r\n..\r\na.b\r\n. \r\n.\r\n");
    got_t *e = nth_kind(out, SMTPX_SITEM_END_OF_DATA, 0);

    g_assert_nonnull(e);
    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_LOOKALIKE), ==, 0);
    /* "S: x\r\n" "\r\n" ".foo\r\n" ".\r\n" "a.b\r\n" " \r\n" after
     * unstuffing (". " loses its dot too: 4.5.2 deletes a leading dot
     * whenever more characters follow) */
    g_assert_cmpuint(e->it.size, ==, 6 + 2 + 6 + 3 + 5 + 3);
    g_ptr_array_unref(out);
}

static void
check_lookalike(const char *body, const char *pattern, gsize offset,
                gsize length, gboolean command)
{
    char *s = g_strconcat("DATA!\r\nS: x\r\n\r\n", body, "\r\n.\r\n", NULL);
    GPtrArray *out = run_whole(0, s);
    got_t *x = nth_kind(out, SMTPX_SITEM_LOOKALIKE, 0);

    g_assert_nonnull(x);
    g_assert_cmpstr(x->it.pattern, ==, pattern);
    g_assert_cmpuint(x->it.offset, ==, 15 + offset);
    g_assert_cmpuint(x->it.length, ==, length);
    g_assert_cmpint(x->it.follows_command, ==, command);
    /* It is not the end of data: the real one comes last. */
    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_END_OF_DATA), ==, 1);
    g_assert_cmpuint(nth_kind(out, SMTPX_SITEM_END_OF_DATA, 0)->it.offset, ==,
                     strlen(s) - 3);
    g_ptr_array_unref(out);
    g_free(s);
}

static void
test_data_lookalikes(void)
{
    check_lookalike("a\n.\nMAIL FROM:<x@y.example>", "<LF>.<LF>", 1, 3, TRUE);
    check_lookalike("a\r.\rMAIL FROM:<x@y.example>", "<CR>.<CR>", 1, 3, TRUE);
    check_lookalike("a\n.\r\nRCPT TO:<x@y.example>", "<LF>.<CR><LF>", 1, 4, TRUE);
    check_lookalike("a\r\n.\nhello", "<CR><LF>.<LF>", 1, 4, FALSE);
    check_lookalike("a\r\n.\rdata", "<CR><LF>.<CR>", 1, 4, TRUE);
    /* Body starting with the look-alike right after the 354: the line start
     * of the body counts as a CRLF. */
    {
        GPtrArray *out = run_whole(0, "DATA!\r\n.\nQUIT\r\n\r\n.\r\n");
        got_t *x = nth_kind(out, SMTPX_SITEM_LOOKALIKE, 0);
        g_assert_nonnull(x);
        g_assert_cmpstr(x->it.pattern, ==, "<CR><LF>.<LF>");
        /* The line start before the body is not body: it starts at ".". */
        g_assert_false(x->it.began_earlier);
        g_assert_cmpuint(x->it.offset, ==, 7);
        g_assert_cmpuint(x->it.length, ==, 2);
        g_assert_true(x->it.follows_command);
        g_assert_cmpstr(x->text, ==, "QUIT\r\n\r\n.\r\n");
        g_ptr_array_unref(out);
    }
}

static void
test_data_lookalike_split(void)
{
    /* The same look-alike found whatever the cuts. */
    const char *s = "DATA!\r\nS: x\r\n\r\nab\n.\r\nc\r\n.\r\n";
    gsize len = strlen(s), i;

    for (i = 1; i < len; i++) {
        gsize splits[1] = { i };
        GPtrArray *out = run_split(0, s, len, splits, 1, 0);
        g_assert_cmpuint(count_kind(out, SMTPX_SITEM_LOOKALIKE), ==, 1);
        g_assert_cmpstr(nth_kind(out, SMTPX_SITEM_LOOKALIKE, 0)->it.pattern, ==,
                        "<LF>.<CR><LF>");
        g_assert_cmpuint(count_kind(out, SMTPX_SITEM_END_OF_DATA), ==, 1);
        g_assert_cmpuint(count_kind(out, SMTPX_SITEM_BARE_LF), ==, 1);
        g_ptr_array_unref(out);
    }
}

static void
test_data_bare_endings(void)
{
    GPtrArray *out = run_whole(0, "DATA!\r\nA: b\nC: d\r\ne\rf\n\r\n\r\n.\r\n");
    got_t *g;

    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_BARE_LF), ==, 1);
    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_BARE_CR), ==, 1);
    g = nth_kind(out, SMTPX_SITEM_BARE_LF, 0);
    g_assert_cmpuint(g->it.offset, ==, 11);
    g = nth_kind(out, SMTPX_SITEM_BARE_CR, 0);
    g_assert_cmpuint(g->it.offset, ==, 7 + 12);
    g = nth_kind(out, SMTPX_SITEM_BODY_LINE, 0);
    g_assert_cmpstr(g->text, ==, "A: b");
    g_assert_cmpint(g->it.eol, ==, SMTPX_EOL_LF);
    g = nth_kind(out, SMTPX_SITEM_BODY_LINE, 2);
    g_assert_cmpstr(g->text, ==, "e\rf");
    g_assert_true(g->it.bare_cr);
    g_assert_cmpint(g->it.eol, ==, SMTPX_EOL_LF);
    g_assert_cmpuint(nth_kind(out, SMTPX_SITEM_END_OF_DATA, 0)->it.size, ==,
                     strlen("A: b\nC: d\r\ne\rf\n\r\n\r\n"));
    g_ptr_array_unref(out);
}

static void
test_data_long_text_line(void)
{
    GString *s = g_string_new("DATA!\r\nS: x\r\n\r\n");
    GPtrArray *out;
    got_t *g;

    /* 998 octets + CRLF = 1000: allowed; 999 + CRLF = 1001: too long.  A
     * leading dot doubled for transparency does not count. */
    g_string_append(s, "..");
    { int i; for (i = 0; i < 997; i++) g_string_append_c(s, 'a'); }
    g_string_append(s, "\r\n");
    out = run_whole(0, s->str);
    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_LONG_TEXT_LINE), ==, 0);
    g_ptr_array_unref(out);
    g_string_truncate(s, s->len - 2);
    g_string_append(s, "a\r\n.\r\n");
    out = run_whole(0, s->str);
    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_LONG_TEXT_LINE), ==, 1);
    g = nth_kind(out, SMTPX_SITEM_LONG_TEXT_LINE, 0);
    g_assert_cmpuint(g->it.raw_len, ==, 1001);
    g_ptr_array_unref(out);
    g_string_free(s, TRUE);
}

/* The look-alike window after runs of ordinary octets of every length
 * (1 to 5: the framer takes a run's last four octets at once), past the
 * header section, whatever the cuts: the same items as fed whole. */
static void
test_data_lookalike_after_runs(void)
{
    const char *s = "DATA!\r\nS: x\r\n\r\n"
                    "a\r\n.\nb\r\n"        /* <CR><LF>.<LF> */
                    "ab\r.\rcd\r\n"         /* <CR>.<CR> (bare CR) */
                    "abc\n.\r\nabcd\r\n"     /* <LF>.<CR><LF> (bare LF) */
                    "abcd\r\n.\nabcde\r\n"   /* <CR><LF>.<LF> */
                    "..x\r\n.\r\nNOOP\r\n";  /* dot-stuffed, then the end */
    gsize len = strlen(s), i, j;
    GPtrArray *whole = run_whole(0, s);
    char *want = summary(whole);

    g_assert_cmpuint(count_kind(whole, SMTPX_SITEM_LOOKALIKE), ==, 4);
    g_assert_cmpstr(nth_kind(whole, SMTPX_SITEM_LOOKALIKE, 0)->it.pattern, ==,
                    "<CR><LF>.<LF>");
    g_assert_cmpstr(nth_kind(whole, SMTPX_SITEM_LOOKALIKE, 1)->it.pattern, ==,
                    "<CR>.<CR>");
    g_assert_cmpstr(nth_kind(whole, SMTPX_SITEM_LOOKALIKE, 2)->it.pattern, ==,
                    "<LF>.<CR><LF>");
    g_assert_cmpstr(nth_kind(whole, SMTPX_SITEM_LOOKALIKE, 3)->it.pattern, ==,
                    "<CR><LF>.<LF>");
    /* "a\r\n" starts at 15: the look-alike is its CRLF, ".", LF. */
    g_assert_cmpuint(nth_kind(whole, SMTPX_SITEM_LOOKALIKE, 0)->it.offset, ==,
                     16);
    g_assert_cmpuint(nth_kind(whole, SMTPX_SITEM_LOOKALIKE, 0)->it.length, ==,
                     4);
    g_assert_cmpuint(count_kind(whole, SMTPX_SITEM_BARE_CR), ==, 1);
    g_assert_cmpuint(count_kind(whole, SMTPX_SITEM_BARE_LF), ==, 1);
    /* Size: the body octets before ".\r\n" minus the three dots that
     * start a line after CRLF (4.5.2: ".<LF>b", ".<LF>abcde", "..x"); the
     * dots after a bare CR or LF are not at a line start and stay. */
    g_assert_cmpuint(nth_kind(whole, SMTPX_SITEM_END_OF_DATA, 0)->it.size, ==,
                     strlen("S: x\r\n\r\na\r\n.\nb\r\nab\r.\rcd\r\n"
                            "abc\n.\r\nabcd\r\nabcd\r\n.\nabcde\r\n..x\r\n")
                     - 3);
    for (i = 1; i < len; i++) {
        for (j = i; j < len; j += 3) {
            gsize splits[2] = { i, j };
            expect_summary(s, len, splits, 2, 0, want);
        }
    }
    for (i = 1; i <= 5; i++) {
        expect_summary(s, len, NULL, 0, i, want);
    }
    g_free(want);
    g_ptr_array_unref(whole);
}

/* A text line of exactly 1000 octets (CRLF included) and one of 1001, in
 * the body past the header section, cut anywhere near their ends. */
static void
test_data_text_line_limit_split(void)
{
    int over;

    for (over = 0; over <= 1; over++) {
        GString *s = g_string_new("DATA!\r\nS: x\r\n\r\nshort\r\n");
        gsize i, len;

        for (i = 0; i < 998u + (gsize)over; i++)
            g_string_append_c(s, (char)('a' + i % 26));
        g_string_append(s, "\r\n.\r\n");
        len = s->len;
        for (i = len - 12; i < len; i++) {
            gsize splits[1] = { i };
            GPtrArray *out = run_split(0, s->str, len, splits, 1, 0);

            g_assert_cmpuint(count_kind(out, SMTPX_SITEM_LONG_TEXT_LINE), ==,
                             (guint)over);
            if (over)
                g_assert_cmpuint(nth_kind(out, SMTPX_SITEM_LONG_TEXT_LINE,
                                          0)->it.raw_len, ==, 1001);
            g_assert_cmpuint(count_kind(out, SMTPX_SITEM_END_OF_DATA), ==, 1);
            g_assert_cmpuint(nth_kind(out, SMTPX_SITEM_END_OF_DATA,
                                      0)->it.size, ==,
                             strlen("S: x\r\n\r\nshort\r\n") + 1000 +
                             (gsize)over);
            g_ptr_array_unref(out);
        }
        g_string_free(s, TRUE);
    }
}

static void
test_bdat_same_feed(void)
{
    /* The chunk holds what would be an end of data and commands: they are
     * message octets (RFC 3030 2). */
    const char *s = "BDAT 19\r\nS: x\r\n\r\n.\r\nQUIT\r\nXY" "NOOP\r\n";
    GPtrArray *out = run_whole(0, s);
    got_t *c;

    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_LINE), ==, 2);
    g_assert_cmpstr(nth_kind(out, SMTPX_SITEM_LINE, 1)->text, ==, "NOOP");
    c = nth_kind(out, SMTPX_SITEM_CHUNK_END, 0);
    g_assert_nonnull(c);
    g_assert_cmpuint(c->it.size, ==, 19);
    g_assert_cmpuint(c->it.offset, ==, 9 + 19);
    g_assert_cmpuint(count_kind(out, SMTPX_SITEM_END_OF_DATA), ==, 0);
    c = nth_kind(out, SMTPX_SITEM_BODY, 0);
    g_assert_cmpuint(c->it.offset, ==, 9);
    g_assert_cmpuint(c->it.length, ==, 19);
    g_assert_cmpstr(nth_kind(out, SMTPX_SITEM_BODY_LINE, 0)->text, ==, "S: x");
    g_ptr_array_unref(out);
}

static void
test_bdat_spanning_and_last(void)
{
    /* Two chunks, the header line "From: a@b.example" cut by the chunk
     * boundary, the second chunk over three feeds; then BDAT 0. */
    const char *s =
        "BDAT 9\r\nFrom: a@b"
        "BDAT 21 MORE\r\n.example\r\nS: y\r\n\r\nzzz"
        "BDAT 0 MORE\r\n"
        "QUIT\r\n";
    gsize len = strlen(s);
    gsize splits[] = { 12, 30, 40 };
    GPtrArray *out = run_split(0, s, len, splits, G_N_ELEMENTS(splits), 0);
    char *sum = summary(out);

    g_assert_cmpstr(sum, ==,
        "L[BDAT 9]0 C9 L[BDAT 21 MORE]0 B[From: a@b.example]0 B[S: y]0 B[]0 "
        "C30 L[BDAT 0 MORE]0 C30 L[QUIT]0 ");
    g_free(sum);
    g_ptr_array_unref(out);

    /* Byte at a time: the same. */
    out = run_split(0, s, len, NULL, 0, 1);
    sum = summary(out);
    g_assert_cmpstr(sum, ==,
        "L[BDAT 9]0 C9 L[BDAT 21 MORE]0 B[From: a@b.example]0 B[S: y]0 B[]0 "
        "C30 L[BDAT 0 MORE]0 C30 L[QUIT]0 ");
    g_free(sum);
    g_ptr_array_unref(out);
}

static void
test_bdat_binary(void)
{
    guint8 buf[64];
    smtpx_stream_t *st = smtpx_stream_new(0);
    smtpx_stream_item_t it;
    guint i, chunk_ends = 0, lines = 0;

    for (i = 0; i < 40; i++)
        buf[i] = (guint8)(i * 37);   /* includes 0x00, 0x0a, 0x0d */
    buf[10] = '\n';
    buf[20] = 0;
    memcpy(buf + 40, "QUIT\r\n", 6);
    smtpx_stream_begin(st, (const guint8 *)"", 0);
    smtpx_stream_begin_bdat(st, 40, TRUE);
    smtpx_stream_set_want_lines(st, FALSE);
    smtpx_stream_begin(st, buf, 46);
    while (smtpx_stream_next(st, &it)) {
        if (it.kind == SMTPX_SITEM_CHUNK_END)
            chunk_ends++;
        if (it.kind == SMTPX_SITEM_LINE) {
            lines++;
            g_assert_cmpuint(it.line_len, ==, 4);
            g_assert_cmpmem(it.line, 4, "QUIT", 4);
        }
    }
    g_assert_cmpuint(chunk_ends, ==, 1);
    g_assert_cmpuint(lines, ==, 1);
    g_assert_cmpuint(smtpx_stream_size(st), ==, 40);
    smtpx_stream_free(st);
}

static void
test_gap(void)
{
    smtpx_stream_t *st = smtpx_stream_new(0);
    smtpx_stream_item_t it;

    /* LINES: the partial line is dropped. */
    smtpx_stream_begin(st, (const guint8 *)"MAIL FR", 7);
    g_assert_false(smtpx_stream_next(st, &it));
    g_assert_cmpint(smtpx_stream_gap(st, 10), ==, SMTPX_STREAM_LINES);
    smtpx_stream_begin(st, (const guint8 *)"x>\r\nQUIT\r\n", 10);
    g_assert_true(smtpx_stream_next(st, &it));
    g_assert_cmpuint(it.line_len, ==, 2);
    g_assert_false(it.began_earlier);
    g_assert_true(smtpx_stream_next(st, &it));
    g_assert_cmpmem(it.line, it.line_len, "QUIT", 4);

    /* BDAT: a gap inside the chunk with a known size keeps the count. */
    smtpx_stream_begin_bdat(st, 10, TRUE);
    smtpx_stream_begin(st, (const guint8 *)"abc", 3);
    while (smtpx_stream_next(st, &it))
        ;
    g_assert_cmpint(smtpx_stream_gap(st, 4), ==, SMTPX_STREAM_BDAT);
    g_assert_cmpuint(smtpx_stream_bdat_remaining(st), ==, 3);
    smtpx_stream_begin(st, (const guint8 *)"xyzNOOP\r\n", 9);
    g_assert_true(smtpx_stream_next(st, &it));
    g_assert_cmpint(it.kind, ==, SMTPX_SITEM_BODY);
    g_assert_cmpuint(it.length, ==, 3);
    g_assert_true(smtpx_stream_next(st, &it));
    g_assert_cmpint(it.kind, ==, SMTPX_SITEM_CHUNK_END);
    g_assert_cmpuint(it.size, ==, 10);
    g_assert_true(smtpx_stream_next(st, &it));
    g_assert_cmpint(it.kind, ==, SMTPX_SITEM_LINE);
    g_assert_cmpmem(it.line, it.line_len, "NOOP", 4);

    /* BDAT: an unknown gap loses the chunk. */
    smtpx_stream_begin_bdat(st, 10, TRUE);
    g_assert_cmpint(smtpx_stream_gap(st, 0), ==, SMTPX_STREAM_LINES);

    /* DATA: stays in DATA; a "." right after the gap is not an end (no
     * CRLF seen before it), the next CRLF "." CRLF is. */
    smtpx_stream_begin(st, (const guint8 *)"", 0);
    smtpx_stream_begin_data(st);
    g_assert_cmpint(smtpx_stream_gap(st, 5), ==, SMTPX_STREAM_DATA);
    smtpx_stream_begin(st, (const guint8 *)".\r\nab\r\n.\r\nQUIT\r\n", 16);
    {
        guint ends = 0;
        while (smtpx_stream_next(st, &it)) {
            if (it.kind == SMTPX_SITEM_END_OF_DATA) {
                ends++;
                g_assert_cmpuint(it.offset, ==, 7);
                /* 5 missing + ".\r\n" (dot kept: not at a known line start)
                 * + "ab\r\n" */
                g_assert_cmpuint(it.size, ==, 5 + 3 + 4);
            }
        }
        g_assert_cmpuint(ends, ==, 1);
    }
    smtpx_stream_free(st);
}

static void
test_random(void)
{
    GRand *r = g_rand_new_with_seed(5321);
    guint round;

    for (round = 0; round < 300; round++) {
        smtpx_stream_t *st = smtpx_stream_new(1 + g_rand_int_range(r, 0, 300));
        guint feed;

        for (feed = 0; feed < 40; feed++) {
            gsize len = (gsize)g_rand_int_range(r, 0, 700);
            guint8 *buf = g_malloc(len + 1);
            smtpx_stream_item_t it;
            gsize i;

            for (i = 0; i < len; i++) {
                guint32 v = g_rand_int(r);
                /* Bias towards the interesting octets. */
                buf[i] = (v & 3) == 0 ? "\r\n.\r\n"[v % 5] : (guint8)(v >> 8);
            }
            smtpx_stream_begin(st, buf, len);
            while (smtpx_stream_next(st, &it)) {
                g_assert_cmpuint(it.offset, <=, len);
                g_assert_cmpuint(it.offset + it.length, <=, len);
                if (it.kind == SMTPX_SITEM_LINE || it.kind == SMTPX_SITEM_BODY_LINE) {
                    volatile guint8 sink = 0;
                    gsize k;
                    for (k = 0; k < it.line_len; k++)
                        sink ^= it.line[k];
                    (void)sink;
                }
                if (it.follows)
                    g_assert_cmpuint(it.follows_len, <=, 200);
                switch (g_rand_int_range(r, 0, 12)) {
                case 0: smtpx_stream_begin_data(st); break;
                case 1: smtpx_stream_begin_bdat(st, g_rand_int_range(r, 0, 500),
                                                g_rand_boolean(r)); break;
                case 2: smtpx_stream_set_want_lines(st, g_rand_boolean(r)); break;
                case 3: smtpx_stream_end_body(st); break;
                default: break;
                }
            }
            g_assert_cmpuint(smtpx_stream_pos(st), <=, len);
            if (g_rand_int_range(r, 0, 10) == 0)
                smtpx_stream_gap(st, g_rand_int_range(r, 0, 50));
            g_free(buf);
        }
        smtpx_stream_free(st);
    }
    g_rand_free(r);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/stream/lines/basic", test_lines_basic);
    g_test_add_func("/stream/lines/across_feeds", test_lines_across_feeds);
    g_test_add_func("/stream/lines/cap", test_lines_cap);
    g_test_add_func("/stream/data/lab", test_data_lab);
    g_test_add_func("/stream/data/every_split", test_data_every_split);
    g_test_add_func("/stream/data/dot_lines_not_flagged", test_data_dot_lines_not_flagged);
    g_test_add_func("/stream/data/lookalikes", test_data_lookalikes);
    g_test_add_func("/stream/data/lookalike_split", test_data_lookalike_split);
    g_test_add_func("/stream/data/bare_endings", test_data_bare_endings);
    g_test_add_func("/stream/data/long_text_line", test_data_long_text_line);
    g_test_add_func("/stream/data/lookalike_after_runs", test_data_lookalike_after_runs);
    g_test_add_func("/stream/data/text_line_limit_split", test_data_text_line_limit_split);
    g_test_add_func("/stream/bdat/same_feed", test_bdat_same_feed);
    g_test_add_func("/stream/bdat/spanning_and_last", test_bdat_spanning_and_last);
    g_test_add_func("/stream/bdat/binary", test_bdat_binary);
    g_test_add_func("/stream/gap", test_gap);
    g_test_add_func("/stream/random", test_random);
    return g_test_run();
}
