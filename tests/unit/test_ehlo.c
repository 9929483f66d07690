/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_ehlo.c - unit tests for plugin/core/ehlo.c: the EHLO reply (RFC 5321
 * 4.1.1.1), SIZE (RFC 1870), AUTH (RFC 4954, including the obsolete
 * "AUTH=" form), LIMITS (RFC 9422) and Microsoft Exchange keywords.
 * Expected values come from the RFCs and from the lab session's bytes.
 */
#include <string.h>

#include "ehlo.h"
#include "test_util.h"

#define S(str) ((const guint8 *)(str)), (sizeof(str) - 1)

/* Builds a reply from NUL-terminated lines and parses it as EHLO. */
static smtpx_ehlo_t *
ehlo_from(const char *const *lines, gsize n)
{
    smtpx_reply_t *r = smtpx_reply_new();
    smtpx_ehlo_t *e;
    gsize i;

    for (i = 0; i < n; i++)
        (void)smtpx_reply_add_line(r, (const guint8 *)lines[i], strlen(lines[i]));
    g_assert_true(r->complete);
    e = smtpx_ehlo_parse(r);
    smtpx_reply_free(r);
    g_assert_nonnull(e);
    return e;
}

static const smtpx_ehlo_capability_t *
cap_at(const smtpx_ehlo_t *e, guint i)
{
    g_assert_cmpuint(i, <, e->capabilities->len);
    return g_ptr_array_index(e->capabilities, i);
}

static const char *
mech_at(const smtpx_ehlo_t *e, guint i)
{
    g_assert_cmpuint(i, <, e->auth_mechanisms->len);
    return g_ptr_array_index(e->auth_mechanisms, i);
}

/* The lab's reply, line for line (shared/reference/lab5-session.md). */
static void
test_lab_reply(void)
{
    static const char *const l[] = {
        "250-WIN-BKLR90FGWRQ Hello [198.51.100.174]", "250-TURN",
        "250-SIZE 2097152", "250-ETRN", "250-PIPELINING", "250-DSN",
        "250-ENHANCEDSTATUSCODES", "250-8bitmime", "250-BINARYMIME",
        "250-CHUNKING", "250-VRFY", "250 OK",
    };
    static const char *const kw[] = {
        "TURN", "SIZE", "ETRN", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES",
        "8BITMIME", "BINARYMIME", "CHUNKING", "VRFY",
    };
    smtpx_ehlo_t *e = ehlo_from(l, G_N_ELEMENTS(l));
    guint i;

    g_assert_cmpstr(e->domain, ==, "WIN-BKLR90FGWRQ");
    g_assert_cmpstr(e->greeting, ==, "Hello [198.51.100.174]");
    /* "250 OK" closes the reply; it is no extension. */
    g_assert_cmpuint(e->capabilities->len, ==, 10);
    for (i = 0; i < G_N_ELEMENTS(kw); i++) {
        g_assert_cmpstr(cap_at(e, i)->keyword, ==, kw[i]);
        g_assert_true(cap_at(e, i)->valid);
    }
    g_assert_cmpstr(e->keywords, ==,
        "TURN SIZE ETRN PIPELINING DSN ENHANCEDSTATUSCODES 8BITMIME BINARYMIME CHUNKING VRFY");
    g_assert_cmpstr(cap_at(e, 1)->params, ==, "2097152");
    g_assert_null(cap_at(e, 0)->params);
    g_assert_true(e->size_present);
    g_assert_true(e->size_has_value);
    g_assert_cmpuint(e->size_limit, ==, 2097152);
    g_assert_cmpuint(cap_at(e, 6)->ext, ==, SMTPX_EXT_8BITMIME);
    g_assert_cmpuint(e->ext_mask, ==,
        SMTPX_EXT_SIZE | SMTPX_EXT_ETRN | SMTPX_EXT_PIPELINING | SMTPX_EXT_DSN |
        SMTPX_EXT_ENHANCEDSTATUSCODES | SMTPX_EXT_8BITMIME | SMTPX_EXT_BINARYMIME |
        SMTPX_EXT_CHUNKING | SMTPX_EXT_VRFY);
    g_assert_cmpuint(cap_at(e, 0)->ext, ==, 0);        /* TURN: no bit */
    g_assert_false(e->ext_mask & SMTPX_EXT_STARTTLS);
    g_assert_false(e->ext_mask & SMTPX_EXT_AUTH);
    g_assert_cmpuint(e->auth_mechanisms->len, ==, 0);
    g_assert_false(e->limits_present);
    smtpx_ehlo_free(e);
}

