/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status_registry.c - the IANA "Simple Mail Transfer Protocol (SMTP)
 * Enhanced Status Codes" registry, compiled in.  See status_registry.h.
 *
 * Source
 *   https://www.iana.org/assignments/smtp-enhanced-status-codes
 *   (sub-registries "Class Sub-Codes", "Subject Sub-Codes" and "Enumerated
 *   Status Codes"; created 2008-05-29 by RFC 5248, codes from RFC 3463 and
 *   later registrations).
 *
 * Version
 *   81 enumerated codes, X.0.0 ... X.7.30.  The table was transcribed from
 *   a copy of the registry's CSV that already carries X.7.29 (RFC 8617) and
 *   X.7.30 (RFC 8689) with their final RFC numbers, i.e. a state after
 *   November 2019, and was checked row by row against the registry's XML
 *   of 2015-07-02 and plain-text form of 2018-12-21 (X.0.0 ... X.7.29).
 *   The live registry's XML announces <updated>2024-12-06</updated>; the
 *   records of that version could not be read here, so whatever that update
 *   changed is NOT confirmed.  Nothing found anywhere points at a code
 *   beyond X.7.30 (RFC 9422 LIMITS, for example, registers none).
 *
 * Titles
 *   "title" is the registry's "Sample Text" column as printed there, with
 *   its line breaks joined.  The registry follows the section-3 headings
 *   of RFC 3463, not that RFC's Appendix A, which differs in places
 *   (X.1.5 "Destination mailbox address valid", X.1.6 "Mailbox has
 *   moved", X.4.3 "Routing server failure", X.4.5 "Network congestion").
 *   X.6.10 has no Sample Text in the registry (it is a deprecated
 *   duplicate of X.6.8); its title here says exactly that.
 *   "description" is a sentence of our own, not the registry's wording.
 *
 * Classes
 *   The registry has no class column; "classes" is derived from what the
 *   registry does say, by one rule applied to every row:
 *     1. each basic reply code listed in "Associated basic status code"
 *        contributes its first digit (2xx -> 2, 4xx -> 4, 5xx -> 5;
 *        "Any" -> 2, 4, 5; "5XX" -> 5; "other 4XX or 5XX codes are
 *        allowed" -> 4, 5);
 *     2. the registry's description contributes the classes it names
 *        ("only useful for permanent failures" -> 5, "persistent transient"
 *        -> 4, "positive delivery reports"/"successful delivery" -> 2);
 *     3. when 1 and 2 give nothing ("Not given" and a silent description),
 *        no restriction is known and all of 2, 4, 5 are set.
 *   The union of 1 and 2 is taken, so a row may carry a class its text
 *   calls unusual (X.1.1 lists 451 though its text says "permanent").
 *   X.6.10 copies X.6.8, of which the registry says it is a duplicate.
 *
 * Sources disagreeing, kept as the registry has them
 *   X.7.26: the registry lists basic code 550; RFC 7372 (section 4) is
 *     quoted by third parties with "500".  Either way class 5.
 *   X.7.25: older registry versions cite RFC 7372 and RFC 7601; the newest
 *     copy seen cites "RFC 7372, Section 3.3" only.  RFC 7372 is given.
 *   X.7.28: registered from draft-levine-mailbomb-header (never an RFC as
 *     far as found); the registry gives no usable basic code (its 2018
 *     text has the description in that column, a later copy has ".").
 *
 * How to update
 *   1. Fetch smtp-enhanced-status-codes-3.csv (and -1.csv, -2.csv) from
 *      the registry page above and compare every row with the table below
 *      (code, Sample Text, Associated basic status code, Reference).
 *   2. Add new rows at their sorted (subject, detail) position: the lookup
 *      is a binary search and the unit test fails on an unsorted table or a
 *      duplicate.  Derive "classes" by the rule above; write the one-line
 *      description in your own words.
 *   3. Update the counts in tests/unit/test_status_registry.c (total and per
 *      subject), add a lookup test for each new code with the string taken
 *      from the registry, and the "Version" paragraph above.
 */
#include "status_registry.h"

#define C2   ((guint8)(1u << 2))
#define C4   ((guint8)(1u << 4))
#define C5   ((guint8)(1u << 5))
#define CALL ((guint8)(C2 | C4 | C5))

#define R3463 "RFC 3463"

/* Sorted by (subject, detail), no duplicates: smtpx_status_lookup() relies
 * on it and the unit test checks it. */
static const smtpx_status_entry_t status_table[] = {
    /* X.0.x  Other or Undefined Status (RFC 3463 section 3.1) */
    { 0, 0, "Other undefined Status",
      "Nothing beyond the class is known: success, transient or permanent failure with no further detail.",
      R3463, CALL, "Any" },

    /* X.1.x  Addressing Status (RFC 3463 section 3.2) */
    { 1, 0, "Other address status",
      "Something about an address given in the message or envelope caused this status, without a more precise code.",
      R3463, CALL, "Not given" },
    { 1, 1, "Bad destination mailbox address",
      "The recipient mailbox does not exist: the local part, left of the \"@\", is not valid at the destination.",
      R3463, C4 | C5, "451, 550" },
    { 1, 2, "Bad destination system address",
      "The recipient's domain, right of the \"@\", does not exist or cannot accept mail.",
      R3463, C5, "Not given" },
    { 1, 3, "Bad destination mailbox address syntax",
      "The recipient address is syntactically invalid.",
      R3463, C5, "501" },
    { 1, 4, "Destination mailbox address ambiguous",
      "The recipient address matches more than one mailbox at the destination, for example through heuristic name matching.",
      R3463, CALL, "Not given" },
    { 1, 5, "Destination address valid",
      "The recipient address was accepted as valid; meant for positive delivery reports.",
      R3463, C2, "250" },
    { 1, 6, "Destination mailbox has moved, No forwarding address",
      "The recipient address used to be valid but no longer takes mail and no forwarding address is known.",
      R3463, C5, "Not given" },
    { 1, 7, "Bad sender's mailbox address syntax",
      "The sender address (reverse-path) is syntactically invalid.",
      R3463, CALL, "Not given" },
    { 1, 8, "Bad sender's system address",
      "The sender's domain does not exist or cannot accept returned mail.",
      R3463, C4 | C5, "451, 501" },
    { 1, 9, "Message relayed to non-compliant mailer",
      "The address was valid, but the message went on to a system that does not speak this protocol, so no further status is available.",
      "RFC 3886", CALL, "Not given" },
    { 1, 10, "Recipient address has null MX",
      "The recipient's domain publishes a null MX record, declaring that it accepts no mail.",
      "RFC 7505, RFC 7504", C5, "556" },

    /* X.2.x  Mailbox Status (RFC 3463 section 3.3) */
    { 2, 0, "Other or undefined mailbox status",
      "The mailbox exists, but something about it caused this status, without a more precise code.",
      R3463, CALL, "Not given" },
    { 2, 1, "Mailbox disabled, not accepting messages",
      "The mailbox exists but currently refuses messages, temporarily or for good.",
      R3463, C4 | C5, "Not given" },
    { 2, 2, "Mailbox full",
      "The mailbox is over its quota or capacity; the owner could free space, so retrying later may work.",
      R3463, C4 | C5, "552" },
    { 2, 3, "Message length exceeds administrative limit",
      "The message is larger than a per-mailbox size limit that is below the system-wide limit.",
      R3463, C5, "552" },
    { 2, 4, "Mailing list expansion problem",
      "The address is a mailing list that could not be expanded into its members.",
      R3463, C4 | C5, "450, 452" },

    /* X.3.x  Mail System Status (RFC 3463 section 3.4) */
    { 3, 0, "Other or undefined mail system status",
      "The destination system normally takes mail, but something about it caused this status, without a more precise code.",
      R3463, CALL, "221, 250, 421, 451, 550, 554" },
    { 3, 1, "Mail system full",
      "The mail system has run out of storage, which the recipient cannot fix by deleting messages.",
      R3463, C4, "452" },
    { 3, 2, "System not accepting network messages",
      "The host holding the mailbox is not taking messages, for example during shutdown, overload or maintenance.",
      "RFC 3463, RFC 7504", C4 | C5, "453, 521" },
    { 3, 3, "System not capable of selected features",
      "Features requested for the message are not supported by the destination, as happens at gateways between mail systems.",
      R3463, CALL, "Not given" },
    { 3, 4, "Message too big for system",
      "The message exceeds the per-message size limit of the system.",
      R3463, C5, "552, 554" },
    { 3, 5, "System incorrectly configured",
      "The system is not configured in a way that lets it accept this message.",
      R3463, CALL, "Not given" },
    { 3, 6, "Requested priority was changed",
      "The message was accepted but not at the requested priority; the reply text starts with the priority actually used.",
      "RFC 6710", C2, "250 or 251" },

    /* X.4.x  Network and Routing Status (RFC 3463 section 3.5) */
    { 4, 0, "Other or undefined network or routing status",
      "Something went wrong in the network or routing, without a more precise code.",
      R3463, CALL, "Not given" },
    { 4, 1, "No answer from host",
      "The outbound connection attempt was not answered because the remote host was busy or unreachable.",
      R3463, C4, "451" },
    { 4, 2, "Bad connection",
      "A connection was made but the transaction could not be completed, because of a time-out or a poor connection.",
      R3463, C4, "421" },
    { 4, 3, "Directory server failure",
      "The message could not be forwarded because a directory server, such as DNS, was unavailable.",
      R3463, C4 | C5, "451, 550" },
    { 4, 4, "Unable to route",
      "The next hop could not be determined from the routing information available, for example when DNS gives only an SOA record.",
      R3463, C4 | C5, "Not given" },
    { 4, 5, "Mail system congestion",
      "The mail system is congested and cannot deliver the message now.",
      R3463, C4, "451" },
    { 4, 6, "Routing loop detected",
      "The message was forwarded too many times, through bad routing tables or a forwarding loop.",
      R3463, C4, "Not given" },
    { 4, 7, "Delivery time expired",
      "The message was judged too old, having waited too long or outlived the sender's time-to-live.",
      R3463, CALL, "Not given" },

    /* X.5.x  Mail Delivery Protocol Status (RFC 3463 section 3.6) */
    { 5, 0, "Other or undefined protocol status",
      "Something was wrong with the delivery protocol towards the next hop, without a more precise code.",
      R3463, CALL,
      "220, 250, 251, 252, 253, 451, 452, 454, 458, 459, 501, 502, 503, 554" },
    { 5, 1, "Invalid command",
      "A protocol command was out of sequence or not supported.",
      R3463, C4 | C5, "430, 500, 501, 503, 530, 550, 554, 555" },
    { 5, 2, "Syntax error",
      "A protocol command could not be understood, because of bad syntax or an unknown verb.",
      R3463, C5, "500, 501, 502, 550, 555" },
    { 5, 3, "Too many recipients",
      "More recipients were given than the protocol could deliver in one transaction.",
      R3463, C4, "451" },
    { 5, 4, "Invalid command arguments",
      "A valid command carried arguments that are out of range or name unknown features.",
      R3463, C4 | C5, "451, 501, 502, 503, 504, 550, 555" },
    { 5, 5, "Wrong protocol version",
      "The two sides could not resolve a mismatch of protocol versions.",
      R3463, CALL, "Not given" },
    { 5, 6, "Authentication Exchange line is too long",
      "An AUTH response line from the client was longer than the server's buffer for the chosen SASL mechanism.",
      "RFC 4954", C4 | C5, "500" },

    /* X.6.x  Message Content or Media Status (RFC 3463 section 3.7) */
    { 6, 0, "Other or undefined media error",
      "Something about the message content made it undeliverable, without a more precise code.",
      R3463, CALL, "Not given" },
    { 6, 1, "Media not supported",
      "The message's media is not supported by the delivery protocol or the next system on the path.",
      R3463, C5, "Not given" },
    { 6, 2, "Conversion required and prohibited",
      "The content would have to be converted for delivery, but the sender or the sending host forbids conversion.",
      R3463, CALL, "Not given" },
    { 6, 3, "Conversion required but not supported",
      "The content would have to be converted, for example 8-bit to 7-bit, but no host on the path can do it.",
      R3463, C5, "554" },
    { 6, 4, "Conversion with loss performed",
      "The message was delivered after a conversion that lost data, or refused if the sender forbade lossy conversion.",
      R3463, C2 | C5, "250" },
    { 6, 5, "Conversion Failed",
      "A required content conversion was attempted and failed.",
      R3463, C4 | C5, "Not given" },
    { 6, 6, "Message content not available",
      "Message content referenced for submission (as with BURL) could not be fetched from the remote system.",
      "RFC 4468", C4 | C5, "554" },
    { 6, 7, "Non-ASCII addresses not permitted for that sender/recipient",
      "A MAIL or RCPT command used a non-ASCII (internationalized) address where such addresses are not allowed.",
      "RFC 6531", C5, "553, 550" },
    { 6, 8, "UTF-8 string reply is required, but not permitted by the SMTP client",
      "The reply would have to show a mailbox name in UTF-8, but the client did not allow UTF-8 replies.",
      "RFC 6531", C2 | C5, "252, 553, 550" },
    { 6, 9, "UTF-8 header message cannot be transferred to one or more recipients, so the message must be rejected",
      "A message with UTF-8 header fields could not be passed on to some recipients, so it was rejected after the end of data.",
      "RFC 6531", C5, "550" },
    { 6, 10, "Deprecated duplicate of X.6.8",
      "Deprecated: registered as a duplicate of X.6.8 (UTF-8 reply required but not permitted); the registry gives it no sample text.",
      "RFC 6531", C2 | C5, "" },

    /* X.7.x  Security or Policy Status (RFC 3463 section 3.8) */
    { 7, 0, "Other or undefined security status",
      "A security or policy matter caused this status, without a more precise code or with details withheld by policy.",
      R3463, CALL, "220, 235, 450, 454, 500, 501, 503, 504, 530, 535, 550" },
    { 7, 1, "Delivery not authorized, message refused",
      "The sender is not allowed to send to this destination, typically because of per-host or per-recipient filtering.",
      R3463, C4 | C5, "451, 454, 502, 503, 533, 550, 551" },
    { 7, 2, "Mailing list expansion prohibited",
      "The sender is not allowed to send to the addressed mailing list.",
      R3463, C5, "550" },
    { 7, 3, "Security conversion required but not possible",
      "Delivery needed a conversion between secure messaging protocols that could not be done.",
      R3463, C5, "Not given" },
    { 7, 4, "Security features not supported",
      "The message uses security features, such as secure authentication, that the delivery protocol cannot support.",
      R3463, C5, "504" },
    { 7, 5, "Cryptographic failure",
      "A system entitled to verify or decrypt the message could not, because a key or similar information was missing or invalid.",
      R3463, CALL, "Not given" },
    { 7, 6, "Cryptographic algorithm not supported",
      "A system entitled to verify or decrypt the message could not, because it lacks the algorithm used.",
      R3463, CALL, "Not given" },
    { 7, 7, "Message integrity failure",
      "A system entitled to verify the message found it corrupted or altered.",
      R3463, CALL, "Not given" },
    { 7, 8, "Authentication credentials invalid",
      "AUTH failed because the credentials were wrong or insufficient; the client should ask the user for new ones.",
      "RFC 4954", C5, "535, 554" },
    { 7, 9, "Authentication mechanism is too weak",
      "The chosen SASL mechanism is weaker than the server's policy allows for this user; another mechanism should be tried.",
      "RFC 4954", C5, "534" },
    { 7, 10, "Encryption Needed",
      "The requested authentication mechanism may only be used under an external privacy layer such as TLS.",
      "RFC 5248", C5, "523" },
    { 7, 11, "Encryption required for requested authentication mechanism",
      "The chosen authentication mechanism is allowed only over an encrypted connection (kept for historical reasons).",
      "RFC 4954", C5, "524, 538" },
    { 7, 12, "A password transition is needed",
      "The user must first authenticate once with PLAIN so that the chosen mechanism can work afterwards.",
      "RFC 4954", C4, "422, 432" },
    { 7, 13, "User Account Disabled",
      "Authentication succeeded but the account is disabled; only its administrator can re-enable it.",
      "RFC 5248", C5, "525" },
    { 7, 14, "Trust relationship required",
      "The submission server needs a configured trust relationship with a third-party server to fetch the message content.",
      "RFC 5248", C5, "535, 554" },
    { 7, 15, "Priority Level is too low",
      "The requested message priority is below the lowest the server currently accepts.",
      "RFC 6710", C4 | C5, "450, 550 (other 4XX or 5XX codes are allowed)" },
    { 7, 16, "Message is too big for the specified priority",
      "The message is larger than the server currently accepts at the requested priority.",
      "RFC 6710", C4 | C5, "552 (other 4XX or 5XX codes are allowed)" },
    { 7, 17, "Mailbox owner has changed",
      "Under a Require-Recipient-Valid-Since check, the recipient mailbox changed owner after the given date.",
      "RFC 7293", C5, "5XX" },
    { 7, 18, "Domain owner has changed",
      "Under a Require-Recipient-Valid-Since check, the recipient's domain changed owner after the given date.",
      "RFC 7293", C5, "5XX" },
    { 7, 19, "RRVS test cannot be completed",
      "A Require-Recipient-Valid-Since check could not be done because the needed timestamp was never recorded.",
      "RFC 7293", C5, "5XX" },
    { 7, 20, "No passing DKIM signature found",
      "The message carried no DKIM signature that verified.",
      "RFC 7372, RFC 6376", C5, "550" },
    { 7, 21, "No acceptable DKIM signature found",
      "The message had verifying DKIM signatures, but none acceptable to the receiver's policy.",
      "RFC 7372, RFC 6376", C5, "550" },
    { 7, 22, "No valid author-matched DKIM signature found",
      "No verifying DKIM signature has a signing identity that matches the author address in From.",
      "RFC 7372, RFC 6376", C5, "550" },
    { 7, 23, "SPF validation failed",
      "An SPF check gave \"fail\" and local policy rejects such mail.",
      "RFC 7372, RFC 7208", C5, "550" },
    { 7, 24, "SPF validation error",
      "Evaluating SPF for the message ended in an error (temporary or permanent).",
      "RFC 7372, RFC 7208", C4 | C5, "451/550" },
    { 7, 25, "Reverse DNS validation failed",
      "The client's IP address failed a reverse DNS check required by local policy.",
      "RFC 7372", C5, "550" },
    { 7, 26, "Multiple authentication checks failed",
      "The message failed more than one authentication check required by local policy, without saying which.",
      "RFC 7372", C5, "550" },
    { 7, 27, "Sender address has null MX",
      "The sender's domain publishes a null MX, so the receiver refuses the mail (no DSN could be returned).",
      "RFC 7505", C5, "550" },
    { 7, 28, "Mail flood detected",
      "The message looks like part of a flood of similar abusive messages.",
      "draft-levine-mailbomb-header", CALL, "" },
    { 7, 29, "ARC validation failure",
      "The message failed Authenticated Received Chain (ARC) validation.",
      "RFC 8617", C5, "550" },
    { 7, 30, "REQUIRETLS support required",
      "The message was received with a REQUIRETLS requirement and no next-hop server offers REQUIRETLS, so it cannot be forwarded.",
      "RFC 8689", C5, "550" },
};

#define STATUS_TABLE_LEN (sizeof status_table / sizeof status_table[0])

const char *
smtpx_status_class_name(guint8 klass)
{
    /* Registry "Class Sub-Codes" summaries (RFC 3463 section 2). */
    switch (klass) {
    case 2:
        return "Success";
    case 4:
        return "Persistent Transient Failure";
    case 5:
        return "Permanent Failure";
    default:
        return NULL;
    }
}

const char *
smtpx_status_subject_name(guint16 subject)
{
    /* Registry "Subject Sub-Codes" summaries (RFC 3463 section 2). */
    static const char *const names[] = {
        "Other or Undefined Status",
        "Addressing Status",
        "Mailbox Status",
        "Mail System Status",
        "Network and Routing Status",
        "Mail Delivery Protocol Status",
        "Message Content or Media Status",
        "Security or Policy Status",
    };

    if (subject >= G_N_ELEMENTS(names))
        return NULL;
    return names[subject];
}

static int
status_key_cmp(guint16 subject, guint16 detail, const smtpx_status_entry_t *e)
{
    if (subject != e->subject)
        return subject < e->subject ? -1 : 1;
    if (detail != e->detail)
        return detail < e->detail ? -1 : 1;
    return 0;
}

const smtpx_status_entry_t *
smtpx_status_lookup(guint16 subject, guint16 detail)
{
    gsize lo = 0, hi = STATUS_TABLE_LEN;   /* search [lo, hi) */

    while (lo < hi) {
        gsize mid = lo + (hi - lo) / 2;
        int c = status_key_cmp(subject, detail, &status_table[mid]);

        if (c == 0)
            return &status_table[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const smtpx_status_entry_t *
smtpx_status_table(gsize *count)
{
    if (count != NULL)
        *count = STATUS_TABLE_LEN;
    return status_table;
}
