/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_headers.c - unit tests for plugin/core/headers.c: header-section
 * accumulation, unfolding (RFC 5322 2.2.3), field splitting, layout flags,
 * the byte budget, lookup by name, DKIM-Signature d= (RFC 6376 3.2, 3.5)
 * and random input.
 */
#include <string.h>

#include "headers.h"

/* Feeds NUL-terminated lines ending in CRLF; NULL ends the list.  Returns
 * the status of the last line. */
static smtpx_headers_status_t
feed(smtpx_headers_t *h, const char *const *lines)
{
    smtpx_headers_status_t st = SMTPX_HEADERS_MORE;

    for (; *lines; lines++)
        st = smtpx_headers_add_line(h, (const guint8 *)*lines, strlen(*lines),
                                    FALSE);
    return st;
}

static void
check_field(const smtpx_headers_t *h, guint i, const char *name,
            const char *value, guint32 flags)
{
    const smtpx_header_field_t *f = smtpx_headers_nth(h, i);

    g_assert_nonnull(f);
    g_assert_cmpstr(f->name, ==, name);
    g_assert_cmpuint(f->value_len, ==, strlen(value));
    g_assert_cmpmem(f->value, f->value_len, value, strlen(value));
    g_assert_cmpuint(f->value[f->value_len], ==, 0);
    g_assert_cmpuint(f->flags, ==, flags);
}

static void
test_basic(void)
{
    static const char *const lines[] = {
        "From: John Doe <jdoe@machine.example>",
        "To: Mary Smith <mary@example.net>",
        "Subject: Saying Hello",
        "", NULL
    };
    smtpx_headers_t *h = smtpx_headers_new(65536);

    g_assert_cmpint(feed(h, lines), ==, SMTPX_HEADERS_DONE);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 3);
    check_field(h, 0, "From", "John Doe <jdoe@machine.example>", 0);
    check_field(h, 1, "To", "Mary Smith <mary@example.net>", 0);
    check_field(h, 2, "Subject", "Saying Hello", 0);
    g_assert_null(smtpx_headers_nth(h, 3));
    g_assert_cmpuint(smtpx_headers_flags(h), ==, 0);
    g_assert_false(smtpx_headers_truncated(h));
    /* every line counted with its CRLF; the empty line is not header text */
    g_assert_cmpuint(smtpx_headers_bytes(h), ==, 37 + 2 + 33 + 2 + 21 + 2);

    /* After DONE: nothing more is kept. */
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"X: y", 4, FALSE),
                    ==, SMTPX_HEADERS_DONE);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 3);
    smtpx_headers_free(h);
    smtpx_headers_free(NULL);
}

static void
test_unfolding(void)
{
    /* RFC 5322 2.2.3 example */
    static const char *const lines[] = {
        "Subject: This",
        " is a test",
        "To: a@b.example,",
        "\tc@d.example",
        "", NULL
    };
    smtpx_headers_t *h = smtpx_headers_new(65536);

    g_assert_cmpint(feed(h, lines), ==, SMTPX_HEADERS_DONE);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 2);
    check_field(h, 0, "Subject", "This is a test", 0);
    check_field(h, 1, "To", "a@b.example,\tc@d.example", 0);
    smtpx_headers_free(h);
}

/* A field's buffer serves the next field: a long folded field, then
 * short ones, a field after a fold of blanks; each keeps its own text and
 * flags (RFC 5322 2.2.3 unfolding; the text is the lines as fed). */