/* Microsoft Exchange 2016-style reply. */
static void
test_exchange(void)
{
    static const char *const l[] = {
        "250-mail.example.org Hello [192.0.2.7]", "250-SIZE 37748736",
        "250-PIPELINING", "250-DSN", "250-ENHANCEDSTATUSCODES", "250-STARTTLS",
        "250-X-ANONYMOUSTLS", "250-AUTH NTLM", "250-X-EXPS GSSAPI NTLM",
        "250-8BITMIME", "250-BINARYMIME", "250-CHUNKING", "250-XEXCH50",
        "250-XRDST", "250 XSHADOWREQUEST",
    };
    smtpx_ehlo_t *e = ehlo_from(l, G_N_ELEMENTS(l));

    g_assert_cmpstr(e->domain, ==, "mail.example.org");
    g_assert_cmpuint(e->capabilities->len, ==, 14);
    g_assert_cmpstr(e->keywords, ==,
        "SIZE PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS X-ANONYMOUSTLS AUTH "
        "X-EXPS 8BITMIME BINARYMIME CHUNKING XEXCH50 XRDST XSHADOWREQUEST");
    g_assert_cmpuint(e->size_limit, ==, 37748736);
    g_assert_true(e->ext_mask & SMTPX_EXT_STARTTLS);
    g_assert_true(e->ext_mask & SMTPX_EXT_AUTH);

    /* Only AUTH gives SASL mechanisms; X-EXPS is Exchange's own. */
    g_assert_cmpuint(e->auth_mechanisms->len, ==, 1);
    g_assert_cmpstr(mech_at(e, 0), ==, "NTLM");
    g_assert_true(smtpx_ehlo_has_auth_mechanism(e, "NTLM"));
    g_assert_true(smtpx_ehlo_has_auth_mechanism(e, "ntlm"));
    g_assert_false(smtpx_ehlo_has_auth_mechanism(e, "GSSAPI"));

    g_assert_cmpstr(cap_at(e, 5)->keyword, ==, "X-ANONYMOUSTLS");
    g_assert_cmpuint(cap_at(e, 5)->ext, ==, 0);
    g_assert_true(cap_at(e, 5)->valid);
    g_assert_cmpstr(cap_at(e, 7)->keyword, ==, "X-EXPS");
    g_assert_cmpstr(cap_at(e, 7)->params, ==, "GSSAPI NTLM");
    g_assert_cmpuint(cap_at(e, 7)->ext, ==, 0);
    g_assert_true(cap_at(e, 7)->valid);
    g_assert_cmpstr(cap_at(e, 11)->keyword, ==, "XEXCH50");
    g_assert_true(cap_at(e, 11)->valid);
    /* The last line is a real keyword here, not "OK". */
    g_assert_cmpstr(cap_at(e, 13)->keyword, ==, "XSHADOWREQUEST");
    smtpx_ehlo_free(e);

    /* Exchange without TLS may offer "AUTH" with no mechanism at all. */
    {
        static const char *const bare[] = {
            "250-mail.example.org Hello [192.0.2.7]", "250-AUTH",
            "250-X-EXPS NTLM", "250 XSHADOW",
        };
        e = ehlo_from(bare, G_N_ELEMENTS(bare));
        g_assert_true(e->ext_mask & SMTPX_EXT_AUTH);
        g_assert_cmpuint(e->auth_mechanisms->len, ==, 0);
        g_assert_false(cap_at(e, 0)->valid);
        g_assert_null(cap_at(e, 0)->params);
        g_assert_false(smtpx_ehlo_has_auth_mechanism(e, "NTLM"));
        g_assert_cmpstr(e->keywords, ==, "AUTH X-EXPS XSHADOW");
        smtpx_ehlo_free(e);
    }
}

