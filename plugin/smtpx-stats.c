/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-stats.c - Statistics > SMTPX (GUI) and `tshark -z smtpx,tree`:
 * counts of commands by verb, replies by code, enhanced status codes,
 * transactions by verdict and expert infos by name (see README.stats_tree).
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/stats_tree.h>

#include "packet-smtpx.h"
#include "smtpx-dkim-glue.h"
#include "status_registry.h"

static const char st_commands[] = "Commands";
static const char st_replies[] = "Reply codes";
static const char st_status[] = "Enhanced status codes";
static const char st_txns[] = "Mail transactions";
static const char st_anomalies[] = "Anomalies";

static int st_node_commands = -1;
static int st_node_replies = -1;
static int st_node_status = -1;
static int st_node_txns = -1;
static int st_node_anomalies = -1;

static void make_anomaly_labels(void);

static void
smtpx_stats_init(stats_tree *st)
{
    make_anomaly_labels();
    st_node_commands = stats_tree_create_node(st, st_commands, 0, STAT_DT_INT, TRUE);
    st_node_replies = stats_tree_create_node(st, st_replies, 0, STAT_DT_INT, TRUE);
    st_node_status = stats_tree_create_node(st, st_status, 0, STAT_DT_INT, TRUE);
    st_node_txns = stats_tree_create_node(st, st_txns, 0, STAT_DT_INT, TRUE);
    st_node_anomalies = stats_tree_create_node(st, st_anomalies, 0, STAT_DT_INT, TRUE);
}

/* Filter keys of the anomalies, by kind (anomalies.def). */
static const char *const anomaly_keys[] = {
#define SMTPX_ANOMALY(id, name, group, severity, tag, label, summary) label,
#include "anomalies.def"
#undef SMTPX_ANOMALY
};
G_STATIC_ASSERT(G_N_ELEMENTS(anomaly_keys) == SMTPX_ANOM_COUNT);

/* Words for the keys, as an analyst reads them; the key follows in
 * parentheses so that the node still names its filter. */
static const struct { const char *key; const char *words; } anomaly_words[] = {
    { "forged_from", "Forged From" },
    { "cleartext_auth", "Cleartext AUTH" },
    { "starttls_injection", "STARTTLS command injection" },
    { "smuggling", "SMTP smuggling" },
    { "unadvertised", "Extension used without being advertised" },
    { "size_exceeded", "Message over the advertised SIZE" },
    { "status_class_mismatch", "Enhanced status class differs from reply code" },
    { "status_missing", "Enhanced status code missing" },
    { "status_unregistered", "Unregistered enhanced status code" },
    { "path_syntax", "Path not in RFC 5321 form" },
    { "helo_syntax", "HELO/EHLO argument not a domain" },
    { "line_too_long", "Line too long" },
    { "gap", "Bytes missing from the capture" },
    { "header_limit", "Header section over the limit" },
    { "bdat_size", "Bad BDAT chunk size" },
    { "bad_reply", "Malformed reply" },
    { "unexpected_reply", "Reply with no command pending" },
    { "unknown_command", "Unknown command" },
    { "queue_limit", "Pending-command queue full" },
    { "from_syntax", "From syntax outside RFC 5322" },
    { "bare_line_end", "Bare LF or CR in message data" },
    { "dkim_fail", "DKIM signature failed" },
    { "dkim_body_length", "DKIM l= shorter than the body" },
};

/* Node labels under "Anomalies", by kind: "Words (key)". */
static char *anomaly_labels[SMTPX_ANOM_COUNT];

static void
make_anomaly_labels(void)
{
    guint i, j;

    for (i = 0; i < SMTPX_ANOM_COUNT; i++) {
        const char *w = NULL;
        if (anomaly_labels[i])
            continue;
        for (j = 0; j < G_N_ELEMENTS(anomaly_words); j++)
            if (strcmp(anomaly_words[j].key, anomaly_keys[i]) == 0)
                w = anomaly_words[j].words;
        if (w) {
            anomaly_labels[i] = g_strdup_printf("%s (%s)", w, anomaly_keys[i]);
        } else {
            /* A new anomaly without words yet: its key, spaced. */
            anomaly_labels[i] = g_strdelimit(g_strdup(anomaly_keys[i]), "_", ' ');
            anomaly_labels[i][0] = g_ascii_toupper(anomaly_labels[i][0]);
        }
    }
}

