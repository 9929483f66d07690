/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_address.c - unit tests for plugin/core/address.c: RFC 5322 section
 * 3.4 address lists (Appendix A examples), obsolete syntax of section 4.4
 * (Appendix A.6), RFC 2047 encoded-words (section 8 examples), the spoofing
 * constructs of "Composition Kills" (USENIX Security 2020) and their
 * legitimate twins, and random bytes.
 */
#include <string.h>

#include "address.h"

/* ---- helpers ----------------------------------------------------------- */

static smtpx_address_list_t *
parse_len(const char *s, gsize len)
{
    return smtpx_address_list_parse((const guint8 *)s, len);
}

static smtpx_address_list_t *
parse(const char *s)
{
    return parse_len(s, strlen(s));
}

static const smtpx_mailbox_t *
mb(const smtpx_address_list_t *l, guint i)
{
    g_assert_cmpuint(i, <, l->mailboxes->len);
    return g_ptr_array_index(l->mailboxes, i);
}

/* Checks one mailbox: display name (NULL for none), local part, domain. */
static void
check_mb(const smtpx_address_list_t *l, guint i, const char *name,
         const char *local, const char *domain, const char *address)
{
    const smtpx_mailbox_t *m = mb(l, i);

    g_assert_cmpstr(m->display_name, ==, name);
    g_assert_cmpstr(m->local_part, ==, local);
    g_assert_cmpstr(m->domain, ==, domain);
    g_assert_cmpstr(m->address, ==, address);
}

/* Syntax parsers read differently (whether it changes the author is for
 * the readings to say: test_readings). */
#define AMBIG SMTPX_ADDR_DEVIANT_FLAGS

/* ---- RFC 5322 Appendix A.1: addressing ---------------------------------- */

static void
test_a1_1_simple(void)
{
    smtpx_address_list_t *l = parse("John Doe <jdoe@machine.example>");

    g_assert_cmpuint(l->mailboxes->len, ==, 1);
    check_mb(l, 0, "John Doe", "jdoe", "machine.example",
             "jdoe@machine.example");
    g_assert_cmpstr(mb(l, 0)->display_name_raw, ==, "John Doe");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    l = parse("Mary Smith <mary@example.net>");
    check_mb(l, 0, "Mary Smith", "mary", "example.net", "mary@example.net");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);
}

static void
test_a1_2_mailboxes(void)
{
    smtpx_address_list_t *l;

    l = parse("\"Joe Q. Public\" <john.q.public@example.com>");
    g_assert_cmpuint(l->mailboxes->len, ==, 1);
    check_mb(l, 0, "Joe Q. Public", "john.q.public", "example.com",
             "john.q.public@example.com");
    g_assert_cmpstr(mb(l, 0)->display_name_raw, ==, "\"Joe Q. Public\"");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    l = parse("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>");
    g_assert_cmpuint(l->mailboxes->len, ==, 3);
    check_mb(l, 0, "Mary Smith", "mary", "x.test", "mary@x.test");
    check_mb(l, 1, NULL, "jdoe", "example.org", "jdoe@example.org");
    g_assert_null(mb(l, 1)->display_name_raw);
    check_mb(l, 2, "Who?", "one", "y.test", "one@y.test");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    l = parse("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>");
    g_assert_cmpuint(l->mailboxes->len, ==, 2);
    check_mb(l, 0, NULL, "boss", "nil.test", "boss@nil.test");
    check_mb(l, 1, "Giant; \"Big\" Box", "sysservices", "example.net",
             "sysservices@example.net");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);
}

static void
test_a1_3_groups(void)
{
    smtpx_address_list_t *l;

    l = parse("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;");
    g_assert_cmpuint(l->mailboxes->len, ==, 3);
    check_mb(l, 0, "Ed Jones", "c", "a.test", "c@a.test");
    check_mb(l, 1, NULL, "joe", "where.test", "joe@where.test");
    check_mb(l, 2, "John", "jdoe", "one.test", "jdoe@one.test");
    g_assert_cmpstr(mb(l, 0)->group, ==, "A Group");
    g_assert_cmpstr(mb(l, 2)->group, ==, "A Group");
    g_assert_true(mb(l, 1)->flags & SMTPX_ADDR_GROUP);
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_GROUP);
    smtpx_address_list_free(l);

    l = parse("Undisclosed recipients:;");
    g_assert_cmpuint(l->mailboxes->len, ==, 0);
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_GROUP | SMTPX_ADDR_EMPTY);
    smtpx_address_list_free(l);

    /* A group followed by a mailbox: the mailbox is outside the group;
     * the ',' after ';' is the list separator, not an empty element. */
    l = parse("\"Jan\" <jan@gmail.example>,\r\n        \"Test Group\":addr-spec@example.com,"
              " <angle-addr@example.com>,\r\n        \"Test Member\" <name-addr@example.com>;,"
              " jan@cern.example");
    g_assert_cmpuint(l->mailboxes->len, ==, 5);
    g_assert_null(mb(l, 0)->group);
    check_mb(l, 1, NULL, "addr-spec", "example.com", "addr-spec@example.com");
    g_assert_cmpstr(mb(l, 1)->group, ==, "Test Group");
    g_assert_cmpstr(mb(l, 3)->group, ==, "Test Group");
    check_mb(l, 3, "Test Member", "name-addr", "example.com", "name-addr@example.com");
    check_mb(l, 4, NULL, "jan", "cern.example", "jan@cern.example");
    g_assert_null(mb(l, 4)->group);
    g_assert_false(mb(l, 4)->flags & SMTPX_ADDR_GROUP);
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_GROUP);
    smtpx_address_list_free(l);

    /* without the ',' after the group: not 3.4 */
    l = parse("g: a@b.example; c@d.example");
    g_assert_cmpuint(l->mailboxes->len, ==, 2);
    g_assert_null(mb(l, 1)->group);
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    smtpx_address_list_free(l);

    /* two groups */
    l = parse("g1: a@b.example;, g2:;");
    g_assert_cmpuint(l->mailboxes->len, ==, 1);
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_GROUP);
    smtpx_address_list_free(l);
}

/* ---- RFC 5322 Appendix A.5: white space, comments ------------------------ */

static void
test_a5_comments(void)
{
    smtpx_address_list_t *l;

    l = parse("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>");
    g_assert_cmpuint(l->mailboxes->len, ==, 1);
    check_mb(l, 0, "Pete", "pete", "silly.test", "pete@silly.test");
    g_assert_cmpstr(mb(l, 0)->comments, ==, "A nice ) chap his account his host");
    g_assert_cmpuint(l->flags, ==, 0);   /* CFWS around dot-atoms: 3.4.1 */
    smtpx_address_list_free(l);

    /* Folded exactly as in the RFC (CRLF WSP left in the body). */
    l = parse("A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
              "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)");
    g_assert_cmpuint(l->mailboxes->len, ==, 3);
    check_mb(l, 0, "Chris Jones", "c", "public.example", "c@public.example");
    check_mb(l, 1, NULL, "joe", "example.org", "joe@example.org");
    check_mb(l, 2, "John", "jdoe", "one.test", "jdoe@one.test");
    g_assert_cmpstr(mb(l, 0)->group, ==, "A Group");
    g_assert_cmpstr(mb(l, 2)->comments, ==, "my dear friend");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_GROUP);
    smtpx_address_list_free(l);

    l = parse("Chris Jones <c@(Chris's host.)public.example>");
    check_mb(l, 0, "Chris Jones", "c", "public.example", "c@public.example");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    l = parse("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;");
    g_assert_cmpuint(l->mailboxes->len, ==, 0);
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_GROUP | SMTPX_ADDR_EMPTY);
    smtpx_address_list_free(l);
}

