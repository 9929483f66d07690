/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_reply.c - unit tests for plugin/core/reply.c: reply lines and
 * multi-line replies (RFC 5321 section 4.2), enhanced status codes
 * (RFC 3463 section 2, RFC 2034).  Expected values come from the RFC
 * grammar and from the lab session's bytes (shared/reference/lab5-session.md).
 */
#include <string.h>

#include "reply.h"
#include "test_util.h"

#define S(str) ((const guint8 *)(str)), (sizeof(str) - 1)

/* Feeds NUL-terminated lines to a new reply; returns it. */
static smtpx_reply_t *
reply_from(const char *const *lines, gsize n, gboolean *last_ret)
{
    smtpx_reply_t *r = smtpx_reply_new();
    gsize i;
    gboolean ret = FALSE;

    for (i = 0; i < n; i++)
        ret = smtpx_reply_add_line(r, (const guint8 *)lines[i], strlen(lines[i]));
    if (last_ret != NULL)
        *last_ret = ret;
    return r;
}

static const char *
line_text(const smtpx_reply_t *r, guint i)
{
    g_assert_cmpuint(i, <, r->lines->len);
    return g_ptr_array_index(r->lines, i);
}

static void
test_line_valid(void)
{
    smtpx_reply_line_t l;

    g_assert_true(smtpx_reply_line_parse(S("250 OK"), &l));
    g_assert_true(l.valid);
    g_assert_cmpuint(l.code, ==, 250);
    g_assert_false(l.continued);
    g_assert_cmpuint(l.text_offset, ==, 4);

    g_assert_true(smtpx_reply_line_parse(S("250-TURN"), &l));
    g_assert_cmpuint(l.code, ==, 250);
    g_assert_true(l.continued);
    g_assert_cmpuint(l.text_offset, ==, 4);

    /* "Reply-code [ SP textstring ]": the code alone is a last line. */
    g_assert_true(smtpx_reply_line_parse(S("354"), &l));
    g_assert_cmpuint(l.code, ==, 354);
    g_assert_false(l.continued);
    g_assert_cmpuint(l.text_offset, ==, 3);

    /* Empty text after the separator. */
    g_assert_true(smtpx_reply_line_parse(S("221 "), &l));
    g_assert_cmpuint(l.code, ==, 221);
    g_assert_cmpuint(l.text_offset, ==, 4);

    /* Extremes of %x32-35 %x30-35 %x30-39. */
    g_assert_true(smtpx_reply_line_parse(S("200 x"), &l));
    g_assert_cmpuint(l.code, ==, 200);
    g_assert_true(smtpx_reply_line_parse(S("559 x"), &l));
    g_assert_cmpuint(l.code, ==, 559);
}

static void
test_line_invalid(void)
{
    static const char *const bad[] = {
        "", "2", "25", "150 x", "650 x", "260 x", "2a0 x", "25a x",
        "250x", "2500 x", "250\tx", "250:x", " 250 x", "abc", "OK",
    };
    smtpx_reply_line_t l;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        memset(&l, 0xaa, sizeof(l));
        g_assert_false(smtpx_reply_line_parse((const guint8 *)bad[i], strlen(bad[i]), &l));
        g_assert_false(l.valid);
        g_assert_cmpuint(l.code, ==, 0);
        g_assert_false(l.continued);
    }
    g_assert_false(smtpx_reply_line_parse(NULL, 0, &l));
    g_assert_false(smtpx_reply_line_parse(S("250 x"), NULL));
}