static void
test_buffer_reuse(void)
{
    smtpx_headers_t *h = smtpx_headers_new(65536);
    GString *big = g_string_new("Subject: ");
    GString *cont = g_string_new(" ");
    const char *tail[] = { "A: 1", "B:2", "C:", "\t", "D: x", NULL };
    guint i;

    for (i = 0; i < 3000; i++)
        g_string_append_c(big, (char)('a' + i % 26));
    for (i = 0; i < 2000; i++)
        g_string_append_c(cont, (char)('A' + i % 26));
    smtpx_headers_add_line(h, (const guint8 *)big->str, big->len, FALSE);
    smtpx_headers_add_line(h, (const guint8 *)cont->str, cont->len, FALSE);
    g_assert_cmpint(feed(h, tail), ==, SMTPX_HEADERS_MORE);
    g_assert_cmpint(smtpx_headers_add_line(h, NULL, 0, FALSE), ==,
                    SMTPX_HEADERS_DONE);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 5);
    {
        GString *want = g_string_new(big->str + strlen("Subject: "));

        g_string_append(want, cont->str);
        check_field(h, 0, "Subject", want->str, 0);
        g_string_free(want, TRUE);
    }
    check_field(h, 1, "A", "1", 0);
    check_field(h, 2, "B", "2", 0);
    /* "C:" and a line of one TAB: unfolded "C:<TAB>", the value empty. */
    check_field(h, 3, "C", "",
                SMTPX_HDR_BLANK_CONTINUATION | SMTPX_HDR_EMPTY_VALUE);
    check_field(h, 4, "D", "x", 0);
    smtpx_headers_free(h);
    g_string_free(big, TRUE);
    g_string_free(cont, TRUE);
}

static void
test_lookup(void)
{
    static const char *const lines[] = {
        "From: a@b.example",
        "DKIM-Signature: v=1; d=b.example",
        "from: c@d.example",
        "FROM : e@f.example",
        "", NULL
    };
    smtpx_headers_t *h = smtpx_headers_new(65536);
    const smtpx_header_field_t *f;

    feed(h, lines);
    g_assert_cmpuint(smtpx_headers_count_name(h, "From"), ==, 3);
    g_assert_cmpuint(smtpx_headers_count_name(h, "dkim-signature"), ==, 1);
    g_assert_cmpuint(smtpx_headers_count_name(h, "Sender"), ==, 0);
    f = smtpx_headers_get(h, "FROM");
    g_assert_nonnull(f);
    g_assert_cmpmem(f->value, f->value_len, "a@b.example", 11);
    g_assert_null(smtpx_headers_get(h, "Sender"));
    g_assert_null(smtpx_headers_get(h, "Fro"));
    smtpx_headers_free(h);
}

/* "From : x" is From (obs-optional allows WSP before the colon, 4.5). */
static void
test_ws_before_colon(void)
{
    static const char *const lines[] = { "From : a@b.example", "From\t: c@d.example",
                                         "", NULL };
    smtpx_headers_t *h = smtpx_headers_new(65536);

    feed(h, lines);
    check_field(h, 0, "From", "a@b.example", SMTPX_HDR_WS_BEFORE_COLON);
    check_field(h, 1, "From", "c@d.example", SMTPX_HDR_WS_BEFORE_COLON);
    g_assert_cmpuint(smtpx_headers_count_name(h, "from"), ==, 2);
    smtpx_headers_free(h);
}

/* "From\r\n :x": the name alone on its line, the colon folded. */
static void
test_folded_name(void)
{
    static const char *const lines[] = {
        "Subject: s",
        "From",
        " :x@evil.example",
        "", NULL
    };
    smtpx_headers_t *h = smtpx_headers_new(65536);

    feed(h, lines);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 2);
    /* the continuation's WSP sits between name and colon once unfolded */
    check_field(h, 1, "From", "x@evil.example",
                SMTPX_HDR_FOLDED_NAME | SMTPX_HDR_WS_BEFORE_COLON);
    g_assert_cmpuint(smtpx_headers_count_name(h, "From"), ==, 1);
    smtpx_headers_free(h);
}