/* ---- other productions of 3.4 and 3.4.1 ---------------------------------- */

static void
test_productions(void)
{
    smtpx_address_list_t *l;

    /* addr-spec with quoted-string local part */
    l = parse("\"john doe\"@example.com");
    check_mb(l, 0, NULL, "john doe", "example.com", "\"john doe\"@example.com");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* quoted-pair inside the local part */
    l = parse("\"a\\\"b\"@example.com");
    check_mb(l, 0, NULL, "a\"b", "example.com", "\"a\\\"b\"@example.com");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* a needlessly quoted local part comes back unquoted */
    l = parse("\"jdoe\"@example.com");
    check_mb(l, 0, NULL, "jdoe", "example.com", "jdoe@example.com");
    smtpx_address_list_free(l);

    /* domain-literal, with FWS inside */
    l = parse("user@[192.0.2.1]");
    check_mb(l, 0, NULL, "user", "[192.0.2.1]", "user@[192.0.2.1]");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);
    l = parse("user@[ IPv6:2001:db8::1 ]");
    check_mb(l, 0, NULL, "user", "[ipv6:2001:db8::1]", "user@[ipv6:2001:db8::1]");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* domain in lower case; the local part keeps its case (5321 2.4) */
    l = parse("Joe <Joe.Doe@EXAMPLE.Com>");
    check_mb(l, 0, "Joe", "Joe.Doe", "example.com", "Joe.Doe@example.com");
    smtpx_address_list_free(l);

    /* angle-addr without display name; empty display name */
    l = parse("<a@b.example>");
    check_mb(l, 0, NULL, "a", "b.example", "a@b.example");
    g_assert_null(mb(l, 0)->display_name_raw);
    smtpx_address_list_free(l);
    l = parse("\"\" <a@b.example>");
    check_mb(l, 0, "", "a", "b.example", "a@b.example");
    smtpx_address_list_free(l);

    /* atext specials allowed in dot-atom */
    l = parse("!#$%&'*+-/=?^_`{|}~.x@example.org");
    check_mb(l, 0, NULL, "!#$%&'*+-/=?^_`{|}~.x", "example.org",
             "!#$%&'*+-/=?^_`{|}~.x@example.org");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* empty field body */
    l = parse("");
    g_assert_cmpuint(l->mailboxes->len, ==, 0);
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_EMPTY);
    smtpx_address_list_free(l);
    l = parse("   (just a comment)  ");
    g_assert_cmpuint(l->mailboxes->len, ==, 0);
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_EMPTY);
    smtpx_address_list_free(l);

    /* a phrase without an address is no mailbox: syntax error */
    l = parse("Mary Smith");
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    g_assert_null(mb(l, 0)->domain);
    smtpx_address_list_free(l);

    /* the null path is no mailbox in a header */
    l = parse("<>");
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    g_assert_null(mb(l, 0)->domain);
    smtpx_address_list_free(l);

    /* trailing dot, double dot: not dot-atom */
    l = parse("a..b@example.org");
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    g_assert_cmpstr(mb(l, 0)->address, ==, "\"a..b\"@example.org");
    smtpx_address_list_free(l);
    l = parse("a@example.org.");
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    smtpx_address_list_free(l);

    /* the group's own display name is required */
    l = parse(":a@b.example;");
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    g_assert_true(l->flags & SMTPX_ADDR_GROUP);
    smtpx_address_list_free(l);

    /* a group left open */
    l = parse("g: a@b.example");
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    g_assert_cmpuint(l->mailboxes->len, ==, 1);
    smtpx_address_list_free(l);
}

/* ---- RFC 5322 4.4 obsolete addressing; Appendix A.6 ---------------------- */

static void
test_obsolete(void)
{
    smtpx_address_list_t *l;

    /* A.6.1: obs-phrase with "." */
    l = parse("Joe Q. Public <john.q.public@example.com>");
    check_mb(l, 0, "Joe Q. Public", "john.q.public", "example.com",
             "john.q.public@example.com");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_OBS_SYNTAX);
    smtpx_address_list_free(l);

    /* A.6.1: obs-route, empty list element, obs-domain with CFWS */
    l = parse("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example");
    g_assert_cmpuint(l->mailboxes->len, ==, 2);
    check_mb(l, 0, "Mary Smith", "mary", "example.net", "mary@example.net");
    check_mb(l, 1, NULL, "jdoe", "test.example", "jdoe@test.example");
    g_assert_cmpuint(mb(l, 0)->flags, ==, SMTPX_ADDR_ROUTE);
    g_assert_cmpuint(mb(l, 1)->flags, ==, SMTPX_ADDR_OBS_SYNTAX);
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_ROUTE | SMTPX_ADDR_OBS_SYNTAX);
    smtpx_address_list_free(l);

    /* A.6.3: comment and space inside the domain */
    l = parse("John Doe <jdoe@machine(comment).  example>");
    check_mb(l, 0, "John Doe", "jdoe", "machine.example", "jdoe@machine.example");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_OBS_SYNTAX);
    smtpx_address_list_free(l);

    /* A.6.3: obs-FWS, a whitespace-only line inside the folding */
    l = parse("Mary Smith\r\n  \r\n          <mary@example.net>");
    check_mb(l, 0, "Mary Smith", "mary", "example.net", "mary@example.net");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* obs-local-part: word *("." word), quoted and atoms mixed */
    l = parse("a.\"b c\".d@example.org");
    check_mb(l, 0, NULL, "a.b c.d", "example.org", "\"a.b c.d\"@example.org");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_OBS_SYNTAX);
    smtpx_address_list_free(l);
    l = parse("a . b@example.org");
    check_mb(l, 0, NULL, "a.b", "example.org", "a.b@example.org");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_OBS_SYNTAX);
    smtpx_address_list_free(l);

    /* obs-mbox-list / obs-addr-list empty elements */
    l = parse(", a@b.example,,c@d.example,");
    g_assert_cmpuint(l->mailboxes->len, ==, 2);
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_OBS_SYNTAX);
    smtpx_address_list_free(l);

    /* a trailing comma after a group */
    l = parse("g: a@b.example;,");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_GROUP | SMTPX_ADDR_OBS_SYNTAX);
    smtpx_address_list_free(l);

    /* obs-group-list: only commas */
    l = parse("g: , ,;");
    g_assert_cmpuint(l->mailboxes->len, ==, 0);
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_GROUP | SMTPX_ADDR_OBS_SYNTAX |
                                   SMTPX_ADDR_EMPTY);
    smtpx_address_list_free(l);

    /* obs-route with several domains and empty elements */
    l = parse("<,@a.example, ,@b.example:u@c.example>");
    check_mb(l, 0, NULL, "u", "c.example", "u@c.example");
    g_assert_true(l->flags & SMTPX_ADDR_ROUTE);
    smtpx_address_list_free(l);

    /* a malformed route: still a route, and a syntax error */
    l = parse("<@a.example @b.example:u@c.example>");
    check_mb(l, 0, NULL, "u", "c.example", "u@c.example");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_ROUTE | SMTPX_ADDR_SYNTAX_ERROR);
    smtpx_address_list_free(l);
    l = parse("<@:u@c.example>");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_ROUTE | SMTPX_ADDR_SYNTAX_ERROR);
    smtpx_address_list_free(l);
    l = parse("<@a.example,:u@c.example>");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_ROUTE);
    smtpx_address_list_free(l);
    /* a ':' in an angle-addr without a route */
    l = parse("<x:u@c.example>");
    check_mb(l, 0, NULL, "u", "c.example", "u@c.example");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_SYNTAX_ERROR);
    smtpx_address_list_free(l);

    /* obs-dtext: quoted-pair in a domain literal */
    l = parse("u@[1.2.3.\\4]");
    check_mb(l, 0, NULL, "u", "[1.2.3.4]", "u@[1.2.3.4]");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_OBS_SYNTAX);
    smtpx_address_list_free(l);
}

