/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_status_registry.c - unit tests for plugin/core/status_registry.c.
 *
 * Every expected string below was read from the IANA "SMTP Enhanced Status
 * Codes" registry (Sample Text / Summary / Reference columns) and, where
 * noted, from the defining RFC's own text, not from this code's output.
 */
#include <string.h>

#include "status_registry.h"

#define C2 (1u << 2)
#define C4 (1u << 4)
#define C5 (1u << 5)

/* Class Sub-Codes summaries; RFC 3463 section 2 ("2.XXX.XXX Success", ...). */
static void
test_class_names(void)
{
    g_assert_cmpstr(smtpx_status_class_name(2), ==, "Success");
    g_assert_cmpstr(smtpx_status_class_name(4), ==, "Persistent Transient Failure");
    g_assert_cmpstr(smtpx_status_class_name(5), ==, "Permanent Failure");

    /* RFC 3463 section 2: class = "2"/"4"/"5"; nothing else is a class. */
    g_assert_null(smtpx_status_class_name(0));
    g_assert_null(smtpx_status_class_name(1));
    g_assert_null(smtpx_status_class_name(3));
    g_assert_null(smtpx_status_class_name(6));
    g_assert_null(smtpx_status_class_name(9));
    g_assert_null(smtpx_status_class_name(255));
}

/* Subject Sub-Codes summaries; also RFC 3463 section 2 ("X.1.XXX Addressing
 * Status", ...). */
static void
test_subject_names(void)
{
    g_assert_cmpstr(smtpx_status_subject_name(0), ==, "Other or Undefined Status");
    g_assert_cmpstr(smtpx_status_subject_name(1), ==, "Addressing Status");
    g_assert_cmpstr(smtpx_status_subject_name(2), ==, "Mailbox Status");
    g_assert_cmpstr(smtpx_status_subject_name(3), ==, "Mail System Status");
    g_assert_cmpstr(smtpx_status_subject_name(4), ==, "Network and Routing Status");
    g_assert_cmpstr(smtpx_status_subject_name(5), ==, "Mail Delivery Protocol Status");
    g_assert_cmpstr(smtpx_status_subject_name(6), ==, "Message Content or Media Status");
    g_assert_cmpstr(smtpx_status_subject_name(7), ==, "Security or Policy Status");

    g_assert_null(smtpx_status_subject_name(8));
    g_assert_null(smtpx_status_subject_name(9));
    g_assert_null(smtpx_status_subject_name(999));
    g_assert_null(smtpx_status_subject_name(G_MAXUINT16));
}

/* Looks up subject.detail and checks title and reference exactly. */
static const smtpx_status_entry_t *
check_entry(guint16 subject, guint16 detail, const char *title, const char *reference)
{
    const smtpx_status_entry_t *e = smtpx_status_lookup(subject, detail);

    g_assert_nonnull(e);
    g_assert_cmpuint(e->subject, ==, subject);
    g_assert_cmpuint(e->detail, ==, detail);
    g_assert_cmpstr(e->title, ==, title);
    g_assert_cmpstr(e->reference, ==, reference);
    return e;
}

