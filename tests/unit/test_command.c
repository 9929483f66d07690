/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_command.c - unit tests for plugin/core/command.c: command lines,
 * MAIL/RCPT paths and ESMTP parameters (RFC 5321 4.1, RFC 1870, 3461, 6152,
 * 6531, 8689), the EHLO/HELO argument, BDAT (RFC 3030) and AUTH (RFC 4954).
 * Expected values come from the RFC grammar and the lab session's bytes.
 */
#include <string.h>

#include "command.h"
#include "test_util.h"

#define S(str) ((const guint8 *)(str)), (sizeof(str) - 1)

static smtpx_path_t *
mail(const char *args)
{
    return smtpx_path_parse((const guint8 *)args, strlen(args), TRUE);
}

static smtpx_path_t *
rcpt(const char *args)
{
    return smtpx_path_parse((const guint8 *)args, strlen(args), FALSE);
}

static const smtpx_param_t *
param_at(const smtpx_path_t *p, guint i)
{
    g_assert_cmpuint(i, <, p->params->len);
    return g_ptr_array_index(p->params, i);
}

/* Checks flags, mailbox and domain of one path, then frees it. */
static void
check_path(smtpx_path_t *p, guint32 flags, const char *mailbox, const char *domain)
{
    if (p->flags != flags) {
        char *got = smtpx_path_flags_describe(p->flags);
        char *want = smtpx_path_flags_describe(flags);
        g_test_message("flags: got [%s] want [%s]", got, want);
        g_free(got);
        g_free(want);
    }
    g_assert_cmphex(p->flags, ==, flags);
    g_assert_cmpstr(p->mailbox, ==, mailbox);
    g_assert_cmpstr(p->domain, ==, domain);
    smtpx_path_free(p);
}

/* ---- command lines --------------------------------------------------- */

static void
test_command_split(void)
{
    smtpx_command_t *c;

    c = smtpx_command_parse(S("MAIL FROM: 203.0.113.25"));
    g_assert_cmpint(c->verb, ==, SMTPX_VERB_MAIL);
    g_assert_cmpstr(c->verb_text, ==, "MAIL");
    g_assert_cmpuint(c->verb_len, ==, 4);
    g_assert_cmpuint(c->args_offset, ==, 5);
    g_assert_true(c->looks_like_command);
    smtpx_command_free(c);

    /* The lab's "quit": verbs are case-insensitive (RFC 5321 2.4). */
    c = smtpx_command_parse(S("quit"));
    g_assert_cmpint(c->verb, ==, SMTPX_VERB_QUIT);
    g_assert_cmpstr(c->verb_text, ==, "QUIT");
    g_assert_cmpuint(c->args_offset, ==, 4);
    g_assert_true(c->looks_like_command);
    smtpx_command_free(c);

    c = smtpx_command_parse(S("StartTLS"));
    g_assert_cmpint(c->verb, ==, SMTPX_VERB_STARTTLS);
    smtpx_command_free(c);

    c = smtpx_command_parse(S("EHLO 203.0.113.25"));
    g_assert_cmpint(c->verb, ==, SMTPX_VERB_EHLO);
    g_assert_cmpuint(c->args_offset, ==, 5);
    smtpx_command_free(c);

    c = smtpx_command_parse(S("XYZZY plugh"));
    g_assert_cmpint(c->verb, ==, SMTPX_VERB_UNKNOWN);
    g_assert_cmpstr(c->verb_text, ==, "XYZZY");
    g_assert_true(c->looks_like_command);
    smtpx_command_free(c);

    /* HTAB: verb recognised, but not RFC 5321 command syntax. */
    c = smtpx_command_parse(S("MAIL\tFROM:<>"));
    g_assert_cmpint(c->verb, ==, SMTPX_VERB_MAIL);
    g_assert_false(c->looks_like_command);
    smtpx_command_free(c);

    /* Two spaces: the second stays in the arguments. */
    c = smtpx_command_parse(S("RCPT  TO:<a@b>"));
    g_assert_cmpint(c->verb, ==, SMTPX_VERB_RCPT);
    g_assert_cmpuint(c->args_offset, ==, 5);
    smtpx_command_free(c);

    c = smtpx_command_parse(S(""));
    g_assert_cmpint(c->verb, ==, SMTPX_VERB_UNKNOWN);
    g_assert_cmpstr(c->verb_text, ==, "");
    g_assert_false(c->looks_like_command);
    g_assert_cmpuint(c->args_offset, ==, 0);
    smtpx_command_free(c);

    c = smtpx_command_parse(NULL, 0);
    g_assert_false(c->looks_like_command);
    smtpx_command_free(c);

    c = smtpx_command_parse(S("ABCDEFGHIJKLM x"));     /* 13 characters */
    g_assert_false(c->looks_like_command);
    smtpx_command_free(c);

    c = smtpx_command_parse(S("MAILX FROM:<>"));
    g_assert_cmpint(c->verb, ==, SMTPX_VERB_UNKNOWN);
    smtpx_command_free(c);

    /* A TLS ClientHello sent in the clear. */
    c = smtpx_command_parse(S("\x16\x03\x01\x02\x00\x01"));
    g_assert_cmpint(c->verb, ==, SMTPX_VERB_UNKNOWN);
    g_assert_false(c->looks_like_command);
    g_assert_cmpstr(c->verb_text, ==, "\\x16\\x03\\x01\\x02\\x00\\x01");
    smtpx_command_free(c);

    smtpx_command_free(NULL);
}

static void
test_verb_names(void)
{
    g_assert_cmpstr(smtpx_verb_name(SMTPX_VERB_UNKNOWN), ==, "");
    g_assert_cmpstr(smtpx_verb_name(SMTPX_VERB_MAIL), ==, "MAIL");
    g_assert_cmpstr(smtpx_verb_name(SMTPX_VERB_BDAT), ==, "BDAT");
    g_assert_cmpstr(smtpx_verb_name(SMTPX_VERB_STARTTLS), ==, "STARTTLS");
    g_assert_cmpstr(smtpx_verb_name(SMTPX_VERB_XFORWARD), ==, "XFORWARD");
    g_assert_cmpstr(smtpx_verb_name((smtpx_verb_t)999), ==, "");
}