static void
test_auth_obsolete_form(void)
{
    static const char *const l[] = {
        "250-smtp.example.com", "250-AUTH LOGIN PLAIN", "250-AUTH=LOGIN PLAIN",
        "250 8BITMIME",
    };
    static const char *const only_old[] = { "250-smtp.example.com", "250 AUTH=LOGIN" };
    smtpx_ehlo_t *e = ehlo_from(l, G_N_ELEMENTS(l));
    const smtpx_ehlo_capability_t *c;

    g_assert_cmpuint(e->capabilities->len, ==, 3);
    c = cap_at(e, 1);
    g_assert_cmpstr(c->keyword, ==, "AUTH");
    g_assert_cmpstr(c->params, ==, "LOGIN PLAIN");
    g_assert_true(c->obsolete_form);
    g_assert_true(c->valid);
    g_assert_cmpuint(c->ext, ==, SMTPX_EXT_AUTH);
    g_assert_false(cap_at(e, 0)->obsolete_form);
    /* Mechanisms listed once, keywords once. */
    g_assert_cmpuint(e->auth_mechanisms->len, ==, 2);
    g_assert_cmpstr(mech_at(e, 0), ==, "LOGIN");
    g_assert_cmpstr(mech_at(e, 1), ==, "PLAIN");
    g_assert_cmpstr(e->keywords, ==, "AUTH 8BITMIME");
    g_assert_null(e->greeting);
    smtpx_ehlo_free(e);

    e = ehlo_from(only_old, 2);
    g_assert_true(e->ext_mask & SMTPX_EXT_AUTH);
    g_assert_cmpuint(e->auth_mechanisms->len, ==, 1);
    g_assert_true(smtpx_ehlo_has_auth_mechanism(e, "login"));
    g_assert_false(smtpx_ehlo_has_auth_mechanism(e, "PLAIN"));
    g_assert_false(smtpx_ehlo_has_auth_mechanism(e, NULL));
    g_assert_false(smtpx_ehlo_has_auth_mechanism(NULL, "LOGIN"));
    smtpx_ehlo_free(e);
}

/* keywords lists each keyword once, at its first line, whatever lines
 * repeat it (upper-cased first, so "size" repeats "SIZE"), next to each
 * other or not, first or last; capabilities keeps every line. */
static void
test_keywords_once(void)
{
    static const char *const l[] = {
        "250-x.example", "250-PIPELINING", "250-SIZE 100", "250-8BITMIME",
        "250-size 200", "250-PIPELINING", "250-PIPELINING", "250-X-A",
        "250 8BITMIME",
    };
    static const char *const same[] = {
        "250-x.example", "250-DSN", "250-dsn", "250 Dsn",
    };
    smtpx_ehlo_t *e = ehlo_from(l, G_N_ELEMENTS(l));

    g_assert_cmpuint(e->capabilities->len, ==, 8);
    g_assert_cmpstr(e->keywords, ==, "PIPELINING SIZE 8BITMIME X-A");
    /* The first SIZE line wins (ehlo.h). */
    g_assert_true(e->size_present);
    g_assert_cmpuint(e->size_limit, ==, 100);
    smtpx_ehlo_free(e);

    e = ehlo_from(same, G_N_ELEMENTS(same));
    g_assert_cmpuint(e->capabilities->len, ==, 3);
    g_assert_cmpstr(e->keywords, ==, "DSN");
    smtpx_ehlo_free(e);
}

