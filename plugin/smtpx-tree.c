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
#include <epan/address_types.h>
#include <epan/to_str.h>
#include <epan/expert.h>

#include "ws_compat.h"
#include "packet-smtpx.h"
#include "smtpx-dkim-glue.h"
#include "status_registry.h"

/*
 * The bytes event i of rec covers in this tvb: none for an event of a gap
 * or of held bytes of an earlier frame; clamped to what the tvb holds, so a
 * stored result never points past the data of a later pass.
 */
static void
event_span(tvbuff_t *tvb, const smtpx_record_t *rec, guint i, gint *start, gint *len)
{
    const smtpx_event_t *ev = rec->events[i];
    guint avail = tvb_captured_length(tvb);
    guint64 s = (guint64)rec->base + (rec->in_tvb[i] ? ev->offset : 0);
    guint64 l = rec->in_tvb[i] ? ev->length : 0;

    if (s > avail) {
        s = avail;
        l = 0;
    } else if (s + l > avail) {
        l = avail - s;
    }
    *start = (gint)s;
    *len = (gint)l;
}

static proto_item *
add_generated_string(proto_tree *tree, int hf, tvbuff_t *tvb, gint at, const char *s)
{
    proto_item *pi = proto_tree_add_string(tree, hf, tvb, at, 0, s ? s : "");
    proto_item_set_generated(pi);
    return pi;
}

static proto_item *
add_generated_boolean(proto_tree *tree, int hf, tvbuff_t *tvb, gint at, gboolean v)
{
    proto_item *pi = proto_tree_add_boolean(tree, hf, tvb, at, 0, v);
    proto_item_set_generated(pi);
    return pi;
}

/* Info column tags by anomaly kind (anomalies.def), NULL for none. */
static const char *const info_tags[] = {
#define SMTPX_ANOMALY(id, name, group, severity, tag, label, summary) tag,
#include "anomalies.def"
#undef SMTPX_ANOMALY
};
G_STATIC_ASSERT(G_N_ELEMENTS(info_tags) == SMTPX_ANOM_COUNT);
G_STATIC_ASSERT(SMTPX_ANOM_COUNT <= 32);    /* tags are bits of a guint32 */

static void
add_anomalies(packet_info *pinfo, proto_item *item, const smtpx_event_t *ev,
              guint32 *tags)
{
    guint i;

    if (!ev->anomalies)
        return;
    for (i = 0; i < ev->anomalies->len; i++) {
        const smtpx_anomaly_t *a = (const smtpx_anomaly_t *)g_ptr_array_index(ev->anomalies, i);
        if ((guint)a->kind >= SMTPX_ANOM_COUNT)
            continue;
        expert_add_info_format(pinfo, item, &smtpx_ei[a->kind], "%s",
                               a->text ? a->text : smtpx_anomaly_name(a->kind));
        if (info_tags[a->kind])
            *tags |= 1u << a->kind;
    }
}

/* ---- tree building ------------------------------------------------------ */

/*
 * The built-in SMTP dissector of 4.0 calls a segment that carries pipelined
 * commands after message data (BDAT) "DATA fragment": then the Info column
 * gets the commands SMTPX found.
 */
static gboolean
info_is_data(packet_info *pinfo)
{
    const gchar *info = col_get_text(pinfo->cinfo, COL_INFO);

    return info && (strstr(info, "DATA fragment") || strstr(info, "Message Body"));
}

static void
add_status(proto_tree *tree, tvbuff_t *tvb, gint start, gint len,
           const smtpx_reply_t *r)
{
    proto_item *pi;
    proto_tree *st;
    const smtpx_status_entry_t *entry;

    if (!r->status.present || !r->status_text)
        return;
    pi = proto_tree_add_string(tree, smtpx_hf.status, tvb, start, len, r->status_text);
    st = proto_item_add_subtree(pi, smtpx_ett.status);
    pi = proto_tree_add_uint(st, smtpx_hf.status_class, tvb, start, len, r->status.klass);
    proto_item_set_generated(pi);
    pi = proto_tree_add_uint(st, smtpx_hf.status_subject, tvb, start, len, r->status.subject);
    proto_item_set_generated(pi);
    pi = proto_tree_add_uint(st, smtpx_hf.status_detail, tvb, start, len, r->status.detail);
    proto_item_set_generated(pi);
    entry = smtpx_status_lookup(r->status.subject, r->status.detail);
    if (entry) {
        pi = proto_tree_add_string_format_value(st, smtpx_hf.status_description, tvb, start, len,
                entry->title, "%s (%s)", entry->title, entry->reference);
        proto_item_set_generated(pi);
    }
}