/* ---- paths ----------------------------------------------------------- */

static void
test_lab_paths(void)
{
    smtpx_path_t *p;

    /* "MAIL FROM: 203.0.113.25" */
    p = mail("FROM: 203.0.113.25");
    g_assert_false(p->null_path);
    g_assert_null(p->local_part);
    g_assert_cmpuint(p->params->len, ==, 0);
    check_path(p, SMTPX_PATH_NO_BRACKETS | SMTPX_PATH_SPACE_AFTER_COLON |
               SMTPX_PATH_NO_AT | SMTPX_PATH_BARE_IP, "203.0.113.25", NULL);

    /* "RCPT TO: alex.student@example.com" */
    p = rcpt("TO: alex.student@example.com");
    g_assert_cmpstr(p->local_part, ==, "alex.student");
    check_path(p, SMTPX_PATH_NO_BRACKETS | SMTPX_PATH_SPACE_AFTER_COLON,
               "alex.student@example.com", "example.com");

    /* Both are outside RFC 5321 form. */
    g_assert_true((SMTPX_PATH_NO_BRACKETS | SMTPX_PATH_NO_AT) & SMTPX_PATH_SYNTAX_FLAGS);
}

static void
test_plain_paths(void)
{
    smtpx_path_t *p;

    p = mail("FROM:<user@example.com>");
    g_assert_cmpstr(p->local_part, ==, "user");
    g_assert_null(p->route);
    check_path(p, 0, "user@example.com", "example.com");

    /* Keyword in any case; domain lower-cased, mailbox as sent. */
    p = rcpt("to:<Bob.Smith@Mail.EXAMPLE.com>");
    g_assert_cmpstr(p->local_part, ==, "Bob.Smith");
    check_path(p, 0, "Bob.Smith@Mail.EXAMPLE.com", "mail.example.com");

    /* Space around the colon. */
    check_path(mail("FROM :<a@b.example>"), SMTPX_PATH_SPACE_AFTER_COLON,
               "a@b.example", "b.example");
    check_path(mail("FROM: <a@b.example>"), SMTPX_PATH_SPACE_AFTER_COLON,
               "a@b.example", "b.example");
    /* atext specials are fine in a Dot-string. */
    check_path(mail("FROM:<a+tag/x=y!#$%&'*^_`{|}~-z@b.example>"), 0,
               "a+tag/x=y!#$%&'*^_`{|}~-z@b.example", "b.example");
}

static void
test_null_and_empty(void)
{
    smtpx_path_t *p;

    p = mail("FROM:<>");
    g_assert_true(p->null_path);
    g_assert_null(p->local_part);
    check_path(p, 0, "", NULL);

    p = mail("FROM:<> SIZE=1000");
    g_assert_true(p->null_path);
    g_assert_true(p->size_present);
    g_assert_cmpuint(p->size, ==, 1000);
    check_path(p, 0, "", NULL);

    /* The null path is a reverse-path only. */
    p = rcpt("TO:<>");
    g_assert_false(p->null_path);
    check_path(p, SMTPX_PATH_EMPTY, "", NULL);

    check_path(mail("FROM:"), SMTPX_PATH_EMPTY, "", NULL);
    check_path(mail("FROM:   "), SMTPX_PATH_EMPTY | SMTPX_PATH_SPACE_AFTER_COLON, "", NULL);
    check_path(mail(""), SMTPX_PATH_EMPTY | SMTPX_PATH_MISSING_KEYWORD, "", NULL);
    check_path(smtpx_path_parse(NULL, 0, TRUE),
               SMTPX_PATH_EMPTY | SMTPX_PATH_MISSING_KEYWORD, "", NULL);
}

static void
test_postmaster(void)
{
    smtpx_path_t *p;

    /* RFC 5321 4.1.1.3: "<Postmaster>" is a valid forward-path. */
    p = rcpt("TO:<Postmaster>");
    g_assert_cmpstr(p->local_part, ==, "Postmaster");
    check_path(p, 0, "Postmaster", NULL);
    check_path(rcpt("TO:<POSTMASTER>"), 0, "POSTMASTER", NULL);
    /* Not in a reverse-path. */
    check_path(mail("FROM:<Postmaster>"), SMTPX_PATH_NO_AT, "Postmaster", NULL);
    /* Any other bare word has no domain. */
    check_path(rcpt("TO:<alex>"), SMTPX_PATH_NO_AT, "alex", NULL);
}

static void
test_routes(void)
{
    smtpx_path_t *p;

    p = rcpt("TO:<@a.example,@b.example:u@d.example>");
    g_assert_cmpstr(p->route, ==, "@a.example,@b.example");
    g_assert_cmpstr(p->local_part, ==, "u");
    check_path(p, SMTPX_PATH_ROUTE, "u@d.example", "d.example");

    p = mail("FROM:<@relay.example:joe@x.example>");
    g_assert_cmpstr(p->route, ==, "@relay.example");
    check_path(p, SMTPX_PATH_ROUTE, "joe@x.example", "x.example");

    /* A bad hop. */
    p = rcpt("TO:<@a_b.example,c.example:u@d.example>");
    check_path(p, SMTPX_PATH_ROUTE | SMTPX_PATH_BAD_DOMAIN, "u@d.example", "d.example");

    /* Route and nothing after the colon. */
    check_path(rcpt("TO:<@a.example:>"), SMTPX_PATH_ROUTE | SMTPX_PATH_EMPTY, "", NULL);

    /* '@' first without a colon: no route, empty local part. */
    check_path(rcpt("TO:<@x.example>"), SMTPX_PATH_BAD_LOCAL_PART, "@x.example",
               "x.example");
}