static void
test_auth_mechanisms(void)
{
    smtpx_ehlo_capability_t *c;
    static const char *const l[] = {
        "250-x.example", "250-auth login cram-md5 SCRAM-SHA-256 login", "250 OK",
    };
    smtpx_ehlo_t *e = ehlo_from(l, 3);

    g_assert_cmpuint(e->auth_mechanisms->len, ==, 3);
    g_assert_cmpstr(mech_at(e, 0), ==, "LOGIN");
    g_assert_cmpstr(mech_at(e, 1), ==, "CRAM-MD5");
    g_assert_cmpstr(mech_at(e, 2), ==, "SCRAM-SHA-256");
    g_assert_cmpstr(cap_at(e, 0)->keyword, ==, "AUTH");
    g_assert_cmpstr(cap_at(e, 0)->params, ==, "login cram-md5 SCRAM-SHA-256 login");
    smtpx_ehlo_free(e);

    /* sasl-mech is at most 20 characters (RFC 4422 3.1). */
    c = smtpx_ehlo_capability_parse(S("AUTH PLAIN ABCDEFGHIJKLMNOPQRSTU"));
    g_assert_false(c->valid);
    smtpx_ehlo_capability_free(c);
    c = smtpx_ehlo_capability_parse(S("AUTH"));
    g_assert_false(c->valid);   /* no mechanism listed */
    g_assert_null(c->params);
    smtpx_ehlo_capability_free(c);
    c = smtpx_ehlo_capability_parse(S("AUTH PLAIN"));
    g_assert_true(c->valid);
    smtpx_ehlo_capability_free(c);
}

static void
test_size(void)
{
    static const char *const no_num[] = { "250-a.example", "250 SIZE" };
    static const char *const zero[] = { "250-a.example", "250 SIZE 0" };
    static const char *const bad[] = { "250-a.example", "250 SIZE abc" };
    static const char *const huge[] = { "250-a.example", "250 SIZE 18446744073709551616" };
    static const char *const max[] = { "250-a.example", "250 SIZE 18446744073709551615" };
    smtpx_ehlo_t *e;

    /* RFC 1870: no number (or 0) means no fixed maximum. */
    e = ehlo_from(no_num, 2);
    g_assert_true(e->size_present);
    g_assert_false(e->size_has_value);
    g_assert_cmpuint(e->size_limit, ==, 0);
    g_assert_true(cap_at(e, 0)->valid);
    smtpx_ehlo_free(e);

    e = ehlo_from(zero, 2);
    g_assert_true(e->size_present);
    g_assert_true(e->size_has_value);
    g_assert_cmpuint(e->size_limit, ==, 0);
    g_assert_true(cap_at(e, 0)->valid);
    smtpx_ehlo_free(e);

    e = ehlo_from(bad, 2);
    g_assert_true(e->size_present);
    g_assert_false(e->size_has_value);
    g_assert_cmpuint(e->size_limit, ==, 0);
    g_assert_false(cap_at(e, 0)->valid);
    smtpx_ehlo_free(e);

    e = ehlo_from(huge, 2);
    g_assert_false(e->size_has_value);
    g_assert_cmpuint(e->size_limit, ==, 0);
    g_assert_false(cap_at(e, 0)->valid);
    smtpx_ehlo_free(e);

    e = ehlo_from(max, 2);
    g_assert_true(e->size_has_value);
    g_assert_cmpuint(e->size_limit, ==, G_MAXUINT64);
    smtpx_ehlo_free(e);
}

static void
test_limits(void)
{
    static const char *const l[] = {
        "250-a.example", "250-LIMITS RCPTMAX=100 MAILMAX=1000 RCPTDOMAINMAX=10",
        "250 OK",
    };
    static const char *const unknown[] = {
        "250-a.example", "250 LIMITS FUTURE_LIMIT=abc RCPTMAX=5 FLAG",
    };
    smtpx_ehlo_t *e = ehlo_from(l, 3);
    smtpx_ehlo_capability_t *c;

    g_assert_true(e->limits_present);
    g_assert_true(e->ext_mask & SMTPX_EXT_LIMITS);
    g_assert_cmpuint(e->limits_rcptmax, ==, 100);
    g_assert_cmpuint(e->limits_mailmax, ==, 1000);
    g_assert_cmpuint(e->limits_rcptdomainmax, ==, 10);
    g_assert_true(cap_at(e, 0)->valid);
    smtpx_ehlo_free(e);

    /* Unregistered limits are ignored (RFC 9422 section 3). */
    e = ehlo_from(unknown, 2);
    g_assert_cmpuint(e->limits_rcptmax, ==, 5);
    g_assert_cmpuint(e->limits_mailmax, ==, 0);
    g_assert_true(cap_at(e, 0)->valid);
    smtpx_ehlo_free(e);

    /* Registered values: 1 to 6 digits, no leading zero, not 0. */
    c = smtpx_ehlo_capability_parse(S("LIMITS RCPTMAX=0"));
    g_assert_false(c->valid);
    smtpx_ehlo_capability_free(c);
    c = smtpx_ehlo_capability_parse(S("LIMITS RCPTMAX=1234567"));
    g_assert_false(c->valid);
    smtpx_ehlo_capability_free(c);
    c = smtpx_ehlo_capability_parse(S("LIMITS MAILMAX=05"));
    g_assert_false(c->valid);
    smtpx_ehlo_capability_free(c);
    c = smtpx_ehlo_capability_parse(S("LIMITS RCPTMAX=999999"));
    g_assert_true(c->valid);
    smtpx_ehlo_capability_free(c);
    c = smtpx_ehlo_capability_parse(S("LIMITS X=a;b"));   /* ';' not allowed */
    g_assert_false(c->valid);
    smtpx_ehlo_capability_free(c);
    c = smtpx_ehlo_capability_parse(S("LIMITS"));
    g_assert_false(c->valid);
    smtpx_ehlo_capability_free(c);

    {
        static const char *const bad[] = { "250-a.example", "250 LIMITS RCPTMAX=0 MAILMAX=x" };
        e = ehlo_from(bad, 2);
        g_assert_true(e->limits_present);
        g_assert_cmpuint(e->limits_rcptmax, ==, 0);
        g_assert_cmpuint(e->limits_mailmax, ==, 0);
        smtpx_ehlo_free(e);
    }
}