static void
test_status_parse(void)
{
    smtpx_enhanced_status_t st;

    g_assert_true(smtpx_enhanced_status_parse(
        S("2.1.0 203.0.113.25@WIN-BKLR90FGWRQ....Sender OK"), &st));
    g_assert_true(st.present);
    g_assert_cmpuint(st.klass, ==, 2);
    g_assert_cmpuint(st.subject, ==, 1);
    g_assert_cmpuint(st.detail, ==, 0);
    g_assert_cmpuint(st.offset, ==, 0);
    g_assert_cmpuint(st.length, ==, 5);

    /* Leading spaces skipped; offset points at the code. */
    g_assert_true(smtpx_enhanced_status_parse(S("  5.7.1 Relaying denied"), &st));
    g_assert_cmpuint(st.klass, ==, 5);
    g_assert_cmpuint(st.subject, ==, 7);
    g_assert_cmpuint(st.detail, ==, 1);
    g_assert_cmpuint(st.offset, ==, 2);
    g_assert_cmpuint(st.length, ==, 5);

    /* Code at the end of the text ("451 4.7.0"). */
    g_assert_true(smtpx_enhanced_status_parse(S("4.7.0"), &st));
    g_assert_cmpuint(st.klass, ==, 4);
    g_assert_cmpuint(st.subject, ==, 7);
    g_assert_cmpuint(st.detail, ==, 0);
    g_assert_cmpuint(st.length, ==, 5);

    /* A tab after the code is taken as the separating blank. */
    g_assert_true(smtpx_enhanced_status_parse(S("5.1.1\tUser unknown"), &st));
    g_assert_cmpuint(st.length, ==, 5);

    /* subject and detail are 1*3digit. */
    g_assert_true(smtpx_enhanced_status_parse(S("5.999.999 x"), &st));
    g_assert_cmpuint(st.subject, ==, 999);
    g_assert_cmpuint(st.detail, ==, 999);
    g_assert_cmpuint(st.length, ==, 9);
}

static void
test_status_absent(void)
{
    static const char *const none[] = {
        "", " ", "OK", "3.1.0 x", "1.0.0 x", "6.0.0 x", "2.1.1000 x",
        "2.1000.1 x", "2.1.0x", "2.1.0.5", "2..0 x", "2.1. x", "2.1",
        "25.1.0 x", ".1.0", "2-1-0", "Start mail input; end with <CRLF>.<CRLF>",
        "2.1.0,", "x 2.1.0",
    };
    smtpx_enhanced_status_t st;
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(none); i++) {
        g_assert_false(smtpx_enhanced_status_parse((const guint8 *)none[i],
                                                   strlen(none[i]), &st));
        g_assert_false(st.present);
    }
    g_assert_false(smtpx_enhanced_status_parse(NULL, 0, &st));
}

/* The lab's single-line replies, byte for byte. */
static void
test_lab_single_lines(void)
{
    static const char *const l1[] = {
        "250 2.1.0 203.0.113.25@WIN-BKLR90FGWRQ....Sender OK" };
    static const char *const l2[] = { "250 2.1.5 alex.student@example.com " };
    static const char *const l3[] = { "354 Start mail input; end with <CRLF>.<CRLF>" };
    static const char *const l4[] = {
        "221 2.0.0 WIN-BKLR90FGWRQ Service closing transmission channel" };
    static const char *const l5[] = {
        "220 WIN-BKLR90FGWRQ Microsoft ESMTP MAIL Service, Version: 10.0.14393.0 "
        "ready at  Sat, 13 Feb 2021 12:55:26 +0300 " };
    static const char *const l6[] = {
        "250 2.6.0 <WIN-BKLR90FGWRQJ46000000001@WIN-BKLR90FGWRQ> Queued mail for delivery" };
    smtpx_reply_t *r;
    gboolean done;

    r = reply_from(l1, 1, &done);
    g_assert_true(done);
    g_assert_true(r->complete);
    g_assert_false(r->bad_line);
    g_assert_false(r->code_mismatch);
    g_assert_cmpuint(r->code, ==, 250);
    g_assert_true(r->status.present);
    g_assert_cmpuint(r->status.klass, ==, 2);
    g_assert_cmpuint(r->status.subject, ==, 1);
    g_assert_cmpuint(r->status.detail, ==, 0);
    g_assert_cmpstr(r->status_text, ==, "2.1.0");
    g_assert_cmpuint(r->lines->len, ==, 1);
    g_assert_cmpuint(r->n_lines, ==, 1);
    g_assert_cmpstr(line_text(r, 0), ==,
                    "2.1.0 203.0.113.25@WIN-BKLR90FGWRQ....Sender OK");
    smtpx_reply_free(r);

    r = reply_from(l2, 1, &done);
    g_assert_true(done);
    g_assert_cmpstr(r->status_text, ==, "2.1.5");
    /* The reply ends in a space: kept as sent. */
    g_assert_cmpstr(line_text(r, 0), ==, "2.1.5 alex.student@example.com ");
    smtpx_reply_free(r);

    r = reply_from(l3, 1, &done);
    g_assert_true(done);
    g_assert_cmpuint(r->code, ==, 354);
    g_assert_false(r->status.present);
    g_assert_null(r->status_text);
    smtpx_reply_free(r);

    r = reply_from(l4, 1, &done);
    g_assert_cmpuint(r->code, ==, 221);
    g_assert_cmpstr(r->status_text, ==, "2.0.0");
    g_assert_cmpuint(r->status.klass, ==, 2);
    g_assert_cmpuint(r->status.subject, ==, 0);
    g_assert_cmpuint(r->status.detail, ==, 0);
    g_assert_cmpstr(line_text(r, 0), ==,
                    "2.0.0 WIN-BKLR90FGWRQ Service closing transmission channel");
    smtpx_reply_free(r);

    /* Greeting: 116 bytes with CRLF, two spaces after "at", one at the end. */
    g_assert_cmpuint(strlen(l5[0]) + 2, ==, 116);
    r = reply_from(l5, 1, &done);
    g_assert_cmpuint(r->code, ==, 220);
    g_assert_null(r->status_text);
    g_assert_cmpstr(line_text(r, 0), ==,
                    "WIN-BKLR90FGWRQ Microsoft ESMTP MAIL Service, Version: 10.0.14393.0 "
                    "ready at  Sat, 13 Feb 2021 12:55:26 +0300 ");
    smtpx_reply_free(r);

    r = reply_from(l6, 1, &done);
    g_assert_cmpstr(r->status_text, ==, "2.6.0");
    smtpx_reply_free(r);
}