static void
test_quoted_local(void)
{
    smtpx_path_t *p;

    p = mail("FROM:<\"a b\"@x.example>");
    g_assert_cmpstr(p->local_part, ==, "\"a b\"");
    check_path(p, SMTPX_PATH_QUOTED_LOCAL, "\"a b\"@x.example", "x.example");

    /* '@' inside the quotes does not count. */
    p = mail("FROM:<\"a@b\"@x.example>");
    g_assert_cmpstr(p->local_part, ==, "\"a@b\"");
    check_path(p, SMTPX_PATH_QUOTED_LOCAL, "\"a@b\"@x.example", "x.example");

    /* '>' inside the quotes does not close the path. */
    check_path(mail("FROM:<\"a>b\"@x.example>"), SMTPX_PATH_QUOTED_LOCAL,
               "\"a>b\"@x.example", "x.example");

    /* quoted-pairSMTP. */
    check_path(mail("FROM:<\"a\\\"b\"@x.example>"), SMTPX_PATH_QUOTED_LOCAL,
               "\"a\\\"b\"@x.example", "x.example");

    /* Bracketless quoted local part with a space. */
    check_path(mail("FROM:\"a b\"@x.example"),
               SMTPX_PATH_NO_BRACKETS | SMTPX_PATH_QUOTED_LOCAL,
               "\"a b\"@x.example", "x.example");

    /* Quote not closed. */
    p = mail("FROM:<\"abc@x.example>");
    g_assert_true(p->flags & SMTPX_PATH_UNBALANCED);
    smtpx_path_free(p);

    /* Text after the quoted string inside the local part. */
    p = mail("FROM:<\"a\"b@x.example>");
    g_assert_true(p->flags & SMTPX_PATH_BAD_LOCAL_PART);
    smtpx_path_free(p);
}

static void
test_comments(void)
{
    smtpx_path_t *p;

    check_path(mail("FROM:<a@b.example> (sent by me)"), SMTPX_PATH_COMMENT,
               "a@b.example", "b.example");
    check_path(mail("FROM:<a(comment)@b.example>"), SMTPX_PATH_COMMENT,
               "a@b.example", "b.example");
    check_path(mail("FROM:(x)<a@b.example>"), SMTPX_PATH_COMMENT,
               "a@b.example", "b.example");
    /* Nested comment with a '>' and an '@' inside; being in the domain, it
     * makes the domain no RFC 5321 Domain (4.1.2 has no comments). */
    check_path(mail("FROM:<a@b.example(x(>@y))>"),
               SMTPX_PATH_COMMENT | SMTPX_PATH_BAD_DOMAIN, "a@b.example", "b.example");
    check_path(mail("FROM:<admin@legit.example(evil.example)>"),
               SMTPX_PATH_COMMENT | SMTPX_PATH_BAD_DOMAIN,
               "admin@legit.example", "legit.example");
    p = mail("FROM:<a@b.example> (open");
    g_assert_cmphex(p->flags, ==, SMTPX_PATH_COMMENT | SMTPX_PATH_UNBALANCED);
    smtpx_path_free(p);
}

static void
test_multiple_at(void)
{
    smtpx_path_t *p = mail("FROM:<a@b@c.example>");

    /* The last '@' splits; MULTIPLE_AT says parsers may disagree. */
    g_assert_cmpstr(p->local_part, ==, "a@b");
    check_path(p, SMTPX_PATH_MULTIPLE_AT, "a@b@c.example", "c.example");
    check_path(mail("FROM:<a@b@c>"), SMTPX_PATH_MULTIPLE_AT, "a@b@c", "c");
    check_path(mail("FROM:a@@b.example"), SMTPX_PATH_NO_BRACKETS | SMTPX_PATH_MULTIPLE_AT,
               "a@@b.example", "b.example");
}

static void
test_address_literals(void)
{
    check_path(rcpt("TO:<u@[192.0.2.1]>"), SMTPX_PATH_ADDRESS_LITERAL,
               "u@[192.0.2.1]", "[192.0.2.1]");
    check_path(rcpt("TO:<u@[IPv6:2001:db8::1]>"), SMTPX_PATH_ADDRESS_LITERAL,
               "u@[IPv6:2001:db8::1]", "[ipv6:2001:db8::1]");
    check_path(rcpt("TO:<u@[300.1.1.1]>"),
               SMTPX_PATH_ADDRESS_LITERAL | SMTPX_PATH_BAD_DOMAIN,
               "u@[300.1.1.1]", "[300.1.1.1]");
    check_path(rcpt("TO:<u@[IPv6:zz::1]>"),
               SMTPX_PATH_ADDRESS_LITERAL | SMTPX_PATH_BAD_DOMAIN,
               "u@[IPv6:zz::1]", "[ipv6:zz::1]");
    check_path(rcpt("TO:<u@[192.0.2.1>"),
               SMTPX_PATH_ADDRESS_LITERAL | SMTPX_PATH_BAD_DOMAIN,
               "u@[192.0.2.1", "[192.0.2.1");
    /* General-address-literal: Standardized-tag ":" 1*dcontent. */
    check_path(rcpt("TO:<u@[x-tag:abc]>"), SMTPX_PATH_ADDRESS_LITERAL,
               "u@[x-tag:abc]", "[x-tag:abc]");
    /* A bare IP as the domain. */
    check_path(rcpt("TO:<u@192.0.2.1>"), SMTPX_PATH_BARE_IP, "u@192.0.2.1",
               "192.0.2.1");
}