static void
add_ehlo(proto_tree *tree, tvbuff_t *tvb, gint start, gint len, const smtpx_ehlo_t *e)
{
    proto_item *pi;
    proto_tree *et;
    guint i;

    pi = proto_tree_add_string(tree, smtpx_hf.ehlo_capabilities, tvb, start, len,
                               e->keywords ? e->keywords : "");
    et = proto_item_add_subtree(pi, smtpx_ett.ehlo);
    if (e->domain)
        proto_tree_add_string(et, smtpx_hf.ehlo_domain, tvb, start, len, e->domain);
    for (i = 0; e->capabilities && i < e->capabilities->len; i++) {
        const smtpx_ehlo_capability_t *c =
            (const smtpx_ehlo_capability_t *)g_ptr_array_index(e->capabilities, i);
        if (c->params)
            proto_tree_add_string_format_value(et, smtpx_hf.ehlo_capability, tvb, start, len,
                    c->keyword, "%s %s", c->keyword, c->params);
        else
            proto_tree_add_string(et, smtpx_hf.ehlo_capability, tvb, start, len, c->keyword);
    }
    if (e->size_present)
        proto_tree_add_uint64(et, smtpx_hf.ehlo_size, tvb, start, len, e->size_limit);
    for (i = 0; e->auth_mechanisms && i < e->auth_mechanisms->len; i++)
        proto_tree_add_string(et, smtpx_hf.ehlo_auth_mechanism, tvb, start, len,
                              (const char *)g_ptr_array_index(e->auth_mechanisms, i));
    if (e->limits_present) {
        if (e->limits_rcptmax)
            proto_tree_add_uint(et, smtpx_hf.ehlo_limits_rcptmax, tvb, start, len, e->limits_rcptmax);
        if (e->limits_mailmax)
            proto_tree_add_uint(et, smtpx_hf.ehlo_limits_mailmax, tvb, start, len, e->limits_mailmax);
        if (e->limits_rcptdomainmax)
            proto_tree_add_uint(et, smtpx_hf.ehlo_limits_rcptdomainmax, tvb, start, len,
                                e->limits_rcptdomainmax);
    }
}

