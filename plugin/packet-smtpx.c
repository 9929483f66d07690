/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-smtpx.c - SMTP Extended Analysis: registration only.
 *
 * The protocol, its header fields (whose blurbs are the one source of
 * field meanings: README's field tables are checked against them by
 * tests/regress/test_fields.py), subtrees, expert infos (generated from
 * plugin/core/anomalies.def), preferences, the dissector on the SMTP ports
 * and the catch-up postdissector.  How a segment travels through the other
 * glue files: packet-smtpx.h.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/tap.h>
#include <epan/dissectors/packet-tls.h>
#include <epan/dissectors/packet-tls-utils.h>

#include "ws_compat.h"
#include "packet-smtpx.h"
#include "smtpx-dkim-glue.h"
#include "status_registry.h"

#define SMTPX_TCP_PORTS "25,587"
#define SMTPX_TLS_PORT  465

#define SMTPX_ID_UNSET(name) -1,
int proto_smtpx = -1;
int smtpx_tap = -1;
smtpx_hf_t smtpx_hf = { SMTPX_HF_LIST(SMTPX_ID_UNSET) };
smtpx_ett_t smtpx_ett = { SMTPX_ETT_LIST(SMTPX_ID_UNSET) };
#undef SMTPX_ID_UNSET
expert_field smtpx_ei[SMTPX_ANOM_COUNT];

guint smtpx_pref_max_header_bytes = 65536;
guint smtpx_pref_max_pending = SMTPX_DEFAULT_MAX_PENDING;
guint smtpx_pref_max_records = SMTPX_DEFAULT_MAX_RECORDS;
guint smtpx_pref_max_transactions = SMTPX_DEFAULT_MAX_TRANSACTIONS;
smtpx_ws_bool smtpx_pref_info_tags = TRUE;

dissector_handle_t smtpx_handle;
dissector_handle_t smtpx_smtp_handle;
dissector_handle_t smtpx_tls_handle;
int smtpx_proto_tls = -1, smtpx_proto_icmp = -1, smtpx_proto_icmpv6 = -1;
static dissector_handle_t catchup_handle;

static void
status_class_fmt(gchar *buf, guint32 value)
{
    const char *name = smtpx_status_class_name((guint8)value);

    snprintf(buf, ITEM_LABEL_LENGTH, "%s (%u)", name ? name : "Unknown", value);
}

static void
status_subject_fmt(gchar *buf, guint32 value)
{
    const char *name = smtpx_status_subject_name((guint16)value);

    snprintf(buf, ITEM_LABEL_LENGTH, "%s (%u)", name ? name : "Unknown", value);
}

/* Reply codes by name (RFC 5321 4.2.2 and 4.2.3, RFC 4954 6, RFC 3030). */
static const value_string reply_code_vals[] = {
    { 211, "System status" },
    { 214, "Help message" },
    { 220, "Service ready" },
    { 221, "Service closing transmission channel" },
    { 235, "Authentication succeeded" },
    { 250, "Requested mail action okay, completed" },
    { 251, "User not local; will forward" },
    { 252, "Cannot VRFY user, but will accept message" },
    { 334, "Server challenge (AUTH)" },
    { 354, "Start mail input" },
    { 421, "Service not available, closing transmission channel" },
    { 432, "A password transition is needed" },
    { 450, "Mailbox unavailable" },
    { 451, "Local error in processing" },
    { 452, "Insufficient system storage" },
    { 454, "Temporary authentication failure" },
    { 455, "Server unable to accommodate parameters" },
    { 500, "Syntax error, command unrecognized" },
    { 501, "Syntax error in parameters or arguments" },
    { 502, "Command not implemented" },
    { 503, "Bad sequence of commands" },
    { 504, "Command parameter not implemented" },
    { 530, "Authentication required" },
    { 534, "Authentication mechanism is too weak" },
    { 535, "Authentication credentials invalid" },
    { 538, "Encryption required for requested authentication mechanism" },
    { 550, "Mailbox unavailable" },
    { 551, "User not local" },
    { 552, "Exceeded storage allocation" },
    { 553, "Mailbox name not allowed" },
    { 554, "Transaction failed" },
    { 555, "MAIL FROM/RCPT TO parameters not recognized or not implemented" },
    { 0, NULL }
};