static void
test_non_ascii(void)
{
    smtpx_path_t *p;

    /* RFC 6531: UTF-8 local part and U-label domain. */
    p = mail("FROM:<j\xc3\xb6ran@b\xc3\xbc" "cher.example> SMTPUTF8");
    g_assert_true(p->smtputf8);
    check_path(p, SMTPX_PATH_NON_ASCII, "j\xc3\xb6ran@b\xc3\xbc" "cher.example",
               "b\xc3\xbc" "cher.example");
    /* Invalid UTF-8 is escaped and flagged. */
    check_path(mail("FROM:<\xff@x.example>"),
               SMTPX_PATH_NON_ASCII | SMTPX_PATH_BAD_LOCAL_PART,
               "\\xff@x.example", "x.example");
}

/* A path without '(' is used in place (no copy without comments): the
 * same flags, mailbox and domain as when an empty comment "()" before it
 * makes the comment-dropping step copy it, COMMENT aside. */
static void
test_path_without_comments(void)
{
    static const char *const paths[] = {
        "<a@b.example>", "<\"abc@x.example>", "<\"a\\\"b\"@x.example>",
        "<\"a b\"@x.example>", "<j\xc3\xb6ran@x.example>", "<\xff@x.example>",
        "<@r.example:a@b.example>", "<>", "<a@b.example", "<\"a\"b@x.example>",
        "<a@[192.0.2.1]>", "<\"a@b.example>>",
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(paths); i++) {
        char *plain = g_strdup_printf("FROM:%s", paths[i]);
        char *commented = g_strdup_printf("FROM:<()%s", paths[i] + 1);
        smtpx_path_t *a = mail(plain), *b = mail(commented);

        g_assert_cmphex(a->flags & SMTPX_PATH_COMMENT, ==, 0);
        g_assert_cmphex(a->flags | SMTPX_PATH_COMMENT, ==, b->flags);
        g_assert_cmpstr(a->mailbox, ==, b->mailbox);
        g_assert_cmpstr(a->domain, ==, b->domain);
        g_assert_cmpint(a->null_path, ==, b->null_path);
        smtpx_path_free(a);
        smtpx_path_free(b);
        g_free(plain);
        g_free(commented);
    }
}

static void
test_junk_and_unbalanced(void)
{
    smtpx_path_t *p;

    check_path(mail("FROM:<a@b.example>x"), SMTPX_PATH_TRAILING_JUNK,
               "a@b.example", "b.example");
    check_path(mail("FROM:<a@b.example> !!!"), SMTPX_PATH_TRAILING_JUNK,
               "a@b.example", "b.example");
    check_path(mail("FROM:<a@b.example>>"), SMTPX_PATH_TRAILING_JUNK,
               "a@b.example", "b.example");

    check_path(mail("FROM:<a@b.example"), SMTPX_PATH_UNBALANCED,
               "a@b.example", "b.example");
    p = mail("FROM:<a@b.example SIZE=5");
    g_assert_true(p->size_present);
    g_assert_cmpuint(p->size, ==, 5);
    check_path(p, SMTPX_PATH_UNBALANCED, "a@b.example", "b.example");
    check_path(mail("FROM:a@b.example>"),
               SMTPX_PATH_NO_BRACKETS | SMTPX_PATH_UNBALANCED, "a@b.example", "b.example");
    p = mail("FROM:<");
    g_assert_false(p->null_path);
    check_path(p, SMTPX_PATH_UNBALANCED | SMTPX_PATH_EMPTY, "", NULL);
}

static void
test_missing_keyword(void)
{
    check_path(mail("<a@b.example>"), SMTPX_PATH_MISSING_KEYWORD, "a@b.example",
               "b.example");
    check_path(mail("FROM<a@b.example>"), SMTPX_PATH_MISSING_KEYWORD, "a@b.example",
               "b.example");
    check_path(rcpt("TO <a@b.example>"), SMTPX_PATH_MISSING_KEYWORD, "a@b.example",
               "b.example");
    /* RCPT given "FROM:": the keyword is missing. */
    {
        smtpx_path_t *p = rcpt("FROM:<a@b.example>");
        g_assert_true(p->flags & SMTPX_PATH_MISSING_KEYWORD);
        smtpx_path_free(p);
    }
}

static void
test_bad_local_and_domain(void)
{
    check_path(mail("FROM:<a..b@x.example>"), SMTPX_PATH_BAD_LOCAL_PART,
               "a..b@x.example", "x.example");
    check_path(mail("FROM:<.a@x.example>"), SMTPX_PATH_BAD_LOCAL_PART,
               ".a@x.example", "x.example");
    check_path(mail("FROM:<a.@x.example>"), SMTPX_PATH_BAD_LOCAL_PART,
               "a.@x.example", "x.example");
    check_path(mail("FROM:<a b@x.example>"), SMTPX_PATH_BAD_LOCAL_PART,
               "a b@x.example", "x.example");
    check_path(mail("FROM:<a,b@x.example>"), SMTPX_PATH_BAD_LOCAL_PART,
               "a,b@x.example", "x.example");
    check_path(mail("FROM:<a\x01@x.example>"), SMTPX_PATH_BAD_LOCAL_PART,
               "a\\x01@x.example", "x.example");

    check_path(mail("FROM:<a@-x.example>"), SMTPX_PATH_BAD_DOMAIN, "a@-x.example",
               "-x.example");
    check_path(mail("FROM:<a@x-.example>"), SMTPX_PATH_BAD_DOMAIN, "a@x-.example",
               "x-.example");
    check_path(mail("FROM:<a@x.example.>"), SMTPX_PATH_BAD_DOMAIN, "a@x.example.",
               "x.example.");
    check_path(mail("FROM:<a@x..example>"), SMTPX_PATH_BAD_DOMAIN, "a@x..example",
               "x..example");
    check_path(mail("FROM:<a@x_y.example>"), SMTPX_PATH_BAD_DOMAIN, "a@x_y.example",
               "x_y.example");
    check_path(mail("FROM:<a@>"), SMTPX_PATH_BAD_DOMAIN, "a@", NULL);
    /* A 64-octet label is too long (RFC 5321 4.5.3.1.2 via RFC 1035). */
    check_path(mail("FROM:<a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example>"),
               SMTPX_PATH_BAD_DOMAIN,
               "a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example");
    /* Single-label domains are syntactically fine. */
    check_path(rcpt("TO:<root@localhost>"), 0, "root@localhost", "localhost");
}