/* A first line starting with WSP: kept as a field, LEADING_WS. */
static void
test_leading_ws(void)
{
    static const char *const lines[] = {
        " From: admin@legit.example",
        "From: a@evil.example",
        "", NULL
    };
    static const char *const lines2[] = {
        "\tFrom: admin@legit.example",
        "  more",
        "", NULL
    };
    smtpx_headers_t *h = smtpx_headers_new(65536);

    feed(h, lines);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 2);
    check_field(h, 0, "From", "admin@legit.example", SMTPX_HDR_LEADING_WS);
    check_field(h, 1, "From", "a@evil.example", 0);
    g_assert_cmpuint(smtpx_headers_count_name(h, "From"), ==, 2);
    g_assert_true(smtpx_headers_flags(h) & SMTPX_HDR_LEADING_WS);
    smtpx_headers_free(h);

    /* its own continuation lines still fold into it */
    h = smtpx_headers_new(65536);
    feed(h, lines2);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 1);
    check_field(h, 0, "From", "admin@legit.example  more", SMTPX_HDR_LEADING_WS);
    smtpx_headers_free(h);
}

static void
test_no_colon_bad_name(void)
{
    static const char *const lines[] = {
        "this line has no colon",
        "Fr om: x",
        ": nameless",
        "Fr\xc3\xb6m: y",
        "X-Ok:",
        "X-Ws:   ",
        "", NULL
    };
    smtpx_headers_t *h = smtpx_headers_new(65536);

    feed(h, lines);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 6);
    check_field(h, 0, "", "this line has no colon", SMTPX_HDR_NO_COLON);
    check_field(h, 1, "Fr om", "x", SMTPX_HDR_BAD_NAME);
    check_field(h, 2, "", "nameless", SMTPX_HDR_BAD_NAME);
    check_field(h, 3, "Fr\xc3\xb6m", "y", SMTPX_HDR_BAD_NAME);
    check_field(h, 4, "X-Ok", "", SMTPX_HDR_EMPTY_VALUE);
    check_field(h, 5, "X-Ws", "", SMTPX_HDR_EMPTY_VALUE);
    /* a line without a colon has no name: never found by name */
    g_assert_cmpuint(smtpx_headers_count_name(h, ""), ==, 1);
    g_assert_cmpuint(smtpx_headers_count_name(h, "this line has no colon"), ==, 0);
    smtpx_headers_free(h);
}

static void
test_bare_cr_lf_nul(void)
{
    static const char nul[] = "Subject: a\0b";
    smtpx_headers_t *h = smtpx_headers_new(65536);
    const smtpx_header_field_t *f;

    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"From: a@b.example",
                                           17, TRUE), ==, SMTPX_HEADERS_MORE);
    smtpx_headers_add_line(h, (const guint8 *)"To: x\ry", 7, FALSE);
    smtpx_headers_add_line(h, (const guint8 *)nul, sizeof nul - 1, FALSE);
    smtpx_headers_add_line(h, (const guint8 *)"Fr\0m: z", 7, FALSE);
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"", 0, TRUE),
                    ==, SMTPX_HEADERS_DONE);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 4);
    check_field(h, 0, "From", "a@b.example", SMTPX_HDR_BARE_LF);
    check_field(h, 1, "To", "x\ry", SMTPX_HDR_BARE_CR);
    f = smtpx_headers_nth(h, 2);
    g_assert_cmpuint(f->flags, ==, SMTPX_HDR_NUL);
    g_assert_cmpuint(f->value_len, ==, 3);
    g_assert_cmpmem(f->value, 3, "a\0b", 3);
    /* the name is made printable: NUL escaped, no false match */
    check_field(h, 3, "Fr\\x00m", "z", SMTPX_HDR_NUL | SMTPX_HDR_BAD_NAME);
    g_assert_cmpuint(smtpx_headers_count_name(h, "From"), ==, 1);
    /* the empty line ended in a bare LF: shown for the section */
    g_assert_true(smtpx_headers_flags(h) & SMTPX_HDR_BARE_LF);
    /* bytes: 17+1, 7+2, 12+2, 7+2 */
    g_assert_cmpuint(smtpx_headers_bytes(h), ==, 18 + 9 + 14 + 9);
    smtpx_headers_free(h);
}

