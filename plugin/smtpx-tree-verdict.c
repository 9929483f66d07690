/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-tree-verdict.c - the From verdict's items: the flags, the verdict
 * in words, each reason its own smtpx.from.reason item with a short code.
 * See smtpx-tree.c for the whole, smtpx-tree-internal.h for what the
 * tree files share.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>

#include "ws_compat.h"
#include "packet-smtpx.h"
#include "smtpx-dkim-glue.h"
#include "smtpx-tree-internal.h"

static void add_reasons(proto_tree *vt, packet_info *pinfo, tvbuff_t *tvb,
                        gint start, gint len, const char *reasons);

proto_tree *
smtpx_tree_build_verdict(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb,
                         gint start, gint len, const smtpx_verdict_t *v,
                         gboolean generated, const smtpx_author_verdict_t *av,
                         proto_item **forged_item)
{
    proto_item *pi;
    proto_tree *vt;

#define SMTPX_FLAG(hf, val) do { if (val) { \
        pi = proto_tree_add_boolean(vt, hf, tvb, start, len, TRUE); \
        if (generated) proto_item_set_generated(pi); } } while (0)

    if (av) {
        pi = proto_tree_add_boolean(tree, smtpx_hf.from_forged, tvb, start, len, av->forged);
    } else {
        (void)proto_tree_add_subtree(tree, tvb, start, len, smtpx_ett.verdict, &pi,
                                     "Verdict pending (DKIM)");
    }
    proto_item_set_generated(pi);
    *forged_item = pi;
    vt = proto_item_add_subtree(pi, smtpx_ett.verdict);
    if (v->org_domain) {
        pi = smtpx_tree_add_string(vt, smtpx_hf.from_org_domain, tvb, start, len, v->org_domain);
        proto_item_set_generated(pi);
    }
    if (v->envelope_domain) {
        pi = smtpx_tree_add_string(vt, smtpx_hf.from_envelope_domain, tvb, start, len,
                                   v->envelope_domain);
        proto_item_set_generated(pi);
    }
    SMTPX_FLAG(smtpx_hf.from_envelope_mismatch, v->envelope_mismatch);
    SMTPX_FLAG(smtpx_hf.from_envelope_invalid, v->envelope_invalid);
    SMTPX_FLAG(smtpx_hf.from_dkim_aligned, v->dkim_aligned);
    SMTPX_FLAG(smtpx_hf.from_display_name_spoof, v->display_name_spoof);
    SMTPX_FLAG(smtpx_hf.from_multiple, v->multiple);
    SMTPX_FLAG(smtpx_hf.from_missing, v->missing);
    SMTPX_FLAG(smtpx_hf.from_ambiguous, v->ambiguous);
    SMTPX_FLAG(smtpx_hf.from_lookalike, v->lookalike);
    SMTPX_FLAG(smtpx_hf.from_exception, v->exception);
#undef SMTPX_FLAG
    if (v->exception_rule) {
        pi = smtpx_tree_add_string(vt, smtpx_hf.from_exception_rule, tvb, start, len,
                                   v->exception_rule);
        proto_item_set_generated(pi);
    }
    if (av ? *av->reasons != '\0' : (v->reasons && *v->reasons))
        add_reasons(vt, pinfo, tvb, start, len, av ? av->reasons : v->reasons);
    return vt;
}

/*
 * Words for the summary of a verdict ("envelope not aligned, no DKIM").
 */
void
smtpx_tree_verdict_words(GString *out, const smtpx_verdict_t *v,
                         const smtpx_author_verdict_t *av)
{
    gsize at = out->len;

#define SMTPX_WORD(cond, w) do { if (cond) { \
        g_string_append(out, out->len > at ? ", " : ""); g_string_append(out, w); } } while (0)
    gboolean backed = av && av->state == SMTPX_AUTHOR_BACKED;

    SMTPX_WORD(backed && v->exception, "exception");
    SMTPX_WORD(backed && !v->exception && !v->envelope_mismatch && !v->envelope_invalid,
               "envelope aligned");
    SMTPX_WORD(backed && av->dkim_verified, "DKIM verified");
    if (backed)
        return;
    SMTPX_WORD(v->missing, "no From");
    SMTPX_WORD(v->multiple, "several authors");
    SMTPX_WORD(v->envelope_mismatch, "envelope not aligned");
    SMTPX_WORD(v->envelope_invalid, "envelope invalid");
    SMTPX_WORD(v->display_name_spoof, "display-name spoof");
    SMTPX_WORD(v->lookalike, "look-alike domain");
    SMTPX_WORD(v->ambiguous, "ambiguous syntax");
    SMTPX_WORD(v->exception, "exception");
    SMTPX_WORD(!v->dkim_domains || v->dkim_domains->len == 0, "no DKIM");
    SMTPX_WORD(v->dkim_domains && v->dkim_domains->len && !v->dkim_aligned, "DKIM not aligned");
    SMTPX_WORD(v->dkim_aligned && av && !av->dkim_verified, "DKIM not verified");
    SMTPX_WORD(av && av->dkim_verified, "DKIM verified");