static void
test_capability_grammar(void)
{
    smtpx_ehlo_capability_t *c;

    c = smtpx_ehlo_capability_parse(S(""));
    g_assert_false(c->valid);
    g_assert_cmpstr(c->keyword, ==, "");
    g_assert_null(c->params);
    smtpx_ehlo_capability_free(c);

    c = smtpx_ehlo_capability_parse(NULL, 0);
    g_assert_false(c->valid);
    smtpx_ehlo_capability_free(c);

    c = smtpx_ehlo_capability_parse(S("starttls"));
    g_assert_true(c->valid);
    g_assert_cmpstr(c->keyword, ==, "STARTTLS");
    g_assert_cmpuint(c->ext, ==, SMTPX_EXT_STARTTLS);
    smtpx_ehlo_capability_free(c);

    /* Leading blank: not ehlo-line grammar. */
    c = smtpx_ehlo_capability_parse(S(" PIPELINING"));
    g_assert_false(c->valid);
    g_assert_cmpstr(c->keyword, ==, "PIPELINING");
    smtpx_ehlo_capability_free(c);

    /* '_' is not allowed in ehlo-keyword. */
    c = smtpx_ehlo_capability_parse(S("X_FOO"));
    g_assert_false(c->valid);
    smtpx_ehlo_capability_free(c);
    c = smtpx_ehlo_capability_parse(S("-X"));
    g_assert_false(c->valid);
    smtpx_ehlo_capability_free(c);

    /* ehlo-param is %d33-126. */
    c = smtpx_ehlo_capability_parse(S("DELIVERBY 240"));
    g_assert_true(c->valid);
    g_assert_cmpuint(c->ext, ==, SMTPX_EXT_DELIVERBY);
    g_assert_cmpstr(c->params, ==, "240");
    smtpx_ehlo_capability_free(c);
    c = smtpx_ehlo_capability_parse(S("X-FOO a\tb"));
    g_assert_false(c->valid);
    g_assert_cmpstr(c->params, ==, "a\\x09b");
    smtpx_ehlo_capability_free(c);
    c = smtpx_ehlo_capability_parse(S("X-FOO \xc3\xa9"));
    g_assert_false(c->valid);
    g_assert_cmpstr(c->params, ==, "\xc3\xa9");
    smtpx_ehlo_capability_free(c);

    /* Trailing blanks are not part of the parameters. */
    c = smtpx_ehlo_capability_parse(S("SIZE 1000  "));
    g_assert_true(c->valid);
    g_assert_cmpstr(c->params, ==, "1000");
    smtpx_ehlo_capability_free(c);

    /* '=' after another keyword is not the AUTH compatibility form. */
    c = smtpx_ehlo_capability_parse(S("SIZE=1000"));
    g_assert_false(c->valid);
    g_assert_true(c->obsolete_form);
    g_assert_cmpstr(c->keyword, ==, "SIZE");
    smtpx_ehlo_capability_free(c);

    /* Control bytes and invalid UTF-8 come out escaped. */
    c = smtpx_ehlo_capability_parse(S("X\x01\xff"));
    g_assert_false(c->valid);
    g_assert_cmpstr(c->keyword, ==, "X\\x01\\xff");
    smtpx_ehlo_capability_free(c);

    smtpx_ehlo_capability_free(NULL);
}