/* ---- RFC 2047 ----------------------------------------------------------- */

static void
check_decode(const char *in, const char *want, gboolean want_any)
{
    gboolean any = !want_any;
    char *got = smtpx_rfc2047_decode((const guint8 *)in, strlen(in), &any);

    g_assert_cmpstr(got, ==, want);
    g_assert_cmpint(any, ==, want_any);
    g_free(got);
}

static void
test_rfc2047_section8(void)
{
    /* The header examples of section 8. */
    check_decode("=?US-ASCII?Q?Keith_Moore?=", "Keith Moore", TRUE);
    check_decode("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=",
                 "Keld J\xc3\xb8rn Simonsen", TRUE);
    check_decode("=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\xc3\xa9 Pirard", TRUE);
    check_decode("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
                 "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
                 "If you can read this you understand the example.", TRUE);
    check_decode("=?ISO-8859-1?Q?Olle_J=E4rnefors?=", "Olle J\xc3\xa4rnefors", TRUE);
    check_decode("=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?=",
                 "Patrik F\xc3\xa4ltstr\xc3\xb6m", TRUE);

    /* The display table of section 8 (comment contents). */
    check_decode("=?ISO-8859-1?Q?a?=", "a", TRUE);
    check_decode("=?ISO-8859-1?Q?a?= b", "a b", TRUE);
    check_decode("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab", TRUE);
    check_decode("=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=", "ab", TRUE);
    check_decode("=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=", "ab", TRUE);
    check_decode("=?ISO-8859-1?Q?a_b?=", "a b", TRUE);
    check_decode("=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", "a b", TRUE);

    /* Plain text passes; lower-case encoding letter and hex accepted. */
    check_decode("plain text", "plain text", FALSE);
    check_decode("=?utf-8?q?caf=c3=a9?=", "caf\xc3\xa9", TRUE);
    /* RFC 2231 section 5 language suffix */
    check_decode("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore", TRUE);
    /* empty encoded-text, alone and adjacent */
    check_decode("=?utf-8?B?" "?=", "", TRUE);
    check_decode("=?utf-8?B?" "?= =?utf-8?Q?" "?=", "", TRUE);
    check_decode("=?x-bad?B?" "?= =?x-bad?Q?" "?=", "=?x-bad?B?" "?= =?x-bad?Q?" "?=", FALSE);
}

static void
test_rfc2047_invalid(void)
{
    /* 6.3: incorrectly formed words are shown as sent. */
    check_decode("=?utf-8?Q?a=ZZ?=", "=?utf-8?Q?a=ZZ?=", FALSE);
    check_decode("=?utf-8?Q?a=4?=", "=?utf-8?Q?a=4?=", FALSE);
    check_decode("=?utf-8?B?a-b=?=", "=?utf-8?B?a-b=?=", FALSE);
    check_decode("=?utf-8?X?abc?=", "=?utf-8?X?abc?=", FALSE);
    check_decode("=?no-such-charset-x?Q?a?=", "=?no-such-charset-x?Q?a?=", FALSE);
    /* bytes that are not UTF-8 in a UTF-8 word */
    check_decode("=?utf-8?Q?=FF?=", "=?utf-8?Q?=FF?=", FALSE);
    /* an undecodable word between two good ones keeps its spaces */
    check_decode("=?utf-8?Q?a?= =?x-bad?Q?b?= =?utf-8?Q?c?=",
                 "a =?x-bad?Q?b?= c", TRUE);
    /* a good word next to a bad one of the same charset */
    check_decode("=?utf-8?Q?a?= =?utf-8?Q?=FF?=", "a =?utf-8?Q?=FF?=", TRUE);
    /* incomplete */
    check_decode("=?utf-8?Q?abc", "=?utf-8?Q?abc", FALSE);
    check_decode("=?", "=?", FALSE);
    /* controls decoded are escaped in the result */
    check_decode("=?utf-8?Q?a=00b=0A?=", "a\\x00b\\x0a", TRUE);
    /* invalid UTF-8 outside words is escaped */
    check_decode("J\xf6rg", "J\\xf6rg", FALSE);
}

static void
test_rfc2047_split_char(void)
{
    /* One UTF-8 character split over two words (0xC3 | 0xA9, "é"):
     * against 2047 section 5, common, decoded whole. */
    check_decode("=?utf-8?B?w6==?= =?utf-8?B?qQ==?=", "\xc3\xa9", TRUE);
}