/* RFC 3463 section 3 headings (the registry uses the same Sample Text). */
static void
test_lookup_rfc3463(void)
{
    const smtpx_status_entry_t *e;

    /* 2.0.0: section 3.1 "X.0.0   Other undefined Status"; registry basic
     * code "Any", so every class. */
    e = check_entry(0, 0, "Other undefined Status", "RFC 3463");
    g_assert_cmpuint(e->classes, ==, C2 | C4 | C5);
    g_assert_cmpstr(e->basic_codes, ==, "Any");

    /* 2.1.0: section 3.2 "X.1.0   Other address status". */
    check_entry(1, 0, "Other address status", "RFC 3463");

    /* 2.1.5: section 3.2 "X.1.5   Destination address valid" (the
     * registry, not Appendix A's "Destination mailbox address valid");
     * "should be used for positive delivery reports", basic code 250. */
    e = check_entry(1, 5, "Destination address valid", "RFC 3463");
    g_assert_cmpuint(e->classes, ==, C2);
    g_assert_cmpstr(e->basic_codes, ==, "250");

    /* 5.1.1: "only useful for permanent failures", registry lists 451, 550. */
    e = check_entry(1, 1, "Bad destination mailbox address", "RFC 3463");
    g_assert_cmpuint(e->classes, ==, C4 | C5);
    g_assert_cmpstr(e->basic_codes, ==, "451, 550");

    /* 4.2.2: section 3.3 "X.2.2   Mailbox full". */
    check_entry(2, 2, "Mailbox full", "RFC 3463");

    /* 4.3.1: "useful only as a persistent transient error", basic 452. */
    e = check_entry(3, 1, "Mail system full", "RFC 3463");
    g_assert_cmpuint(e->classes, ==, C4);

    /* Section 3.5 heading "X.4.3   Directory server failure" (Appendix A
     * says "Routing server failure"; the registry follows section 3.5). */
    check_entry(4, 3, "Directory server failure", "RFC 3463");

    /* 5.5.2: section 3.6 "X.5.2   Syntax error". */
    e = check_entry(5, 2, "Syntax error", "RFC 3463");
    g_assert_cmpuint(e->classes, ==, C5);

    /* 2.6.0: section 3.7 "X.6.0   Other or undefined media error". */
    check_entry(6, 0, "Other or undefined media error", "RFC 3463");

    /* 4.7.0: section 3.8 "X.7.0   Other or undefined security status";
     * basic codes 220, 235, 450, ... 550, so every class. */
    e = check_entry(7, 0, "Other or undefined security status", "RFC 3463");
    g_assert_cmpuint(e->classes, ==, C2 | C4 | C5);

    /* 5.7.1: section 3.8 "X.7.1   Delivery not authorized, message
     * refused"; registry basic codes 451, 454, 502, 503, 533, 550, 551. */
    e = check_entry(7, 1, "Delivery not authorized, message refused", "RFC 3463");
    g_assert_cmpuint(e->classes, ==, C4 | C5);
    g_assert_cmpstr(e->basic_codes, ==, "451, 454, 502, 503, 533, 550, 551");

    /* 5.7.7: "permanent, transient persistent, or successful delivery". */
    e = check_entry(7, 7, "Message integrity failure", "RFC 3463");
    g_assert_cmpuint(e->classes, ==, C2 | C4 | C5);
}

/* Later registrations, each string from the registry and, where noted,
 * checked against the registering RFC's text. */