/* RFC 5322 A.6.3: whitespace-only line inside folding (obs-FWS). */
static void
test_blank_continuation(void)
{
    static const char *const lines[] = {
        "From  : John Doe <jdoe@machine(comment).  example>",
        "To    : Mary Smith",
        "  ",
        "          <mary@example.net>",
        "", NULL
    };
    smtpx_headers_t *h = smtpx_headers_new(65536);

    feed(h, lines);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 2);
    check_field(h, 0, "From", "John Doe <jdoe@machine(comment).  example>",
                SMTPX_HDR_WS_BEFORE_COLON);
    check_field(h, 1, "To", "Mary Smith            <mary@example.net>",
                SMTPX_HDR_WS_BEFORE_COLON | SMTPX_HDR_BLANK_CONTINUATION);
    smtpx_headers_free(h);
}

static void
test_limit(void)
{
    smtpx_headers_t *h = smtpx_headers_new(30);

    /* 11 + 2 = 13 bytes */
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"From: a@b.c", 11,
                                           FALSE), ==, SMTPX_HEADERS_MORE);
    /* 8 + 2 = 10: 23 */
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"To: x@yz", 8,
                                           FALSE), ==, SMTPX_HEADERS_MORE);
    /* continuation 9 + 2 = 11: 34 > 30, dropped, the field is cut */
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)" , more@x", 9,
                                           FALSE), ==, SMTPX_HEADERS_LIMIT);
    g_assert_true(smtpx_headers_truncated(h));
    g_assert_cmpuint(smtpx_headers_count(h), ==, 2);
    check_field(h, 0, "From", "a@b.c", 0);
    check_field(h, 1, "To", "x@yz", SMTPX_HDR_TRUNCATED);
    /* further lines: LIMIT, nothing kept, still counted */
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"X: y", 4, FALSE),
                    ==, SMTPX_HEADERS_LIMIT);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 2);
    g_assert_cmpuint(smtpx_headers_bytes(h), ==, 13 + 10 + 11 + 6);
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"", 0, FALSE),
                    ==, SMTPX_HEADERS_LIMIT);
    smtpx_headers_finish(h);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 2);
    smtpx_headers_free(h);

    /* exactly max_bytes fits; a new field over the limit is not "cut" */
    h = smtpx_headers_new(13);
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"From: a@b.c", 11,
                                           FALSE), ==, SMTPX_HEADERS_MORE);
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"T", 1, FALSE),
                    ==, SMTPX_HEADERS_LIMIT);
    check_field(h, 0, "From", "a@b.c", 0);
    smtpx_headers_free(h);

    /* a huge budget and a huge claimed length that does not fit it */
    h = smtpx_headers_new(G_MAXSIZE);
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"A: b", 4, FALSE),
                    ==, SMTPX_HEADERS_MORE);
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"B: c",
                                           (gsize)G_MAXUINT + 10, FALSE),
                    ==, SMTPX_HEADERS_LIMIT);
    smtpx_headers_finish(h);
    check_field(h, 0, "A", "b", 0);
    smtpx_headers_free(h);

    /* max_bytes 0 behaves as 1 */
    h = smtpx_headers_new(0);
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"A: b", 4, FALSE),
                    ==, SMTPX_HEADERS_LIMIT);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 0);
    smtpx_headers_free(h);
}

/* Issue 14: at most SMTPX_HEADERS_MAX_FIELDS fields are kept, whatever
 * the byte budget; the first line of the next field gives LIMIT, and so
 * does every later line; continuation lines of the last kept field still
 * belong to it. */
