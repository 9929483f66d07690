/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-tree.c - the SMTPX tree, expert infos and Info column of one
 * stored record (smtpx-frames.c), the same on every pass: one subtree per
 * command, reply, SASL line, message data, header section (with the From
 * verdict) and transaction summary.  Items take the bytes their event
 * covers in this tvb; values computed rather than read (matching, the
 * verdict, summaries) are generated.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/address_types.h>
#include <epan/to_str.h>
#include <epan/expert.h>

#include "ws_compat.h"
#include "packet-smtpx.h"
#include "smtpx-dkim-glue.h"
#include "status_registry.h"
#include "smtpx-tree-internal.h"
static proto_item *
build_event(proto_tree *st, packet_info *pinfo, tvbuff_t *tvb, const smtpx_record_t *rec,
            guint idx, gint start, gint len, GString *summary, proto_item **verdict_item)
{
    const smtpx_event_t *ev = smtpx_record_events(rec)[idx];
    const guint8 *raw = smtpx_tree_event_bytes(tvb, rec, idx, start, len);
    proto_item *item;

    switch (ev->kind) {
    case SMTPX_EV_COMMAND:
        return smtpx_tree_build_command(st, tvb, start, len, ev->command, raw);
    case SMTPX_EV_REPLY:
        return smtpx_tree_build_reply(st, pinfo, tvb, start, len, ev->reply, raw, summary);
    case SMTPX_EV_AUTH_LINE:
        return proto_tree_add_item(st, smtpx_hf.sasl, tvb, start, len, ENC_NA);
    case SMTPX_EV_DATA:
        item = proto_tree_add_uint(st, smtpx_hf.data_length, tvb, start, len, (guint32)ev->length);
        smtpx_tree_add_from_here(st, pinfo, tvb, start, len, ev->message, summary);
        return item;
    case SMTPX_EV_MESSAGE:
        return smtpx_tree_build_message(st, pinfo, tvb, start, len, rec, ev->message, summary,
                             verdict_item);
    case SMTPX_EV_END_OF_DATA:
        if (ev->message) {
            /* Counted over the whole message: generated, on the end line. */
            item = proto_tree_add_uint64(st, smtpx_hf.msg_size, tvb, start, len, ev->message->size);
            proto_item_set_generated(item);
            if (summary && ev->message->verdict && !strstr(summary->str, "From ")) {
                g_string_append_printf(summary, "%sEnd of data, %" G_GUINT64_FORMAT " bytes: ",
                                       summary->len ? "; " : "", ev->message->size);
                smtpx_tree_verdict_summary(summary, ev->message->verdict,
                                smtpx_dkim_glue_verdict(pinfo, ev->message, FALSE, NULL));
            }
            return item;
        }
        (void)proto_tree_add_subtree(st, tvb, start, len, smtpx_ett.message, &item,
                                     "End of data (start of the message not captured)");
        return item;
    case SMTPX_EV_TXN:
        item = smtpx_tree_build_txn(st, pinfo, tvb, ev, summary);
        col_append_fstr(pinfo->cinfo, COL_INFO, " [mail transaction %u]", ev->txn->number);
        return item;
    case SMTPX_EV_ANOMALY:
    default:
        (void)proto_tree_add_subtree(st, tvb, start, len, smtpx_ett.smtpx, &item, "Anomaly");
        return item;
    }
}

/* The Info column: the commands of a "DATA fragment", the anomaly tags. */
static void
add_info(packet_info *pinfo, const smtpx_record_t *rec, guint n_cmds, guint32 tags)
{
    guint i;

    if (n_cmds && smtpx_tree_info_is_data(pinfo)) {
        col_append_str(pinfo->cinfo, COL_INFO, " [SMTPX:");
        for (i = 0; i < rec->n_events; i++)
            if (smtpx_record_events(rec)[i]->kind == SMTPX_EV_COMMAND && !smtpx_record_events(rec)[i]->command->injected)
                col_append_fstr(pinfo->cinfo, COL_INFO, " %s", smtpx_record_events(rec)[i]->command->verb_text);
        col_append_str(pinfo->cinfo, COL_INFO, "]");
    }
    if (smtpx_pref_info_tags && tags) {
        for (i = 0; i < SMTPX_ANOM_COUNT; i++)
            if (tags & (1u << i))
                col_append_fstr(pinfo->cinfo, COL_INFO, " [%s]", smtpx_tree_info_tags[i]);
    }
    col_set_fence(pinfo->cinfo, COL_INFO);
}