static void
test_params(void)
{
    smtpx_path_t *p;

    p = mail("FROM:<a@b.example> SIZE=1000 BODY=8bitmime SMTPUTF8 RET=HDRS "
             "ENVID=QQ314159 REQUIRETLS AUTH=<>");
    g_assert_cmphex(p->flags, ==, 0);
    g_assert_true(p->size_present);
    g_assert_cmpuint(p->size, ==, 1000);
    g_assert_cmpstr(p->body, ==, "8BITMIME");
    g_assert_true(p->smtputf8);
    g_assert_true(p->dsn);
    g_assert_true(p->requiretls);
    g_assert_cmpuint(p->params->len, ==, 7);
    g_assert_cmpstr(param_at(p, 0)->keyword, ==, "SIZE");
    g_assert_cmpstr(param_at(p, 0)->value, ==, "1000");
    g_assert_cmpstr(param_at(p, 0)->raw, ==, "SIZE=1000");
    g_assert_cmpstr(param_at(p, 1)->value, ==, "8bitmime");
    g_assert_cmpstr(param_at(p, 1)->raw, ==, "BODY=8bitmime");
    g_assert_cmpstr(param_at(p, 2)->keyword, ==, "SMTPUTF8");
    g_assert_null(param_at(p, 2)->value);
    g_assert_cmpstr(param_at(p, 2)->raw, ==, "SMTPUTF8");
    g_assert_cmpstr(param_at(p, 6)->keyword, ==, "AUTH");
    g_assert_cmpstr(param_at(p, 6)->value, ==, "<>");
    smtpx_path_free(p);

    p = mail("FROM:<a@b.example> size=2097153 body=BINARYMIME");
    g_assert_cmphex(p->flags, ==, 0);
    g_assert_cmpuint(p->size, ==, 2097153);
    g_assert_cmpstr(p->body, ==, "BINARYMIME");
    g_assert_cmpstr(param_at(p, 0)->keyword, ==, "SIZE");
    g_assert_cmpstr(param_at(p, 0)->raw, ==, "size=2097153");
    smtpx_path_free(p);

    p = mail("FROM:<a@b.example> BODY=7BIT");
    g_assert_cmpstr(p->body, ==, "7BIT");
    g_assert_false(p->dsn);
    g_assert_false(p->size_present);
    g_assert_cmphex(p->flags, ==, 0);
    smtpx_path_free(p);

    /* RCPT: NOTIFY and ORCPT (RFC 3461 4.1, 4.2). */
    p = rcpt("TO:<a@b.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+40b.example");
    g_assert_cmphex(p->flags, ==, 0);
    g_assert_true(p->dsn);
    g_assert_cmpuint(p->params->len, ==, 2);
    smtpx_path_free(p);
    p = rcpt("TO:<a@b.example> NOTIFY=NEVER");
    g_assert_cmphex(p->flags, ==, 0);
    smtpx_path_free(p);

    /* Parameters after a bracketless path. */
    p = mail("FROM:a@b.example SIZE=10");
    g_assert_cmphex(p->flags, ==, SMTPX_PATH_NO_BRACKETS);
    g_assert_cmpuint(p->size, ==, 10);
    smtpx_path_free(p);

    /* Unknown extension parameters are kept, not flagged. */
    p = mail("FROM:<a@b.example> X-FOO=bar HOLDFOR=60");
    g_assert_cmphex(p->flags, ==, 0);
    g_assert_cmpuint(p->params->len, ==, 2);
    g_assert_cmpstr(param_at(p, 0)->keyword, ==, "X-FOO");
    smtpx_path_free(p);
}

static void
test_bad_params(void)
{
    static const struct {
        gboolean is_mail;
        const char *args;
    } bad[] = {
        { TRUE, "FROM:<a@b.example> SIZE=abc" },
        { TRUE, "FROM:<a@b.example> SIZE=" },
        { TRUE, "FROM:<a@b.example> SIZE" },
        { TRUE, "FROM:<a@b.example> SIZE=-1" },
        { TRUE, "FROM:<a@b.example> SIZE=18446744073709551616" },
        { TRUE, "FROM:<a@b.example> BODY=9BIT" },
        { TRUE, "FROM:<a@b.example> BODY" },
        { TRUE, "FROM:<a@b.example> SMTPUTF8=yes" },
        { TRUE, "FROM:<a@b.example> REQUIRETLS=1" },
        { TRUE, "FROM:<a@b.example> RET=ALL" },
        { TRUE, "FROM:<a@b.example> ENVID=a=b" },
        { TRUE, "FROM:<a@b.example> ENVID=a+4" },
        { TRUE, "FROM:<a@b.example> ENVID=a+4g" },
        { TRUE, "FROM:<a@b.example> NOTIFY=NEVER" },       /* RCPT only */
        { TRUE, "FROM:<a@b.example> SIZE=1 SIZE=2" },
        { TRUE, "FROM:<a@b.example> X=\xff" },
        { FALSE, "TO:<a@b.example> RET=FULL" },
        { FALSE, "TO:<a@b.example> SIZE=10" },
        { FALSE, "TO:<a@b.example> NOTIFY=NEVER,SUCCESS" },
        { FALSE, "TO:<a@b.example> NOTIFY=SUCCESS,SUCCESS" },
        { FALSE, "TO:<a@b.example> NOTIFY=" },
        { FALSE, "TO:<a@b.example> NOTIFY=SUCCESS," },
        { FALSE, "TO:<a@b.example> ORCPT=rfc822" },
        { FALSE, "TO:<a@b.example> ORCPT=;a@b" },
        { FALSE, "TO:<a@b.example> ORCPT=rfc822;a+4" },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        smtpx_path_t *p = smtpx_path_parse((const guint8 *)bad[i].args,
                                           strlen(bad[i].args), bad[i].is_mail);
        if (p->flags != SMTPX_PATH_BAD_PARAM)
            g_test_message("case %s", bad[i].args);
        g_assert_cmphex(p->flags, ==, SMTPX_PATH_BAD_PARAM);
        smtpx_path_free(p);
    }

    {
        /* The first SIZE counts; BODY is kept even when unknown. */
        smtpx_path_t *p = mail("FROM:<a@b.example> SIZE=1 SIZE=2 BODY=9bit");
        g_assert_cmpuint(p->size, ==, 1);
        g_assert_cmpstr(p->body, ==, "9BIT");
        smtpx_path_free(p);
        /* ENVID longer than 100 characters. */
        p = mail("FROM:<a@b.example> ENVID="
                 "0123456789012345678901234567890123456789012345678901234567890123456789"
                 "0123456789012345678901234567890");
        g_assert_cmphex(p->flags, ==, SMTPX_PATH_BAD_PARAM);
        smtpx_path_free(p);
        /* A word that is not an esmtp-keyword is junk, not stored. */
        p = mail("FROM:<a@b.example> =x SIZE=3");
        g_assert_cmphex(p->flags, ==, SMTPX_PATH_TRAILING_JUNK);
        g_assert_cmpuint(p->params->len, ==, 1);
        g_assert_cmpuint(p->size, ==, 3);
        smtpx_path_free(p);
    }
}