static void
test_field_cap(void)
{
    smtpx_headers_t *h = smtpx_headers_new(G_MAXSIZE);
    guint i;

    for (i = 0; i < SMTPX_HEADERS_MAX_FIELDS; i++) {
        char *line = g_strdup_printf("X-F%u: v", i);
        g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)line, strlen(line), FALSE),
                        ==, SMTPX_HEADERS_MORE);
        g_free(line);
    }
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)" more", 5, FALSE),
                    ==, SMTPX_HEADERS_MORE);
    g_assert_false(smtpx_headers_field_limit(h));
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"From: a@b.example", 17, FALSE),
                    ==, SMTPX_HEADERS_LIMIT);
    g_assert_true(smtpx_headers_field_limit(h));
    g_assert_true(smtpx_headers_truncated(h));
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"", 0, FALSE),
                    ==, SMTPX_HEADERS_LIMIT);
    g_assert_cmpuint(smtpx_headers_count(h), ==, SMTPX_HEADERS_MAX_FIELDS);
    g_assert_null(smtpx_headers_get(h, "From"));
    g_assert_cmpstr((const char *)smtpx_headers_nth(h, SMTPX_HEADERS_MAX_FIELDS - 1)->value,
                    ==, "v more");
    smtpx_headers_free(h);

    /* The byte budget alone is not the field cap. */
    h = smtpx_headers_new(10);
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"Subject: long", 13, FALSE),
                    ==, SMTPX_HEADERS_LIMIT);
    g_assert_false(smtpx_headers_field_limit(h));
    smtpx_headers_free(h);
    g_assert_false(smtpx_headers_field_limit(NULL));
}

static void
test_finish(void)
{
    smtpx_headers_t *h = smtpx_headers_new(65536);

    smtpx_headers_add_line(h, (const guint8 *)"From: a@b.example", 17, FALSE);
    smtpx_headers_add_line(h, (const guint8 *)" (c)", 4, FALSE);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 0);   /* still open */
    smtpx_headers_finish(h);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 1);
    check_field(h, 0, "From", "a@b.example (c)", 0);
    smtpx_headers_finish(h);                           /* idempotent */
    g_assert_cmpuint(smtpx_headers_count(h), ==, 1);
    g_assert_cmpint(smtpx_headers_add_line(h, (const guint8 *)"X: y", 4, FALSE),
                    ==, SMTPX_HEADERS_DONE);
    g_assert_cmpuint(smtpx_headers_count(h), ==, 1);
    smtpx_headers_free(h);
}

static void
check_dkim(const char *value, const char *want)
{
    char *d = smtpx_dkim_signing_domain((const guint8 *)value, strlen(value));

    g_assert_cmpstr(d, ==, want);
    g_free(d);
}

static void
test_dkim(void)
{
    /* RFC 6376 3.5 example (unfolded: CRLF removed, WSP kept) */
    check_dkim("v=1; a=rsa-sha256; d=example.net; s=brisbane;"
               " c=simple; q=dns/txt; i=@eng.example.net;"
               " t=1117574938; x=1118006938;"
               " h=from:to:subject:date;"
               " z=From:foo@eng.example.net|To:joe@example.com|"
               " Subject:demo=20run|Date:July=205,=202005=203:44:08=20PM=20-0700;"
               " bh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=;"
               " b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR",
               "example.net");
    /* still folded */
    check_dkim("v=1; a=rsa-sha256;\r\n d=Example.COM; s=sel", "example.com");
    /* FWS around '=' (3.2 tag-spec) */
    check_dkim("v=1;d \t= example.org ;s=x", "example.org");
    check_dkim("d=example.org", "example.org");
    /* no d=, empty d=, tag names are case-sensitive */
    check_dkim("v=1; s=sel; b=abc", NULL);
    check_dkim("v=1; d=; s=x", NULL);
    check_dkim("v=1; D=example.org", NULL);
    /* "d" inside another tag's value is not the d= tag */
    check_dkim("i=@d=evil.example; z=x|d=evil.example", NULL);
    check_dkim("dd=evil.example", NULL);
    /* 3.2: a duplicate tag invalidates the whole tag-list */
    check_dkim("d=good.example; d=evil.example", NULL);
    check_dkim("", NULL);
    g_assert_null(smtpx_dkim_signing_domain(NULL, 0));
    /* attacker bytes come back printable */
    {
        static const char v[] = "d=a\0b.example";
        char *d = smtpx_dkim_signing_domain((const guint8 *)v, sizeof v - 1);

        g_assert_cmpstr(d, ==, "a\\x00b.example");
        g_free(d);
    }
}