static proto_item *
build_command(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, gint start, gint len,
              const smtpx_command_event_t *c)
{
    proto_item *ti, *pi;
    proto_tree *ct;
    guint i;

    if (c->injected) {
        /* Sent after STARTTLS in clear: not a command of this session, but
         * what a vulnerable server would run inside TLS. */
        return proto_tree_add_string_format(tree, smtpx_hf.injected, tvb, start, len, c->verb_text,
                "Injected command (sent in clear after STARTTLS): %s%s%s", c->verb_text,
                c->args && *c->args ? " " : "", c->args ? c->args : "");
    }
    ti = proto_tree_add_string_format(tree, smtpx_hf.cmd, tvb, start, len, c->verb_text,
            "Command: %s%s%s", c->verb_text, c->args && *c->args ? " " : "",
            c->args ? c->args : "");
    ct = proto_item_add_subtree(ti, smtpx_ett.command);
    if (c->pipelined)
        add_generated_boolean(ct, smtpx_hf.cmd_pipelined, tvb, start, TRUE);
    if (c->response_frame) {
        pi = proto_tree_add_uint(ct, smtpx_hf.response_in, tvb, start, 0, c->response_frame);
        proto_item_set_generated(pi);
    }
    if (c->helo)
        proto_tree_add_string(ct, smtpx_hf.helo, tvb, start, len, c->helo);
    if (c->path) {
        const smtpx_path_t *p = c->path;
        gboolean mail = (c->verb == SMTPX_VERB_MAIL);
        proto_tree_add_string(ct, mail ? smtpx_hf.mail_from : smtpx_hf.rcpt_to, tvb, start, len,
                              p->mailbox ? p->mailbox : "");
        if (p->domain)
            proto_tree_add_string(ct, mail ? smtpx_hf.mail_from_domain : smtpx_hf.rcpt_to_domain,
                                  tvb, start, len, p->domain);
        for (i = 0; p->params && i < p->params->len; i++) {
            const smtpx_param_t *prm = (const smtpx_param_t *)g_ptr_array_index(p->params, i);
            proto_tree_add_string(ct, smtpx_hf.param, tvb, start, len, prm->raw);
        }
        if (p->size_present)
            proto_tree_add_uint64(ct, smtpx_hf.param_size, tvb, start, len, p->size);
        if (p->body)
            proto_tree_add_string(ct, smtpx_hf.param_body, tvb, start, len, p->body);
    }
    if (c->auth_mechanism)
        proto_tree_add_string(ct, smtpx_hf.auth_mechanism, tvb, start, len, c->auth_mechanism);
    if (c->verb == SMTPX_VERB_BDAT && c->bdat.error == SMTPX_BDAT_OK) {
        proto_tree_add_uint64(ct, smtpx_hf.bdat_size, tvb, start, len, c->bdat.chunk_size);
        if (c->bdat.last)
            proto_tree_add_boolean(ct, smtpx_hf.bdat_last, tvb, start, len, TRUE);
    }
    (void)pinfo;
    return ti;
}

static proto_item *
build_reply(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, gint start, gint len,
            const smtpx_reply_event_t *r)
{
    proto_item *ti, *pi;
    proto_tree *rt;
    const smtpx_reply_t *rep = r->reply;
    const char *first = (rep->lines && rep->lines->len) ?
        (const char *)g_ptr_array_index(rep->lines, 0) : "";
    guint i;

    ti = proto_tree_add_uint_format(tree, smtpx_hf.reply_code, tvb, start, len, rep->code,
            "Reply: %u %s%s", rep->code, first,
            (rep->lines && rep->lines->len > 1) ? " ..." : "");
    rt = proto_item_add_subtree(ti, smtpx_ett.reply);
    if (r->cmd_name) {
        pi = proto_tree_add_string(rt, smtpx_hf.reply_cmd, tvb, start, 0, r->cmd_name);
        proto_item_set_generated(pi);
    }
    if (r->request_frame) {
        nstime_t req, rep_ts, delta;
        pi = proto_tree_add_uint(rt, smtpx_hf.request_in, tvb, start, 0, r->request_frame);
        proto_item_set_generated(pi);
        req.secs = (time_t)r->request_time.secs;
        req.nsecs = r->request_time.nsecs;
        rep_ts.secs = (time_t)r->reply_time.secs;
        rep_ts.nsecs = r->reply_time.nsecs;
        nstime_delta(&delta, &rep_ts, &req);
        pi = proto_tree_add_time(rt, smtpx_hf.time, tvb, start, 0, &delta);
        proto_item_set_generated(pi);
    }
    for (i = 0; rep->lines && i < rep->lines->len; i++)
        proto_tree_add_string(rt, smtpx_hf.reply_text, tvb, start, len,
                              (const char *)g_ptr_array_index(rep->lines, i));
    add_status(rt, tvb, start, len, rep);
    if (r->ehlo)
        add_ehlo(rt, tvb, start, len, r->ehlo);
    (void)pinfo;
    return ti;
}

/* av: the three-state verdict with DKIM (smtpx-dkim-glue.h), NULL while
 * DKIM may still decide it; *forged_item gets the smtpx.from.forged item
 * (or the "pending" item).  Returns the verdict subtree. */
