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

static void
smtpx_stats_init(stats_tree *st)
{
    st_node_commands = stats_tree_create_node(st, st_commands, 0, STAT_DT_INT, TRUE);
    st_node_replies = stats_tree_create_node(st, st_replies, 0, STAT_DT_INT, TRUE);
    st_node_status = stats_tree_create_node(st, st_status, 0, STAT_DT_INT, TRUE);
    st_node_txns = stats_tree_create_node(st, st_txns, 0, STAT_DT_INT, TRUE);
    st_node_anomalies = stats_tree_create_node(st, st_anomalies, 0, STAT_DT_INT, TRUE);
}

/* Node labels under "Anomalies", by kind (anomalies.def). */
static const char *const anomaly_labels[] = {
#define SMTPX_ANOMALY(id, name, group, severity, tag, label, summary) label,
#include "anomalies.def"
#undef SMTPX_ANOMALY
};
G_STATIC_ASSERT(G_N_ELEMENTS(anomaly_labels) == SMTPX_ANOM_COUNT);

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
    char code[8];

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
            snprintf(code, sizeof code, "%u", ev->reply->reply->code);
            tick_stat_node(st, st_replies, 0, FALSE);
            tick_stat_node(st, code, st_node_replies, FALSE);
            if (ev->reply->reply->status_text) {
                tick_stat_node(st, st_status, 0, FALSE);
                tick_stat_node(st, ev->reply->reply->status_text, st_node_status, FALSE);
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
    stats_tree_register_plugin("smtpx", "smtpx", "SMTPX/Overview", 0,
                               smtpx_stats_packet, smtpx_stats_init, NULL);
}