static void
test_ext_bits(void)
{
    static const struct {
        const char *line;
        guint32 bit;
    } t[] = {
        { "SIZE", SMTPX_EXT_SIZE }, { "PIPELINING", SMTPX_EXT_PIPELINING },
        { "8BITMIME", SMTPX_EXT_8BITMIME }, { "BINARYMIME", SMTPX_EXT_BINARYMIME },
        { "CHUNKING", SMTPX_EXT_CHUNKING }, { "STARTTLS", SMTPX_EXT_STARTTLS },
        { "AUTH PLAIN", SMTPX_EXT_AUTH }, { "DSN", SMTPX_EXT_DSN },
        { "SMTPUTF8", SMTPX_EXT_SMTPUTF8 },
        { "ENHANCEDSTATUSCODES", SMTPX_EXT_ENHANCEDSTATUSCODES },
        { "LIMITS RCPTMAX=1", SMTPX_EXT_LIMITS }, { "REQUIRETLS", SMTPX_EXT_REQUIRETLS },
        { "DELIVERBY", SMTPX_EXT_DELIVERBY }, { "MTRK", SMTPX_EXT_MTRK },
        { "BURL imap", SMTPX_EXT_BURL }, { "VRFY", SMTPX_EXT_VRFY },
        { "ETRN", SMTPX_EXT_ETRN }, { "MT-PRIORITY MIXER", SMTPX_EXT_MT_PRIORITY },
        { "mt-priority", SMTPX_EXT_MT_PRIORITY },
        { "XEXCH50", 0 }, { "HELP", 0 }, { "SIZEX", 0 }, { "8BIT", 0 },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(t); i++) {
        smtpx_ehlo_capability_t *c =
            smtpx_ehlo_capability_parse((const guint8 *)t[i].line, strlen(t[i].line));
        g_assert_cmpuint(c->ext, ==, t[i].bit);
        smtpx_ehlo_capability_free(c);
    }
}

static void
test_edge_replies(void)
{
    static const char *const one[] = { "250 mail.example.com" };
    static const char *const ok_only[] = { "250-mail.example.com", "250 OK" };
    smtpx_reply_t *r;
    smtpx_ehlo_t *e;

    g_assert_null(smtpx_ehlo_parse(NULL));
    r = smtpx_reply_new();
    g_assert_null(smtpx_ehlo_parse(r));
    smtpx_reply_free(r);

    e = ehlo_from(one, 1);
    g_assert_cmpstr(e->domain, ==, "mail.example.com");
    g_assert_null(e->greeting);
    g_assert_cmpuint(e->capabilities->len, ==, 0);
    g_assert_cmpstr(e->keywords, ==, "");
    g_assert_cmpuint(e->ext_mask, ==, 0);
    g_assert_false(e->size_present);
    smtpx_ehlo_free(e);

    e = ehlo_from(ok_only, 2);
    g_assert_cmpuint(e->capabilities->len, ==, 0);
    smtpx_ehlo_free(e);

    /* Empty first line: no domain. */
    r = smtpx_reply_new();
    (void)smtpx_reply_add_line(r, S("250-"));
    (void)smtpx_reply_add_line(r, S("250 PIPELINING"));
    e = smtpx_ehlo_parse(r);
    g_assert_null(e->domain);
    g_assert_null(e->greeting);
    g_assert_cmpstr(e->keywords, ==, "PIPELINING");
    smtpx_ehlo_free(e);
    smtpx_reply_free(r);

    smtpx_ehlo_free(NULL);
}

/* ---- random bytes ---------------------------------------------------- */