static proto_tree *
build_verdict(proto_tree *tree, tvbuff_t *tvb, gint start, gint len,
              const smtpx_verdict_t *v, gboolean generated,
              const smtpx_author_verdict_t *av, proto_item **forged_item)
{
    proto_item *pi;
    proto_tree *vt;

#define SMTPX_FLAG(hf, val) do { if (val) { \
        pi = proto_tree_add_boolean(vt, hf, tvb, start, len, TRUE); \
        if (generated) proto_item_set_generated(pi); } } while (0)

    if (av) {
        pi = proto_tree_add_boolean(tree, smtpx_hf.from_forged, tvb, start, len, av->forged);
    } else {
        pi = proto_tree_add_item(tree, proto_smtpx, tvb, start, len, ENC_NA);
        proto_item_set_text(pi, "Verdict pending (DKIM)");
    }
    proto_item_set_generated(pi);
    *forged_item = pi;
    vt = proto_item_add_subtree(pi, smtpx_ett.verdict);
    if (v->org_domain) {
        pi = proto_tree_add_string(vt, smtpx_hf.from_org_domain, tvb, start, len, v->org_domain);
        proto_item_set_generated(pi);
    }
    if (v->envelope_domain) {
        pi = proto_tree_add_string(vt, smtpx_hf.from_envelope_domain, tvb, start, len,
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
        pi = proto_tree_add_string(vt, smtpx_hf.from_exception_rule, tvb, start, len,
                                   v->exception_rule);
        proto_item_set_generated(pi);
    }
    if (av ? *av->reasons != '\0' : (v->reasons && *v->reasons)) {
        pi = proto_tree_add_string(vt, smtpx_hf.from_reasons, tvb, start, len,
                                   av ? av->reasons : v->reasons);
        proto_item_set_generated(pi);
    }
    return vt;
}

static proto_item *
build_message(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, gint start, gint len,
              const smtpx_message_event_t *m)
{
    proto_item *ti, *pi, *fi;
    proto_tree *mt, *at, *vt;
    const smtpx_verdict_t *v = m->verdict;
    const smtpx_author_verdict_t *av;
    const GPtrArray *dkim_results;
    const char *tag;
    guint i;

    ti = proto_tree_add_item(tree, proto_smtpx, tvb, start, len, ENC_NA);
    proto_item_set_text(ti, "Message header section (ends in this frame)");
    mt = proto_item_add_subtree(ti, smtpx_ett.message);
    if (!v)
        return ti;
    /* The header section usually spans several frames, and the values are
     * unfolded and decoded: every item here is generated. */
    if (v->from_field)
        add_generated_string(mt, smtpx_hf.msg_from, tvb, start, v->from_field);
    for (i = 0; v->authors && v->authors->mailboxes && i < v->authors->mailboxes->len; i++) {
        const smtpx_mailbox_t *mb =
            (const smtpx_mailbox_t *)g_ptr_array_index(v->authors->mailboxes, i);
        pi = add_generated_string(mt, smtpx_hf.msg_from_address, tvb, start, mb->address);
        at = proto_item_add_subtree(pi, smtpx_ett.author);
        if (mb->display_name)
            add_generated_string(at, smtpx_hf.msg_from_display_name, tvb, start, mb->display_name);
        if (mb->domain)
            add_generated_string(at, smtpx_hf.msg_from_domain, tvb, start, mb->domain);
    }
    if (v->sender)
        add_generated_string(mt, smtpx_hf.msg_sender, tvb, start, v->sender);
    if (v->reply_to)
        add_generated_string(mt, smtpx_hf.msg_reply_to, tvb, start, v->reply_to);
    if (v->return_path)
        add_generated_string(mt, smtpx_hf.msg_return_path, tvb, start, v->return_path);
    for (i = 0; v->dkim_domains && i < v->dkim_domains->len; i++)
        add_generated_string(mt, smtpx_hf.msg_dkim_domain, tvb, start,
                             (const char *)g_ptr_array_index(v->dkim_domains, i));
    pi = proto_tree_add_item(mt, proto_smtpx, tvb, start, len, ENC_NA);
    proto_item_set_text(pi, "From authenticity");
    /* DKIM: the verdict with the signatures checked. */
    av = smtpx_dkim_glue_verdict(pinfo, m, FALSE, &dkim_results);
    vt = build_verdict(proto_item_add_subtree(pi, smtpx_ett.verdict), tvb, start, len, v, TRUE,
                       av, &fi);
    tag = smtpx_dkim_glue_tree(vt, mt, tvb, pinfo, start, len, m, av, dkim_results, fi,
                               TRUE, &smtpx_ei[SMTPX_ANOM_FORGED_FROM]);
    if (tag && smtpx_pref_info_tags)
        col_append_fstr(pinfo->cinfo, COL_INFO, " [%s]", tag);
    return ti;
}