static void
test_451(void)
{
    static const char *const l[] = { "451 4.7.0" };
    static const char *const l2[] = { "451 4.7.0 Temporary server error. Please try again later." };
    smtpx_reply_t *r = reply_from(l, 1, NULL);

    g_assert_cmpuint(r->code, ==, 451);
    g_assert_cmpstr(r->status_text, ==, "4.7.0");
    g_assert_cmpuint(r->status.klass, ==, 4);
    g_assert_cmpuint(r->status.subject, ==, 7);
    g_assert_cmpuint(r->status.detail, ==, 0);
    g_assert_cmpuint(r->status.offset, ==, 0);
    g_assert_cmpstr(line_text(r, 0), ==, "4.7.0");
    smtpx_reply_free(r);

    r = reply_from(l2, 1, NULL);
    g_assert_cmpstr(r->status_text, ==, "4.7.0");
    smtpx_reply_free(r);
}

/* The lab's 12-line EHLO reply: no enhanced codes (RFC 2034 section 3). */
static void
test_multiline_without_status(void)
{
    static const char *const l[] = {
        "250-WIN-BKLR90FGWRQ Hello [198.51.100.174]", "250-TURN",
        "250-SIZE 2097152", "250-ETRN", "250-PIPELINING", "250-DSN",
        "250-ENHANCEDSTATUSCODES", "250-8bitmime", "250-BINARYMIME",
        "250-CHUNKING", "250-VRFY", "250 OK",
    };
    smtpx_reply_t *r = smtpx_reply_new();
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(l); i++) {
        gboolean done = smtpx_reply_add_line(r, (const guint8 *)l[i], strlen(l[i]));
        g_assert_cmpint(done, ==, i + 1 == G_N_ELEMENTS(l));
        g_assert_cmpint(r->complete, ==, i + 1 == G_N_ELEMENTS(l));
    }
    g_assert_cmpuint(r->code, ==, 250);
    g_assert_cmpuint(r->lines->len, ==, 12);
    g_assert_cmpuint(r->n_lines, ==, 12);
    g_assert_false(r->status.present);
    g_assert_null(r->status_text);
    g_assert_false(r->code_mismatch);
    g_assert_false(r->bad_line);
    g_assert_cmpstr(line_text(r, 0), ==, "WIN-BKLR90FGWRQ Hello [198.51.100.174]");
    g_assert_cmpstr(line_text(r, 2), ==, "SIZE 2097152");
    g_assert_cmpstr(line_text(r, 7), ==, "8bitmime");
    g_assert_cmpstr(line_text(r, 11), ==, "OK");
    smtpx_reply_free(r);
}