static void
count_anomalies(stats_tree *st, const smtpx_event_t *ev)
{
    guint i;

    if (!ev->anomalies)
        return;
    for (i = 0; i < ev->anomalies->len; i++) {
        const smtpx_anomaly_t *a = (const smtpx_anomaly_t *)g_ptr_array_index(ev->anomalies, i);
        if ((guint)a->kind >= SMTPX_ANOM_COUNT)
            continue;
        tick_stat_node(st, st_anomalies, 0, FALSE);
        tick_stat_node(st, anomaly_labels[a->kind], st_node_anomalies, FALSE);
    }
}

static tap_packet_status
smtpx_stats_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *edt _U_,
                   const void *p, tap_flags_t flags _U_)
{
    const smtpx_tap_info_t *ti = (const smtpx_tap_info_t *)p;
    guint i;
    char code[96];

    for (i = 0; i < ti->n_events; i++) {
        const smtpx_event_t *ev = ti->events[i];

        switch (ev->kind) {
        case SMTPX_EV_COMMAND:
            if (ev->command->injected)
                break;          /* not a command of the session */
            tick_stat_node(st, st_commands, 0, FALSE);
            tick_stat_node(st, ev->command->verb_text, st_node_commands, FALSE);
            break;
        case SMTPX_EV_REPLY:
            {
                /* "250 Requested mail action okay, completed" */
                const char *name = smtpx_reply_code_name(ev->reply->reply->code);
                snprintf(code, sizeof code, "%u%s%s", ev->reply->reply->code,
                         name ? " " : "", name ? name : "");
            }
            tick_stat_node(st, st_replies, 0, FALSE);
            tick_stat_node(st, code, st_node_replies, FALSE);
            if (ev->reply->reply->status_text) {
                tick_stat_node(st, st_status, 0, FALSE);
                /* "2.1.0 Other address status" (IANA registry title) */
                const smtpx_reply_t *r = ev->reply->reply;
                const smtpx_status_entry_t *e = r->status.present ?
                    smtpx_status_lookup(r->status.subject, r->status.detail) : NULL;
                char status[128];
                snprintf(status, sizeof status, "%s%s%s", r->status_text,
                         e ? " " : "", e ? e->title : "");
                tick_stat_node(st, status, st_node_status, FALSE);
            }
            break;
        case SMTPX_EV_TXN:
            tick_stat_node(st, st_txns, 0, FALSE);
            if (ev->txn->message && ev->txn->message->verdict) {
                /* DKIM (issue 8): the verdict with the signatures checked. */
                const smtpx_author_verdict_t *av =
                    smtpx_dkim_glue_verdict(pinfo, ev->txn->message, TRUE, NULL);
                gboolean forged = av ? av->forged : ev->txn->message->verdict->forged;

                tick_stat_node(st, forged ? "From forged" : "From not forged", st_node_txns, FALSE);
            }
            else
                tick_stat_node(st, "No message", st_node_txns, FALSE);
            break;
        default:
            break;
        }
        count_anomalies(st, ev);
    }
    for (i = 0; ti->glue_anomalies && i < wmem_array_get_count(ti->glue_anomalies); i++) {
        guint kind = *(const guint *)wmem_array_index(ti->glue_anomalies, i);

        if (kind < SMTPX_ANOM_COUNT) {
            tick_stat_node(st, st_anomalies, 0, FALSE);
            tick_stat_node(st, anomaly_labels[kind], st_node_anomalies, FALSE);
        }
    }
    return TAP_PACKET_REDRAW;
}

void
register_tap_listener_smtpx(void)
{
    stats_tree_register_plugin("smtpx", "smtpx", "SMTPX/SMTPX Overview", 0,
                               smtpx_stats_packet, smtpx_stats_init, NULL);
}