/* "address:port" of one end of this frame ([v6]:port for IPv6). */
static char *
endpoint_str(packet_info *pinfo, gboolean source)
{
    const address *a = source ? &pinfo->src : &pinfo->dst;
    guint32 port = source ? pinfo->srcport : pinfo->destport;
    char *addr = address_to_str(SMTPX_PACKET_POOL(pinfo), a);

    if (a->type == AT_IPv6)
        return wmem_strdup_printf(SMTPX_PACKET_POOL(pinfo), "[%s]:%u", addr, port);
    return wmem_strdup_printf(SMTPX_PACKET_POOL(pinfo), "%s:%u", addr, port);
}

static proto_item *
build_txn(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, const smtpx_event_t *ev)
{
    const smtpx_txn_event_t *t = ev->txn;
    gboolean from_server = ev->dir == SMTPX_DIR_SERVER;
    proto_item *ti, *pi;
    proto_tree *tt;
    guint i;

    ti = proto_tree_add_uint(tree, smtpx_hf.txn, tvb, 0, 0, t->number);
    proto_item_set_generated(ti);
    tt = proto_item_add_subtree(ti, smtpx_ett.txn);
    /* The summary sits in a server frame, or in a client frame when no
     * server byte was captured. */
    if (tt) {       /* no text without a tree */
        add_generated_string(tt, smtpx_hf.txn_client, tvb, 0, endpoint_str(pinfo, !from_server));
        add_generated_string(tt, smtpx_hf.txn_server, tvb, 0, endpoint_str(pinfo, from_server));
    }
    if (t->helo)
        add_generated_string(tt, smtpx_hf.helo, tvb, 0, t->helo);
    if (t->mail_from)
        add_generated_string(tt, smtpx_hf.mail_from, tvb, 0, t->mail_from);
    for (i = 0; t->rcpt_to && i < t->rcpt_to->len; i++)
        add_generated_string(tt, smtpx_hf.rcpt_to, tvb, 0,
                             (const char *)g_ptr_array_index(t->rcpt_to, i));
    if (t->message && t->message->verdict) {
        const smtpx_verdict_t *v = t->message->verdict;
        const GPtrArray *dkim_results;
        const smtpx_author_verdict_t *av =
            smtpx_dkim_glue_verdict(pinfo, t->message, TRUE, &dkim_results);
        proto_tree *vt;
        proto_item *fi;
        const char *tag;

        if (v->from_field)
            add_generated_string(tt, smtpx_hf.msg_from, tvb, 0, v->from_field);
        vt = build_verdict(tt, tvb, 0, 0, v, TRUE, av, &fi);
        tag = smtpx_dkim_glue_tree(vt, NULL, tvb, pinfo, 0, 0, t->message, av, dkim_results,
                                   fi, FALSE, &smtpx_ei[SMTPX_ANOM_FORGED_FROM]);
        if (tag && smtpx_pref_info_tags)
            col_append_fstr(pinfo->cinfo, COL_INFO, " [%s]", tag);
    }
    if (t->message && t->message->size_final) {
        pi = proto_tree_add_uint64(tt, smtpx_hf.msg_size, tvb, 0, 0, t->message->size);
        proto_item_set_generated(pi);
    }
    if (t->reply_code) {
        pi = proto_tree_add_uint(tt, smtpx_hf.reply_code, tvb, 0, 0, t->reply_code);
        proto_item_set_generated(pi);
    }
    if (t->status)
        add_generated_string(tt, smtpx_hf.status, tvb, 0, t->status);
    if (t->end_reason)
        add_generated_string(tt, smtpx_hf.txn_end, tvb, 0, t->end_reason);
    add_generated_boolean(tt, smtpx_hf.txn_tls, tvb, 0, t->tls);
    add_generated_boolean(tt, smtpx_hf.txn_auth, tvb, 0, t->auth);
    return ti;
}