static void
test_multiline_with_status(void)
{
    static const char *const l[] = {
        "550-5.7.1 The user or domain that you are sending to (or from) has",
        "550-5.7.1 a policy that prohibits the mail that you sent.",
        "550 5.7.1 Please contact your domain administrator.",
    };
    gboolean done;
    smtpx_reply_t *r = reply_from(l, 3, &done);

    g_assert_true(done);
    g_assert_true(r->complete);
    g_assert_cmpuint(r->code, ==, 550);
    g_assert_cmpstr(r->status_text, ==, "5.7.1");
    g_assert_cmpuint(r->status.klass, ==, 5);
    g_assert_cmpuint(r->status.subject, ==, 7);
    g_assert_cmpuint(r->status.detail, ==, 1);
    g_assert_false(r->code_mismatch);
    g_assert_cmpuint(r->lines->len, ==, 3);
    g_assert_cmpstr(line_text(r, 1), ==,
                    "5.7.1 a policy that prohibits the mail that you sent.");
    smtpx_reply_free(r);
}

static void
test_code_mismatch(void)
{
    static const char *const l[] = { "250-first", "251-second", "250 last" };
    gboolean done;
    smtpx_reply_t *r = reply_from(l, 3, &done);

    g_assert_true(done);
    g_assert_true(r->complete);
    g_assert_true(r->code_mismatch);
    g_assert_cmpuint(r->code, ==, 250);     /* the first line's code */
    g_assert_cmpuint(r->lines->len, ==, 3);
    g_assert_cmpstr(line_text(r, 1), ==, "second");
    smtpx_reply_free(r);

    /* A different code on the last line ends the reply all the same. */
    {
        static const char *const m[] = { "250-a", "550 b" };
        r = reply_from(m, 2, &done);
        g_assert_true(done);
        g_assert_true(r->code_mismatch);
        g_assert_true(r->complete);
        smtpx_reply_free(r);
    }
}

static void
test_invalid_lines(void)
{
    smtpx_reply_t *r = smtpx_reply_new();

    /* A first line without a code ends the reply, text kept whole. */
    g_assert_true(smtpx_reply_add_line(r, S("hello world")));
    g_assert_true(r->bad_line);
    g_assert_false(r->complete);
    g_assert_cmpuint(r->code, ==, 0);
    g_assert_null(r->status_text);
    g_assert_cmpstr(line_text(r, 0), ==, "hello world");
    /* Nothing is added after the end. */
    g_assert_true(smtpx_reply_add_line(r, S("250 OK")));
    g_assert_cmpuint(r->n_lines, ==, 1);
    g_assert_cmpuint(r->code, ==, 0);
    smtpx_reply_free(r);

    /* Junk in the middle of a multi-line reply ends it too. */
    r = smtpx_reply_new();
    g_assert_false(smtpx_reply_add_line(r, S("250-mail.example")));
    g_assert_true(smtpx_reply_add_line(r, S("PIPELINING")));
    g_assert_true(r->bad_line);
    g_assert_false(r->complete);
    g_assert_cmpuint(r->code, ==, 250);
    g_assert_cmpuint(r->lines->len, ==, 2);
    g_assert_cmpstr(line_text(r, 1), ==, "PIPELINING");
    smtpx_reply_free(r);

    /* An empty line is invalid. */
    r = smtpx_reply_new();
    g_assert_true(smtpx_reply_add_line(r, NULL, 0));
    g_assert_true(r->bad_line);
    g_assert_cmpstr(line_text(r, 0), ==, "");
    smtpx_reply_free(r);

    /* After a complete reply nothing more is taken. */
    r = smtpx_reply_new();
    g_assert_true(smtpx_reply_add_line(r, S("250 OK")));
    g_assert_true(smtpx_reply_add_line(r, S("250 again")));
    g_assert_cmpuint(r->n_lines, ==, 1);
    g_assert_false(r->code_mismatch);
    smtpx_reply_free(r);

    smtpx_reply_free(NULL);
}

static void
test_printable_text(void)
{
    static const guint8 line[] = { '5', '5', '0', ' ', 'a', 0x00, 'b', 0xff, '\x1b', 'c' };
    smtpx_reply_t *r = smtpx_reply_new();

    g_assert_true(smtpx_reply_add_line(r, line, sizeof(line)));
    g_assert_cmpuint(r->code, ==, 550);
    g_assert_cmpstr(line_text(r, 0), ==, "a\\x00b\\xff\\x1bc");
    smtpx_reply_free(r);
}