static void
test_encoded_display_names(void)
{
    smtpx_address_list_t *l;

    l = parse("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>");
    check_mb(l, 0, "Keld J\xc3\xb8rn Simonsen", "keld", "dkuug.dk", "keld@dkuug.dk");
    g_assert_cmpstr(mb(l, 0)->display_name_raw, ==,
                    "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    l = parse("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>");
    check_mb(l, 0, "Keith Moore", "moore", "cs.utk.edu", "moore@cs.utk.edu");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    l = parse("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>");
    check_mb(l, 0, "Andr\xc3\xa9 Pirard", "PIRARD", "vm1.ulg.ac.be",
             "PIRARD@vm1.ulg.ac.be");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* Section 8: an encoded-word in a comment (ISO-8859-8, 0xE0+n is
     * U+05D0+n). */
    l = parse("Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n"
              "    (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)");
    check_mb(l, 0, "Nathaniel Borenstein", "nsb", "thumper.bellcore.com",
             "nsb@thumper.bellcore.com");
    g_assert_cmpstr(mb(l, 0)->comments, ==,
                    "\u05DD\u05D5\u05DC\u05E9 \u05DF\u05D1 "
                    "\u05D9\u05DC\u05D8\u05E4\u05E0");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* adjacent words joined (6.2), plain word after keeps its space */
    l = parse("=?utf-8?Q?J=C3=B6?= =?utf-8?Q?rg?= Meier <j@x.example>");
    check_mb(l, 0, "J\xc3\xb6rg Meier", "j", "x.example", "j@x.example");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* a Q word with '.' in its text (common, harmless in a phrase) */
    l = parse("=?utf-8?Q?J._Doe?= <j@x.example>");
    check_mb(l, 0, "J. Doe", "j", "x.example", "j@x.example");
    g_assert_cmpuint(l->flags & AMBIG, ==, 0);
    smtpx_address_list_free(l);
}

/* ---- "Composition Kills" spoofing constructs ----------------------------- */

static void
test_spoof_route(void)
{
    smtpx_address_list_t *l =
        parse("<@attacker.com,@any.com:admin@legitimate.com>");

    g_assert_cmpuint(l->mailboxes->len, ==, 1);
    check_mb(l, 0, NULL, "admin", "legitimate.com", "admin@legitimate.com");
    g_assert_true(l->flags & SMTPX_ADDR_ROUTE);
    g_assert_true(l->flags & AMBIG);
    smtpx_address_list_free(l);

    /* a route without angle brackets: not even obsolete syntax */
    l = parse("@attacker.com:admin@legitimate.com");
    g_assert_true(l->flags & SMTPX_ADDR_ROUTE);
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    smtpx_address_list_free(l);
}

static void
test_spoof_display_name(void)
{
    smtpx_address_list_t *l;

    /* unquoted '@' in the display name: some parsers take it as address */
    l = parse("admin@legitimate.com <attacker@evil.com>");
    g_assert_cmpuint(l->mailboxes->len, ==, 1);
    check_mb(l, 0, "admin@legitimate.com", "attacker", "evil.com",
             "attacker@evil.com");
    g_assert_true(l->flags & SMTPX_ADDR_AT_IN_DISPLAY_NAME);
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    smtpx_address_list_free(l);

    /* quoted: valid syntax, still an address in the display name */
    l = parse("\"admin@legitimate.com\" <a@evil.com>");
    check_mb(l, 0, "admin@legitimate.com", "a", "evil.com", "a@evil.com");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_AT_IN_DISPLAY_NAME);
    smtpx_address_list_free(l);

    /* encoded display name that decodes to an address */
    l = parse("=?utf-8?B?YWRtaW5AbGVnaXRpbWF0ZS5jb20=?= <attacker@evil.com>");
    check_mb(l, 0, "admin@legitimate.com", "attacker", "evil.com",
             "attacker@evil.com");
    g_assert_true(l->flags & SMTPX_ADDR_ENCODED_ADDRESS);
    g_assert_true(l->flags & SMTPX_ADDR_AT_IN_DISPLAY_NAME);
    smtpx_address_list_free(l);

    /* the same with Q and '@' unencoded inside the word */
    l = parse("=?utf-8?Q?admin@legitimate.com?= <attacker@evil.com>");
    check_mb(l, 0, "admin@legitimate.com", "attacker", "evil.com",
             "attacker@evil.com");
    g_assert_true(l->flags & SMTPX_ADDR_ENCODED_ADDRESS);
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    smtpx_address_list_free(l);

    /* encoded-word inside quotes (2047 5 forbids it; readers decode it) */
    l = parse("\"=?utf-8?B?YWRtaW5AbGVnaXRpbWF0ZS5jb20=?=\" <attacker@evil.com>");
    check_mb(l, 0, "admin@legitimate.com", "attacker", "evil.com",
             "attacker@evil.com");
    g_assert_true(l->flags & SMTPX_ADDR_ENCODED_ADDRESS);
    smtpx_address_list_free(l);

    /* an encoded '<' */
    l = parse("=?utf-8?Q?=3Cadmin=40legitimate.com=3E?= <a@evil.com>");
    g_assert_true(l->flags & SMTPX_ADDR_ENCODED_ADDRESS);
    g_assert_true(l->flags & SMTPX_ADDR_ANGLE_IN_NAME);
    smtpx_address_list_free(l);

    /* look-alikes: U+FF20 FULLWIDTH COMMERCIAL AT, U+FF1C/U+FF1E */
    l = parse("\"admin\xef\xbc\xa0legitimate.com\" <a@evil.com>");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_AT_IN_DISPLAY_NAME);
    smtpx_address_list_free(l);
    l = parse("admin \xef\xbc\x9c" "admin\xef\xb9\xab" "legitimate.com\xef\xbc\x9e <a@evil.com>");
    /* ('.' unquoted in a phrase: obs-phrase) */
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_AT_IN_DISPLAY_NAME |
                                   SMTPX_ADDR_ANGLE_IN_NAME |
                                   SMTPX_ADDR_OBS_SYNTAX);
    smtpx_address_list_free(l);
    l = parse("a@evil.com (admin\xef\xbc\xa0legitimate.com)");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_AT_IN_COMMENT);
    smtpx_address_list_free(l);

    /* encoded-words inside the addr-spec (2047 section 5 forbids them):
     * a decoding reader shows another address */
    l = parse("admin@=?utf-8?Q?legitimate.com?=");
    g_assert_cmpstr(mb(l, 0)->domain, ==, "=?utf-8?q?legitimate.com?=");
    g_assert_true(l->flags & SMTPX_ADDR_ENCODED_IN_ADDR_SPEC);
    smtpx_address_list_free(l);
    l = parse("<=?utf-8?B?YWRtaW4=?=@legitimate.com>");
    g_assert_true(l->flags & SMTPX_ADDR_ENCODED_IN_ADDR_SPEC);
    /* "admin" holds no '@', '<' or '>': not an encoded address */
    g_assert_false(l->flags & SMTPX_ADDR_ENCODED_ADDRESS);
    smtpx_address_list_free(l);
    /* an encoded-word touching atext is one atom: valid dot-atom */
    l = parse("=?utf-8?q?a?=b.c@x.example");
    check_mb(l, 0, NULL, "=?utf-8?q?a?=b.c", "x.example", "=?utf-8?q?a?=b.c@x.example");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_ENCODED_IN_ADDR_SPEC);
    smtpx_address_list_free(l);
    /* a comment alone before the angle-addr is no display name */
    l = parse("(comment) <a@x.example>");
    check_mb(l, 0, NULL, "a", "x.example", "a@x.example");
    g_assert_null(mb(l, 0)->display_name_raw);
    g_assert_cmpstr(mb(l, 0)->comments, ==, "comment");
    smtpx_address_list_free(l);

    /* text merely looking like the start of one is no encoded-word */
    l = parse("a=?b@x.example");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* angle brackets quoted in the display name */
    l = parse("\"<admin@legitimate.com>\" <a@evil.com>");
    check_mb(l, 0, "<admin@legitimate.com>", "a", "evil.com", "a@evil.com");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_AT_IN_DISPLAY_NAME |
                                   SMTPX_ADDR_ANGLE_IN_NAME);
    smtpx_address_list_free(l);
}