/* The item of one event (NULL: the event has none of its own). */
static proto_item *
build_event(proto_tree *st, packet_info *pinfo, tvbuff_t *tvb, const smtpx_event_t *ev,
            gint start, gint len)
{
    proto_item *item;

    switch (ev->kind) {
    case SMTPX_EV_COMMAND:
        return build_command(st, pinfo, tvb, start, len, ev->command);
    case SMTPX_EV_REPLY:
        return build_reply(st, pinfo, tvb, start, len, ev->reply);
    case SMTPX_EV_AUTH_LINE:
        return proto_tree_add_item(st, smtpx_hf.sasl, tvb, start, len, ENC_NA);
    case SMTPX_EV_DATA:
        return proto_tree_add_uint(st, smtpx_hf.data_length, tvb, start, len, (guint32)ev->length);
    case SMTPX_EV_MESSAGE:
        return build_message(st, pinfo, tvb, start, len, ev->message);
    case SMTPX_EV_END_OF_DATA:
        if (ev->message)
            return proto_tree_add_uint64(st, smtpx_hf.msg_size, tvb, start, len, ev->message->size);
        return proto_tree_add_item(st, proto_smtpx, tvb, start, len, ENC_NA);
    case SMTPX_EV_TXN:
        item = build_txn(st, pinfo, tvb, ev);
        col_append_fstr(pinfo->cinfo, COL_INFO, " [mail transaction %u]", ev->txn->number);
        return item;
    case SMTPX_EV_ANOMALY:
    default:
        item = proto_tree_add_item(st, proto_smtpx, tvb, start, len, ENC_NA);
        proto_item_set_text(item, "Anomaly");
        return item;
    }
}

/* The Info column: the commands of a "DATA fragment", the anomaly tags. */
static void
add_info(packet_info *pinfo, const smtpx_record_t *rec, guint n_cmds, guint32 tags)
{
    guint i;

    if (n_cmds && info_is_data(pinfo)) {
        col_append_str(pinfo->cinfo, COL_INFO, " [SMTPX:");
        for (i = 0; i < rec->n_events; i++)
            if (rec->events[i]->kind == SMTPX_EV_COMMAND && !rec->events[i]->command->injected)
                col_append_fstr(pinfo->cinfo, COL_INFO, " %s", rec->events[i]->command->verb_text);
        col_append_str(pinfo->cinfo, COL_INFO, "]");
    }
    if (smtpx_pref_info_tags && tags) {
        for (i = 0; i < SMTPX_ANOM_COUNT; i++)
            if (tags & (1u << i))
                col_append_fstr(pinfo->cinfo, COL_INFO, " [%s]", info_tags[i]);
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

void
smtpx_tree_build(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const smtpx_record_t *rec)
{
    proto_item *ti = NULL;
    proto_tree *st = NULL;
    guint32 tags = 0;
    guint i, n_cmds = 0;

    if (rec->n_events == 0)
        return;
    if (!tree_wanted(tree))
        tree = NULL;    /* every item would be faked: the no-tree path */
    if (tree) {
        ti = proto_tree_add_item(tree, proto_smtpx, tvb, 0, -1, ENC_NA);
        st = proto_item_add_subtree(ti, smtpx_ett.smtpx);
    }
    for (i = 0; i < rec->n_events; i++) {
        const smtpx_event_t *ev = rec->events[i];
        proto_item *item;
        gint start, len;

        event_span(tvb, rec, i, &start, &len);
        if (ev->kind == SMTPX_EV_COMMAND && !ev->command->injected)
            n_cmds++;
        item = build_event(st, pinfo, tvb, ev, start, len);
        add_anomalies(pinfo, item ? item : ti, ev, &tags);
    }
    add_info(pinfo, rec, n_cmds, tags);
}