#undef SMTPX_WORD
}

/* "From FORGED (envelope not aligned, no DKIM)" into out. */
void
smtpx_tree_verdict_summary(GString *out, const smtpx_verdict_t *v,
                           const smtpx_author_verdict_t *av)
{
    gsize open;

    if (!av) {
        g_string_append(out, "From verdict pending (DKIM)");
        return;
    }
    g_string_append(out, "From ");
    if (av->state == SMTPX_AUTHOR_BACKED)
        g_string_append(out, "not forged");
    else {
        gchar *up = g_ascii_strup(smtpx_author_state_name(av->state), -1);
        g_string_append(out, up);
        g_free(up);
    }
    g_string_append(out, " (");
    open = out->len;
    smtpx_tree_verdict_words(out, v, av);
    if (out->len == open)
        g_string_truncate(out, open - 2);
    else
        g_string_append_c(out, ')');
}

/*
 * The verdict's reasons one by one, each with a short code.  The core gives
 * them as one text, the reasons of plugin/core/authorship.c (and the DKIM
 * outcome of dkim_verify.c) joined by "; "; the codes follow the texts
 * there and are those of the batch report (tools/smtpxreport/reasons.py):
 * a code that is also a verdict flag is the flag's name.  A piece that
 * starts like no known reason belongs to the one before ("; " inside a
 * quoted value); a text no pattern knows gets "other".
 */
static const struct { const char *code; const char *pattern; } reason_patterns[] = {
    { "missing", "^(no From field|the From field names no mailbox|"
                 "the From mailbox has no domain)" },
    { "multiple", "^(\\d+ (different )?From fields |\\d+ author mailboxes and no Sender|"
                  "author mailboxes of different organizational domains|"
                  "author .* is not of the organization of Sender )" },
    { "ambiguous", "^(MAIL FROM is ambiguous: |From address is ambiguous: |"
                   "From field layout is ambiguous: |"
                   "the header section starts with white space|"
                   "a white-space-only continuation line before From)" },
    { "envelope_invalid", "^(no MAIL FROM seen: |null reverse-path and |"
                          "MAIL FROM (gives no domain|is malformed|"
                          "names a domain with no organizational domain) \\()" },
    { "envelope_mismatch", "^((MAIL FROM|HELO \\(null reverse-path\\)) domain .* "
                           "is not aligned with (author|Sender) domain |"
                           "author domain .* has no organizational domain: "
                           "the (HELO|MAIL FROM) domain )" },
    { "exception", "^user exception .* lets the envelope back the author" },
    { "dkim_aligned", "^DKIM-Signature d=.* is aligned with author domain " },
    { "dkim_unaligned", "^DKIM-Signature d=.* not aligned with author domain " },
    { "dkim_unusable", "^no usable DKIM signature \\(" },
    { "dkim_none", "^no DKIM signature$" },
    { "display_name_spoof", "^(display name|comment in the From address) shows " },
    { "lookalike", "^author domain .*: " },
};

static GRegex *reason_rx[G_N_ELEMENTS(reason_patterns)];
static GRegex *dkim_outcome_rx;

/* The code of one reason text: a pattern's, "dkim_<result>" for the DKIM
 * outcome ("DKIM d=example.com s=sel: fail (...)"), else NULL. */
