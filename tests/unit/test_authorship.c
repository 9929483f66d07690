/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_authorship.c - unit tests for plugin/core/authorship.c, the
 * forged-From verdict.  Expected values come from the rule in
 * docs/verdict.md and the texts it rests on: RFC 7489 3.1/3.2 (relaxed
 * alignment on organizational domains from the Public Suffix List),
 * RFC 7208 2.4 (HELO for a null reverse-path), RFC 5322 3.6/3.6.2 (one From;
 * Sender when several authors), RFC 6376 3.5 (d=), UTS 39 5.2 (mixed
 * scripts) and the Unicode Script property of the characters involved.
 */
#include <string.h>

#include "authorship.h"

/* ------------------------------------------------------------------ */
/* Input builders                                                      */
/* ------------------------------------------------------------------ */

/* A header section from text whose lines end in CRLF; stops at the empty
 * line like the real accumulator. */
static smtpx_headers_t *
headers_from(const char *text)
{
    smtpx_headers_t *h = smtpx_headers_new(64 * 1024);
    const char *p = text;

    while (*p) {
        const char *eol = strstr(p, "\r\n");
        gsize len = eol ? (gsize)(eol - p) : strlen(p);

        if (smtpx_headers_add_line(h, (const guint8 *)p, len, FALSE) !=
            SMTPX_HEADERS_MORE)
            break;
        p += len + (eol ? 2 : 0);
    }
    smtpx_headers_finish(h);
    return h;
}

/* A MAIL FROM through the real RFC 5321 path parser. */
static smtpx_path_t *
mail_from(const char *args)
{
    return smtpx_path_parse((const guint8 *)args, strlen(args), TRUE);
}

/* Judges (MAIL FROM arguments or NULL, HELO or NULL, header text or NULL). */
static smtpx_verdict_t *
judge_ex(const char *mf_args, const char *helo, const char *hdr_text,
         const smtpx_exception_t *exc, gsize n_exc)
{
    smtpx_path_t *mf = mf_args ? mail_from(mf_args) : NULL;
    smtpx_headers_t *h = hdr_text ? headers_from(hdr_text) : NULL;
    smtpx_authorship_input_t in = { mf, helo, h, exc, n_exc };
    smtpx_verdict_t *v = smtpx_authorship_judge(&in);

    /* The verdict owns copies: the inputs go away before it is read. */
    if (mf)
        smtpx_path_free(mf);
    smtpx_headers_free(h);
    g_assert_nonnull(v);
    g_assert_true(v->decided);
    g_assert_nonnull(v->reasons);
    g_assert_nonnull(v->notes);
    /* NULL, or the d= of at least one signature. */
    g_assert_true(!v->dkim_domains || v->dkim_domains->len > 0);
    return v;
}

static smtpx_verdict_t *
judge(const char *mf_args, const char *helo, const char *hdr_text)
{
    return judge_ex(mf_args, helo, hdr_text, NULL, 0);
}

/* The verdict with a hand-made MAIL FROM (for path flags whose parsing is
 * command.c's business, not this file's). */
static smtpx_verdict_t *
judge_path(const char *domain, guint32 flags, const char *local,
           const char *hdr_text)
{
    smtpx_path_t p;
    smtpx_headers_t *h = headers_from(hdr_text);
    smtpx_authorship_input_t in;
    smtpx_verdict_t *v;
    char *mbox = g_strdup_printf("%s@%s", local, domain);

    memset(&p, 0, sizeof p);
    p.mailbox = mbox;
    p.domain = g_strdup(domain);
    p.local_part = g_strdup(local);
    p.flags = flags;
    memset(&in, 0, sizeof in);
    in.mail_from = &p;
    in.headers = h;
    v = smtpx_authorship_judge(&in);
    g_free(p.domain);
    g_free(p.local_part);
    g_free(mbox);
    smtpx_headers_free(h);
    return v;
}

/* Only the listed flags are set (missing, multiple, ...); forged as given. */
#define F_ENV_MISMATCH  (1u << 0)
#define F_ENV_INVALID   (1u << 1)
#define F_DKIM_ALIGNED  (1u << 2)
#define F_DN_SPOOF      (1u << 3)
#define F_MULTIPLE      (1u << 4)
#define F_MISSING       (1u << 5)
#define F_AMBIGUOUS     (1u << 6)
#define F_LOOKALIKE     (1u << 7)
#define F_EXCEPTION     (1u << 8)

static void
assert_flags(const smtpx_verdict_t *v, gboolean forged, guint32 want)
{
    guint32 got = (v->envelope_mismatch ? F_ENV_MISMATCH : 0) |
                  (v->envelope_invalid ? F_ENV_INVALID : 0) |
                  (v->dkim_aligned ? F_DKIM_ALIGNED : 0) |
                  (v->display_name_spoof ? F_DN_SPOOF : 0) |
                  (v->multiple ? F_MULTIPLE : 0) |
                  (v->missing ? F_MISSING : 0) |
                  (v->ambiguous ? F_AMBIGUOUS : 0) |
                  (v->lookalike ? F_LOOKALIKE : 0) |
                  (v->exception ? F_EXCEPTION : 0);

    if (got != want || v->forged != forged)
        g_test_message("verdict: forged=%d flags=0x%x reasons: %s",
                       v->forged, got, v->reasons);
    g_assert_cmpuint(got, ==, want);
    g_assert_cmpint(v->forged, ==, forged);
    /* A forged verdict always says why. */
    if (forged)
        g_assert_cmpstr(v->reasons, !=, "");
}

/* ------------------------------------------------------------------ */
/* Organizational domains and alignment                                */
/* ------------------------------------------------------------------ */