static void
test_flags_describe(void)
{
    char *s;

    s = smtpx_path_flags_describe(SMTPX_PATH_NO_BRACKETS | SMTPX_PATH_NO_AT);
    g_assert_cmpstr(s, ==, "no angle brackets, no @");
    g_free(s);
    s = smtpx_path_flags_describe(0);
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    s = smtpx_path_flags_describe(SMTPX_PATH_BARE_IP | 0x80000000u);
    g_assert_cmpstr(s, ==, "bare IP address");
    g_free(s);
    s = smtpx_path_flags_describe(0xffffffffu);
    g_assert_nonnull(strstr(s, "more than one @"));
    g_assert_nonnull(strstr(s, "invalid local part"));
    g_free(s);
}

/* ---- HELO ------------------------------------------------------------ */

static void
test_helo(void)
{
    static const struct {
        const char *arg;
        smtpx_helo_kind_t kind;
    } t[] = {
        { "203.0.113.25", SMTPX_HELO_BARE_IP },          /* the lab's */
        { "[203.0.113.25]", SMTPX_HELO_ADDRESS_LITERAL },
        { "[IPv6:2001:db8::1]", SMTPX_HELO_ADDRESS_LITERAL },
        { "[ipv6:2001:db8::1]", SMTPX_HELO_ADDRESS_LITERAL },
        { "mail.example.com", SMTPX_HELO_DOMAIN },
        { "localhost", SMTPX_HELO_DOMAIN },
        { "xn--bcher-kva.example", SMTPX_HELO_DOMAIN },
        { "b\xc3\xbc" "cher.example", SMTPX_HELO_DOMAIN },
        { "  mail.example.com  ", SMTPX_HELO_DOMAIN },
        { "", SMTPX_HELO_EMPTY },
        { "   ", SMTPX_HELO_EMPTY },
        { "\t", SMTPX_HELO_EMPTY },
        { "2001:db8::1", SMTPX_HELO_BARE_IP },
        { "[999.1.1.1]", SMTPX_HELO_INVALID },
        { "[203.0.113.25", SMTPX_HELO_INVALID },
        { "[IPv6:2001:db8::g]", SMTPX_HELO_INVALID },
        { "mail_server", SMTPX_HELO_INVALID },
        { "mail.example.com.", SMTPX_HELO_INVALID },
        { "mail.example.com extra", SMTPX_HELO_INVALID },
        { "-bad.example", SMTPX_HELO_INVALID },
        { "!!junk!!", SMTPX_HELO_INVALID },
        { "user@example.com", SMTPX_HELO_INVALID },
        { "\xff\xfe", SMTPX_HELO_INVALID },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(t); i++) {
        smtpx_helo_kind_t k = smtpx_helo_classify((const guint8 *)t[i].arg,
                                                  strlen(t[i].arg));
        if (k != t[i].kind)
            g_test_message("case \"%s\"", t[i].arg);
        g_assert_cmpint(k, ==, t[i].kind);
    }
    g_assert_cmpint(smtpx_helo_classify(NULL, 0), ==, SMTPX_HELO_EMPTY);
    /* NUL inside. */
    g_assert_cmpint(smtpx_helo_classify(S("a\0b.example")), ==, SMTPX_HELO_INVALID);
}

/* ---- BDAT ------------------------------------------------------------ */