static char *
reason_code(const char *text)
{
    GMatchInfo *mi = NULL;
    char *code = NULL;
    guint i;

    if (!dkim_outcome_rx) {
        for (i = 0; i < G_N_ELEMENTS(reason_patterns); i++)
            reason_rx[i] = g_regex_new(reason_patterns[i].pattern, G_REGEX_OPTIMIZE, 0, NULL);
        dkim_outcome_rx = g_regex_new("^DKIM d=[^\\s:]+(?: s=[^\\s:]*)?: ([a-z]+)",
                                      G_REGEX_OPTIMIZE, 0, NULL);
    }
    for (i = 0; i < G_N_ELEMENTS(reason_patterns); i++)
        if (reason_rx[i] && g_regex_match(reason_rx[i], text, 0, NULL))
            return g_strdup(reason_patterns[i].code);
    if (dkim_outcome_rx && g_regex_match(dkim_outcome_rx, text, 0, &mi)) {
        char *result = g_match_info_fetch(mi, 1);
        code = g_strdup_printf("dkim_%s", result);
        g_free(result);
    }
    g_match_info_free(mi);
    return code;
}

/* One reason: its code and its text (packet scope). */
typedef struct {
    const char *code;
    const char *text;
} reason_t;

/* reasons -> reason_t items in order (packet scope), into *out; returns
 * how many. */
static guint
split_reasons(packet_info *pinfo, const char *reasons, reason_t **out)
{
    gchar **pieces = g_strsplit(reasons ? reasons : "", "; ", -1);
    guint n = g_strv_length(pieces), k = 0, i;
    reason_t *r = wmem_alloc0_array(SMTPX_PACKET_POOL(pinfo), reason_t, n ? n : 1);

    for (i = 0; i < n; i++) {
        char *code;

        if (!*pieces[i] && !k)
            continue;
        code = reason_code(pieces[i]);
        if (!code && k) {
            /* Part of the reason before: glue it back. */
            char *merged = wmem_strdup_printf(SMTPX_PACKET_POOL(pinfo), "%s; %s",
                                              r[k - 1].text, pieces[i]);
            char *c2 = reason_code(merged);
            r[k - 1].text = merged;
            if (c2)
                r[k - 1].code = wmem_strdup(SMTPX_PACKET_POOL(pinfo), c2);
            g_free(c2);
            continue;
        }
        r[k].code = wmem_strdup(SMTPX_PACKET_POOL(pinfo), code ? code : "other");
        r[k].text = wmem_strdup(SMTPX_PACKET_POOL(pinfo), pieces[i]);
        g_free(code);
        k++;
    }
    g_strfreev(pieces);
    *out = r;
    return k;
}

/*
 * The reasons item (the whole text, its label the number of reasons) and
 * one smtpx.from.reason item per reason below it: the code is the value,
 * the label gives the text; a text longer than a label can hold continues
 * in text items below its reason.
 */
static void
add_reasons(proto_tree *vt, packet_info *pinfo, tvbuff_t *tvb, gint start, gint len,
            const char *reasons)
{
    reason_t *r;
    guint n = split_reasons(pinfo, reasons, &r), i;
    proto_item *pi;
    proto_tree *rt;

    pi = proto_tree_add_string_format_value(vt, smtpx_hf.from_reasons, tvb, start, len,
                                            reasons, "%u", n);
    proto_item_set_generated(pi);
    rt = proto_item_add_subtree(pi, smtpx_ett.verdict);
    for (i = 0; i < n; i++) {
        gsize tl = strlen(r[i].text);

        if (tl <= SMTPX_SHOW_MAX) {
            pi = proto_tree_add_string_format(rt, smtpx_hf.from_reason, tvb, start, len,
                                              r[i].code, "Reason (%s): %s", r[i].code,
                                              r[i].text);
            proto_item_set_generated(pi);
        } else {
            gsize cut = SMTPX_SHOW_MAX - 20;
            while (cut > 40 && r[i].text[cut] != ' ')
                cut--;
            while (cut > 0 && ((guchar)r[i].text[cut] & 0xC0) == 0x80)
                cut--;
            pi = proto_tree_add_string_format(rt, smtpx_hf.from_reason, tvb, start, len,
                                              r[i].code, "Reason (%s): %.*s ...", r[i].code,
                                              (int)cut, r[i].text);
            proto_item_set_generated(pi);
            smtpx_tree_add_text_lines(proto_item_add_subtree(pi, smtpx_ett.verdict), tvb, start, len,
                           "... ", r[i].text + cut);
        }
    }
}

/*
 * Where header field name (with its colon) lies in bytes [from, to) of tvb:
 * at the start of a line, with its folded continuation lines (RFC 5322
 * 2.2.3), without the final CRLF.  FALSE when the field is not there.
 */