/* The name of a reply code, for the stats tree (NULL when unnamed). */
const char *
smtpx_reply_code_name(guint code)
{
    return try_val_to_str(code, reply_code_vals);
}

/* Header fields: the one place their meanings are written. */
static void
register_fields(void)
{
    static hf_register_info hf[] = {
        /* Commands */
        { &smtpx_hf.cmd, { "Command", "smtpx.cmd", FT_STRING, BASE_NONE, NULL, 0x0,
            "Command verb, upper case (MAIL)", HFILL } },
        { &smtpx_hf.cmd_pipelined, { "Pipelined", "smtpx.cmd.pipelined", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Sent before the reply to an earlier command (RFC 2920)", HFILL } },
        { &smtpx_hf.injected, { "Injected command", "smtpx.injected", FT_STRING, BASE_NONE, NULL, 0x0,
            "Verb of a command sent in clear after STARTTLS, before TLS: not part of the session", HFILL } },
        { &smtpx_hf.response_in, { "Response in", "smtpx.response_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, "Frame with the reply to this command", HFILL } },
        { &smtpx_hf.helo, { "HELO/EHLO argument", "smtpx.helo", FT_STRING, BASE_NONE, NULL, 0x0,
            "Argument of EHLO or HELO (RFC 5321 4.1.1.1)", HFILL } },
        { &smtpx_hf.mail_from, { "MAIL FROM", "smtpx.mail_from", FT_STRING, BASE_NONE, NULL, 0x0,
            "Reverse-path mailbox; empty for the null path <>", HFILL } },
        { &smtpx_hf.mail_from_domain, { "MAIL FROM domain", "smtpx.mail_from.domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Domain of the reverse-path, lower case", HFILL } },
        { &smtpx_hf.rcpt_to, { "RCPT TO", "smtpx.rcpt_to", FT_STRING, BASE_NONE, NULL, 0x0,
            "Forward-path mailbox", HFILL } },
        { &smtpx_hf.rcpt_to_domain, { "RCPT TO domain", "smtpx.rcpt_to.domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Domain of the forward-path, lower case", HFILL } },
        { &smtpx_hf.param, { "ESMTP parameter", "smtpx.param", FT_STRING, BASE_NONE, NULL, 0x0,
            "One ESMTP parameter as sent, KEY=value (RFC 5321 4.1.2)", HFILL } },
        { &smtpx_hf.param_size, { "SIZE", "smtpx.param.size", FT_UINT64, BASE_DEC|BASE_UNIT_STRING, SMTPX_UNITS(&units_byte_bytes), 0x0,
            "SIZE= of MAIL: declared message size in octets (RFC 1870)", HFILL } },
        { &smtpx_hf.param_body, { "BODY", "smtpx.param.body", FT_STRING, BASE_NONE, NULL, 0x0,
            "BODY= of MAIL (RFC 6152, RFC 3030)", HFILL } },
        { &smtpx_hf.auth_mechanism, { "AUTH mechanism", "smtpx.auth.mechanism", FT_STRING, BASE_NONE, NULL, 0x0,
            "SASL mechanism of AUTH (RFC 4954)", HFILL } },
        { &smtpx_hf.bdat_size, { "BDAT chunk size", "smtpx.bdat.size", FT_UINT64, BASE_DEC|BASE_UNIT_STRING, SMTPX_UNITS(&units_byte_bytes), 0x0,
            "Octets in this BDAT chunk (RFC 3030)", HFILL } },
        { &smtpx_hf.bdat_last, { "BDAT LAST", "smtpx.bdat.last", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Last chunk of the message", HFILL } },
        { &smtpx_hf.sasl, { "SASL response (not shown)", "smtpx.sasl", FT_NONE, BASE_NONE, NULL, 0x0,
            "A client line of an AUTH exchange; credentials are never shown", HFILL } },
        { &smtpx_hf.data_length, { "Message data", "smtpx.data.length", FT_UINT32, BASE_DEC|BASE_UNIT_STRING, SMTPX_UNITS(&units_byte_bytes), 0x0,
            "Bytes of message content (DATA or BDAT) in this frame", HFILL } },
        /* Replies */
        { &smtpx_hf.reply_code, { "Reply code", "smtpx.reply.code", FT_UINT16, BASE_DEC, VALS(reply_code_vals), 0x0,
            "Three-digit reply code (RFC 5321 4.2)", HFILL } },
        { &smtpx_hf.reply_cmd, { "Reply to", "smtpx.reply.cmd", FT_STRING, BASE_NONE, NULL, 0x0,
            "Verb of the command this reply answers; <greeting> for the banner", HFILL } },
        { &smtpx_hf.request_in, { "Request in", "smtpx.request_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "Frame of the command this reply answers", HFILL } },
        { &smtpx_hf.time, { "Response time", "smtpx.time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
            "Time from the command to this reply, in seconds", HFILL } },
        { &smtpx_hf.reply_text, { "Reply text", "smtpx.reply.text", FT_STRING, BASE_NONE, NULL, 0x0,
            "Text of one reply line", HFILL } },
        { &smtpx_hf.status, { "Enhanced status code", "smtpx.status", FT_STRING, BASE_NONE, NULL, 0x0,
            "Enhanced status code as sent (RFC 3463)", HFILL } },
        { &smtpx_hf.status_class, { "Class", "smtpx.status.class", FT_UINT8, BASE_CUSTOM, CF_FUNC(status_class_fmt), 0x0,
            "2 success, 4 persistent transient failure, 5 permanent failure", HFILL } },
        { &smtpx_hf.status_subject, { "Subject", "smtpx.status.subject", FT_UINT16, BASE_CUSTOM, CF_FUNC(status_subject_fmt), 0x0,
            "Subject of the enhanced status code (RFC 3463 section 3)", HFILL } },
        { &smtpx_hf.status_detail, { "Detail", "smtpx.status.detail", FT_UINT16, BASE_DEC, NULL, 0x0,
            "Detail number of the enhanced status code", HFILL } },
        { &smtpx_hf.status_description, { "Meaning", "smtpx.status.description", FT_STRING, BASE_NONE, NULL, 0x0,
            "IANA registry title of X.subject.detail, with its RFC", HFILL } },
        { &smtpx_hf.ehlo_domain, { "Server domain", "smtpx.ehlo.domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Server name on the first EHLO reply line", HFILL } },
        { &smtpx_hf.ehlo_capability, { "Capability", "smtpx.ehlo.capability", FT_STRING, BASE_NONE, NULL, 0x0,
            "One advertised EHLO keyword, upper case, with its parameters (one item each)", HFILL } },
        { &smtpx_hf.ehlo_capabilities, { "Capabilities", "smtpx.ehlo.capabilities", FT_STRING, BASE_NONE, NULL, 0x0,
            "All advertised EHLO keywords, space separated (good as a column)", HFILL } },
        { &smtpx_hf.ehlo_size, { "SIZE limit", "smtpx.ehlo.size", FT_UINT64, BASE_DEC|BASE_UNIT_STRING, SMTPX_UNITS(&units_byte_bytes), 0x0,
            "Advertised message size limit; 0 means no fixed limit (RFC 1870)", HFILL } },
        { &smtpx_hf.ehlo_auth_mechanism, { "Offered AUTH mechanism", "smtpx.ehlo.auth_mechanism", FT_STRING, BASE_NONE, NULL, 0x0,
            "One advertised SASL mechanism (RFC 4954; one item each)", HFILL } },
        { &smtpx_hf.ehlo_limits_rcptmax, { "LIMITS RCPTMAX", "smtpx.ehlo.limits.rcptmax", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Most RCPT commands per transaction (RFC 9422)", HFILL } },
        { &smtpx_hf.ehlo_limits_mailmax, { "LIMITS MAILMAX", "smtpx.ehlo.limits.mailmax", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Most transactions per session (RFC 9422)", HFILL } },
        { &smtpx_hf.ehlo_limits_rcptdomainmax, { "LIMITS RCPTDOMAINMAX", "smtpx.ehlo.limits.rcptdomainmax", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Most recipient domains per transaction (RFC 9422)", HFILL } },
        /* Message */
        { &smtpx_hf.msg_from, { "From", "smtpx.msg.from", FT_STRING, BASE_NONE, NULL, 0x0,
            "The From field body, unfolded (RFC 5322 3.6.2)", HFILL } },
        { &smtpx_hf.msg_from_address, { "Author mailbox", "smtpx.msg.from.address", FT_STRING, BASE_NONE, NULL, 0x0,
            "One author mailbox of the From field", HFILL } },
        { &smtpx_hf.msg_from_display_name, { "Display name", "smtpx.msg.from.display_name", FT_STRING, BASE_NONE, NULL, 0x0,
            "Display name of the author, RFC 2047 decoded to UTF-8", HFILL } },
        { &smtpx_hf.msg_from_domain, { "Author domain", "smtpx.msg.from.domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Domain of the author mailbox, lower case", HFILL } },
        { &smtpx_hf.msg_sender, { "Sender", "smtpx.msg.sender", FT_STRING, BASE_NONE, NULL, 0x0,
            "The Sender field body, unfolded", HFILL } },
        { &smtpx_hf.msg_reply_to, { "Reply-To", "smtpx.msg.reply_to", FT_STRING, BASE_NONE, NULL, 0x0,
            "The Reply-To field body, unfolded", HFILL } },
        { &smtpx_hf.msg_return_path, { "Return-Path", "smtpx.msg.return_path", FT_STRING, BASE_NONE, NULL, 0x0,
            "The Return-Path field body, unfolded", HFILL } },
        { &smtpx_hf.msg_dkim_domain, { "DKIM signing domain", "smtpx.msg.dkim_domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "d= of a DKIM-Signature field (RFC 6376 3.5) as claimed; its check is smtpx.dkim.result", HFILL } },
        { &smtpx_hf.msg_size, { "Message size", "smtpx.msg.size", FT_UINT64, BASE_DEC|BASE_UNIT_STRING, SMTPX_UNITS(&units_byte_bytes), 0x0,
            "Message size after dot-unstuffing, in octets (end-of-data frame)", HFILL } },
        /* Verdict */
        { &smtpx_hf.msg_from_forged, { "From field forged", "smtpx.msg.from_forged", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "In a frame carrying a From field whose header section ends in a later frame: the verdict of that frame (smtpx.from.forged), shown once known (later passes); the label says why in words", HFILL } },
        { &smtpx_hf.msg_verdict_frame, { "Verdict in", "smtpx.msg.verdict_frame", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
            "Frame where the header section ended, with the verdict (in the From field frame on later passes, and in the summary links)", HFILL } },
        { &smtpx_hf.from_forged, { "From forged", "smtpx.from.forged", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The verdict, always present once decided: true unless the author is backed (smtpx.from.verdict) by an aligned envelope, an exception or an aligned DKIM signature that passed", HFILL } },
        { &smtpx_hf.from_org_domain, { "Organizational domain", "smtpx.from.org_domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Organizational domain of the From domain (Public Suffix List, RFC 7489 3.2)", HFILL } },
        { &smtpx_hf.from_envelope_domain, { "Envelope domain", "smtpx.from.envelope_domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Domain of MAIL FROM, or of HELO for the null reverse-path", HFILL } },
        { &smtpx_hf.from_envelope_mismatch, { "Envelope mismatch", "smtpx.from.envelope_mismatch", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "From organizational domain differs from the envelope's (RFC 7489 3.1 relaxed)", HFILL } },
        { &smtpx_hf.from_envelope_invalid, { "Envelope invalid", "smtpx.from.envelope_invalid", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "MAIL FROM gives no usable domain (bare IP, no @, route, junk, or a domain with no organizational domain such as localhost that is not the author domain itself)", HFILL } },
        { &smtpx_hf.from_dkim_aligned, { "DKIM aligned", "smtpx.from.dkim_aligned", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "A DKIM-Signature d= is aligned with From (the claim; smtpx.from.dkim_verified says whether it holds)", HFILL } },
        { &smtpx_hf.from_display_name_spoof, { "Display name spoof", "smtpx.from.display_name_spoof", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The display name shows an address or domain other than the real one", HFILL } },
        { &smtpx_hf.from_multiple, { "Multiple authors", "smtpx.from.multiple", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Several different From fields, several mailboxes and no Sender, or authors of another organization than the Sender (RFC 5322 3.6.2)", HFILL } },
        { &smtpx_hf.from_missing, { "From missing", "smtpx.from.missing", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "No From field (RFC 5322 3.6 requires one)", HFILL } },
        { &smtpx_hf.from_ambiguous, { "Ambiguous", "smtpx.from.ambiguous", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The readings of From by strict and lenient parsers name authors of different organizations, or its syntax leaves the address unknown (NUL, controls, unbalanced quotes)", HFILL } },
        { &smtpx_hf.from_lookalike, { "Look-alike domain", "smtpx.from.lookalike", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "A domain confusable with another or mixing scripts (Unicode TS 39, ICU spoof checker): mixed-script or whole-script confusable labels, or an author domain confusable with the envelope's or one in the display name", HFILL } },
        { &smtpx_hf.from_exception, { "Exception", "smtpx.from.exception", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "A user exception (envelope domain allowed to send for the author domain) matched", HFILL } },
        { &smtpx_hf.from_exception_rule, { "Exception rule", "smtpx.from.exception_rule", FT_STRING, BASE_NONE, NULL, 0x0,
            "The exception that matched, envelope -> author", HFILL } },
        { &smtpx_hf.from_reasons, { "Reasons", "smtpx.from.reasons", FT_STRING, BASE_NONE, NULL, 0x0,
            "The verdict's reasons in words, \"; \" separated (the label gives their number; each is a smtpx.from.reason below)", HFILL } },
        { &smtpx_hf.from_reason, { "Reason", "smtpx.from.reason", FT_STRING, BASE_NONE, NULL, 0x0,
            "One reason of the verdict by its short code (a verdict flag's name such as envelope_invalid, or dkim_none, dkim_unaligned, dkim_unusable, dkim_<result>, other); the label gives its text (one item each)", HFILL } },
        /* Transaction */
        { &smtpx_hf.txn, { "Mail transaction", "smtpx.txn", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Transaction number within the session; marks the summary frame (server side, the frame with the reply that ended the transaction)", HFILL } },
        { &smtpx_hf.txn_end, { "Ended by", "smtpx.txn.end", FT_STRING, BASE_NONE, NULL, 0x0,
            "What ended the transaction: end of data, a rejection, RSET, QUIT, ...", HFILL } },
        { &smtpx_hf.txn_client, { "Client", "smtpx.txn.client", FT_STRING, BASE_NONE, NULL, 0x0,
            "Client end of the session, address:port", HFILL } },
        { &smtpx_hf.txn_server, { "Server", "smtpx.txn.server", FT_STRING, BASE_NONE, NULL, 0x0,
            "Server end of the session, address:port", HFILL } },
        { &smtpx_hf.txn_mail_frame, { "MAIL in", "smtpx.txn.mail_frame", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "Frame of the MAIL command that opened the transaction", HFILL } },
        { &smtpx_hf.txn_rcpt_frame, { "RCPT in", "smtpx.txn.rcpt_frame", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "Frame of the first RCPT command of the transaction", HFILL } },
        { &smtpx_hf.txn_data_frame, { "DATA/BDAT in", "smtpx.txn.data_frame", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "Frame of the DATA command, or of the first BDAT, of the transaction", HFILL } },
        { &smtpx_hf.txn_end_frame, { "End of data in", "smtpx.txn.end_frame", FT_FRAMENUM, BASE_NONE,
            NULL, 0x0, "Frame with the end of the message data (the \".\" line or the end of BDAT LAST)", HFILL } },
        { &smtpx_hf.txn_tls, { "TLS", "smtpx.txn.tls", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The transaction was protected by TLS (always present)", HFILL } },
        { &smtpx_hf.txn_auth, { "Authenticated", "smtpx.txn.auth", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The client authenticated (a 235 was seen) before this transaction (always present)", HFILL } },
    };

    proto_register_field_array(proto_smtpx, hf, array_length(hf));
}

/* Subtrees, one per member of smtpx_ett (an int each, in order). */
static void
register_subtrees(void)
{
#define SMTPX_ETT_PTR(name) &smtpx_ett.name,
    static gint *ett[] = { SMTPX_ETT_LIST(SMTPX_ETT_PTR) };
#undef SMTPX_ETT_PTR

    proto_register_subtree_array(ett, array_length(ett));
}

/* Expert infos: one per anomaly kind, all from anomalies.def. */
static void
register_experts(void)
{
    static ei_register_info ei[] = {
#define SMTPX_ANOMALY(id, name, group, severity, tag, label, summary) \
        { &smtpx_ei[SMTPX_ANOM_##id], { "smtpx.analysis." name, PI_##group, PI_##severity, \
            summary, EXPFILL } },
#include "anomalies.def"
#undef SMTPX_ANOMALY
    };
    expert_module_t *expert;

    /* Every anomaly kind has its expert info, and nothing else is one. */
    G_STATIC_ASSERT(G_N_ELEMENTS(ei) == SMTPX_ANOM_COUNT);
    expert = expert_register_protocol(proto_smtpx);
    expert_register_field_array(expert, ei, array_length(ei));
}

static void
register_preferences(void)
{
    module_t *module = prefs_register_protocol(proto_smtpx, NULL);

    prefs_register_uint_preference(module, "max_header_bytes",
        "Header section limit (bytes)",
        "Header bytes kept per message for the From analysis; the rest is not analysed",
        10, &smtpx_pref_max_header_bytes);
    prefs_register_uint_preference(module, "max_pending",
        "Unanswered commands per session",
        "Commands kept waiting for their replies per session (pipelining); past it the "
        "oldest is no longer matched to its reply (expert queue_limit)",
        10, &smtpx_pref_max_pending);
    prefs_register_uint_preference(module, "max_records",
        "Records per session",
        "Per-frame records (commands, replies, AUTH lines, message data, anomalies) kept per "
        "session; past it the session is still followed (transactions, verdicts) but those "
        "items are not shown (expert record_limit)",
        10, &smtpx_pref_max_records);
    prefs_register_uint_preference(module, "max_transactions",
        "Mail transactions per session",
        "Mail transactions and messages kept per session (summaries, message fields, "
        "verdicts); past it they are still followed but not shown, except that a forged "
        "From still raises its expert info (expert txn_limit)",
        10, &smtpx_pref_max_transactions);
    prefs_register_bool_preference(module, "info_tags",
        "Tag the Info column",
        "Append [forged From], [cleartext AUTH], ... to the Info column when a security expert info fires",
        &smtpx_pref_info_tags);
    smtpx_exceptions_register(module);
    smtpx_dkim_glue_register(proto_smtpx, module);      /* its fields and smtpx.dkim_keys */
}

void
proto_register_smtpx(void)
{
    proto_smtpx = proto_register_protocol("SMTP Extended Analysis", "SMTPX", "smtpx");
    register_fields();
    register_subtrees();
    register_experts();
    register_preferences();

    smtpx_handle = register_dissector("smtpx", dissect_smtpx, proto_smtpx);
    smtpx_tap = register_tap("smtpx");
    register_cleanup_routine(smtpx_dissect_cleanup);

    catchup_handle = create_dissector_handle(dissect_smtpx_catchup, proto_smtpx);
    register_postdissector(catchup_handle);
}

void
proto_reg_handoff_smtpx(void)
{
    smtpx_smtp_handle = find_dissector_add_dependency("smtp", proto_smtpx);
    smtpx_tls_handle = find_dissector_add_dependency("tls", proto_smtpx);
    smtpx_proto_tls = proto_get_id_by_filter_name("tls");
    smtpx_proto_icmp = proto_get_id_by_filter_name("icmp");
    smtpx_proto_icmpv6 = proto_get_id_by_filter_name("icmpv6");
    dissector_add_uint_range_with_preference("tcp.port", SMTPX_TCP_PORTS, smtpx_handle);
    ssl_dissector_add(SMTPX_TLS_PORT, smtpx_handle);
    smtpx_catchup_handoff(catchup_handle);
}