/*
 * Whether items added to tree can be seen: a visible tree (-V, the GUI's
 * packet details), or an invisible one (-T fields, -Y, colouring rules,
 * custom columns) where a field of SMTPX, SMTPX itself, or an expert
 * field (_ws.expert.*) is asked for (proto_field_is_referenced: a filter on
 * a field marks its protocol too).  Otherwise Wireshark would fake every
 * item, and SMTPX takes the no-tree path, which still raises the expert
 * infos (Expert column, expert tap) and writes the Info column.
 */
static gboolean
tree_wanted(proto_tree *tree)
{
    static int proto_expert = -1;

    if (!tree)
        return FALSE;
    if (proto_field_is_referenced(tree, proto_smtpx))
        return TRUE;
    if (proto_expert == -1)
        proto_expert = proto_get_id_by_filter_name("_ws.expert");
    return proto_expert < 0 || proto_field_is_referenced(tree, proto_expert);
}

/*
 * Issue 10: whether anything can see what the no-tree path makes for this
 * dissection: the columns (the Info column's text and tags), or expert
 * infos (the expert tap, e.g. "-z expert", which collects them without a
 * tree), or the SMTPX tap (its statistics count the DKIM expert infos
 * this raises).  When neither, and the tree is not wanted, the items would all be
 * thrown away: the record is still stored and later passes (GUI, -2) build
 * it as usual, and the SMTPX tap gets its events all the same.
 */
static gboolean
anything_seen(packet_info *pinfo)
{
    static int expert_tap = -2;

    if (pinfo->cinfo || have_tap_listener(smtpx_tap))
        return TRUE;    /* the SMTPX tap counts what DKIM raises here */
    if (expert_tap == -2)
        expert_tap = find_tap_id("expert");
    return expert_tap < 0 || have_tap_listener(expert_tap);
}

gboolean
smtpx_tree_needed(packet_info *pinfo, proto_tree *tree)
{
    return tree_wanted(tree) || anything_seen(pinfo);
}

void
smtpx_tree_build(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                 const smtpx_record_t *rec)
{
    proto_item *ti = NULL;
    proto_tree *st = NULL;
    guint32 tags = 0;
    guint i, n_cmds = 0;
    GString *summary;

    static gboolean expanded_set;

    if (rec->n_events == 0)
        return;
    if (!expanded_set) {
        /* The capabilities open on their own, the raw reply lines stay
         * folded (the GUI remembers the user's choice after this).  Not at
         * registration: epan allocates the expansion states after it. */
        tree_expanded_set(smtpx_ett.ehlo, TRUE);
        expanded_set = TRUE;
    }
    if (!tree_wanted(tree)) {
        if (!anything_seen(pinfo))
            return;     /* nothing would be seen: nothing to build */
        tree = NULL;    /* every item would be faked: the no-tree path */
    }
    if (tree) {
        ti = proto_tree_add_item(tree, proto_smtpx, tvb, 0, -1, ENC_NA);
        st = proto_item_add_subtree(ti, smtpx_ett.smtpx);
    }
    summary = tree ? g_string_new(NULL) : NULL;     /* the root item's text */
    for (i = 0; i < rec->n_events; i++) {
        const smtpx_event_t *ev = smtpx_record_events(rec)[i];
        proto_item *item, *verdict_item = NULL;
        gint start, len;

        smtpx_tree_event_span(tvb, rec, i, &start, &len);
        if (ev->kind == SMTPX_EV_COMMAND && !ev->command->injected)
            n_cmds++;
        item = build_event(st, pinfo, tvb, rec, i, start, len, summary, &verdict_item);
        smtpx_tree_add_anomalies(pinfo, tvb, start, item ? item : ti, verdict_item, ev, &tags);
    }
    if (tree && rec->starttls) {
        proto_item *pi;
        (void)proto_tree_add_subtree(st, tvb, 0, 0, smtpx_ett.smtpx, &pi,
                                     "TLS begins after this reply (STARTTLS accepted, RFC 3207)");
        proto_item_set_generated(pi);
        g_string_append_printf(summary, "%sTLS begins", summary->len ? "; " : "");
    }
    /* The root item says what the frame shows (as HTTP and TLS do). */
    if (ti && summary && summary->len) {
        /* Kept well under the label limit: whole parts, then "...". */
        if (summary->len > 180) {
            gsize cut = 180;
            while (cut > 0 && !(summary->str[cut] == ';' && summary->str[cut + 1] == ' '))
                cut--;
            g_string_truncate(summary, cut ? cut : 177);
            g_string_append(summary, cut ? "; ..." : "...");
        }
        proto_item_append_text(ti, ": %s", summary->str);
    }
    if (summary)
        g_string_free(summary, TRUE);
    add_info(pinfo, rec, n_cmds, tags);
}