static void
test_spoof_comment(void)
{
    smtpx_address_list_t *l;

    l = parse("attacker@evil.com(admin@legitimate.com)");
    check_mb(l, 0, NULL, "attacker", "evil.com", "attacker@evil.com");
    g_assert_cmpstr(mb(l, 0)->comments, ==, "admin@legitimate.com");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_AT_IN_COMMENT);
    smtpx_address_list_free(l);

    /* encoded-word in a comment decoding to '@' */
    l = parse("attacker@evil.com (=?utf-8?Q?admin=40legitimate.com?=)");
    g_assert_cmpstr(mb(l, 0)->comments, ==, "admin@legitimate.com");
    g_assert_true(l->flags & SMTPX_ADDR_AT_IN_COMMENT);
    g_assert_true(l->flags & SMTPX_ADDR_ENCODED_ADDRESS);
    smtpx_address_list_free(l);

    /* '<' in a comment */
    l = parse("a@evil.com (<x>)");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_ANGLE_IN_NAME);
    smtpx_address_list_free(l);

    /* nested comments */
    l = parse("a@b.example (x (y (z@w)))");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_AT_IN_COMMENT);
    g_assert_cmpstr(mb(l, 0)->comments, ==, "x (y (z@w))");
    smtpx_address_list_free(l);
}

static void
test_spoof_nul_controls(void)
{
    static const char nul[] = "<admin@legitimate.com\0@evil.com>";
    static const char ctl[] = "adm\x01in@legitimate.com";
    smtpx_address_list_t *l = parse_len(nul, sizeof nul - 1);

    g_assert_cmpuint(l->mailboxes->len, ==, 1);
    g_assert_true(l->flags & SMTPX_ADDR_NUL);
    g_assert_true(l->flags & SMTPX_ADDR_MULTIPLE_AT);
    /* the last '@' separates (where an MTA routes); the NUL is shown */
    g_assert_cmpstr(mb(l, 0)->domain, ==, "evil.com");
    g_assert_cmpstr(mb(l, 0)->local_part, ==, "admin@legitimate.com\\x00");
    smtpx_address_list_free(l);

    l = parse_len(ctl, sizeof ctl - 1);
    g_assert_true(l->flags & SMTPX_ADDR_CONTROL_CHAR);
    g_assert_cmpstr(mb(l, 0)->local_part, ==, "adm\\x01in");
    smtpx_address_list_free(l);

    /* a lone CR (not folding) is a control character */
    l = parse("a <b@c.example>\rX");
    g_assert_true(l->flags & SMTPX_ADDR_CONTROL_CHAR);
    smtpx_address_list_free(l);

    /* NUL in a display name and in a comment */
    {
        static const char n2[] = "\"adm\0in\" <a@b.example> (x\0)";
        l = parse_len(n2, sizeof n2 - 1);
        g_assert_true(l->flags & SMTPX_ADDR_NUL);
        g_assert_cmpstr(mb(l, 0)->display_name, ==, "adm\\x00in");
        smtpx_address_list_free(l);
    }
}

static void
test_spoof_multiple(void)
{
    smtpx_address_list_t *l;

    /* two mailboxes: valid syntax, no ambiguity flag (the verdict judges) */
    l = parse("a@evil.com, b@legit.com");
    g_assert_cmpuint(l->mailboxes->len, ==, 2);
    check_mb(l, 0, NULL, "a", "evil.com", "a@evil.com");
    check_mb(l, 1, NULL, "b", "legit.com", "b@legit.com");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* two angle-addrs in one mailbox: each reported, both flagged */
    l = parse("<a@evil.com><b@legit.com>");
    g_assert_cmpuint(l->mailboxes->len, ==, 2);
    check_mb(l, 0, NULL, "a", "evil.com", "a@evil.com");
    check_mb(l, 1, NULL, "b", "legit.com", "b@legit.com");
    g_assert_true(mb(l, 0)->flags & SMTPX_ADDR_MULTIPLE_ANGLE);
    g_assert_true(mb(l, 1)->flags & SMTPX_ADDR_MULTIPLE_ANGLE);
    smtpx_address_list_free(l);

    l = parse("Admin <a@evil.com> <b@legit.com>");
    g_assert_cmpuint(l->mailboxes->len, ==, 2);
    check_mb(l, 0, "Admin", "a", "evil.com", "a@evil.com");
    g_assert_true(l->flags & SMTPX_ADDR_MULTIPLE_ANGLE);
    smtpx_address_list_free(l);

    /* several '@' */
    l = parse("a@legit.com@evil.com");
    check_mb(l, 0, NULL, "a@legit.com", "evil.com", "\"a@legit.com\"@evil.com");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_MULTIPLE_AT);
    smtpx_address_list_free(l);

    /* '@' quoted inside the local part */
    l = parse("\"a@legit.com\"@evil.com");
    check_mb(l, 0, NULL, "a@legit.com", "evil.com", "\"a@legit.com\"@evil.com");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_QUOTED_LOCAL_AT);
    smtpx_address_list_free(l);

    /* text after an angle-addr */
    l = parse("<a@evil.com> b@legit.com");
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    smtpx_address_list_free(l);
}

static void
test_spoof_unbalanced(void)
{
    smtpx_address_list_t *l;

    l = parse("\"admin@legitimate.com <a@evil.com>");
    g_assert_true(l->flags & SMTPX_ADDR_UNBALANCED_QUOTE);
    smtpx_address_list_free(l);

    l = parse("Admin <a@evil.com");
    g_assert_true(l->flags & SMTPX_ADDR_UNBALANCED_ANGLE);
    check_mb(l, 0, "Admin", "a", "evil.com", "a@evil.com");
    smtpx_address_list_free(l);

    /* an unclosed angle stops at the list separator */
    l = parse("Admin <a@evil.com, b@legit.com");
    g_assert_cmpuint(l->mailboxes->len, ==, 2);
    g_assert_true(mb(l, 0)->flags & SMTPX_ADDR_UNBALANCED_ANGLE);
    check_mb(l, 1, NULL, "b", "legit.com", "b@legit.com");
    smtpx_address_list_free(l);

    l = parse("Admin a@evil.com>");
    g_assert_true(l->flags & SMTPX_ADDR_UNBALANCED_ANGLE);
    smtpx_address_list_free(l);

    l = parse("Admin (a@evil.com <b@legit.com>");
    g_assert_true(l->flags & SMTPX_ADDR_UNBALANCED_PAREN);
    smtpx_address_list_free(l);

    l = parse("a@evil.com) <b@legit.com>");
    g_assert_true(l->flags & SMTPX_ADDR_UNBALANCED_PAREN);
    smtpx_address_list_free(l);

    l = parse("a@[1.2.3.4");
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    smtpx_address_list_free(l);

    /* nested angle brackets */
    l = parse("<<a@evil.com>>");
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    g_assert_true(l->flags & SMTPX_ADDR_UNBALANCED_ANGLE);
    smtpx_address_list_free(l);
}