static void
test_bdat(void)
{
    static const struct {
        const char *args;
        smtpx_bdat_error_t error;
        guint64 size;
        gboolean last;
    } t[] = {
        { "0 LAST", SMTPX_BDAT_OK, 0, TRUE },
        { "1000", SMTPX_BDAT_OK, 1000, FALSE },
        { "12 last", SMTPX_BDAT_OK, 12, TRUE },
        { "12 LaSt", SMTPX_BDAT_OK, 12, TRUE },
        { "  7  ", SMTPX_BDAT_OK, 7, FALSE },
        { "7  LAST ", SMTPX_BDAT_OK, 7, TRUE },
        { "9223372036854775807", SMTPX_BDAT_OK, G_MAXINT64, FALSE },
        { "", SMTPX_BDAT_MISSING_SIZE, 0, FALSE },
        { "   ", SMTPX_BDAT_MISSING_SIZE, 0, FALSE },
        { "-5", SMTPX_BDAT_NOT_A_NUMBER, 0, FALSE },
        { "+5", SMTPX_BDAT_NOT_A_NUMBER, 0, FALSE },
        { "12abc", SMTPX_BDAT_NOT_A_NUMBER, 0, FALSE },
        { "LAST", SMTPX_BDAT_NOT_A_NUMBER, 0, FALSE },
        { "0x10", SMTPX_BDAT_NOT_A_NUMBER, 0, FALSE },
        { "99999999999999999999", SMTPX_BDAT_OVERFLOW, 0, FALSE },
        { "9223372036854775808", SMTPX_BDAT_OVERFLOW, 0, FALSE },
        { "00000000000000000012", SMTPX_BDAT_OVERFLOW, 0, FALSE },
        { "-99999999999999999999", SMTPX_BDAT_NOT_A_NUMBER, 0, FALSE },
        { "12 NOTLAST", SMTPX_BDAT_BAD_LAST, 0, FALSE },
        { "12 LAST extra", SMTPX_BDAT_BAD_LAST, 0, FALSE },
        { "12 LASTX", SMTPX_BDAT_BAD_LAST, 0, FALSE },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(t); i++) {
        smtpx_bdat_arg_t b = smtpx_bdat_parse((const guint8 *)t[i].args, strlen(t[i].args));
        if (b.error != t[i].error)
            g_test_message("case \"%s\"", t[i].args);
        g_assert_cmpint(b.error, ==, t[i].error);
        g_assert_cmpuint(b.chunk_size, ==, t[i].size);
        g_assert_cmpint(b.last, ==, t[i].last);
    }
    {
        /* "BDAT" alone: no arguments at all. */
        smtpx_bdat_arg_t b = smtpx_bdat_parse(NULL, 0);
        g_assert_cmpint(b.error, ==, SMTPX_BDAT_MISSING_SIZE);
    }
}

/* ---- AUTH ------------------------------------------------------------ */

static void
test_auth(void)
{
    smtpx_auth_arg_t a;

    a = smtpx_auth_parse(S("PLAIN dGVzdAB0ZXN0AHRlc3Q="));
    g_assert_cmpstr(a.mechanism, ==, "PLAIN");
    g_assert_true(a.initial_response);
    g_free(a.mechanism);

    a = smtpx_auth_parse(S("login"));
    g_assert_cmpstr(a.mechanism, ==, "LOGIN");
    g_assert_false(a.initial_response);
    g_free(a.mechanism);

    /* "=" is an empty initial response (RFC 4954 section 4). */
    a = smtpx_auth_parse(S("PLAIN ="));
    g_assert_true(a.initial_response);
    g_free(a.mechanism);

    a = smtpx_auth_parse(S("CRAM-MD5  "));
    g_assert_cmpstr(a.mechanism, ==, "CRAM-MD5");
    g_assert_false(a.initial_response);
    g_free(a.mechanism);

    a = smtpx_auth_parse(S(""));
    g_assert_null(a.mechanism);
    g_assert_false(a.initial_response);

    a = smtpx_auth_parse(NULL, 0);
    g_assert_null(a.mechanism);

    a = smtpx_auth_parse(S("x\x01y"));
    g_assert_cmpstr(a.mechanism, ==, "X\\x01Y");
    g_free(a.mechanism);
}

/* ---- random bytes ---------------------------------------------------- */

static const guint8 alphabet[] =
    "<>@\"\\():,;[]. \tFROM:TO:SIZE=BODY=NOTIFY=ORCPT=+IPv6:LAST0123456789-"
    "\x00\xff\xc3\xb6" "ab";

static gsize
random_bytes(guint8 *buf, gsize max)
{
    gsize len = (gsize)g_test_rand_int_range(0, (gint32)max + 1);
    gsize i;
    gboolean mixed = g_test_rand_int_range(0, 4) != 0;

    for (i = 0; i < len; i++) {
        if (mixed && (g_test_rand_int() & 7) != 0)
            buf[i] = alphabet[g_test_rand_int_range(0, sizeof(alphabet) - 1)];
        else
            buf[i] = (guint8)g_test_rand_int_range(0, 256);
    }
    if (len >= 5 && g_test_rand_bit())
        memcpy(buf, g_test_rand_bit() ? "FROM:" : "TO:<a", 5);
    return len;
}

static void
assert_safe_path(const smtpx_path_t *p)
{
    guint i;

    assert_safe_string(p->mailbox);
    if (p->local_part)
        assert_safe_string(p->local_part);
    if (p->domain)
        assert_safe_string(p->domain);
    if (p->route)
        assert_safe_string(p->route);
    if (p->body)
        assert_safe_string(p->body);
    if (p->null_path)
        g_assert_cmpstr(p->mailbox, ==, "");
    g_assert_cmpuint(p->params->len, <=, 64);
    for (i = 0; i < p->params->len; i++) {
        const smtpx_param_t *q = g_ptr_array_index(p->params, i);
        assert_safe_string(q->keyword);
        assert_safe_string(q->raw);
        if (q->value)
            assert_safe_string(q->value);
    }
}