static void
test_lookup_later(void)
{
    const smtpx_status_entry_t *e;

    /* RFC 3886; registry X.1.9. */
    check_entry(1, 9, "Message relayed to non-compliant mailer", "RFC 3886");
    /* RFC 7505 / 7504; registry X.1.10, basic code 556. */
    e = check_entry(1, 10, "Recipient address has null MX", "RFC 7505, RFC 7504");
    g_assert_cmpuint(e->classes, ==, C5);
    /* RFC 6710; registry X.3.6, basic code "250 or 251". */
    e = check_entry(3, 6, "Requested priority was changed", "RFC 6710");
    g_assert_cmpuint(e->classes, ==, C2);
    /* RFC 4954 section 6: "X.5.6     Authentication Exchange line is too
     * long ... useful for both permanent and persistent transient errors". */
    e = check_entry(5, 6, "Authentication Exchange line is too long", "RFC 4954");
    g_assert_cmpuint(e->classes, ==, C4 | C5);
    /* RFC 4468; registry X.6.6. */
    check_entry(6, 6, "Message content not available", "RFC 4468");
    /* RFC 6531 section 4.2: X.6.7, X.6.8, X.6.9 Sample Texts. */
    check_entry(6, 7, "Non-ASCII addresses not permitted for that sender/recipient",
                "RFC 6531");
    e = check_entry(6, 8, "UTF-8 string reply is required, but not permitted by the SMTP client",
                    "RFC 6531");
    g_assert_cmpuint(e->classes, ==, C2 | C5);   /* basic 252, 553, 550 */
    check_entry(6, 9, "UTF-8 header message cannot be transferred to one or more "
                "recipients, so the message must be rejected", "RFC 6531");
    /* RFC 6531 section 4.2: X.6.10 "is a duplicate of X.6.8 and is thus
     * deprecated"; registered, so it must be found. */
    e = smtpx_status_lookup(6, 10);
    g_assert_nonnull(e);
    g_assert_cmpstr(e->reference, ==, "RFC 6531");
    g_assert_nonnull(strstr(e->title, "X.6.8"));
    /* RFC 4954 section 6: "535 5.7.8  Authentication credentials invalid",
     * "534 5.7.9  Authentication mechanism is too weak",
     * "538 5.7.11  Encryption required for requested authentication
     * mechanism", "432 4.7.12  A password transition is needed". */
    check_entry(7, 8, "Authentication credentials invalid", "RFC 4954");
    check_entry(7, 9, "Authentication mechanism is too weak", "RFC 4954");
    check_entry(7, 11, "Encryption required for requested authentication mechanism",
                "RFC 4954");
    e = check_entry(7, 12, "A password transition is needed", "RFC 4954");
    g_assert_cmpuint(e->classes, ==, C4);        /* basic 422, 432 */
    /* RFC 5248 section 2.4: X.7.10, X.7.13, X.7.14. */
    check_entry(7, 10, "Encryption Needed", "RFC 5248");
    check_entry(7, 13, "User Account Disabled", "RFC 5248");
    check_entry(7, 14, "Trust relationship required", "RFC 5248");
    /* RFC 6710: X.7.15, X.7.16. */
    check_entry(7, 15, "Priority Level is too low", "RFC 6710");
    check_entry(7, 16, "Message is too big for the specified priority", "RFC 6710");
    /* RFC 7293: X.7.17 ... X.7.19, basic code "5XX". */
    e = check_entry(7, 17, "Mailbox owner has changed", "RFC 7293");
    g_assert_cmpuint(e->classes, ==, C5);
    check_entry(7, 18, "Domain owner has changed", "RFC 7293");
    check_entry(7, 19, "RRVS test cannot be completed", "RFC 7293");
    /* RFC 7372: X.7.20 ... X.7.26. */
    check_entry(7, 20, "No passing DKIM signature found", "RFC 7372, RFC 6376");
    check_entry(7, 21, "No acceptable DKIM signature found", "RFC 7372, RFC 6376");
    check_entry(7, 22, "No valid author-matched DKIM signature found", "RFC 7372, RFC 6376");
    check_entry(7, 23, "SPF validation failed", "RFC 7372, RFC 7208");
    e = check_entry(7, 24, "SPF validation error", "RFC 7372, RFC 7208");
    g_assert_cmpuint(e->classes, ==, C4 | C5);   /* basic 451/550 */
    check_entry(7, 25, "Reverse DNS validation failed", "RFC 7372");
    /* 5.7.26: registry Sample Text "Multiple authentication checks failed",
     * reference [RFC7372]. */
    e = check_entry(7, 26, "Multiple authentication checks failed", "RFC 7372");
    g_assert_cmpuint(e->classes, ==, C5);
    /* RFC 7505: X.7.27. */
    check_entry(7, 27, "Sender address has null MX", "RFC 7505");
    /* X.7.28 from draft-levine-mailbomb-header. */
    check_entry(7, 28, "Mail flood detected", "draft-levine-mailbomb-header");
    /* RFC 8617 (ARC): X.7.29, basic code 550. */
    e = check_entry(7, 29, "ARC validation failure", "RFC 8617");
    g_assert_cmpuint(e->classes, ==, C5);
    /* RFC 8689 (REQUIRETLS): X.7.30, basic code 550. */
    e = check_entry(7, 30, "REQUIRETLS support required", "RFC 8689");
    g_assert_cmpuint(e->classes, ==, C5);
    g_assert_cmpstr(e->basic_codes, ==, "550");
}