/* ---- legitimate twins: no ambiguity flag --------------------------------- */

static void
test_legitimate(void)
{
    smtpx_address_list_t *l;

    l = parse("\"Doe, John\" <j@x.example>");
    g_assert_cmpuint(l->mailboxes->len, ==, 1);
    check_mb(l, 0, "Doe, John", "j", "x.example", "j@x.example");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* folded display name, as the body comes when not unfolded */
    l = parse("John\r\n Doe <j@x.example>");
    check_mb(l, 0, "John Doe", "j", "x.example", "j@x.example");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);
    /* and unfolded (CRLF removed, the WSP kept) */
    l = parse("\"John\t  Doe\" <j@x.example>");
    check_mb(l, 0, "John Doe", "j", "x.example", "j@x.example");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* comments without '@' */
    l = parse("j@x.example (John Doe)");
    check_mb(l, 0, NULL, "j", "x.example", "j@x.example");
    g_assert_cmpstr(mb(l, 0)->comments, ==, "John Doe");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* display name equal to the address: flagged precisely, not ambiguous */
    l = parse("\"a@x.example\" <a@x.example>");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_AT_IN_DISPLAY_NAME);
    g_assert_cmpuint(l->flags & AMBIG, ==, 0);
    smtpx_address_list_free(l);

    /* IDN domain and UTF-8 local part (RFC 6532) */
    l = parse("J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>");
    check_mb(l, 0, "J\xc3\xb6rg", "j\xc3\xb6rg", "b\xc3\xbc" "cher.example",
             "j\xc3\xb6rg@b\xc3\xbc" "cher.example");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);

    /* upper-case non-ASCII is left as is (only ASCII is lowered) */
    l = parse("u@B\xc3\x9c" "CHER.example");
    g_assert_cmpstr(mb(l, 0)->domain, ==, "b\xc3\x9c" "cher.example");
    smtpx_address_list_free(l);

    /* legacy 8-bit name: invalid UTF-8, shown escaped, not ambiguous */
    l = parse("J\xf6rg <j@x.example>");
    g_assert_cmpstr(mb(l, 0)->display_name, ==, "J\\xf6rg");
    g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_INVALID_UTF8);
    smtpx_address_list_free(l);

    /* ... but in an address it is a syntax error (overlong '@') */
    l = parse("admin\xc1\x80legit.example@evil.example");
    g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
    g_assert_true(l->flags & SMTPX_ADDR_INVALID_UTF8);
    smtpx_address_list_free(l);

    /* "Who?" and other atext in names */
    l = parse("O'Brien & Sons <ob@x.example>");
    check_mb(l, 0, "O'Brien & Sons", "ob", "x.example", "ob@x.example");
    g_assert_cmpuint(l->flags, ==, 0);
    smtpx_address_list_free(l);
}

/* ---- describe ------------------------------------------------------------ */

static void
test_describe(void)
{
    char *d = smtpx_addr_flags_describe(0);

    g_assert_cmpstr(d, ==, "");
    g_free(d);
    d = smtpx_addr_flags_describe(SMTPX_ADDR_ROUTE | SMTPX_ADDR_AT_IN_COMMENT);
    g_assert_nonnull(strstr(d, "route"));
    g_assert_nonnull(strstr(d, "'@' in comment"));
    g_assert_nonnull(strstr(d, "; "));
    g_free(d);
    d = smtpx_addr_flags_describe(1u << 31);
    g_assert_nonnull(strstr(d, "unknown"));
    g_free(d);
}

/* ---- robustness ---------------------------------------------------------- */

static void
check_string(const char *s)
{
    const char *p;

    g_assert_nonnull(s);
    g_assert_true(g_utf8_validate(s, -1, NULL));
    for (p = s; *p; p++)
        g_assert_false((guint8)*p < 0x20 || (guint8)*p == 0x7f);
}

static void
check_list_invariants(const smtpx_address_list_t *l)
{
    guint32 all = 0;
    guint i;

    for (i = 0; i < l->mailboxes->len; i++) {
        const smtpx_mailbox_t *m = g_ptr_array_index(l->mailboxes, i);

        check_string(m->local_part);
        check_string(m->address);
        if (m->domain)
            check_string(m->domain);
        if (m->display_name)
            check_string(m->display_name);
        if (m->display_name_raw)
            check_string(m->display_name_raw);
        if (m->group)
            check_string(m->group);
        if (m->comments)
            check_string(m->comments);
        all |= m->flags;
    }
    g_assert_cmpuint(l->flags & all, ==, all);
    g_assert_cmpint(!!(l->flags & SMTPX_ADDR_EMPTY), ==, l->mailboxes->len == 0);
}

static void
test_random(void)
{
    static const char alphabet[] = "<>()\"\\[]:;@,. \t\r\n=?abQB_-xyz\0\x01\x7f\xc3\xa9\xff";
    static const char *const words[] = {
        "=?utf-8?Q?", "=?utf-8?B?", "?=", "=?iso-8859-1?q?a=40b?=",
        "=?utf-8?B?YUBi?=", "@", "<", ">", "(", ")", "\"", "\\", ":", ";",
        ",", "a@b.example", "\r\n ", "[", "]",
    };
    int iter, n = g_test_slow() ? 200000 : 20000;

    for (iter = 0; iter < n; iter++) {
        gsize len = (gsize)g_test_rand_int_range(0, 200), i;
        guint8 *buf = g_malloc(len ? len : 1);
        smtpx_address_list_t *l;

        for (i = 0; i < len; i++) {
            int mode = g_test_rand_int_range(0, 3);

            if (mode == 0) {
                buf[i] = (guint8)g_test_rand_int_range(0, 256);
            } else if (mode == 1) {
                buf[i] = (guint8)alphabet[g_test_rand_int_range(
                    0, (gint32)sizeof alphabet - 1)];
            } else {
                const char *w = words[g_test_rand_int_range(
                    0, (gint32)G_N_ELEMENTS(words))];
                gsize k;

                for (k = 0; w[k] && i < len; k++)
                    buf[i++] = (guint8)w[k];
                i--;
            }
        }
        l = smtpx_address_list_parse(buf, len);
        check_list_invariants(l);
        g_free(smtpx_rfc2047_decode(buf, len, NULL));
        {
            GPtrArray *rs = smtpx_address_readings(buf, len);
            /* Given the strict parse already made: the same readings. */
            GPtrArray *rp = smtpx_address_readings_parsed(buf, len, l);
            guint k;

            g_assert_cmpuint(rp->len, ==, rs->len);
            for (k = 0; k < rs->len; k++) {
                const smtpx_reading_t *a = g_ptr_array_index(rs, k);
                const smtpx_reading_t *b = g_ptr_array_index(rp, k);

                g_assert_cmpstr(a->address, ==, b->address);
                g_assert_cmpstr(a->domain, ==, b->domain);
                g_assert_cmpuint(a->readers, ==, b->readers);
                g_assert_cmpuint(a->readers_decoded, ==, b->readers_decoded);
            }
            g_ptr_array_unref(rp);
            smtpx_address_list_free(l);
            g_assert_cmpuint(rs->len, <=, SMTPX_MAX_READINGS);
            for (k = 0; k < rs->len; k++) {
                const smtpx_reading_t *r = g_ptr_array_index(rs, k);
                char *w = smtpx_reading_describe(r);

                g_assert_true(g_utf8_validate(r->address, -1, NULL));
                g_assert_true(g_utf8_validate(r->domain, -1, NULL));
                g_assert_cmpuint(r->readers | r->readers_decoded, !=, 0);
                g_assert_true(g_utf8_validate(w, -1, NULL));
                g_free(w);
            }
            g_ptr_array_unref(rs);
        }
        g_free(buf);
    }
    /* NULL with length 0 */
    {
        smtpx_address_list_t *l = smtpx_address_list_parse(NULL, 0);

        g_assert_cmpuint(l->flags, ==, SMTPX_ADDR_EMPTY);
        smtpx_address_list_free(l);
    }
}