static const guint8 alphabet[] = "AUTH SIZE LIMITS RCPTMAX= =;-0123456789\t\x00\xff\xc3\xa9" "ok";

static gsize
random_bytes(guint8 *buf, gsize max)
{
    gsize len = (gsize)g_test_rand_int_range(0, (gint32)max + 1);
    gsize i;
    gboolean mixed = g_test_rand_bit();

    for (i = 0; i < len; i++) {
        if (mixed && (g_test_rand_int() & 3) != 0)
            buf[i] = alphabet[g_test_rand_int_range(0, sizeof(alphabet) - 1)];
        else
            buf[i] = (guint8)g_test_rand_int_range(0, 256);
    }
    return len;
}

static void
assert_safe_ehlo(const smtpx_ehlo_t *e)
{
    guint i;

    if (e->domain)
        assert_safe_string(e->domain);
    if (e->greeting)
        assert_safe_string(e->greeting);
    assert_safe_string(e->keywords);
    for (i = 0; i < e->capabilities->len; i++) {
        const smtpx_ehlo_capability_t *c = g_ptr_array_index(e->capabilities, i);
        assert_safe_string(c->keyword);
        if (c->params)
            assert_safe_string(c->params);
    }
    for (i = 0; i < e->auth_mechanisms->len; i++)
        assert_safe_string(g_ptr_array_index(e->auth_mechanisms, i));
    g_assert_cmpuint(e->auth_mechanisms->len, <=, 64);
    if (!e->size_present)
        g_assert_cmpuint(e->size_limit, ==, 0);
    g_assert_cmpuint(e->limits_rcptmax, <=, 999999);
    g_assert_cmpuint(e->limits_mailmax, <=, 999999);
    g_assert_cmpuint(e->limits_rcptdomainmax, <=, 999999);
}

/* Issue 14: at most SMTPX_EHLO_MAX_KEYWORDS keyword lines are kept; the
 * rest are counted, and an extension advertised past the cap (CHUNKING on
 * the last line, SIZE with its number) still counts, so that BDAT after
 * such a reply is not called unadvertised. */
static void
test_keyword_cap(void)
{
    const guint extra = 40, total = SMTPX_EHLO_MAX_KEYWORDS + extra;
    smtpx_reply_t *r = smtpx_reply_new();
    smtpx_ehlo_t *e;
    guint i;

    (void)smtpx_reply_add_line(r, S("250-mx.example.net"));
    for (i = 0; i < total - 2; i++) {
        char *line = g_strdup_printf("250-X-KW%u", i);
        (void)smtpx_reply_add_line(r, (const guint8 *)line, strlen(line));
        g_free(line);
    }
    (void)smtpx_reply_add_line(r, S("250-SIZE 1000"));
    g_assert_true(smtpx_reply_add_line(r, S("250 CHUNKING")));
    e = smtpx_ehlo_parse(r);
    smtpx_reply_free(r);
    g_assert_nonnull(e);
    g_assert_cmpuint(e->capabilities->len, ==, SMTPX_EHLO_MAX_KEYWORDS);
    g_assert_cmpuint(e->keywords_dropped, ==, extra);
    g_assert_cmpstr(cap_at(e, 0)->keyword, ==, "X-KW0");
    g_assert_cmpstr(cap_at(e, SMTPX_EHLO_MAX_KEYWORDS - 1)->keyword, ==, "X-KW127");
    g_assert_null(strstr(e->keywords, "CHUNKING"));
    g_assert_null(strstr(e->keywords, "X-KW128"));
    g_assert_true((e->ext_mask & SMTPX_EXT_CHUNKING) != 0);
    g_assert_true(e->size_present);
    g_assert_cmpuint(e->size_limit, ==, 1000);
    smtpx_ehlo_free(e);
}