static void
check_org(const char *domain, const char *want)
{
    char *got = smtpx_org_domain(domain);

    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static void
test_org_domain(void)
{
    /* RFC 7489 3.2: public suffix plus one label. */
    check_org("example.com", "example.com");
    check_org("bounce.mail.example.com", "example.com");
    check_org("Bounce.Mail.EXAMPLE.com.", "example.com");   /* case, root dot */
    check_org("x.co.uk", "x.co.uk");                        /* co.uk is listed */
    check_org("a.b.x.co.uk", "x.co.uk");
    check_org("vger.kernel.org", "kernel.org");
    /* Private section: each github.io site is its own owner. */
    check_org("foo.github.io", "foo.github.io");
    /* IDN: compared in A-label form (RFC 5890); bücher = xn--bcher-kva. */
    check_org("www.bücher.de", "xn--bcher-kva.de");
    check_org("www.xn--bcher-kva.de", "xn--bcher-kva.de");
    /* Not usable: public suffixes themselves, single labels, addresses,
     * junk. */
    check_org("co.uk", NULL);
    check_org("com", NULL);
    check_org("localhost", NULL);
    check_org("203.0.113.25", NULL);
    check_org("[203.0.113.25]", NULL);
    check_org("2001:db8::1", NULL);
    check_org("", NULL);
    check_org(NULL, NULL);
    check_org(".", NULL);
    check_org("a..example.com", NULL);
    check_org("exa mple.com", NULL);
    check_org("evil.example@example.com", NULL);
    check_org("ex\\x00ample.com", NULL);
    check_org("\xff\xfe.com", NULL);
}

static void
test_aligned(void)
{
    /* RFC 7489 3.1 relaxed alignment: same organizational domain. */
    g_assert_true(smtpx_domains_aligned("example.com", "example.com"));
    g_assert_true(smtpx_domains_aligned("bounce.mail.example.com", "example.com"));
    g_assert_true(smtpx_domains_aligned("a.example.com", "B.EXAMPLE.COM."));
    g_assert_false(smtpx_domains_aligned("example.com", "example.org"));
    g_assert_false(smtpx_domains_aligned("example.com", "notexample.com"));
    /* The public-suffix trap: co.uk is a suffix, x and y are two owners. */
    g_assert_false(smtpx_domains_aligned("x.co.uk", "y.co.uk"));
    g_assert_true(smtpx_domains_aligned("mail.x.co.uk", "x.co.uk"));
    g_assert_false(smtpx_domains_aligned("alice.github.io", "bob.github.io"));
    /* Nothing to align. */
    g_assert_false(smtpx_domains_aligned("co.uk", "co.uk"));
    g_assert_false(smtpx_domains_aligned("203.0.113.25", "203.0.113.25"));
    g_assert_false(smtpx_domains_aligned(NULL, "example.com"));
    g_assert_false(smtpx_domains_aligned(NULL, NULL));
}

/* ------------------------------------------------------------------ */
/* Look-alike domains                                                  */
/* ------------------------------------------------------------------ */

static void
test_lookalike_domain(void)
{
    /* xn--pple-43d is "аpple": U+0430 CYRILLIC SMALL LETTER A, then Latin
     * "pple": two scripts in one label. */
    g_assert_true(smtpx_domain_is_lookalike("xn--pple-43d.com"));
    g_assert_true(smtpx_domain_is_lookalike("XN--PPLE-43D.COM"));
    /* The same as a UTF-8 domain (RFC 6532): Cyrillic р, а + Latin "ypal". */
    g_assert_true(smtpx_domain_is_lookalike("\xd1\x80\xd0\xb0ypal.com"));
    /* Greek alpha + Latin. */
    g_assert_true(smtpx_domain_is_lookalike("\xce\xb1pple.example"));
    /* Hangul + Katakana is none of UTS 39's allowed combinations. */
    g_assert_true(smtpx_domain_is_lookalike(
        "\xed\x95\x9c\xea\xb8\x80\xe3\x82\xab\xe3\x82\xbf.example"));

    /* xn--80ak6aa92e is "аррӏе", all Cyrillic (U+0430 U+0440 U+0440 U+04CF
     * U+0435): one script, but its UTS 39 skeleton is the ASCII "appie"
     * (confusables.txt maps а->a, р->p, ӏ->i, or ->l from ICU 78): a whole-script
     * confusable.  The same for "ѕсоре" (U+0455 U+0441 U+043E U+0440
     * U+0435, skeleton "scope"). */
    g_assert_true(smtpx_domain_is_lookalike("xn--80ak6aa92e.com"));
    g_assert_true(smtpx_domain_is_lookalike("\xd1\x95\xd1\x81\xd0\xbe\xd1\x80\xd0\xb5.example"));
    /* Cyrillic that reads as no ASCII word ("москва": м, к and в have no
     * Latin confusable) is an ordinary one-script IDN. */
    g_assert_false(smtpx_domain_is_lookalike("\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0.example"));
    /* "münchen", "café": Latin with diacritics, skeletons not ASCII. */
    g_assert_false(smtpx_domain_is_lookalike("m\xc3\xbc" "nchen.example"));
    g_assert_false(smtpx_domain_is_lookalike("caf\xc3\xa9.example"));
    /* "bücher": Latin with a diacritic, one script. */
    g_assert_false(smtpx_domain_is_lookalike("xn--bcher-kva.example"));
    g_assert_false(smtpx_domain_is_lookalike("b\xc3\xbc" "cher.example"));
    /* Scripts are judged per label: Cyrillic label + Latin label is fine. */
    g_assert_false(smtpx_domain_is_lookalike(
        "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0.example.com"));
    /* Japanese: Han + Hiragana + Katakana + Latin + digits (Common). */
    g_assert_false(smtpx_domain_is_lookalike(
        "\xe6\x97\xa5\xe6\x9c\xac\xe3\x81\xae\xe3\x82\xab\xe3\x82\xbf"
        "abc2.example"));
    /* Korean: Hangul + Han + Latin. */
    g_assert_false(smtpx_domain_is_lookalike(
        "\xed\x95\x9c\xea\xb8\x80\xe6\x97\xa5" "abc.example"));
    /* Plain ASCII, digits and hyphens. */
    g_assert_false(smtpx_domain_is_lookalike("mail-01.example.com"));
    /* An A-label is checked wherever it stands, in any case; "xn--" inside
     * a label is no A-label prefix (the ASCII fast path must not skip the
     * first two nor take the last). */
    g_assert_true(smtpx_domain_is_lookalike("mail.xn--pple-43d.com"));
    g_assert_true(smtpx_domain_is_lookalike("a.b.Xn--80ak6aa92e.example"));
    g_assert_false(smtpx_domain_is_lookalike("axn--pple-43d.com"));
    g_assert_false(smtpx_domain_is_lookalike("mail.example.xn--"));
    /* Latin "a", DIGIT ONE and ARABIC-INDIC DIGIT ONE (U+0661): two digit
     * systems (UTS 39 5.3) and Latin with Arabic (5.2). */
    g_assert_true(smtpx_domain_is_lookalike("a1\xd9\xa1.example"));

    /* Confusable names (UTS 39 4, same skeleton), never identical ones. */
    g_assert_true(smtpx_domains_confusable("paypal.com", "paypa1.com"));
    g_assert_true(smtpx_domains_confusable("PayPal.com", "xn--pypal-4ve.com"));
    g_assert_true(smtpx_domains_confusable("modern.example", "rnodern.example"));
    g_assert_false(smtpx_domains_confusable("paypal.com", "PAYPAL.COM."));
    g_assert_false(smtpx_domains_confusable("example.com", "example.org"));
    g_assert_false(smtpx_domains_confusable("mail.example.com", "example.com"));
    g_assert_false(smtpx_domains_confusable(NULL, "example.com"));
    g_assert_false(smtpx_domains_confusable("203.0.113.25", "203.0.113.25"));

    /* Not judged: nothing, junk, undecodable Punycode, invalid UTF-8. */
    g_assert_false(smtpx_domain_is_lookalike(NULL));
    g_assert_false(smtpx_domain_is_lookalike(""));
    g_assert_false(smtpx_domain_is_lookalike("xn--zzzzzzzz.com"));
    g_assert_false(smtpx_domain_is_lookalike("\xff\xfe.com"));
}

/* ------------------------------------------------------------------ */
/* Verdicts                                                            */
/* ------------------------------------------------------------------ */

static void
test_lab(void)
{
    /* The lab: "MAIL FROM: 203.0.113.25" has no '@', so no domain (RFC 5321
     * 4.1.2 Mailbox = Local-part "@" Domain); the HELO does not stand in
     * because the reverse-path is not null (RFC 7208 2.4).  No DKIM. */
    smtpx_verdict_t *v = judge("FROM: 203.0.113.25", "203.0.113.25",
                               "From: Ilon Mask <mask@tesla.com>\r\n"
                               "Subject: Hello Alex\r\n"
                               "\r\n");

    assert_flags(v, TRUE, F_ENV_INVALID);
    g_assert_cmpstr(v->from_field, ==, "Ilon Mask <mask@tesla.com>");
    g_assert_cmpstr(v->from_domain, ==, "tesla.com");
    g_assert_cmpstr(v->org_domain, ==, "tesla.com");
    g_assert_null(v->envelope_domain);
    g_assert_null(v->envelope_org_domain);
    g_assert_null(v->dkim_domains);
    /* Issue 10: equal strings of the verdict are stored once. */
    g_assert_true(v->org_domain == v->from_domain);
    g_assert_nonnull(v->authors);
    g_assert_cmpuint(v->authors->mailboxes->len, ==, 1);
    g_assert_null(v->sender);
    g_assert_null(v->reply_to);
    g_assert_null(v->return_path);
    g_assert_nonnull(strstr(v->reasons, "203.0.113.25"));
    g_assert_nonnull(strstr(v->reasons, "tesla.com"));
    g_assert_nonnull(strstr(v->reasons, "no DKIM signature"));
    smtpx_verdict_free(v);
}

static void
test_aligned_sender(void)
{
    smtpx_verdict_t *v = judge("FROM:<alice@example.com>", "mail.example.com",
                               "From: Alice <alice@example.com>\r\n"
                               "Sender: alice@example.com\r\n"
                               "Reply-To: Alice <alice@example.net>\r\n"
                               "Return-Path: <alice@example.com>\r\n"
                               "\r\n");

    assert_flags(v, FALSE, 0);
    g_assert_cmpstr(v->reasons, ==, "");
    g_assert_cmpstr(v->envelope_domain, ==, "example.com");
    g_assert_cmpstr(v->envelope_org_domain, ==, "example.com");
    g_assert_cmpstr(v->sender, ==, "alice@example.com");
    g_assert_cmpstr(v->reply_to, ==, "Alice <alice@example.net>");
    g_assert_cmpstr(v->return_path, ==, "<alice@example.com>");
    smtpx_verdict_free(v);
}

static void
test_subdomain_aligned(void)
{
    /* RFC 7489 3.1.2: relaxed SPF-style alignment accepts a subdomain. */
    smtpx_verdict_t *v = judge("FROM:<b-123@bounce.mail.example.com>",
                               "out.example.com",
                               "From: News <news@example.com>\r\n\r\n");

    assert_flags(v, FALSE, 0);
    g_assert_cmpstr(v->envelope_domain, ==, "bounce.mail.example.com");
    g_assert_cmpstr(v->envelope_org_domain, ==, "example.com");
    smtpx_verdict_free(v);
}

static void
test_public_suffix_trap(void)
{
    smtpx_verdict_t *v = judge("FROM:<a@x.co.uk>", "mail.x.co.uk",
                               "From: b@y.co.uk\r\n\r\n");

    assert_flags(v, TRUE, F_ENV_MISMATCH);
    g_assert_cmpstr(v->org_domain, ==, "y.co.uk");
    g_assert_cmpstr(v->envelope_org_domain, ==, "x.co.uk");
    smtpx_verdict_free(v);
}

static void
test_mailing_list_dkim(void)
{
    /* A list resends with its own envelope; the author's domain signed. */
    static const char hdr[] =
        "Received: by vger.kernel.org via listexpand\r\n"
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
        "        d=intel.com; s=selector;\r\n"
        "        h=from:to:subject; bh=AAAA; b=BBBB\r\n"
        "From: Some One <someone@intel.com>\r\n"
        "To: linux-kernel@vger.kernel.org\r\n"
        "\r\n";
    smtpx_verdict_t *v = judge("FROM:<linux-kernel-owner@vger.kernel.org> BODY=8BITMIME",
                               "vger.kernel.org", hdr);

    /* The envelope does not match (a fact, shown), DKIM d= is aligned:
     * backed, not forged; the words say the signature was not verified. */
    assert_flags(v, FALSE, F_ENV_MISMATCH | F_DKIM_ALIGNED);
    g_assert_cmpuint(v->dkim_domains->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(v->dkim_domains, 0), ==, "intel.com");
    g_assert_nonnull(strstr(v->reasons, "not verified"));
    smtpx_verdict_free(v);
}

static void
test_dkim_not_aligned(void)
{
    /* d=gmail.com does not back an intel.com author; X-Google-DKIM-Signature
     * is not a DKIM-Signature field. */
    static const char hdr[] =
        "DKIM-Signature: v=1; a=rsa-sha256; d=gmail.com; s=s; h=from; bh=A; b=B\r\n"
        "X-Google-DKIM-Signature: v=1; a=rsa-sha256; d=intel.com; s=s; h=from; bh=A; b=B\r\n"
        "From: someone@intel.com\r\n"
        "\r\n";
    smtpx_verdict_t *v = judge("FROM:<owner@vger.kernel.org>", "vger.kernel.org", hdr);

    assert_flags(v, TRUE, F_ENV_MISMATCH);
    g_assert_cmpuint(v->dkim_domains->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(v->dkim_domains, 0), ==, "gmail.com");
    smtpx_verdict_free(v);
}

static void
test_dkim_malformed_ignored(void)
{
    /* RFC 6376 3.5 requires v, a, b, bh, d, h and s; 5.4 requires From to be
     * signed.  A field that only says d=bank.example, or one whose h= leaves
     * From out, backs no author: forged, and the words say why. */
    static const char *const bad[] = {
        "DKIM-Signature: d=bank.example\r\n",
        "DKIM-Signature: v=1; a=rsa-sha256; d=bank.example; s=s; h=to:subject; bh=A; b=B\r\n",
        "DKIM-Signature: v=2; a=rsa-sha256; d=bank.example; s=s; h=from; bh=A; b=B\r\n",
        "DKIM-Signature: v=1; a=rsa-sha256; d=bank.example; s=s; h=from; bh=A; b=\r\n",
        "DKIM-Signature: v=1; a=rsa-sha256; d=bank.example; d=bank.example; s=s; h=from; bh=A; b=B\r\n",
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *hdr = g_strconcat(bad[i], "From: CEO <ceo@bank.example>\r\n\r\n", NULL);
        smtpx_verdict_t *v = judge("FROM:<x@evil.example>", "evil.example", hdr);

        assert_flags(v, TRUE, F_ENV_MISMATCH);
        g_assert_null(v->dkim_domains);
        g_assert_nonnull(strstr(v->reasons, "no usable DKIM signature"));
        smtpx_verdict_free(v);
        g_free(hdr);
    }
}

static void
test_dkim_subdomain_aligned(void)
{
    /* Relaxed DKIM alignment (RFC 7489 3.1.1): d=mail.example.com backs
     * example.com authors. */
    smtpx_verdict_t *v = judge("FROM:<bounce@esp.example.net>", "esp.example.net",
                               "DKIM-Signature: v=1; a=rsa-sha256; d=mail.example.com; s=s; h=From:To; bh=A; b=B\r\n"
                               "From: shop@example.com\r\n\r\n");

    assert_flags(v, FALSE, F_ENV_MISMATCH | F_DKIM_ALIGNED);
    smtpx_verdict_free(v);
}

static void
test_null_path(void)
{
    smtpx_verdict_t *v;

    /* RFC 7208 2.4: for "MAIL FROM:<>" the HELO identity stands in. */
    v = judge("FROM:<>", "mail.example.com",
              "From: Mail Delivery System <MAILER-DAEMON@example.com>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    g_assert_cmpstr(v->envelope_domain, ==, "mail.example.com");
    g_assert_cmpstr(v->envelope_org_domain, ==, "example.com");
    smtpx_verdict_free(v);

    /* HELO of another organization. */
    v = judge("FROM:<>", "mx.example.net",
              "From: MAILER-DAEMON@example.com\r\n\r\n");
    assert_flags(v, TRUE, F_ENV_MISMATCH);
    smtpx_verdict_free(v);

    /* A bare IP as HELO names no domain. */
    v = judge("FROM:<>", "203.0.113.25", "From: MAILER-DAEMON@example.com\r\n\r\n");
    assert_flags(v, TRUE, F_ENV_INVALID);
    g_assert_null(v->envelope_domain);
    smtpx_verdict_free(v);

    /* No HELO at all. */
    v = judge("FROM:<>", NULL, "From: MAILER-DAEMON@example.com\r\n\r\n");
    assert_flags(v, TRUE, F_ENV_INVALID);
    smtpx_verdict_free(v);
}

static void
test_envelope_no_org_domain(void)
{
    /* rfc3030-bdat-example1: envelope zeek@localhost, author random.com.
     * "localhost" is a single label: no organizational domain. */
    smtpx_verdict_t *v = judge("FROM:<zeek@localhost>", "localhost",
                               "From: user@random.com\r\n\r\n");

    assert_flags(v, TRUE, F_ENV_INVALID);
    g_assert_cmpstr(v->envelope_domain, ==, "localhost");
    g_assert_null(v->envelope_org_domain);
    smtpx_verdict_free(v);
}

static void
test_no_mail_from(void)
{
    smtpx_verdict_t *v;

    /* No MAIL FROM seen: the envelope backs nothing ... */
    v = judge(NULL, NULL, "From: a@example.com\r\n\r\n");
    assert_flags(v, TRUE, F_ENV_INVALID);
    smtpx_verdict_free(v);

    /* ... but an aligned DKIM d= still does. */
    v = judge(NULL, NULL, "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=A; b=B\r\n"
                          "From: a@example.com\r\n\r\n");
    assert_flags(v, FALSE, F_ENV_INVALID | F_DKIM_ALIGNED);
    smtpx_verdict_free(v);
}

static void
test_display_name_spoof(void)
{
    smtpx_verdict_t *v;

    /* The envelope is aligned with the real mailbox: only the display
     * name lies. */
    v = judge("FROM:<x@evil.example>", "evil.example",
              "From: \"support@paypal.com\" <x@evil.example>\r\n\r\n");
    assert_flags(v, TRUE, F_DN_SPOOF);
    g_assert_nonnull(strstr(v->reasons, "paypal.com"));
    smtpx_verdict_free(v);

    /* A bare domain under a listed suffix. */
    v = judge("FROM:<x@evil.example>", "evil.example",
              "From: PayPal.com Service <x@evil.example>\r\n\r\n");
    assert_flags(v, TRUE, F_DN_SPOOF);
    smtpx_verdict_free(v);

    /* The same after RFC 2047: =?UTF-8?Q?ceo=40tesla.com?= is
     * "ceo@tesla.com"; the decoded name shows an address. */
    v = judge("FROM:<x@evil.example>", "evil.example",
              "From: =?UTF-8?Q?ceo=40tesla.com?= <x@evil.example>\r\n\r\n");
    g_assert_true(v->display_name_spoof);
    g_assert_true(v->forged);
    smtpx_verdict_free(v);

    /* The legacy form: the name in a comment after the address (RFC 5322
     * 3.4), which readers show like a display name. */
    v = judge("FROM:<x@evil.example>", "evil.example",
              "From: x@evil.example (PayPal.com)\r\n\r\n");
    assert_flags(v, TRUE, F_DN_SPOOF);
    smtpx_verdict_free(v);

    /* Full-width commercial at (U+FF20) reads as '@' (NFKC). */
    v = judge("FROM:<x@evil.example>", "evil.example",
              "From: \"ceo\xef\xbc\xa0tesla.com\" <x@evil.example>\r\n\r\n");
    assert_flags(v, TRUE, F_DN_SPOOF);
    smtpx_verdict_free(v);
}

static void
test_display_name_legit(void)
{
    smtpx_verdict_t *v;

    /* Display name equal to the real address. */
    v = judge("FROM:<x@example.com>", "example.com",
              "From: \"x@example.com\" <x@example.com>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* Another address or domain of the same organization. */
    v = judge("FROM:<noreply@mail.example.com>", "mail.example.com",
              "From: \"Example.com support@example.com\" "
              "<noreply@mail.example.com>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* Commas, quotes, initials and titles are no domains. */
    v = judge("FROM:<john@example.com>", "example.com",
              "From: \"Doe, John \\\"J.R.R.\\\" Ph.D.\" <john@example.com>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    v = judge("FROM:<jane@example.com>", "example.com",
              "From: Dr. Jane Smith-Jones (Sales) <jane@example.com>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* A dotted word whose last label is no listed suffix ("louis") is no
     * domain. */
    v = judge("FROM:<office@example.com>", "example.com",
              "From: St.Louis Office <office@example.com>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* Legacy comment names of the same organization, nested comments. */
    v = judge("FROM:<john@example.com>", "example.com",
              "From: john@example.com (John Smith (example.com))\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);
}

static void
test_multiple(void)
{
    smtpx_verdict_t *v;

    /* RFC 5322 3.6: From occurs exactly once. */
    v = judge("FROM:<a@example.com>", "example.com",
              "From: a@example.com\r\nFrom: ceo@example.org\r\n\r\n");
    assert_flags(v, TRUE, F_MULTIPLE);
    g_assert_cmpstr(v->from_domain, ==, "example.com");
    smtpx_verdict_free(v);

    /* "From :" (obs-optional, RFC 5322 4.5) is a From field too; its
     * layout is ambiguous as well. */
    v = judge("FROM:<a@example.com>", "example.com",
              "From: a@example.com\r\nFrom : ceo@example.org\r\n\r\n");
    g_assert_true(v->multiple);
    g_assert_true(v->forged);
    smtpx_verdict_free(v);

    /* RFC 5322 3.6.2: several authors need a Sender field. */
    v = judge("FROM:<a@example.com>", "example.com",
              "From: a@example.com, b@example.com\r\n\r\n");
    assert_flags(v, TRUE, F_MULTIPLE);
    smtpx_verdict_free(v);

    v = judge("FROM:<a@example.com>", "example.com",
              "From: a@example.com, b@example.com\r\n"
              "Sender: a@example.com\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* With Sender, but the second author is of another organization: the
     * envelope backs only the first (RFC 7489 6.6.1 judges each). */
    v = judge("FROM:<a@example.com>", "example.com",
              "From: a@example.com, ceo@example.org\r\n"
              "Sender: a@example.com\r\n\r\n");
    assert_flags(v, TRUE, F_MULTIPLE);
    smtpx_verdict_free(v);
}

static void
test_missing(void)
{
    smtpx_verdict_t *v;

    v = judge("FROM:<a@example.com>", "example.com",
              "Subject: no author\r\n\r\n");
    assert_flags(v, TRUE, F_MISSING);
    g_assert_null(v->from_field);
    g_assert_null(v->authors);
    g_assert_null(v->from_domain);
    g_assert_null(v->org_domain);
    smtpx_verdict_free(v);

    /* No header section at all. */
    v = judge("FROM:<a@example.com>", "example.com", NULL);
    assert_flags(v, TRUE, F_MISSING);
    smtpx_verdict_free(v);

    /* An empty From field names no mailbox. */
    v = judge("FROM:<a@example.com>", "example.com", "From:\r\n\r\n");
    g_assert_true(v->missing);
    g_assert_true(v->forged);
    smtpx_verdict_free(v);
}

static void
test_lookalike_verdict(void)
{
    smtpx_verdict_t *v;

    /* Aligned envelope, but the domain mixes Cyrillic and Latin. */
    v = judge("FROM:<x@xn--pple-43d.com>", "xn--pple-43d.com",
              "From: Apple <x@xn--pple-43d.com>\r\n\r\n");
    assert_flags(v, TRUE, F_LOOKALIKE);
    g_assert_nonnull(strstr(v->reasons, "Cyrl"));
    g_assert_nonnull(strstr(v->reasons, "Latn"));
    smtpx_verdict_free(v);

    /* One script, but all-Cyrillic "аррӏе" reads as ASCII "appie": a
     * whole-script confusable (UTS 39 4), flagged even when aligned.
     * The skeleton follows ICU's confusables data: ICU 72 and 76 (Debian 12,
     * 13) maps U+04CF to "i" ("appie"), ICU 78 (Debian unstable) to "l"
     * ("apple"); either is ASCII, so the verdict is the same. */
    v = judge("FROM:<x@xn--80ak6aa92e.com>", "xn--80ak6aa92e.com",
              "From: x@xn--80ak6aa92e.com\r\n\r\n");
    assert_flags(v, TRUE, F_LOOKALIKE);
    g_assert_nonnull(strstr(v->reasons, "whole-script confusable"));
    g_assert_true(strstr(v->reasons, "ASCII label \"appie\"") != NULL ||
                  strstr(v->reasons, "ASCII label \"apple\"") != NULL);
    smtpx_verdict_free(v);

    /* One script that reads as nothing ASCII ("москва"): clean. */
    v = judge("FROM:<x@xn--80adxhks.example>", "xn--80adxhks.example",
              "From: x@xn--80adxhks.example\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* An author domain confusable with the envelope's ("paypa1" and
     * "paypal" share the skeleton): two owners, and a look-alike. */
    v = judge("FROM:<x@paypal.example>", "paypal.example",
              "From: x@paypa1.example\r\n\r\n");
    assert_flags(v, TRUE, F_LOOKALIKE | F_ENV_MISMATCH);
    g_assert_nonnull(strstr(v->reasons, "confusable with the envelope"));
    smtpx_verdict_free(v);

    /* Confusable host names of one organization deceive nobody. */
    v = judge("FROM:<b@maill.example.com>", "maill.example.com",
              "From: a@mail1.example.com\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* ... and with a domain the display name shows. */
    v = judge("FROM:<x@paypa1.com>", "paypa1.com",
              "From: \"paypal.com\" <x@paypa1.com>\r\n\r\n");
    assert_flags(v, TRUE, F_LOOKALIKE | F_DN_SPOOF);
    g_assert_nonnull(strstr(v->reasons, "shown in the display name"));
    smtpx_verdict_free(v);

    v = judge("FROM:<info@xn--bcher-kva.example>", "xn--bcher-kva.example",
              "From: info@xn--bcher-kva.example\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);
}

static void
test_exception(void)
{
    static const smtpx_exception_t rules[] = {
        { "other.example", "other.example" },
        { "*.lists.example.org", "*" },
    };
    static const smtpx_exception_t wrong[] = {
        { "lists.example.org", "example.net" },
    };
    smtpx_verdict_t *v;

    /* The rule names the list's envelope domain and any author: shown, and
     * the envelope counts as backing. */
    v = judge_ex("FROM:<bounces@lists.example.org>", "lists.example.org",
                 "From: alice@example.com\r\n\r\n", rules, G_N_ELEMENTS(rules));
    assert_flags(v, FALSE, F_ENV_MISMATCH | F_EXCEPTION);
    g_assert_cmpstr(v->exception_rule, ==, "*.lists.example.org -> *");
    g_assert_nonnull(strstr(v->reasons, "*.lists.example.org -> *"));
    smtpx_verdict_free(v);

    /* "*.d" also covers subdomains of d. */
    v = judge_ex("FROM:<b@eu.lists.example.org>", "lists.example.org",
                 "From: alice@example.com\r\n\r\n", rules, G_N_ELEMENTS(rules));
    assert_flags(v, FALSE, F_ENV_MISMATCH | F_EXCEPTION);
    smtpx_verdict_free(v);

    /* A rule for another author domain does not match. */
    v = judge_ex("FROM:<bounces@lists.example.org>", "lists.example.org",
                 "From: alice@example.com\r\n\r\n", wrong, G_N_ELEMENTS(wrong));
    assert_flags(v, TRUE, F_ENV_MISMATCH);
    g_assert_null(v->exception_rule);
    smtpx_verdict_free(v);

    /* An exception does not excuse other reasons. */
    v = judge_ex("FROM:<bounces@lists.example.org>", "lists.example.org",
                 "From: \"ceo@example.net\" <alice@example.com>\r\n\r\n",
                 rules, G_N_ELEMENTS(rules));
    assert_flags(v, TRUE, F_ENV_MISMATCH | F_EXCEPTION | F_DN_SPOOF);
    smtpx_verdict_free(v);
}

static void
test_ambiguous_header(void)
{
    smtpx_verdict_t *v;

    /* Whitespace between field name and colon (RFC 5322 4.5 obs). */
    v = judge("FROM:<a@example.com>", "example.com",
              "From : a@example.com\r\n\r\n");
    assert_flags(v, TRUE, F_AMBIGUOUS);
    smtpx_verdict_free(v);

    /* A field name folded onto the next line. */
    v = judge("FROM:<a@example.com>", "example.com",
              "From\r\n : a@example.com\r\n\r\n");
    g_assert_true(v->ambiguous);
    g_assert_true(v->forged);
    smtpx_verdict_free(v);

    /* An obsolete route in the From address (RFC 5322 4.4 obs-route). */
    v = judge("FROM:<a@example.com>", "example.com",
              "From: <@evil.example:a@example.com>\r\n\r\n");
    g_assert_true(v->ambiguous);
    g_assert_true(v->forged);
    smtpx_verdict_free(v);

    /* The section starting with white space. */
    v = judge("FROM:<a@example.com>", "example.com",
              " X: y\r\nFrom: a@example.com\r\n\r\n");
    g_assert_true(v->ambiguous);
    g_assert_true(v->forged);
    smtpx_verdict_free(v);
}

static void
test_ambiguous_mail_from(void)
{
    static const char hdr[] = "From: a@example.com\r\n\r\n";
    smtpx_verdict_t *v;

    /* A clean hand-made path first: the builder itself is sound. */
    v = judge_path("example.com", 0, "a", hdr);
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* A comment: parsers disagree on what it hides. */
    v = judge_path("example.com", SMTPX_PATH_COMMENT, "a", hdr);
    assert_flags(v, TRUE, F_AMBIGUOUS);
    smtpx_verdict_free(v);

    /* '@' inside a quoted local part. */
    v = judge_path("example.com", SMTPX_PATH_QUOTED_LOCAL, "x@evil.example", hdr);
    assert_flags(v, TRUE, F_AMBIGUOUS);
    smtpx_verdict_free(v);

    /* A quoted local part without '@' is plain RFC 5321. */
    v = judge_path("example.com", SMTPX_PATH_QUOTED_LOCAL, "a b", hdr);
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* Route and several '@': ambiguous, and no domain to trust. */
    v = judge_path("example.com", SMTPX_PATH_ROUTE, "a", hdr);
    assert_flags(v, TRUE, F_AMBIGUOUS | F_ENV_INVALID);
    smtpx_verdict_free(v);

    v = judge_path("example.com", SMTPX_PATH_MULTIPLE_AT, "a@evil.example", hdr);
    assert_flags(v, TRUE, F_AMBIGUOUS | F_ENV_INVALID);
    smtpx_verdict_free(v);

    /* The same through the real parser: "a@evil.example@example.com". */
    v = judge("FROM:<a@evil.example@example.com>", "example.com", hdr);
    g_assert_true(v->ambiguous);
    g_assert_true(v->envelope_invalid);
    g_assert_true(v->forged);
    smtpx_verdict_free(v);
}

static void
test_hostile_input(void)
{
    static const guint8 junk[] = "From: \"\x00\xff<@>\" <a\x00@\xff\xfe.com> ((((\r\n"
                                 "DKIM-Signature: d=\xff\r\n\r\n";
    smtpx_headers_t *h = smtpx_headers_new(4096);
    smtpx_path_t *mf = mail_from("FROM:<\xff@\x00>");
    smtpx_authorship_input_t in;
    smtpx_verdict_t *v;
    GString *big;
    gsize off = 0, i;

    while (off < sizeof junk - 1) {
        const guint8 *eol = memchr(junk + off, '\n', sizeof junk - 1 - off);
        gsize len = eol ? (gsize)(eol - (junk + off)) : sizeof junk - 1 - off;
        gsize l = len && junk[off + len - 1] == '\r' ? len - 1 : len;

        if (smtpx_headers_add_line(h, junk + off, l, FALSE) != SMTPX_HEADERS_MORE)
            break;
        off += len + 1;
    }
    smtpx_headers_finish(h);
    memset(&in, 0, sizeof in);
    in.mail_from = mf;
    in.helo = "\xff\xfe";
    in.headers = h;
    v = smtpx_authorship_judge(&in);
    g_assert_true(v->forged);
    g_assert_true(g_utf8_validate(v->reasons, -1, NULL));
    g_assert_true(g_utf8_validate(v->from_field, -1, NULL));
    smtpx_verdict_free(v);
    smtpx_headers_free(h);
    smtpx_path_free(mf);

    /* NULL input judges an empty message. */
    v = smtpx_authorship_judge(NULL);
    g_assert_true(v->decided);
    g_assert_true(v->forged);
    g_assert_true(v->missing);
    smtpx_verdict_free(v);

    /* A long display name and domain: bounded work, no crash. */
    big = g_string_new("From: \"");
    for (i = 0; i < 5000; i++)
        g_string_append(big, "a.b.c.d@e.f ");
    g_string_append(big, "\" <x@");
    for (i = 0; i < 300; i++)
        g_string_append(big, "xn--pple-43d.");
    g_string_append(big, "com>\r\n\r\n");
    v = judge("FROM:<x@example.com>", "example.com", big->str);
    g_assert_true(v->forged);
    smtpx_verdict_free(v);
    g_string_free(big, TRUE);
}

/* ------------------------------------------------------------------ */
/* Readings (issue 9): each legitimate form with a twin that stays      */
/* flagged                                                              */
/* ------------------------------------------------------------------ */

static void
test_readings_agree(void)
{
    smtpx_verdict_t *v;

    /* An unquoted address as display name: outside RFC 5322 3.2.5 (a
     * phrase holds no '@'), but every reading gives noreply@example.com. */
    v = judge("FROM:<bounce@example.com>", "mail.example.com",
              "From: noreply@example.com <noreply@example.com>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    g_assert_nonnull(strstr(v->notes, "every reading gives the author "
                            "noreply@example.com"));
    smtpx_verdict_free(v);
    /* Twin: the unquoted name is another organization's address. */
    v = judge("FROM:<bob@evil.example>", "evil.example",
              "From: alice@example.com <bob@evil.example>\r\n\r\n");
    assert_flags(v, TRUE, F_AMBIGUOUS | F_DN_SPOOF);
    g_assert_nonnull(strstr(v->reasons, "read as bob@evil.example by strict "
                            "parsers, as alice@example.com by parsers that "
                            "take the first address"));
    smtpx_verdict_free(v);

    /* Words before a bare address: one domain whatever the reading. */
    v = judge("FROM:<bb@bug.com>", "bug.com", "From: Big Bug bb@bug.com\r\n\r\n");
    assert_flags(v, FALSE, 0);
    g_assert_cmpstr(v->from_domain, ==, "bug.com");
    g_assert_nonnull(strstr(v->notes, "syntax outside RFC 5322"));
    smtpx_verdict_free(v);
    /* Twin: a second bare address of another organization. */
    v = judge("FROM:<x@evil.example>", "evil.example",
              "From: bb@bug.com x@evil.example\r\n\r\n");
    assert_flags(v, TRUE, F_AMBIGUOUS);
    g_assert_nonnull(strstr(v->reasons, "as bb@bug.com by"));
    smtpx_verdict_free(v);

    /* An encoded display name that decodes to the mailbox itself
     * (base64 of "notify@example.com"). */
    v = judge("FROM:<notify@example.com>", "example.com",
              "From: =?UTF-8?B?bm90aWZ5QGV4YW1wbGUuY29t?= <notify@example.com>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    g_assert_nonnull(strstr(v->notes, "encoded-word decodes to '@'"));
    smtpx_verdict_free(v);
    /* Twin: it decodes to "admin@bank.example>" (base64 below), which a
     * reader decoding first takes for the address. */
    v = judge("FROM:<x@evil.example>", "evil.example",
              "From: =?UTF-8?B?YWRtaW5AYmFuay5leGFtcGxlPg==?= <x@evil.example>\r\n\r\n");
    assert_flags(v, TRUE, F_AMBIGUOUS | F_DN_SPOOF);
    g_assert_nonnull(strstr(v->reasons, "as admin@bank.example by"));
    g_assert_nonnull(strstr(v->reasons, "after decoding its encoded-words"));
    smtpx_verdict_free(v);

    /* The quoted form was always accepted, and its twin is a spoof. */
    v = judge("FROM:<x@y.example>", "y.example",
              "From: \"x@y.example\" <x@y.example>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    g_assert_cmpstr(v->notes, ==, "");
    smtpx_verdict_free(v);
    v = judge("FROM:<bob@evil.example>", "evil.example",
              "From: \"alice@example.com\" <bob@evil.example>\r\n\r\n");
    assert_flags(v, TRUE, F_DN_SPOOF);
    smtpx_verdict_free(v);

    /* An emoji in an encoded-word inside a bare address (RFC 2047 5
     * forbids it there): the words name that, not "address-like text". */
    v = judge("FROM:<shop@example.com>", "example.com",
              "From: =?UTF-8?B?8J+Ukg==?= shop@example.com\r\n\r\n");
    assert_flags(v, FALSE, 0);
    g_assert_nonnull(strstr(v->notes, "encoded-word inside the address"));
    g_assert_null(strstr(v->notes, "'@'"));
    smtpx_verdict_free(v);

    /* A source route to the same organization is a note; to another one
     * it stays ambiguous (test_ambiguous_header). */
    v = judge("FROM:<a@example.com>", "example.com",
              "From: <@mx.example.com:a@example.com>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    g_assert_nonnull(strstr(v->notes, "source route"));
    smtpx_verdict_free(v);
}

static void
test_duplicate_from(void)
{
    smtpx_verdict_t *v;

    /* Two identical From fields: no reader sees another author. */
    v = judge("FROM:<a@example.com>", "example.com",
              "From: A <a@example.com>\r\nTo: b@example.net\r\n"
              "From: A <a@example.com>\r\n\r\n");
    assert_flags(v, FALSE, 0);
    g_assert_nonnull(strstr(v->notes, "2 identical From fields"));
    smtpx_verdict_free(v);
    /* Twin: the same address, another display name, is another field. */
    v = judge("FROM:<a@example.com>", "example.com",
              "From: A <a@example.com>\r\nFrom: CEO <a@example.com>\r\n\r\n");
    assert_flags(v, TRUE, F_MULTIPLE);
    smtpx_verdict_free(v);
}

static void
test_identical_domains_align(void)
{
    smtpx_verdict_t *v;

    /* co.uk is itself on the Public Suffix List: no organizational
     * domain, but MAIL FROM names the very same domain (RFC 7489 3.1
     * strict alignment). */
    v = judge("FROM:<test@co.uk>", "mail.co.uk", "From: test@co.uk\r\n\r\n");
    assert_flags(v, FALSE, 0);
    g_assert_null(v->org_domain);
    g_assert_nonnull(strstr(v->reasons, "has no organizational domain"));
    g_assert_nonnull(strstr(v->reasons, "very same domain"));
    smtpx_verdict_free(v);

    v = judge("FROM:<guest@localhost>", "localhost", "From: guest@localhost\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* A null reverse-path with the HELO the same single label. */
    v = judge("FROM:<>", "localhost", "From: MAILER-DAEMON@localhost\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* Twins: another name under the same suffix is another owner. */
    v = judge("FROM:<a@other.co.uk>", "other.co.uk", "From: test@co.uk\r\n\r\n");
    g_assert_true(v->forged);
    g_assert_true(v->envelope_mismatch);
    smtpx_verdict_free(v);
    v = judge("FROM:<guest@localhost>", "localhost", "From: root@localdomain\r\n\r\n");
    assert_flags(v, TRUE, F_ENV_INVALID);
    smtpx_verdict_free(v);
}

static void
test_sender_authors(void)
{
    smtpx_verdict_t *v;

    /* RFC 5322 3.6.2: several authors and the Sender of their
     * organization who sent it. */
    v = judge("FROM:<bounce@lists.example.com>", "lists.example.com",
              "From: a@example.com, b@example.com\r\n"
              "Sender: list@lists.example.com\r\n\r\n");
    assert_flags(v, FALSE, 0);
    smtpx_verdict_free(v);

    /* The miss of issue 9: authors of one organization, a Sender of
     * another that a well-known client shows to the reader. */
    v = judge("FROM:<any@attack.example>", "attack.example",
              "From: <any@attack.example>, <any2@attack.example>\r\n"
              "Sender: <admin@legitimate.example>\r\n\r\n");
    g_assert_true(v->forged);
    g_assert_true(v->multiple);
    /* judged on the Sender: the envelope does not back it */
    g_assert_true(v->envelope_mismatch);
    g_assert_nonnull(strstr(v->reasons, "Sender admin@legitimate.example"));
    smtpx_verdict_free(v);

    /* The same with the envelope of the Sender: still flagged. */
    v = judge("FROM:<admin@legitimate.example>", "legitimate.example",
              "From: <any@attack.example>, <any2@attack.example>\r\n"
              "Sender: <admin@legitimate.example>\r\n\r\n");
    assert_flags(v, TRUE, F_MULTIPLE);
    smtpx_verdict_free(v);

    /* A Sender that is no single mailbox. */
    v = judge("FROM:<a@example.com>", "example.com",
              "From: a@example.com, b@example.com\r\n"
              "Sender: a@example.com, b@example.com\r\n\r\n");
    assert_flags(v, TRUE, F_MULTIPLE);
    smtpx_verdict_free(v);

    /* One author with a Sender of another organization (a mailing list):
     * 3.6.2 does not apply, the author is judged. */
    v = judge("FROM:<owner@lists.example.org>", "lists.example.org",
              "From: alice@example.com\r\nSender: owner@lists.example.org\r\n\r\n");
    assert_flags(v, TRUE, F_ENV_MISMATCH);
    smtpx_verdict_free(v);
}

int
main(int argc, char *argv[])
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/authorship/org_domain", test_org_domain);
    g_test_add_func("/authorship/aligned", test_aligned);
    g_test_add_func("/authorship/lookalike_domain", test_lookalike_domain);
    g_test_add_func("/authorship/lab", test_lab);
    g_test_add_func("/authorship/aligned_sender", test_aligned_sender);
    g_test_add_func("/authorship/subdomain_aligned", test_subdomain_aligned);
    g_test_add_func("/authorship/public_suffix_trap", test_public_suffix_trap);
    g_test_add_func("/authorship/mailing_list_dkim", test_mailing_list_dkim);
    g_test_add_func("/authorship/dkim_not_aligned", test_dkim_not_aligned);
    g_test_add_func("/authorship/dkim_malformed_ignored", test_dkim_malformed_ignored);
    g_test_add_func("/authorship/dkim_subdomain_aligned", test_dkim_subdomain_aligned);
    g_test_add_func("/authorship/null_path", test_null_path);
    g_test_add_func("/authorship/envelope_no_org_domain", test_envelope_no_org_domain);
    g_test_add_func("/authorship/no_mail_from", test_no_mail_from);
    g_test_add_func("/authorship/display_name_spoof", test_display_name_spoof);
    g_test_add_func("/authorship/display_name_legit", test_display_name_legit);
    g_test_add_func("/authorship/multiple", test_multiple);
    g_test_add_func("/authorship/missing", test_missing);
    g_test_add_func("/authorship/lookalike_verdict", test_lookalike_verdict);
    g_test_add_func("/authorship/exception", test_exception);
    g_test_add_func("/authorship/ambiguous_header", test_ambiguous_header);
    g_test_add_func("/authorship/ambiguous_mail_from", test_ambiguous_mail_from);
    g_test_add_func("/authorship/hostile_input", test_hostile_input);
    g_test_add_func("/authorship/readings_agree", test_readings_agree);
    g_test_add_func("/authorship/duplicate_from", test_duplicate_from);
    g_test_add_func("/authorship/identical_domains_align", test_identical_domains_align);
    g_test_add_func("/authorship/sender_authors", test_sender_authors);
    return g_test_run();
}