/* Inputs built to be slow or deep: must stay linear and flat. */
static void
test_pathological(void)
{
    static const char *const units[] = {
        "(", ")", "<", ">", "<a@b", "=?", "=?a?", "=?a?q?", "=?a?q?x?=",
        "=?utf-8?Q?a?= ", "a@", "\"", "\\", ",", "g:", ";", "@a,", "[",
        "a.", "(\\", "<@a:",
    };
    const gsize reps = 100000;
    gsize u;
    GTimer *timer = g_timer_new();

    for (u = 0; u < G_N_ELEMENTS(units); u++) {
        GString *s = g_string_new(NULL);
        smtpx_address_list_t *l;
        gsize r;

        for (r = 0; r < reps; r++)
            g_string_append(s, units[u]);
        g_timer_start(timer);
        l = smtpx_address_list_parse((const guint8 *)s->str, s->len);
        /* generous: linear work over ~500 KB takes well under this */
        g_assert_cmpfloat(g_timer_elapsed(timer, NULL), <, 20.0);
        check_list_invariants(l);
        if (u == 0)
            g_assert_true(l->flags & SMTPX_ADDR_UNBALANCED_PAREN);
        smtpx_address_list_free(l);
        g_string_free(s, TRUE);
    }
    /* deep nesting is counted and flagged, not recursed */
    {
        GString *s = g_string_new(NULL);
        smtpx_address_list_t *l;
        gsize r;

        for (r = 0; r < 70; r++)
            g_string_append_c(s, '(');
        for (r = 0; r < 70; r++)
            g_string_append_c(s, ')');
        g_string_append(s, " a@b.example");
        l = smtpx_address_list_parse((const guint8 *)s->str, s->len);
        g_assert_true(l->flags & SMTPX_ADDR_SYNTAX_ERROR);
        g_assert_false(l->flags & SMTPX_ADDR_UNBALANCED_PAREN);
        check_mb(l, 0, NULL, "a", "b.example", "a@b.example");
        smtpx_address_list_free(l);
        g_string_free(s, TRUE);
    }
    g_timer_destroy(timer);
}

/* ---- Readings (address.h smtpx_address_readings) ------------------------ */

/* The readings of body as "address|domain|readers|readers_decoded" lines,
 * one per reading, in order; made by smtpx_address_readings_parsed with
 * the strict parse given when parsed. */
static char *
readings_str_of(const char *body, gboolean parsed)
{
    smtpx_address_list_t *l = parsed
        ? smtpx_address_list_parse((const guint8 *)body, strlen(body)) : NULL;
    GPtrArray *rs = parsed
        ? smtpx_address_readings_parsed((const guint8 *)body, strlen(body), l)
        : smtpx_address_readings((const guint8 *)body, strlen(body));
    GString *out = g_string_new(NULL);
    guint i;

    smtpx_address_list_free(l);

    for (i = 0; i < rs->len; i++) {
        const smtpx_reading_t *r = g_ptr_array_index(rs, i);

        g_assert_nonnull(r->domain);
        g_string_append_printf(out, "%s|%s|%u|%u\n", r->address, r->domain,
                               r->readers, r->readers_decoded);
    }
    g_ptr_array_unref(rs);
    return g_string_free(out, FALSE);
}

static char *
readings_str(const char *body)
{
    char *got = readings_str_of(body, FALSE);
    char *again = readings_str_of(body, TRUE);

    g_assert_cmpstr(again, ==, got);
    g_free(again);
    return got;
}