static void
test_random_bytes(void)
{
    guint8 *buf = g_malloc(70004);
    guint iter;

    for (iter = 0; iter < 10000; iter++) {
        smtpx_ehlo_capability_t *c;
        smtpx_reply_t *r = smtpx_reply_new();
        smtpx_ehlo_t *e;
        gsize len = random_bytes(buf, iter % 500 == 0 ? 70000 : 300);
        guint n = (guint)g_test_rand_int_range(1, 12), k;

        c = smtpx_ehlo_capability_parse(buf, len);
        assert_safe_string(c->keyword);
        if (c->params)
            assert_safe_string(c->params);
        smtpx_ehlo_capability_free(c);

        for (k = 0; k < n; k++) {
            gsize l2 = random_bytes(buf + 4, 200);
            memcpy(buf, k + 1 == n ? "250 " : "250-", 4);
            (void)smtpx_reply_add_line(r, buf, l2 + 4);
        }
        e = smtpx_ehlo_parse(r);
        g_assert_nonnull(e);
        assert_safe_ehlo(e);
        smtpx_ehlo_free(e);
        smtpx_reply_free(r);
    }

    /* Many distinct AUTH mechanisms: capped, and quick. */
    {
        GString *s = g_string_new("AUTH");
        smtpx_reply_t *r = smtpx_reply_new();
        smtpx_ehlo_t *e;
        guint k;

        for (k = 0; k < 10000; k++)
            g_string_append_printf(s, " M%u", k);
        (void)smtpx_reply_add_line(r, S("250-x.example"));
        g_string_prepend(s, "250 ");
        (void)smtpx_reply_add_line(r, (const guint8 *)s->str, s->len);
        e = smtpx_ehlo_parse(r);
        g_assert_cmpuint(e->auth_mechanisms->len, ==, 64);
        g_assert_cmpstr(mech_at(e, 63), ==, "M63");
        smtpx_ehlo_free(e);
        smtpx_reply_free(r);
        g_string_free(s, TRUE);
    }
    g_free(buf);
}

/* Where the parts lie (issue 11): the domain in the first line's text, the
 * reply line of each capability (the "OK" trailer is line 11, skipped). */
static void
test_offsets(void)
{
    static const char *const l[] = {
        "250-WIN-BKLR90FGWRQ Hello [198.51.100.174]", "250-TURN",
        "250-SIZE 2097152", "250-AUTH LOGIN PLAIN", "250 OK",
    };
    smtpx_ehlo_t *e = ehlo_from(l, G_N_ELEMENTS(l));

    /* "WIN-BKLR90FGWRQ" is bytes 0..14 of "WIN-BKLR90FGWRQ Hello ...". */
    g_assert_cmpuint(e->domain_offset, ==, 0);
    g_assert_cmpuint(e->domain_length, ==, 15);
    g_assert_cmpuint(e->capabilities->len, ==, 3);
    g_assert_cmpuint(cap_at(e, 0)->line, ==, 1);
    g_assert_cmpuint(cap_at(e, 1)->line, ==, 2);
    g_assert_cmpuint(cap_at(e, 2)->line, ==, 3);
    smtpx_ehlo_free(e);

    {
        static const char *const l2[] = { "250-  mx.example  hi", "250 SIZE" };
        e = ehlo_from(l2, G_N_ELEMENTS(l2));
        /* text is "  mx.example  hi": domain at 2, 10 bytes */
        g_assert_cmpuint(e->domain_offset, ==, 2);
        g_assert_cmpuint(e->domain_length, ==, 10);
        g_assert_cmpuint(cap_at(e, 0)->line, ==, 1);
        smtpx_ehlo_free(e);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ehlo/lab-reply", test_lab_reply);
    g_test_add_func("/ehlo/exchange", test_exchange);
    g_test_add_func("/ehlo/auth/obsolete-form", test_auth_obsolete_form);
    g_test_add_func("/ehlo/auth/mechanisms", test_auth_mechanisms);
    g_test_add_func("/ehlo/keywords-once", test_keywords_once);
    g_test_add_func("/ehlo/size", test_size);
    g_test_add_func("/ehlo/limits", test_limits);
    g_test_add_func("/ehlo/capability-grammar", test_capability_grammar);
    g_test_add_func("/ehlo/ext-bits", test_ext_bits);
    g_test_add_func("/ehlo/edge-replies", test_edge_replies);
    g_test_add_func("/ehlo/keyword-cap", test_keyword_cap);
    g_test_add_func("/ehlo/random-bytes", test_random_bytes);
    g_test_add_func("/ehlo/offsets", test_offsets);
    return g_test_run();
}