static void
test_describe(void)
{
    char *d = smtpx_header_flags_describe(0);

    g_assert_cmpstr(d, ==, "");
    g_free(d);
    d = smtpx_header_flags_describe(SMTPX_HDR_FOLDED_NAME | SMTPX_HDR_BARE_LF);
    g_assert_cmpstr(d, ==, "field name folded onto the next line; bare LF line ending");
    g_free(d);
    /* the same words with another separator, as the verdict uses them */
    d = smtpx_header_flags_words(SMTPX_HDR_WS_BEFORE_COLON | SMTPX_HDR_NUL, ", ");
    g_assert_cmpstr(d, ==, "whitespace between field name and colon, NUL byte");
    g_free(d);
}

static void
test_random(void)
{
    static const char alphabet[] = "From: \t\r\n\0\xff\xc3\xa9:;=dDa";
    int iter, n = g_test_slow() ? 20000 : 3000;

    for (iter = 0; iter < n; iter++) {
        gsize max = (gsize)g_test_rand_int_range(1, 2000), kept = 0;
        smtpx_headers_t *h = smtpx_headers_new(max);
        int nlines = g_test_rand_int_range(0, 60), l;
        guint i;

        for (l = 0; l < nlines; l++) {
            gsize len = (gsize)g_test_rand_int_range(0, 120), k;
            guint8 *buf = g_malloc(len + 1);
            smtpx_headers_status_t st;

            for (k = 0; k < len; k++)
                buf[k] = g_test_rand_bit()
                    ? (guint8)g_test_rand_int_range(0, 256)
                    : (guint8)alphabet[g_test_rand_int_range(0, sizeof alphabet - 1)];
            if (len && g_test_rand_int_range(0, 4) == 0)
                buf[0] = ' ';
            st = smtpx_headers_add_line(h, buf, len, g_test_rand_bit());
            g_assert_cmpint(st, >=, SMTPX_HEADERS_MORE);
            g_assert_cmpint(st, <=, SMTPX_HEADERS_LIMIT);
            {
                char *d = smtpx_dkim_signing_domain(buf, len);

                if (d)
                    g_assert_true(g_utf8_validate(d, -1, NULL));
                g_free(d);
            }
            g_free(buf);
        }
        smtpx_headers_finish(h);
        for (i = 0; i < smtpx_headers_count(h); i++) {
            const smtpx_header_field_t *f = smtpx_headers_nth(h, i);
            const char *p;

            g_assert_true(g_utf8_validate(f->name, -1, NULL));
            for (p = f->name; *p; p++)
                g_assert_false((guint8)*p < 0x20 || (guint8)*p == 0x7f);
            g_assert_cmpuint(f->value[f->value_len], ==, 0);
            kept += f->value_len;
        }
        /* never more kept than the budget */
        g_assert_cmpuint(kept, <=, max);
        smtpx_headers_free(h);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/headers/basic", test_basic);
    g_test_add_func("/headers/unfolding", test_unfolding);
    g_test_add_func("/headers/lookup", test_lookup);
    g_test_add_func("/headers/buffer-reuse", test_buffer_reuse);
    g_test_add_func("/headers/ws-before-colon", test_ws_before_colon);
    g_test_add_func("/headers/folded-name", test_folded_name);
    g_test_add_func("/headers/leading-ws", test_leading_ws);
    g_test_add_func("/headers/no-colon-bad-name", test_no_colon_bad_name);
    g_test_add_func("/headers/bare-cr-lf-nul", test_bare_cr_lf_nul);
    g_test_add_func("/headers/blank-continuation", test_blank_continuation);
    g_test_add_func("/headers/limit", test_limit);
    g_test_add_func("/headers/field-cap", test_field_cap);
    g_test_add_func("/headers/finish", test_finish);
    g_test_add_func("/headers/dkim", test_dkim);
    g_test_add_func("/headers/describe", test_describe);
    g_test_add_func("/headers/random", test_random);
    return g_test_run();
}