static void
check_readings(const char *body, const char *want)
{
    char *got = readings_str(body);

    if (strcmp(got, want) != 0)
        g_test_message("readings of %s:\n%s", body, got);
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

#define RS SMTPX_READER_STRICT
#define RF SMTPX_READER_FIRST_ADDRESS
#define RL SMTPX_READER_LAST_ANGLE
#define RQ SMTPX_READER_NAIVE
#define RR SMTPX_READER_ROUTE

static void
test_readings(void)
{
    char *want;

    /* Plain RFC 5322: every reader agrees. */
    want = g_strdup_printf("jdoe@machine.example|machine.example|%u|0\n",
                           RS | RF | RL | RQ);
    check_readings("John Doe <jdoe@machine.example>", want);
    g_free(want);

    /* An unquoted address as display name (two '@' outside quotes, not a
     * phrase, RFC 5322 3.2.5): first-address readers take the name, the
     * rest the angle-addr; both are the same mailbox. */
    want = g_strdup_printf("noreply@example.com|example.com|%u|0\n",
                           RS | RF | RL | RQ);
    check_readings("noreply@example.com <noreply@example.com>", want);
    g_free(want);
    /* The same mailbox with the domain in other cases is one reading
     * (domains are compared in lower case); local parts keep their case
     * (RFC 5321 2.4), and a domain that is a prefix of another is another
     * reading: what the readings' no-copy comparison must tell apart. */
    want = g_strdup_printf("a@example.com|example.com|%u|0\n",
                           RS | RF | RL | RQ);
    check_readings("a@EXAMPLE.com <a@example.COM>", want);
    g_free(want);
    want = g_strdup_printf("a@example.com|example.com|%u|0\n"
                           "A@example.com|example.com|%u|0\n",
                           RS | RL | RQ, RF | RQ);
    check_readings("A@example.com <a@example.com>", want);
    g_free(want);
    want = g_strdup_printf("a@example.com|example.com|%u|0\n"
                           "a@example.co|example.co|%u|0\n",
                           RS | RL | RQ, RF | RQ);
    check_readings("a@example.co <a@example.com>", want);
    g_free(want);
    want = g_strdup_printf("ab@example.com|example.com|%u|0\n"
                           "a@example.com|example.com|%u|0\n",
                           RS | RL | RQ, RF | RQ);
    check_readings("a@example.com <ab@example.com>", want);
    g_free(want);
    /* ... its twin names another mailbox in the display name. */
    want = g_strdup_printf("bob@evil.example|evil.example|%u|0\n"
                           "alice@example.com|example.com|%u|0\n",
                           RS | RL | RQ, RF | RQ);
    check_readings("alice@example.com <bob@evil.example>", want);
    g_free(want);

    /* Words before a bare address: strict joins them into the local part
     * (obs-local-part with a syntax error), lenient readers take the last
     * word; one domain. */
    want = g_strdup_printf("BigBugbb@bug.com|bug.com|%u|0\n"
                           "bb@bug.com|bug.com|%u|0\n", RS, RF | RQ);
    check_readings("Big Bug bb@bug.com", want);
    g_free(want);

    /* An encoded display name decoding to the mailbox itself
     * ("notify@example.com" in base64): the decoded readings agree. */
    want = g_strdup_printf("notify@example.com|example.com|%u|%u\n",
                           RS | RF | RL | RQ, RS | RF | RL | RQ);
    check_readings("=?UTF-8?B?bm90aWZ5QGV4YW1wbGUuY29t?= <notify@example.com>",
                   want);
    g_free(want);
    /* ... and its twin decoding to "admin@bank.example>" first. */
    want = g_strdup_printf("x@evil.example|evil.example|%u|%u\n"
                           "admin@bank.example|bank.example|0|%u\n",
                           RS | RF | RL | RQ, RS | RL | RQ, RF | RQ);
    check_readings("=?UTF-8?B?YWRtaW5AYmFuay5leGFtcGxlPg==?= <x@evil.example>",
                   want);
    g_free(want);

    /* A quoted display name is never the address (it is for the
     * display-name check to judge what it shows) ... */
    want = g_strdup_printf("bob@evil.example|evil.example|%u|0\n",
                           RS | RF | RL | RQ);
    check_readings("\"alice@example.com\" <bob@evil.example>", want);
    g_free(want);
    /* ... but naive scanners take a quoted "<...>" for the address, and
     * the first address-like text of a comment. */
    want = g_strdup_printf("x@evil.example|evil.example|%u|0\n"
                           "ceo@bank.example|bank.example|%u|0\n",
                           RS | RF | RL | RQ, RQ);
    check_readings("\"<ceo@bank.example>\" <x@evil.example>", want);
    g_free(want);
    want = g_strdup_printf("x@evil.example|evil.example|%u|0\n"
                           "admin@bank.example|bank.example|%u|0\n",
                           RS | RF | RQ, RQ);
    check_readings("(admin@bank.example) x@evil.example", want);
    g_free(want);
    /* ... or the last one, where a comment follows the address. */
    want = g_strdup_printf("attacker@evil.example|evil.example|%u|0\n"
                           "admin@legit.example|legit.example|%u|0\n",
                           RS | RF | RQ, RQ);
    check_readings("attacker@evil.example(admin@legit.example)", want);
    g_free(want);

    /* A source route: route followers go to its first domain. */
    want = g_strdup_printf("a@example.com|example.com|%u|0\n"
                           "evil.example|evil.example|%u|0\n",
                           RS | RF | RL | RQ, RR);
    check_readings("<@evil.example:a@example.com>", want);
    g_free(want);

    /* Several '@': strict takes the last, first-address the first. */
    want = g_strdup_printf("\"a@bank.example\"@evil.example|evil.example|%u|0\n"
                           "a@bank.example|bank.example|%u|0\n", RS, RF | RQ);
    check_readings("a@bank.example(x)@evil.example", want);
    g_free(want);

    /* Two mailboxes: both strict, the last angle one of them. */
    want = g_strdup_printf("joe@x.example|x.example|%u|0\n"
                           "ann@y.example|y.example|%u|0\n",
                           RS | RF | RQ, RS | RL | RQ);
    check_readings("Joe <joe@x.example>, Ann <ann@y.example>", want);
    g_free(want);

    /* Nothing to read; junk; NULL. */
    check_readings("", "");
    check_readings("undisclosed-recipients:;", "");
    {
        GPtrArray *rs = smtpx_address_readings(NULL, 5);

        g_assert_cmpuint(rs->len, ==, 0);
        g_ptr_array_unref(rs);
    }
}

static void
test_readings_bounded(void)
{
    GString *big = g_string_new(NULL);
    GPtrArray *rs;
    guint i;

    for (i = 0; i < 500; i++)
        g_string_append_printf(big, "u%u@d%u.example, ", i, i);
    rs = smtpx_address_readings((const guint8 *)big->str, big->len);
    g_assert_cmpuint(rs->len, ==, SMTPX_MAX_READINGS);
    g_ptr_array_unref(rs);
    g_string_free(big, TRUE);
}

static void
test_reading_describe(void)
{
    smtpx_reading_t r = { (char *)"a@b.example", (char *)"b.example",
                          SMTPX_READER_STRICT, SMTPX_READER_FIRST_ADDRESS };
    char *w = smtpx_reading_describe(&r);

    g_assert_cmpstr(w, ==, "strict RFC 5322 parsers, and by parsers that take "
                    "the first address in the field after decoding its "
                    "encoded-words");
    g_free(w);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/address/rfc5322/a1.1-simple", test_a1_1_simple);
    g_test_add_func("/address/rfc5322/a1.2-mailboxes", test_a1_2_mailboxes);
    g_test_add_func("/address/rfc5322/a1.3-groups", test_a1_3_groups);
    g_test_add_func("/address/rfc5322/a5-comments", test_a5_comments);
    g_test_add_func("/address/rfc5322/productions", test_productions);
    g_test_add_func("/address/rfc5322/obsolete", test_obsolete);
    g_test_add_func("/address/rfc2047/section8", test_rfc2047_section8);
    g_test_add_func("/address/rfc2047/invalid", test_rfc2047_invalid);
    g_test_add_func("/address/rfc2047/split-char", test_rfc2047_split_char);
    g_test_add_func("/address/rfc2047/display-names", test_encoded_display_names);
    g_test_add_func("/address/spoof/route", test_spoof_route);
    g_test_add_func("/address/spoof/display-name", test_spoof_display_name);
    g_test_add_func("/address/spoof/comment", test_spoof_comment);
    g_test_add_func("/address/spoof/nul-controls", test_spoof_nul_controls);
    g_test_add_func("/address/spoof/multiple", test_spoof_multiple);
    g_test_add_func("/address/spoof/unbalanced", test_spoof_unbalanced);
    g_test_add_func("/address/legitimate", test_legitimate);
    g_test_add_func("/address/describe", test_describe);
    g_test_add_func("/address/random", test_random);
    g_test_add_func("/address/pathological", test_pathological);
    g_test_add_func("/address/readings", test_readings);
    g_test_add_func("/address/readings_bounded", test_readings_bounded);
    g_test_add_func("/address/reading_describe", test_reading_describe);
    return g_test_run();
}