static void
test_max_lines(void)
{
    smtpx_reply_t *r = smtpx_reply_new();
    guint i;

    for (i = 0; i < 299; i++)
        g_assert_false(smtpx_reply_add_line(r, S("250-X")));
    g_assert_true(smtpx_reply_add_line(r, S("250 END")));
    g_assert_cmpuint(r->n_lines, ==, 300);
    g_assert_cmpuint(r->lines->len, ==, SMTPX_REPLY_MAX_LINES);
    g_assert_true(r->complete);
    smtpx_reply_free(r);
}

/* ---- random bytes ---------------------------------------------------- */

static const guint8 alphabet[] = "0123456789 -.2345\t\r\n\x00\xff\xc3\xa9" "ABCxyz";

static gsize
random_bytes(guint8 *buf, gsize max)
{
    gsize len = (gsize)g_test_rand_int_range(0, (gint32)max + 1);
    gsize i;
    gboolean mixed = g_test_rand_bit();

    for (i = 0; i < len; i++) {
        if (mixed && g_test_rand_bit())
            buf[i] = alphabet[g_test_rand_int_range(0, sizeof(alphabet) - 1)];
        else
            buf[i] = (guint8)g_test_rand_int_range(0, 256);
    }
    /* Often start with something that looks like a reply code. */
    if (len >= 4 && g_test_rand_bit()) {
        buf[0] = (guint8)('2' + g_test_rand_int_range(0, 4));
        buf[1] = (guint8)('0' + g_test_rand_int_range(0, 6));
        buf[2] = (guint8)('0' + g_test_rand_int_range(0, 10));
        buf[3] = g_test_rand_bit() ? '-' : ' ';
        if (len >= 9 && g_test_rand_bit())
            memcpy(buf + 4, "5.7.1", 5);
    }
    return len;
}

static void
test_random_bytes(void)
{
    guint8 *buf = g_malloc(70000);
    guint iter;

    for (iter = 0; iter < 20000; iter++) {
        smtpx_reply_line_t rl;
        smtpx_enhanced_status_t st;
        smtpx_reply_t *r = smtpx_reply_new();
        gsize len = random_bytes(buf, iter % 1000 == 0 ? 70000 : 300);
        guint n = (guint)g_test_rand_int_range(1, 8), k;

        if (smtpx_reply_line_parse(buf, len, &rl)) {
            g_assert_cmpuint(rl.code, >=, 200);
            g_assert_cmpuint(rl.code, <=, 559);
            g_assert_cmpuint(rl.text_offset, <=, len);
        }
        if (smtpx_enhanced_status_parse(buf, len, &st)) {
            g_assert_cmpuint(st.offset + st.length, <=, len);
            g_assert_true(st.klass == 2 || st.klass == 4 || st.klass == 5);
        }
        for (k = 0; k < n; k++) {
            gsize l2 = random_bytes(buf, 200);
            (void)smtpx_reply_add_line(r, buf, l2);
        }
        for (k = 0; k < r->lines->len; k++)
            assert_safe_string(g_ptr_array_index(r->lines, k));
        if (r->status_text != NULL)
            assert_safe_string(r->status_text);
        smtpx_reply_free(r);
    }
    g_free(buf);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/reply/line/valid", test_line_valid);
    g_test_add_func("/reply/line/invalid", test_line_invalid);
    g_test_add_func("/reply/status/parse", test_status_parse);
    g_test_add_func("/reply/status/absent", test_status_absent);
    g_test_add_func("/reply/lab/single-lines", test_lab_single_lines);
    g_test_add_func("/reply/451", test_451);
    g_test_add_func("/reply/multiline/without-status", test_multiline_without_status);
    g_test_add_func("/reply/multiline/with-status", test_multiline_with_status);
    g_test_add_func("/reply/code-mismatch", test_code_mismatch);
    g_test_add_func("/reply/invalid-lines", test_invalid_lines);
    g_test_add_func("/reply/printable", test_printable_text);
    g_test_add_func("/reply/max-lines", test_max_lines);
    g_test_add_func("/reply/random-bytes", test_random_bytes);
    return g_test_run();
}