static void
test_random_bytes(void)
{
    guint8 *buf = g_malloc(100000);
    guint iter;

    for (iter = 0; iter < 20000; iter++) {
        gsize len = random_bytes(buf, iter % 1000 == 0 ? 100000 : 300);
        smtpx_command_t *c = smtpx_command_parse(buf, len);
        smtpx_path_t *p;
        smtpx_bdat_arg_t b;
        smtpx_auth_arg_t a;
        smtpx_helo_kind_t k;
        char *d;

        assert_safe_string(c->verb_text);
        g_assert_cmpuint(c->verb_len, <=, len);
        g_assert_cmpuint(c->args_offset, <=, len);
        smtpx_command_free(c);

        p = smtpx_path_parse(buf, len, TRUE);
        assert_safe_path(p);
        d = smtpx_path_flags_describe(p->flags);
        assert_safe_string(d);
        g_free(d);
        smtpx_path_free(p);
        p = smtpx_path_parse(buf, len, FALSE);
        assert_safe_path(p);
        g_assert_false(p->null_path);
        smtpx_path_free(p);

        k = smtpx_helo_classify(buf, len);
        g_assert_cmpint(k, >=, SMTPX_HELO_DOMAIN);
        g_assert_cmpint(k, <=, SMTPX_HELO_INVALID);

        b = smtpx_bdat_parse(buf, len);
        if (b.error != SMTPX_BDAT_OK) {
            g_assert_cmpuint(b.chunk_size, ==, 0);
            g_assert_false(b.last);
        } else {
            g_assert_cmpuint(b.chunk_size, <=, (guint64)G_MAXINT64);
        }

        a = smtpx_auth_parse(buf, len);
        if (a.mechanism)
            assert_safe_string(a.mechanism);
        g_free(a.mechanism);
    }

    /* Many parameters: bounded storage. */
    {
        GString *s = g_string_new("FROM:<a@b.example>");
        smtpx_path_t *p;
        guint i;

        for (i = 0; i < 5000; i++)
            g_string_append_printf(s, " X%u=1", i);
        p = smtpx_path_parse((const guint8 *)s->str, s->len, TRUE);
        g_assert_cmpuint(p->params->len, ==, 64);
        g_assert_cmphex(p->flags, ==, 0);
        smtpx_path_free(p);
        g_string_free(s, TRUE);
    }
    /* Deeply nested comment and long quoted strings. */
    {
        GString *s = g_string_new("FROM:<a");
        smtpx_path_t *p;
        guint i;

        for (i = 0; i < 50000; i++)
            g_string_append_c(s, '(');
        g_string_append(s, "@b>");
        p = smtpx_path_parse((const guint8 *)s->str, s->len, TRUE);
        g_assert_true(p->flags & SMTPX_PATH_UNBALANCED);
        smtpx_path_free(p);
        g_string_free(s, TRUE);
    }
    g_free(buf);
}

/* Where the path and each parameter lie in the arguments (issue 11). */
static void
test_path_offsets(void)
{
    smtpx_path_t *p;
    const smtpx_param_t *prm;

    /* "FROM:<a@b.example> SIZE=100 BODY=8BITMIME": '<' at 5, path 6..16,
     * "SIZE=100" at 19 (8 bytes), "BODY=8BITMIME" at 28 (13 bytes). */
    p = mail("FROM:<a@b.example> SIZE=100 BODY=8BITMIME");
    g_assert_cmpuint(p->path_offset, ==, 6);
    g_assert_cmpuint(p->path_length, ==, 11);
    g_assert_cmpuint(p->params->len, ==, 2);
    prm = g_ptr_array_index(p->params, 0);
    g_assert_cmpuint(prm->offset, ==, 19);
    g_assert_cmpuint(prm->length, ==, 8);
    prm = g_ptr_array_index(p->params, 1);
    g_assert_cmpuint(prm->offset, ==, 28);
    g_assert_cmpuint(prm->length, ==, 13);
    smtpx_path_free(p);

    /* The lab's "FROM: 203.0.113.25": the bare word at 6, 12 bytes. */
    p = mail("FROM: 203.0.113.25");
    g_assert_cmpuint(p->path_offset, ==, 6);
    g_assert_cmpuint(p->path_length, ==, 12);
    smtpx_path_free(p);

    /* Null path: no bytes inside the brackets. */
    p = mail("FROM:<>");
    g_assert_cmpuint(p->path_offset, ==, 6);
    g_assert_cmpuint(p->path_length, ==, 0);
    smtpx_path_free(p);

    /* Unclosed bracket runs to the blank: "<a@b" -> "a@b" at 4. */
    p = rcpt("TO:<a@b NOTIFY=NEVER");
    g_assert_cmpuint(p->path_offset, ==, 4);
    g_assert_cmpuint(p->path_length, ==, 3);
    smtpx_path_free(p);

    /* Nothing: offset at the end, no length. */
    p = mail("FROM: ");
    g_assert_cmpuint(p->path_offset, ==, 6);
    g_assert_cmpuint(p->path_length, ==, 0);
    smtpx_path_free(p);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/command/split", test_command_split);
    g_test_add_func("/command/verb-names", test_verb_names);
    g_test_add_func("/command/path/lab", test_lab_paths);
    g_test_add_func("/command/path/plain", test_plain_paths);
    g_test_add_func("/command/path/null-and-empty", test_null_and_empty);
    g_test_add_func("/command/path/postmaster", test_postmaster);
    g_test_add_func("/command/path/routes", test_routes);
    g_test_add_func("/command/path/quoted-local", test_quoted_local);
    g_test_add_func("/command/path/comments", test_comments);
    g_test_add_func("/command/path/multiple-at", test_multiple_at);
    g_test_add_func("/command/path/address-literals", test_address_literals);
    g_test_add_func("/command/path/non-ascii", test_non_ascii);
    g_test_add_func("/command/path/junk-and-unbalanced", test_junk_and_unbalanced);
    g_test_add_func("/command/path/without-comments", test_path_without_comments);
    g_test_add_func("/command/path/missing-keyword", test_missing_keyword);
    g_test_add_func("/command/path/bad-local-and-domain", test_bad_local_and_domain);
    g_test_add_func("/command/params", test_params);
    g_test_add_func("/command/params/bad", test_bad_params);
    g_test_add_func("/command/flags-describe", test_flags_describe);
    g_test_add_func("/command/helo", test_helo);
    g_test_add_func("/command/bdat", test_bdat);
    g_test_add_func("/command/auth", test_auth);
    g_test_add_func("/command/random-bytes", test_random_bytes);
    g_test_add_func("/command/path-offsets", test_path_offsets);
    return g_test_run();
}