static void
test_unregistered(void)
{
    /* "9.9.9": subject 9 is not a subject at all. */
    g_assert_null(smtpx_status_lookup(9, 9));
    /* "X.1.99": subject known, detail not registered. */
    g_assert_null(smtpx_status_lookup(1, 99));
    /* Just past the last registered detail of each subject. */
    g_assert_null(smtpx_status_lookup(0, 1));
    g_assert_null(smtpx_status_lookup(1, 11));
    g_assert_null(smtpx_status_lookup(2, 5));
    g_assert_null(smtpx_status_lookup(3, 7));
    g_assert_null(smtpx_status_lookup(4, 8));
    g_assert_null(smtpx_status_lookup(5, 7));
    g_assert_null(smtpx_status_lookup(6, 11));
    g_assert_null(smtpx_status_lookup(7, 31));
    /* Common vendor codes outside the registry (e.g. 5.7.606, 4.7.500). */
    g_assert_null(smtpx_status_lookup(7, 606));
    g_assert_null(smtpx_status_lookup(7, 500));
    g_assert_null(smtpx_status_lookup(8, 0));
    g_assert_null(smtpx_status_lookup(G_MAXUINT16, G_MAXUINT16));
    g_assert_null(smtpx_status_lookup(0, G_MAXUINT16));
    g_assert_null(smtpx_status_lookup(G_MAXUINT16, 0));
}

/* The table: sorted, no duplicates, complete, well formed. */
static void
test_table(void)
{
    /* Per-subject counts of the Enumerated Status Codes registry:
     * X.0.0; X.1.0-10; X.2.0-4; X.3.0-6; X.4.0-7; X.5.0-6; X.6.0-10;
     * X.7.0-30. */
    static const guint expected_per_subject[8] = { 1, 11, 5, 7, 8, 7, 11, 31 };
    guint per_subject[8] = { 0 };
    gsize count = 0, i;
    const smtpx_status_entry_t *t = smtpx_status_table(&count);

    g_assert_nonnull(t);
    g_assert_cmpuint(count, ==, 81);
    g_assert_true(smtpx_status_table(NULL) == t);

    for (i = 0; i < count; i++) {
        const smtpx_status_entry_t *e = &t[i];

        if (i > 0) {
            const smtpx_status_entry_t *p = &t[i - 1];
            /* Strictly increasing (subject, detail): sorted, no duplicate. */
            g_assert_true(p->subject < e->subject ||
                          (p->subject == e->subject && p->detail < e->detail));
        }
        g_assert_cmpuint(e->subject, <, 8);
        g_assert_nonnull(smtpx_status_subject_name(e->subject));
        per_subject[e->subject]++;

        g_assert_nonnull(e->title);
        g_assert_cmpuint(strlen(e->title), >, 0);
        g_assert_true(g_utf8_validate(e->title, -1, NULL));
        g_assert_nonnull(e->description);
        g_assert_cmpuint(strlen(e->description), >, 0);
        g_assert_nonnull(e->reference);
        g_assert_cmpuint(strlen(e->reference), >, 0);
        g_assert_nonnull(e->basic_codes);
        /* classes: non-empty, only bits 2, 4 and 5. */
        g_assert_cmpuint(e->classes, !=, 0);
        g_assert_cmpuint(e->classes & ~(C2 | C4 | C5), ==, 0);

        /* The binary search finds every entry, at its own address. */
        g_assert_true(smtpx_status_lookup(e->subject, e->detail) == e);
    }
    for (i = 0; i < 8; i++)
        g_assert_cmpuint(per_subject[i], ==, expected_per_subject[i]);

    /* The registry has no gaps: each subject runs 0..n-1. */
    for (i = 0; i < 8; i++) {
        guint d;
        for (d = 0; d < expected_per_subject[i]; d++)
            g_assert_nonnull(smtpx_status_lookup((guint16)i, (guint16)d));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/status_registry/class_names", test_class_names);
    g_test_add_func("/status_registry/subject_names", test_subject_names);
    g_test_add_func("/status_registry/lookup_rfc3463", test_lookup_rfc3463);
    g_test_add_func("/status_registry/lookup_later", test_lookup_later);
    g_test_add_func("/status_registry/unregistered", test_unregistered);
    g_test_add_func("/status_registry/table", test_table);
    return g_test_run();
}
