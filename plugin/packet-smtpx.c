/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-smtpx.c - SMTP Extended Analysis: the epan glue.
 *
 * Registration, header fields, expert infos, preferences, and the dissector.
 * The dissector first hands the bytes to Wireshark's own SMTP dissector (so
 * every smtp.* and imf.* field keeps working), then, on the first pass only,
 * feeds the same bytes to the SMTPX core (plugin/core/session.h) and stores
 * the events each call produced as per-frame data.  The tree is always built
 * from those stored events, so a random-access GUI click shows what a
 * sequential tshark run shows (DESIGN.md, Invariants).
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/address_types.h>
#include <epan/to_str.h>
#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <epan/uat.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/dissectors/packet-tls.h>
#include <epan/dissectors/packet-tls-utils.h>

#include "ws_compat.h"
#include "packet-smtpx.h"
#include "session.h"
#include "status_registry.h"

#define SMTPX_TCP_PORTS "25,587"
#define SMTPX_TLS_PORT  465

static int proto_smtpx = -1;
static int smtpx_tap = -1;

static dissector_handle_t smtpx_handle;
static dissector_handle_t catchup_handle;
static dissector_handle_t smtp_handle;
static dissector_handle_t tls_handle;

/* Preferences */
static guint pref_max_header_bytes = 65536;
static gboolean pref_info_tags = TRUE;

/* UAT: envelope domains allowed to send for other author domains. */
typedef struct {
    char *envelope_domain;
    char *author_domain;
    char *comment;
} smtpx_exception_uat_t;

static smtpx_exception_uat_t *exception_uats;
static guint n_exception_uats;
static smtpx_exception_t *exceptions;   /* rebuilt from the UAT */
static gsize n_exceptions;

/* Commands */
static int hf_cmd = -1;
static int hf_cmd_pipelined = -1;
static int hf_injected = -1;
static int hf_response_in = -1;
static int hf_helo = -1;
static int hf_mail_from = -1;
static int hf_mail_from_domain = -1;
static int hf_rcpt_to = -1;
static int hf_rcpt_to_domain = -1;
static int hf_param = -1;
static int hf_param_size = -1;
static int hf_param_body = -1;
static int hf_auth_mechanism = -1;
static int hf_bdat_size = -1;
static int hf_bdat_last = -1;
static int hf_sasl = -1;
static int hf_data_length = -1;
/* Replies */
static int hf_reply_code = -1;
static int hf_reply_cmd = -1;
static int hf_request_in = -1;
static int hf_time = -1;
static int hf_reply_text = -1;
static int hf_status = -1;
static int hf_status_class = -1;
static int hf_status_subject = -1;
static int hf_status_detail = -1;
static int hf_status_description = -1;
static int hf_ehlo_domain = -1;
static int hf_ehlo_capability = -1;
static int hf_ehlo_capabilities = -1;
static int hf_ehlo_size = -1;
static int hf_ehlo_auth_mechanism = -1;
static int hf_ehlo_limits_rcptmax = -1;
static int hf_ehlo_limits_mailmax = -1;
static int hf_ehlo_limits_rcptdomainmax = -1;
/* Message */
static int hf_msg_from = -1;
static int hf_msg_from_address = -1;
static int hf_msg_from_display_name = -1;
static int hf_msg_from_domain = -1;
static int hf_msg_sender = -1;
static int hf_msg_reply_to = -1;
static int hf_msg_return_path = -1;
static int hf_msg_dkim_domain = -1;
static int hf_msg_size = -1;
/* Verdict */
static int hf_from_forged = -1;
static int hf_from_org_domain = -1;
static int hf_from_envelope_domain = -1;
static int hf_from_envelope_mismatch = -1;
static int hf_from_envelope_invalid = -1;
static int hf_from_dkim_aligned = -1;
static int hf_from_display_name_spoof = -1;
static int hf_from_multiple = -1;
static int hf_from_missing = -1;
static int hf_from_ambiguous = -1;
static int hf_from_lookalike = -1;
static int hf_from_exception = -1;
static int hf_from_exception_rule = -1;
static int hf_from_reasons = -1;
/* Transaction summary */
static int hf_txn = -1;
static int hf_txn_tls = -1;
static int hf_txn_auth = -1;
static int hf_txn_end = -1;
static int hf_txn_client = -1;
static int hf_txn_server = -1;

static int ett_smtpx = -1;
static int ett_command = -1;
static int ett_reply = -1;
static int ett_status = -1;
static int ett_ehlo = -1;
static int ett_message = -1;
static int ett_author = -1;
static int ett_verdict = -1;
static int ett_txn = -1;

static expert_field ei_anomaly[SMTPX_ANOM_COUNT];

/* A segment that arrived ahead of the sequence number expected next,
 * held until the hole before it fills (file scope copy of its bytes). */
typedef struct {
    guint32  seq;
    guint32  len;
    guint8  *data;
} smtpx_held_t;

/* Bounds on held segments per direction (first pass only). */
#define SMTPX_HELD_MAX_SEGMENTS 64
#define SMTPX_HELD_MAX_BYTES    (1024u * 1024u)

/* Per-conversation state. */
typedef struct {
    smtpx_session_t *session;
    address  server_addr;       /* file scope copy */
    guint32  server_port;
    gboolean seq_valid[2];
    guint32  next_seq[2];       /* TCP sequence number expected next */
    gboolean acked_valid[2];
    guint32  acked[2];          /* highest ACK the peer sent for this
                                   direction's sequence space */
    guint32  seen_end[2];       /* end of the furthest segment seen, fed
                                   or not (desegmentation may hold bytes) */
    wmem_list_t *held[2];       /* smtpx_held_t, ascending seq */
    guint32  held_bytes[2];
    gboolean tls_seen;          /* decrypted data was fed */
} smtpx_conv_t;

/* What one dissector call on the first pass produced. */
typedef struct {
    smtpx_event_t **events;    /* file scope array of borrowed pointers */
    guint    n_events;
    guint    base;             /* tvb offset where the fed bytes start */
    gboolean starttls;         /* STARTTLS was accepted in this call */
    gboolean catchup;          /* made by the catch-up postdissector */
    guint32  key;              /* content key of the tvb (see tvb_key) */
    guint    payload_offset;   /* catch-up: TCP payload offset in the frame */
} smtpx_call_t;

typedef struct {
    wmem_array_t *calls;       /* smtpx_call_t */
} smtpx_frame_t;

/* Every session of the open file, freed at file close. */
static GPtrArray *all_sessions;

static void
smtpx_cleanup(void)
{
    if (all_sessions) {
        g_ptr_array_free(all_sessions, TRUE);
        all_sessions = NULL;
    }
}

static void
smtpx_session_destroy(gpointer p)
{
    smtpx_session_free((smtpx_session_t *)p);
}

/* ---- UAT ---------------------------------------------------------------- */

UAT_CSTRING_CB_DEF(exception_uats, envelope_domain, smtpx_exception_uat_t)
UAT_CSTRING_CB_DEF(exception_uats, author_domain, smtpx_exception_uat_t)
UAT_CSTRING_CB_DEF(exception_uats, comment, smtpx_exception_uat_t)

static void *
exception_uat_copy_cb(void *dest, const void *orig, size_t len _U_)
{
    const smtpx_exception_uat_t *o = (const smtpx_exception_uat_t *)orig;
    smtpx_exception_uat_t *d = (smtpx_exception_uat_t *)dest;

    d->envelope_domain = g_strdup(o->envelope_domain);
    d->author_domain = g_strdup(o->author_domain);
    d->comment = g_strdup(o->comment);
    return dest;
}

static void
exception_uat_free_cb(void *r)
{
    smtpx_exception_uat_t *rec = (smtpx_exception_uat_t *)r;

    g_free(rec->envelope_domain);
    g_free(rec->author_domain);
    g_free(rec->comment);
}

static gboolean
exception_uat_domain_ok(const char *d)
{
    if (!d || !*d)
        return FALSE;
    for (; *d; d++) {
        if (!(g_ascii_isalnum(*d) || *d == '.' || *d == '-' || *d == '*' ||
              (guchar)*d >= 0x80))
            return FALSE;
    }
    return TRUE;
}

static gboolean
exception_uat_update_cb(void *r, char **err)
{
    smtpx_exception_uat_t *rec = (smtpx_exception_uat_t *)r;

    if (!exception_uat_domain_ok(rec->envelope_domain)) {
        *err = g_strdup("Envelope domain must be a domain name, \"*\" or \"*.domain\"");
        return FALSE;
    }
    if (!exception_uat_domain_ok(rec->author_domain)) {
        *err = g_strdup("Author domain must be a domain name, \"*\" or \"*.domain\"");
        return FALSE;
    }
    *err = NULL;
    return TRUE;
}

static void
exception_uat_post_update_cb(void)
{
    guint i;

    g_free(exceptions);
    exceptions = NULL;
    n_exceptions = 0;
    if (n_exception_uats == 0)
        return;
    exceptions = g_new0(smtpx_exception_t, n_exception_uats);
    for (i = 0; i < n_exception_uats; i++) {
        exceptions[i].envelope_domain = exception_uats[i].envelope_domain;
        exceptions[i].author_domain = exception_uats[i].author_domain;
    }
    n_exceptions = n_exception_uats;
}

/* ---- helpers ------------------------------------------------------------ */

static smtpx_time_t
smtpx_time_of(const packet_info *pinfo)
{
    smtpx_time_t t;

    t.secs = (gint64)pinfo->abs_ts.secs;
    t.nsecs = (gint32)pinfo->abs_ts.nsecs;
    return t;
}

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

/*
 * The bytes an event covers in this tvb: clamp to what the tvb holds, so a
 * stored result never points past the data of a later pass.
 */
static void
event_span(tvbuff_t *tvb, const smtpx_call_t *call, const smtpx_event_t *ev,
           gint *start, gint *len)
{
    guint avail = tvb_captured_length(tvb);
    guint64 s = (guint64)call->base + ev->offset;
    guint64 l = ev->length;

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
add_generated_string(proto_tree *tree, int hf, tvbuff_t *tvb, const char *s)
{
    proto_item *pi = proto_tree_add_string(tree, hf, tvb, 0, 0, s ? s : "");
    proto_item_set_generated(pi);
    return pi;
}

static proto_item *
add_generated_boolean(proto_tree *tree, int hf, tvbuff_t *tvb, gboolean v)
{
    proto_item *pi = proto_tree_add_boolean(tree, hf, tvb, 0, 0, v);
    proto_item_set_generated(pi);
    return pi;
}

static const char *
anomaly_info_tag(smtpx_anomaly_kind_t kind)
{
    switch (kind) {
    case SMTPX_ANOM_FORGED_FROM:        return "forged From";
    case SMTPX_ANOM_CLEARTEXT_AUTH:     return "cleartext AUTH";
    case SMTPX_ANOM_STARTTLS_INJECTION: return "STARTTLS injection";
    case SMTPX_ANOM_SMUGGLING:          return "SMTP smuggling";
    default:                            return NULL;
    }
}

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
        expert_add_info_format(pinfo, item, &ei_anomaly[a->kind], "%s",
                               a->text ? a->text : smtpx_anomaly_name(a->kind));
        if (anomaly_info_tag(a->kind))
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
    pi = proto_tree_add_string(tree, hf_status, tvb, start, len, r->status_text);
    st = proto_item_add_subtree(pi, ett_status);
    pi = proto_tree_add_uint(st, hf_status_class, tvb, start, len, r->status.klass);
    proto_item_set_generated(pi);
    pi = proto_tree_add_uint(st, hf_status_subject, tvb, start, len, r->status.subject);
    proto_item_set_generated(pi);
    pi = proto_tree_add_uint(st, hf_status_detail, tvb, start, len, r->status.detail);
    proto_item_set_generated(pi);
    entry = smtpx_status_lookup(r->status.subject, r->status.detail);
    if (entry) {
        pi = proto_tree_add_string_format_value(st, hf_status_description, tvb, start, len,
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

    pi = proto_tree_add_string(tree, hf_ehlo_capabilities, tvb, start, len,
                               e->keywords ? e->keywords : "");
    et = proto_item_add_subtree(pi, ett_ehlo);
    if (e->domain)
        proto_tree_add_string(et, hf_ehlo_domain, tvb, start, len, e->domain);
    for (i = 0; e->capabilities && i < e->capabilities->len; i++) {
        const smtpx_ehlo_capability_t *c =
            (const smtpx_ehlo_capability_t *)g_ptr_array_index(e->capabilities, i);
        if (c->params)
            proto_tree_add_string_format_value(et, hf_ehlo_capability, tvb, start, len,
                    c->keyword, "%s %s", c->keyword, c->params);
        else
            proto_tree_add_string(et, hf_ehlo_capability, tvb, start, len, c->keyword);
    }
    if (e->size_present)
        proto_tree_add_uint64(et, hf_ehlo_size, tvb, start, len, e->size_limit);
    for (i = 0; e->auth_mechanisms && i < e->auth_mechanisms->len; i++)
        proto_tree_add_string(et, hf_ehlo_auth_mechanism, tvb, start, len,
                              (const char *)g_ptr_array_index(e->auth_mechanisms, i));
    if (e->limits_present) {
        if (e->limits_rcptmax)
            proto_tree_add_uint(et, hf_ehlo_limits_rcptmax, tvb, start, len, e->limits_rcptmax);
        if (e->limits_mailmax)
            proto_tree_add_uint(et, hf_ehlo_limits_mailmax, tvb, start, len, e->limits_mailmax);
        if (e->limits_rcptdomainmax)
            proto_tree_add_uint(et, hf_ehlo_limits_rcptdomainmax, tvb, start, len,
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
        return proto_tree_add_string_format(tree, hf_injected, tvb, start, len, c->verb_text,
                "Injected command (sent in clear after STARTTLS): %s%s%s", c->verb_text,
                c->args && *c->args ? " " : "", c->args ? c->args : "");
    }
    ti = proto_tree_add_string_format(tree, hf_cmd, tvb, start, len, c->verb_text,
            "Command: %s%s%s", c->verb_text, c->args && *c->args ? " " : "",
            c->args ? c->args : "");
    ct = proto_item_add_subtree(ti, ett_command);
    if (c->pipelined)
        add_generated_boolean(ct, hf_cmd_pipelined, tvb, TRUE);
    if (c->response_frame) {
        pi = proto_tree_add_uint(ct, hf_response_in, tvb, 0, 0, c->response_frame);
        proto_item_set_generated(pi);
    }
    if (c->helo)
        proto_tree_add_string(ct, hf_helo, tvb, start, len, c->helo);
    if (c->path) {
        const smtpx_path_t *p = c->path;
        gboolean mail = (c->verb == SMTPX_VERB_MAIL);
        proto_tree_add_string(ct, mail ? hf_mail_from : hf_rcpt_to, tvb, start, len,
                              p->mailbox ? p->mailbox : "");
        if (p->domain)
            proto_tree_add_string(ct, mail ? hf_mail_from_domain : hf_rcpt_to_domain,
                                  tvb, start, len, p->domain);
        for (i = 0; p->params && i < p->params->len; i++) {
            const smtpx_param_t *prm = (const smtpx_param_t *)g_ptr_array_index(p->params, i);
            proto_tree_add_string(ct, hf_param, tvb, start, len, prm->raw);
        }
        if (p->size_present)
            proto_tree_add_uint64(ct, hf_param_size, tvb, start, len, p->size);
        if (p->body)
            proto_tree_add_string(ct, hf_param_body, tvb, start, len, p->body);
    }
    if (c->auth_mechanism)
        proto_tree_add_string(ct, hf_auth_mechanism, tvb, start, len, c->auth_mechanism);
    if (c->verb == SMTPX_VERB_BDAT && c->bdat.error == SMTPX_BDAT_OK) {
        proto_tree_add_uint64(ct, hf_bdat_size, tvb, start, len, c->bdat.chunk_size);
        if (c->bdat.last)
            proto_tree_add_boolean(ct, hf_bdat_last, tvb, start, len, TRUE);
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

    ti = proto_tree_add_uint_format(tree, hf_reply_code, tvb, start, len, rep->code,
            "Reply: %u %s%s", rep->code, first,
            (rep->lines && rep->lines->len > 1) ? " ..." : "");
    rt = proto_item_add_subtree(ti, ett_reply);
    if (r->cmd_name) {
        pi = proto_tree_add_string(rt, hf_reply_cmd, tvb, 0, 0, r->cmd_name);
        proto_item_set_generated(pi);
    }
    if (r->request_frame) {
        nstime_t req, rep_ts, delta;
        pi = proto_tree_add_uint(rt, hf_request_in, tvb, 0, 0, r->request_frame);
        proto_item_set_generated(pi);
        req.secs = (time_t)r->request_time.secs;
        req.nsecs = r->request_time.nsecs;
        rep_ts.secs = (time_t)r->reply_time.secs;
        rep_ts.nsecs = r->reply_time.nsecs;
        nstime_delta(&delta, &rep_ts, &req);
        pi = proto_tree_add_time(rt, hf_time, tvb, 0, 0, &delta);
        proto_item_set_generated(pi);
    }
    for (i = 0; rep->lines && i < rep->lines->len; i++)
        proto_tree_add_string(rt, hf_reply_text, tvb, start, len,
                              (const char *)g_ptr_array_index(rep->lines, i));
    add_status(rt, tvb, start, len, rep);
    if (r->ehlo)
        add_ehlo(rt, tvb, start, len, r->ehlo);
    (void)pinfo;
    return ti;
}

static void
build_verdict(proto_tree *tree, tvbuff_t *tvb, gint start, gint len,
              const smtpx_verdict_t *v, gboolean generated)
{
    proto_item *pi;
    proto_tree *vt;

#define SMTPX_FLAG(hf, val) do { if (val) { \
        pi = proto_tree_add_boolean(vt, hf, tvb, start, len, TRUE); \
        if (generated) proto_item_set_generated(pi); } } while (0)

    pi = proto_tree_add_boolean(tree, hf_from_forged, tvb, start, len, v->forged);
    proto_item_set_generated(pi);
    vt = proto_item_add_subtree(pi, ett_verdict);
    if (v->org_domain) {
        pi = proto_tree_add_string(vt, hf_from_org_domain, tvb, start, len, v->org_domain);
        proto_item_set_generated(pi);
    }
    if (v->envelope_domain) {
        pi = proto_tree_add_string(vt, hf_from_envelope_domain, tvb, start, len,
                                   v->envelope_domain);
        proto_item_set_generated(pi);
    }
    SMTPX_FLAG(hf_from_envelope_mismatch, v->envelope_mismatch);
    SMTPX_FLAG(hf_from_envelope_invalid, v->envelope_invalid);
    SMTPX_FLAG(hf_from_dkim_aligned, v->dkim_aligned);
    SMTPX_FLAG(hf_from_display_name_spoof, v->display_name_spoof);
    SMTPX_FLAG(hf_from_multiple, v->multiple);
    SMTPX_FLAG(hf_from_missing, v->missing);
    SMTPX_FLAG(hf_from_ambiguous, v->ambiguous);
    SMTPX_FLAG(hf_from_lookalike, v->lookalike);
    SMTPX_FLAG(hf_from_exception, v->exception);
#undef SMTPX_FLAG
    if (v->exception_rule) {
        pi = proto_tree_add_string(vt, hf_from_exception_rule, tvb, start, len,
                                   v->exception_rule);
        proto_item_set_generated(pi);
    }
    if (v->reasons && *v->reasons) {
        pi = proto_tree_add_string(vt, hf_from_reasons, tvb, start, len, v->reasons);
        proto_item_set_generated(pi);
    }
}

static proto_item *
build_message(proto_tree *tree, tvbuff_t *tvb, gint start, gint len,
              const smtpx_message_event_t *m)
{
    proto_item *ti, *pi;
    proto_tree *mt, *at;
    const smtpx_verdict_t *v = m->verdict;
    guint i;

    ti = proto_tree_add_item(tree, proto_smtpx, tvb, start, len, ENC_NA);
    proto_item_set_text(ti, "Message header section (ends in this frame)");
    mt = proto_item_add_subtree(ti, ett_message);
    if (!v)
        return ti;
    /* The header section usually spans several frames, and the values are
     * unfolded and decoded: every item here is generated. */
    if (v->from_field)
        add_generated_string(mt, hf_msg_from, tvb, v->from_field);
    for (i = 0; v->authors && v->authors->mailboxes && i < v->authors->mailboxes->len; i++) {
        const smtpx_mailbox_t *mb =
            (const smtpx_mailbox_t *)g_ptr_array_index(v->authors->mailboxes, i);
        pi = add_generated_string(mt, hf_msg_from_address, tvb, mb->address);
        at = proto_item_add_subtree(pi, ett_author);
        if (mb->display_name)
            add_generated_string(at, hf_msg_from_display_name, tvb, mb->display_name);
        if (mb->domain)
            add_generated_string(at, hf_msg_from_domain, tvb, mb->domain);
    }
    if (v->sender)
        add_generated_string(mt, hf_msg_sender, tvb, v->sender);
    if (v->reply_to)
        add_generated_string(mt, hf_msg_reply_to, tvb, v->reply_to);
    if (v->return_path)
        add_generated_string(mt, hf_msg_return_path, tvb, v->return_path);
    for (i = 0; v->dkim_domains && i < v->dkim_domains->len; i++)
        add_generated_string(mt, hf_msg_dkim_domain, tvb,
                             (const char *)g_ptr_array_index(v->dkim_domains, i));
    pi = proto_tree_add_item(mt, proto_smtpx, tvb, start, len, ENC_NA);
    proto_item_set_text(pi, "From authenticity");
    build_verdict(proto_item_add_subtree(pi, ett_verdict), tvb, start, len, v, TRUE);
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

    ti = proto_tree_add_uint(tree, hf_txn, tvb, 0, 0, t->number);
    proto_item_set_generated(ti);
    tt = proto_item_add_subtree(ti, ett_txn);
    /* The summary sits in a server frame, or in a client frame when no
     * server byte was captured. */
    add_generated_string(tt, hf_txn_client, tvb, endpoint_str(pinfo, !from_server));
    add_generated_string(tt, hf_txn_server, tvb, endpoint_str(pinfo, from_server));
    if (t->helo)
        add_generated_string(tt, hf_helo, tvb, t->helo);
    if (t->mail_from)
        add_generated_string(tt, hf_mail_from, tvb, t->mail_from);
    for (i = 0; t->rcpt_to && i < t->rcpt_to->len; i++)
        add_generated_string(tt, hf_rcpt_to, tvb,
                             (const char *)g_ptr_array_index(t->rcpt_to, i));
    if (t->message && t->message->verdict) {
        const smtpx_verdict_t *v = t->message->verdict;
        if (v->from_field)
            add_generated_string(tt, hf_msg_from, tvb, v->from_field);
        build_verdict(tt, tvb, 0, 0, v, TRUE);
    }
    if (t->message && t->message->size_final) {
        pi = proto_tree_add_uint64(tt, hf_msg_size, tvb, 0, 0, t->message->size);
        proto_item_set_generated(pi);
    }
    if (t->reply_code) {
        pi = proto_tree_add_uint(tt, hf_reply_code, tvb, 0, 0, t->reply_code);
        proto_item_set_generated(pi);
    }
    if (t->status)
        add_generated_string(tt, hf_status, tvb, t->status);
    if (t->end_reason)
        add_generated_string(tt, hf_txn_end, tvb, t->end_reason);
    add_generated_boolean(tt, hf_txn_tls, tvb, t->tls);
    add_generated_boolean(tt, hf_txn_auth, tvb, t->auth);
    return ti;
}

static void
build_tree(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const smtpx_call_t *call)
{
    proto_item *ti = NULL;
    proto_tree *st = NULL;
    guint32 tags = 0;
    guint i, n_cmds = 0;

    if (call->n_events == 0)
        return;
    if (tree) {
        ti = proto_tree_add_item(tree, proto_smtpx, tvb, 0, -1, ENC_NA);
        st = proto_item_add_subtree(ti, ett_smtpx);
    }
    for (i = 0; i < call->n_events; i++) {
        const smtpx_event_t *ev = call->events[i];
        proto_item *item = NULL;
        gint start, len;

        event_span(tvb, call, ev, &start, &len);
        switch (ev->kind) {
        case SMTPX_EV_COMMAND:
            if (!ev->command->injected)
                n_cmds++;
            item = build_command(st, pinfo, tvb, start, len, ev->command);
            break;
        case SMTPX_EV_REPLY:
            item = build_reply(st, pinfo, tvb, start, len, ev->reply);
            break;
        case SMTPX_EV_AUTH_LINE:
            item = proto_tree_add_item(st, hf_sasl, tvb, start, len, ENC_NA);
            break;
        case SMTPX_EV_DATA:
            item = proto_tree_add_uint(st, hf_data_length, tvb, start, len, (guint32)ev->length);
            break;
        case SMTPX_EV_MESSAGE:
            item = build_message(st, tvb, start, len, ev->message);
            break;
        case SMTPX_EV_END_OF_DATA:
            if (ev->message)
                item = proto_tree_add_uint64(st, hf_msg_size, tvb, start, len, ev->message->size);
            else
                item = proto_tree_add_item(st, proto_smtpx, tvb, start, len, ENC_NA);
            break;
        case SMTPX_EV_TXN:
            item = build_txn(st, pinfo, tvb, ev);
            col_append_fstr(pinfo->cinfo, COL_INFO, " [mail transaction %u]", ev->txn->number);
            break;
        case SMTPX_EV_ANOMALY:
        default:
            item = proto_tree_add_item(st, proto_smtpx, tvb, start, len, ENC_NA);
            proto_item_set_text(item, "Anomaly");
            break;
        }
        if (!item)
            item = ti;
        add_anomalies(pinfo, item, ev, &tags);
    }

    if (n_cmds && info_is_data(pinfo)) {
        col_append_str(pinfo->cinfo, COL_INFO, " [SMTPX:");
        for (i = 0; i < call->n_events; i++)
            if (call->events[i]->kind == SMTPX_EV_COMMAND && !call->events[i]->command->injected)
                col_append_fstr(pinfo->cinfo, COL_INFO, " %s", call->events[i]->command->verb_text);
        col_append_str(pinfo->cinfo, COL_INFO, "]");
    }
    if (pref_info_tags && tags) {
        for (i = 0; i < SMTPX_ANOM_COUNT; i++)
            if (tags & (1u << i))
                col_append_fstr(pinfo->cinfo, COL_INFO, " [%s]",
                                anomaly_info_tag((smtpx_anomaly_kind_t)i));
    }
    col_set_fence(pinfo->cinfo, COL_INFO);
}

/* ---- the dissector ------------------------------------------------------ */

static smtpx_conv_t *
get_conv(packet_info *pinfo)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    smtpx_conv_t *c = (smtpx_conv_t *)conversation_get_proto_data(conv, proto_smtpx);
    smtpx_config_t cfg;

    if (c)
        return c;
    c = wmem_new0(wmem_file_scope(), smtpx_conv_t);
    smtpx_config_init(&cfg);
    cfg.max_header_bytes = pref_max_header_bytes;
    cfg.exceptions = exceptions;
    cfg.n_exceptions = n_exceptions;
    c->session = smtpx_session_new(&cfg);
    if (!all_sessions)
        all_sessions = g_ptr_array_new_with_free_func(smtpx_session_destroy);
    g_ptr_array_add(all_sessions, c->session);
    /* The server is the end on the port that matched (or Decode As). */
    if (pinfo->match_uint == pinfo->srcport && pinfo->match_uint != pinfo->destport) {
        copy_address_wmem(wmem_file_scope(), &c->server_addr, &pinfo->src);
        c->server_port = pinfo->srcport;
    } else if (pinfo->match_uint == pinfo->destport) {
        copy_address_wmem(wmem_file_scope(), &c->server_addr, &pinfo->dst);
        c->server_port = pinfo->destport;
    } else if (pinfo->srcport < pinfo->destport) {
        copy_address_wmem(wmem_file_scope(), &c->server_addr, &pinfo->src);
        c->server_port = pinfo->srcport;
    } else {
        copy_address_wmem(wmem_file_scope(), &c->server_addr, &pinfo->dst);
        c->server_port = pinfo->destport;
    }
    conversation_add_proto_data(conv, proto_smtpx, c);
    return c;
}

static smtpx_dir_t
direction_of(const smtpx_conv_t *c, const packet_info *pinfo)
{
    if (pinfo->srcport == c->server_port && addresses_equal(&pinfo->src, &c->server_addr))
        return SMTPX_DIR_SERVER;
    return SMTPX_DIR_CLIENT;
}

/*
 * Leading bytes of the segment [seq, seq + len) that come before next, the
 * sequence number expected next (already fed): 0 when the segment starts at
 * or after next, len when all of it was seen.  RFC 793 3.3 arithmetic.
 */
static guint
seen_prefix(guint32 next, guint32 seq, guint len)
{
    gint32 ahead = (gint32)(seq - next);
    guint32 old;

    if (ahead >= 0)
        return 0;
    old = (guint32)(-(gint64)ahead);
    return old >= len ? len : old;
}

/* TRUE when the peer acknowledged bytes of direction dir beyond mark. */
static gboolean
acked_beyond(const smtpx_conv_t *c, smtpx_dir_t dir, guint32 mark)
{
    return c->seq_valid[dir] && c->acked_valid[dir] && (gint32)(c->acked[dir] - mark) > 0;
}

/*
 * Feeds held segments that have become contiguous with next_seq.  Their
 * bytes are not in this frame's tvb, so their events point at no bytes.
 */
static void
feed_held(smtpx_conv_t *c, smtpx_dir_t dir, packet_info *pinfo, GPtrArray *events)
{
    wmem_list_frame_t *f;

    if (!c->held[dir])
        return;
    while ((f = wmem_list_head(c->held[dir])) != NULL) {
        smtpx_held_t *h = (smtpx_held_t *)wmem_list_frame_data(f);
        guint skip;
        guint before = events->len, i;

        if ((gint32)(h->seq - c->next_seq[dir]) > 0)
            break;                      /* still a hole before it */
        wmem_list_remove_frame(c->held[dir], f);
        c->held_bytes[dir] -= h->len;
        skip = seen_prefix(c->next_seq[dir], h->seq, h->len);
        if (skip >= h->len)
            continue;                   /* all of it was seen meanwhile */
        smtpx_session_feed(c->session, dir, pinfo->num, smtpx_time_of(pinfo),
                           h->data + skip, h->len - skip, events);
        c->next_seq[dir] = h->seq + h->len;
        for (i = before; i < events->len; i++) {
            smtpx_event_t *ev = (smtpx_event_t *)g_ptr_array_index(events, i);
            ev->offset = 0;
            ev->length = 0;
        }
    }
}

/* Gives up waiting: the bytes before the first held segment are lost. */
static void
flush_held_as_gap(smtpx_conv_t *c, smtpx_dir_t dir, packet_info *pinfo, GPtrArray *events)
{
    wmem_list_frame_t *f = c->held[dir] ? wmem_list_head(c->held[dir]) : NULL;
    smtpx_held_t *h;

    if (!f)
        return;
    h = (smtpx_held_t *)wmem_list_frame_data(f);
    smtpx_session_gap(c->session, dir, pinfo->num, smtpx_time_of(pinfo),
                      (guint64)(guint32)(h->seq - c->next_seq[dir]), events);
    c->next_seq[dir] = h->seq;
    feed_held(c, dir, pinfo, events);
}

/* Sequence order, wrap-around aware (RFC 793 3.3 arithmetic). */
static gint
held_seq_cmp(gconstpointer a, gconstpointer b)
{
    const smtpx_held_t *x = (const smtpx_held_t *)a;
    const smtpx_held_t *y = (const smtpx_held_t *)b;
    gint32 d = (gint32)(x->seq - y->seq);

    return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/* Keeps a copy of a segment that arrived ahead, in sequence order. */
static void
hold_segment(smtpx_conv_t *c, smtpx_dir_t dir, guint32 seq, const guint8 *data, guint len)
{
    smtpx_held_t *h = wmem_new0(wmem_file_scope(), smtpx_held_t);

    h->seq = seq;
    h->len = len;
    h->data = (guint8 *)wmem_memdup(wmem_file_scope(), data, len);
    if (!c->held[dir])
        c->held[dir] = wmem_list_new(wmem_file_scope());
    wmem_list_insert_sorted(c->held[dir], h, held_seq_cmp);
    c->held_bytes[dir] += len;
}

/* First pass: feed the new bytes of this call to the core, store the events. */
static smtpx_call_t
analyse(tvbuff_t *tvb, packet_info *pinfo, const struct tcpinfo *tcpinfo,
        gboolean decrypted, guint fed_len)
{
    smtpx_call_t call;
    smtpx_conv_t *c = get_conv(pinfo);
    smtpx_dir_t dir = direction_of(c, pinfo);
    smtpx_dir_t peer = dir == SMTPX_DIR_CLIENT ? SMTPX_DIR_SERVER : SMTPX_DIR_CLIENT;
    GPtrArray *events = g_ptr_array_new();
    guint skip = 0;
    gboolean feed_now = TRUE;
    gboolean was_accepted = smtpx_session_starttls_accepted(c->session);

    memset(&call, 0, sizeof call);
    if (decrypted && !c->tls_seen) {
        c->tls_seen = TRUE;
        smtpx_session_set_tls(c->session, TRUE);
    }
    if (tcpinfo && !decrypted) {
        guint32 seq = tcpinfo->seq;
        gint32 ahead;

        if (!c->seq_valid[dir]) {
            c->seq_valid[dir] = TRUE;
            c->next_seq[dir] = seq;
            c->seen_end[dir] = seq;
        }
        if ((gint32)(seq + tvb_reported_length(tvb) - c->seen_end[dir]) > 0)
            c->seen_end[dir] = seq + tvb_reported_length(tvb);
        if (tcpinfo->flags & 0x010) {      /* TH_ACK */
            if (!c->acked_valid[peer] || (gint32)(tcpinfo->lastackseq - c->acked[peer]) > 0)
                c->acked[peer] = tcpinfo->lastackseq;
            c->acked_valid[peer] = TRUE;
        }
        /*
         * The peer acknowledges bytes of the other direction that were never
         * handed to us: they are lost to the capture, not late.
         */
        if (c->held[peer] && wmem_list_count(c->held[peer]) &&
            acked_beyond(c, peer, c->next_seq[peer]))
            flush_held_as_gap(c, peer, pinfo, events);
        else if (acked_beyond(c, peer, c->seen_end[peer])) {
            /* This segment acknowledges peer bytes that no frame of the
             * capture carried: say so now, before this side's bytes (a
             * client that does not pipeline read those replies before its
             * next command). */
            smtpx_session_gap(c->session, peer, pinfo->num, smtpx_time_of(pinfo),
                              (guint64)(guint32)(c->acked[peer] - c->seen_end[peer]), events);
            c->next_seq[peer] = c->acked[peer];
            c->seen_end[peer] = c->acked[peer];
        }

        ahead = (gint32)(seq - c->next_seq[dir]);
        if (ahead < 0) {
            /* Retransmitted or overlapping bytes: feed only what is new. */
            skip = seen_prefix(c->next_seq[dir], seq, fed_len);
        } else if (ahead > 0 && acked_beyond(c, dir, c->next_seq[dir])) {
            /* The peer already acknowledged the missing bytes: lost. */
            flush_held_as_gap(c, dir, pinfo, events);
            ahead = (gint32)(seq - c->next_seq[dir]);
            if (ahead > 0)
                smtpx_session_gap(c->session, dir, pinfo->num, smtpx_time_of(pinfo),
                                  (guint64)(guint32)ahead, events);
            else
                skip = seen_prefix(c->next_seq[dir], seq, fed_len);
        } else if (ahead > 0 && fed_len > 0) {
            /* Out of order, or a hole: hold it (bounded) until the hole
             * fills or is known to be lost. */
            hold_segment(c, dir, seq, tvb_get_ptr(tvb, 0, (gint)fed_len), fed_len);
            feed_now = FALSE;
            if (wmem_list_count(c->held[dir]) > SMTPX_HELD_MAX_SEGMENTS ||
                c->held_bytes[dir] > SMTPX_HELD_MAX_BYTES)
                flush_held_as_gap(c, dir, pinfo, events);
        }
        if (feed_now && fed_len > skip)
            c->next_seq[dir] = seq + fed_len;
    }
    if (feed_now && fed_len > skip) {
        const guint8 *p = tvb_get_ptr(tvb, (gint)skip, (gint)(fed_len - skip));
        smtpx_session_feed(c->session, dir, pinfo->num, smtpx_time_of(pinfo),
                           p, fed_len - skip, events);
    }
    if (feed_now && tcpinfo && !decrypted && c->held[dir])
        feed_held(c, dir, pinfo, events);
    call.base = skip;
    /* Gap events have offsets relative to nothing: they sit at the start. */
    call.n_events = events->len;
    call.events = (smtpx_event_t **)wmem_memdup(wmem_file_scope(), events->pdata,
                                                sizeof(gpointer) * events->len);
    call.starttls = !was_accepted && smtpx_session_starttls_accepted(c->session);
    g_ptr_array_free(events, TRUE);
    return call;
}

/* The calls shown in this dissection of the frame (packet scope set). */
static gboolean
call_shown(packet_info *pinfo, const smtpx_call_t *call, gboolean mark)
{
    wmem_map_t *shown = (wmem_map_t *)p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo,
                                                       proto_smtpx, 3);

    if (!shown) {
        if (!mark)
            return FALSE;
        shown = wmem_map_new(SMTPX_PACKET_POOL(pinfo), g_direct_hash, g_direct_equal);
        p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, 3, shown);
    }
    if (wmem_map_contains(shown, call))
        return TRUE;
    if (mark)
        wmem_map_insert(shown, call, GUINT_TO_POINTER(1));
    return FALSE;
}

static void
show_call(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const smtpx_call_t *call)
{
    if (call_shown(pinfo, call, TRUE))
        return;
    if (call->starttls && tls_handle)
        tls_set_appdata_dissector(tls_handle, pinfo, smtpx_handle);

    build_tree(tvb, pinfo, tree, call);
    if (call->n_events) {
        smtpx_tap_info_t *ti = wmem_new0(SMTPX_PACKET_POOL(pinfo), smtpx_tap_info_t);
        ti->events = call->events;
        ti->n_events = call->n_events;
        tap_queue_packet(smtpx_tap, pinfo, ti);
    }
}

/*
 * A key for the bytes a call is given (FNV-1a over the length and up to 64
 * bytes at each end).  A later pass may call the dissector fewer times in a
 * frame than the first (TLS and TCP hand a piece that continues in a later
 * frame over only on the first pass), so stored calls are found again by
 * their content, in order, not by counting calls.
 */
static guint32
tvb_key(tvbuff_t *tvb)
{
    guint len = tvb_captured_length(tvb);
    guint head = MIN(len, 64u), tail = MIN(len - head, 64u), i;
    const guint8 *p = tvb_get_ptr(tvb, 0, (gint)len);
    guint32 h = 2166136261u ^ len;

    for (i = 0; i < head; i++)
        h = (h ^ p[i]) * 16777619u;
    for (i = len - tail; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/*
 * Stores (first pass) or finds again (later passes) what this call showed,
 * and builds the tree from it.  fed_len: bytes of tvb that belong to the
 * stream now (the rest comes back reassembled).  Returns the stored call, or
 * NULL when a later pass finds none.
 */
static smtpx_call_t *
process(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
        const struct tcpinfo *tcpinfo, gboolean decrypted, guint fed_len)
{
    smtpx_frame_t *frame;
    smtpx_call_t *call = NULL;
    guint32 key = tvb_key(tvb);
    guint next, i, n;

    frame = (smtpx_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_smtpx, 0);
    if (!PINFO_FD_VISITED(pinfo)) {
        smtpx_call_t fresh = analyse(tvb, pinfo, tcpinfo, decrypted, fed_len);
        fresh.key = key;
        if (!frame) {
            frame = wmem_new0(wmem_file_scope(), smtpx_frame_t);
            frame->calls = wmem_array_new(wmem_file_scope(), sizeof(smtpx_call_t));
            p_add_proto_data(wmem_file_scope(), pinfo, proto_smtpx, 0, frame);
        }
        wmem_array_append_one(frame->calls, fresh);
        call = (smtpx_call_t *)wmem_array_index(frame->calls,
                                                wmem_array_get_count(frame->calls) - 1);
    } else if (frame) {
        /* The first stored call with this content after the last one shown
         * in this dissection of the frame. */
        next = GPOINTER_TO_UINT(p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, 1));
        n = wmem_array_get_count(frame->calls);
        for (i = next; i < n; i++) {
            smtpx_call_t *c = (smtpx_call_t *)wmem_array_index(frame->calls, i);
            if (!c->catchup && c->key == key) {
                call = c;
                p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, 1,
                                 GUINT_TO_POINTER(i + 1));
                break;
            }
        }
    }
    if (!call)
        return NULL;
    show_call(tvb, pinfo, tree, call);
    return call;
}

static int
dissect_smtpx(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    gboolean decrypted = proto_is_frame_protocol(pinfo->layers, "tls");
    const struct tcpinfo *tcpinfo = decrypted ? NULL : (const struct tcpinfo *)data;
    guint len = tvb_captured_length(tvb);
    guint fed_len;

    /* The catch-up postdissector leaves frames we saw ourselves alone. */
    p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, 2, GUINT_TO_POINTER(1));

    /* Wireshark's own SMTP/IMF dissection first; let it desegment. */
    pinfo->can_desegment = pinfo->saved_can_desegment;
    call_dissector_with_data(smtp_handle, tvb, pinfo, tree, data);

    if (pinfo->flags.in_error_pkt)
        return (int)len;    /* bytes quoted in an ICMP error: not the stream */

    fed_len = len;
    if (pinfo->desegment_len > 0 && pinfo->desegment_offset >= 0 &&
        (guint)pinfo->desegment_offset < len)
        fed_len = (guint)pinfo->desegment_offset;

    process(tvb, pinfo, tree, tcpinfo, decrypted, fed_len);
    return (int)len;
}

/* ---- catch-up for segments TCP does not hand over ------------------------ */

static int hf_tcp_seq_id = -1;
static int hf_tcp_ack_id = -1;
static int hf_tcp_payload_id = -1;

static gboolean
last_uint_field(proto_tree *tree, int hf, guint32 *out)
{
    GPtrArray *a = proto_get_finfo_ptr_array(tree, hf);
    field_info *fi;

    if (!a || a->len == 0)
        return FALSE;
    fi = (field_info *)g_ptr_array_index(a, a->len - 1);
    *out = fvalue_get_uinteger(SMTPX_FI_FVALUE(fi));
    return TRUE;
}

/*
 * With TCP reassembly on, TCP never hands a segment it takes for a
 * retransmission to a dissector: a late (out-of-order) segment, or new
 * bytes that travel only in a retransmission, would be a gap for SMTPX
 * although they are in the capture.  This postdissector looks at frames of
 * SMTPX conversations that the dissector did not see, and feeds their TCP
 * payload to the same analysis (sequence numbers drop what was seen).
 */
static int
dissect_smtpx_catchup(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    conversation_t *conv;
    smtpx_conv_t *c;
    GPtrArray *payloads;
    field_info *fi;
    struct tcpinfo ti;
    tvbuff_t *ptvb;
    smtpx_call_t *call;

    if (PINFO_FD_VISITED(pinfo)) {
        /*
         * Later passes: the fields are not primed then; show what the first
         * pass stored and the dissector has not shown in this pass: a
         * segment that TCP (or TLS) handed over on the first pass only (the
         * start of a reassembled PDU is dissected at the frame that
         * completes it on later passes).
         */
        smtpx_frame_t *frame = (smtpx_frame_t *)p_get_proto_data(wmem_file_scope(), pinfo,
                                                                 proto_smtpx, 0);
        guint i;

        for (i = 0; frame && i < wmem_array_get_count(frame->calls); i++) {
            call = (smtpx_call_t *)wmem_array_index(frame->calls, i);
            if (call->n_events == 0 || call_shown(pinfo, call, FALSE))
                continue;
            if (call->catchup && call->payload_offset <= tvb_captured_length(tvb))
                show_call(tvb_new_subset_remaining(tvb, (gint)call->payload_offset),
                          pinfo, tree, call);
            else
                show_call(tvb_new_subset_length(tvb, 0, 0), pinfo, tree, call);
        }
        return 0;
    }
    if (!tree || p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, 2))
        return 0;
    if (proto_is_frame_protocol(pinfo->layers, "icmp") ||
        proto_is_frame_protocol(pinfo->layers, "icmpv6") ||
        !proto_is_frame_protocol(pinfo->layers, "tcp"))
        return 0;
    conv = find_conversation_pinfo(pinfo, 0);
    c = conv ? (smtpx_conv_t *)conversation_get_proto_data(conv, proto_smtpx) : NULL;
    if (!c || c->tls_seen)
        return 0;
    payloads = proto_get_finfo_ptr_array(tree, hf_tcp_payload_id);
    if (!payloads || payloads->len == 0)
        return 0;
    fi = (field_info *)g_ptr_array_index(payloads, payloads->len - 1);
    if (fi->ds_tvb != tvb || fi->length <= 0 || fi->start < 0)
        return 0;           /* only payload that sits in the frame itself */
    memset(&ti, 0, sizeof ti);
    if (!last_uint_field(tree, hf_tcp_seq_id, &ti.seq))
        return 0;
    if (last_uint_field(tree, hf_tcp_ack_id, &ti.lastackseq))
        ti.flags = 0x010;   /* TH_ACK */
    if (smtpx_session_starttls_accepted(c->session))
        return 0;           /* TLS records: not for the plaintext analysis */
    ptvb = tvb_new_subset_length(tvb, fi->start, fi->length);
    call = process(ptvb, pinfo, tree, &ti, FALSE, tvb_captured_length(ptvb));
    if (call) {
        call->catchup = TRUE;
        call->payload_offset = (guint)fi->start;
    }
    return 0;
}

/* ---- registration ------------------------------------------------------- */

void
proto_register_smtpx(void)
{
    static hf_register_info hf[] = {
        /* Commands */
        { &hf_cmd, { "Command", "smtpx.cmd", FT_STRING, BASE_NONE, NULL, 0x0,
            "Command verb, upper case", HFILL } },
        { &hf_cmd_pipelined, { "Pipelined", "smtpx.cmd.pipelined", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Sent before the reply to an earlier command (RFC 2920)", HFILL } },
        { &hf_injected, { "Injected command", "smtpx.injected", FT_STRING, BASE_NONE, NULL, 0x0,
            "Verb of a command sent in clear after STARTTLS, before TLS: not part of the session", HFILL } },
        { &hf_response_in, { "Response in", "smtpx.response_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, "Frame with the reply to this command", HFILL } },
        { &hf_helo, { "HELO/EHLO argument", "smtpx.helo", FT_STRING, BASE_NONE, NULL, 0x0,
            "Argument of EHLO or HELO (RFC 5321 4.1.1.1)", HFILL } },
        { &hf_mail_from, { "MAIL FROM", "smtpx.mail_from", FT_STRING, BASE_NONE, NULL, 0x0,
            "Reverse-path mailbox; empty for the null path <>", HFILL } },
        { &hf_mail_from_domain, { "MAIL FROM domain", "smtpx.mail_from.domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Domain of the reverse-path, lower case", HFILL } },
        { &hf_rcpt_to, { "RCPT TO", "smtpx.rcpt_to", FT_STRING, BASE_NONE, NULL, 0x0,
            "Forward-path mailbox", HFILL } },
        { &hf_rcpt_to_domain, { "RCPT TO domain", "smtpx.rcpt_to.domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Domain of the forward-path, lower case", HFILL } },
        { &hf_param, { "ESMTP parameter", "smtpx.param", FT_STRING, BASE_NONE, NULL, 0x0,
            "One ESMTP parameter as sent, KEY=value (RFC 5321 4.1.2)", HFILL } },
        { &hf_param_size, { "SIZE", "smtpx.param.size", FT_UINT64, BASE_DEC|BASE_UNIT_STRING, SMTPX_UNITS(&units_byte_bytes), 0x0,
            "Declared message size of MAIL (RFC 1870)", HFILL } },
        { &hf_param_body, { "BODY", "smtpx.param.body", FT_STRING, BASE_NONE, NULL, 0x0,
            "BODY= of MAIL (RFC 6152, RFC 3030)", HFILL } },
        { &hf_auth_mechanism, { "AUTH mechanism", "smtpx.auth.mechanism", FT_STRING, BASE_NONE, NULL, 0x0,
            "SASL mechanism of AUTH (RFC 4954)", HFILL } },
        { &hf_bdat_size, { "BDAT chunk size", "smtpx.bdat.size", FT_UINT64, BASE_DEC|BASE_UNIT_STRING, SMTPX_UNITS(&units_byte_bytes), 0x0,
            "Octets in this BDAT chunk (RFC 3030)", HFILL } },
        { &hf_bdat_last, { "BDAT LAST", "smtpx.bdat.last", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Last chunk of the message", HFILL } },
        { &hf_sasl, { "SASL response (not shown)", "smtpx.sasl", FT_NONE, BASE_NONE, NULL, 0x0,
            "A client line of an AUTH exchange; credentials are never shown", HFILL } },
        { &hf_data_length, { "Message data", "smtpx.data.length", FT_UINT32, BASE_DEC|BASE_UNIT_STRING, SMTPX_UNITS(&units_byte_bytes), 0x0,
            "Bytes of message content (DATA or BDAT) in this frame", HFILL } },
        /* Replies */
        { &hf_reply_code, { "Reply code", "smtpx.reply.code", FT_UINT16, BASE_DEC, NULL, 0x0,
            "Three-digit reply code (RFC 5321 4.2)", HFILL } },
        { &hf_reply_cmd, { "Reply to", "smtpx.reply.cmd", FT_STRING, BASE_NONE, NULL, 0x0,
            "Verb of the command this reply answers; <greeting> for the banner", HFILL } },
        { &hf_request_in, { "Request in", "smtpx.request_in", FT_FRAMENUM, BASE_NONE,
            FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "Frame of the command this reply answers", HFILL } },
        { &hf_time, { "Response time", "smtpx.time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
            "Time from the command to this reply, in seconds", HFILL } },
        { &hf_reply_text, { "Reply text", "smtpx.reply.text", FT_STRING, BASE_NONE, NULL, 0x0,
            "Text of one reply line", HFILL } },
        { &hf_status, { "Enhanced status code", "smtpx.status", FT_STRING, BASE_NONE, NULL, 0x0,
            "Enhanced status code as sent (RFC 3463)", HFILL } },
        { &hf_status_class, { "Class", "smtpx.status.class", FT_UINT8, BASE_CUSTOM, CF_FUNC(status_class_fmt), 0x0,
            "2 success, 4 persistent transient failure, 5 permanent failure", HFILL } },
        { &hf_status_subject, { "Subject", "smtpx.status.subject", FT_UINT16, BASE_CUSTOM, CF_FUNC(status_subject_fmt), 0x0,
            "Subject of the enhanced status code (RFC 3463 section 3)", HFILL } },
        { &hf_status_detail, { "Detail", "smtpx.status.detail", FT_UINT16, BASE_DEC, NULL, 0x0,
            "Detail number of the enhanced status code", HFILL } },
        { &hf_status_description, { "Meaning", "smtpx.status.description", FT_STRING, BASE_NONE, NULL, 0x0,
            "IANA registry title of X.subject.detail", HFILL } },
        { &hf_ehlo_domain, { "Server domain", "smtpx.ehlo.domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Server name on the first EHLO reply line", HFILL } },
        { &hf_ehlo_capability, { "Capability", "smtpx.ehlo.capability", FT_STRING, BASE_NONE, NULL, 0x0,
            "One advertised EHLO keyword, upper case", HFILL } },
        { &hf_ehlo_capabilities, { "Capabilities", "smtpx.ehlo.capabilities", FT_STRING, BASE_NONE, NULL, 0x0,
            "All advertised EHLO keywords, space separated", HFILL } },
        { &hf_ehlo_size, { "SIZE limit", "smtpx.ehlo.size", FT_UINT64, BASE_DEC|BASE_UNIT_STRING, SMTPX_UNITS(&units_byte_bytes), 0x0,
            "Advertised message size limit; 0 means no fixed limit (RFC 1870)", HFILL } },
        { &hf_ehlo_auth_mechanism, { "AUTH mechanism", "smtpx.ehlo.auth_mechanism", FT_STRING, BASE_NONE, NULL, 0x0,
            "One advertised SASL mechanism (RFC 4954)", HFILL } },
        { &hf_ehlo_limits_rcptmax, { "LIMITS RCPTMAX", "smtpx.ehlo.limits.rcptmax", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Most RCPT commands per transaction (RFC 9422)", HFILL } },
        { &hf_ehlo_limits_mailmax, { "LIMITS MAILMAX", "smtpx.ehlo.limits.mailmax", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Most transactions per session (RFC 9422)", HFILL } },
        { &hf_ehlo_limits_rcptdomainmax, { "LIMITS RCPTDOMAINMAX", "smtpx.ehlo.limits.rcptdomainmax", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Most recipient domains per transaction (RFC 9422)", HFILL } },
        /* Message */
        { &hf_msg_from, { "From", "smtpx.msg.from", FT_STRING, BASE_NONE, NULL, 0x0,
            "The From field body, unfolded (RFC 5322 3.6.2)", HFILL } },
        { &hf_msg_from_address, { "Author mailbox", "smtpx.msg.from.address", FT_STRING, BASE_NONE, NULL, 0x0,
            "One author mailbox of the From field", HFILL } },
        { &hf_msg_from_display_name, { "Display name", "smtpx.msg.from.display_name", FT_STRING, BASE_NONE, NULL, 0x0,
            "Display name of the author, RFC 2047 decoded to UTF-8", HFILL } },
        { &hf_msg_from_domain, { "Author domain", "smtpx.msg.from.domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Domain of the author mailbox, lower case", HFILL } },
        { &hf_msg_sender, { "Sender", "smtpx.msg.sender", FT_STRING, BASE_NONE, NULL, 0x0,
            "The Sender field body, unfolded", HFILL } },
        { &hf_msg_reply_to, { "Reply-To", "smtpx.msg.reply_to", FT_STRING, BASE_NONE, NULL, 0x0,
            "The Reply-To field body, unfolded", HFILL } },
        { &hf_msg_return_path, { "Return-Path", "smtpx.msg.return_path", FT_STRING, BASE_NONE, NULL, 0x0,
            "The Return-Path field body, unfolded", HFILL } },
        { &hf_msg_dkim_domain, { "DKIM signing domain", "smtpx.msg.dkim_domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "d= of a DKIM-Signature field (RFC 6376 3.5); claimed, not verified", HFILL } },
        { &hf_msg_size, { "Message size", "smtpx.msg.size", FT_UINT64, BASE_DEC|BASE_UNIT_STRING, SMTPX_UNITS(&units_byte_bytes), 0x0,
            "Message size after dot-unstuffing, in octets", HFILL } },
        /* Verdict */
        { &hf_from_forged, { "From forged", "smtpx.from.forged", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The author in From is not backed by an aligned envelope or DKIM domain, or is ambiguous", HFILL } },
        { &hf_from_org_domain, { "Organizational domain", "smtpx.from.org_domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Organizational domain of the From domain (Public Suffix List, RFC 7489 3.2)", HFILL } },
        { &hf_from_envelope_domain, { "Envelope domain", "smtpx.from.envelope_domain", FT_STRING, BASE_NONE, NULL, 0x0,
            "Domain of MAIL FROM, or of HELO for the null reverse-path", HFILL } },
        { &hf_from_envelope_mismatch, { "Envelope mismatch", "smtpx.from.envelope_mismatch", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "From organizational domain differs from the envelope's (RFC 7489 3.1 relaxed)", HFILL } },
        { &hf_from_envelope_invalid, { "Envelope invalid", "smtpx.from.envelope_invalid", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "MAIL FROM gives no usable domain (bare IP, no @, route, junk)", HFILL } },
        { &hf_from_dkim_aligned, { "DKIM aligned", "smtpx.from.dkim_aligned", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "A DKIM-Signature d= is aligned with From (claimed; not verified)", HFILL } },
        { &hf_from_display_name_spoof, { "Display name spoof", "smtpx.from.display_name_spoof", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The display name shows an address or domain other than the real one", HFILL } },
        { &hf_from_multiple, { "Multiple authors", "smtpx.from.multiple", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Several From fields, or several mailboxes and no Sender (RFC 5322 3.6.2)", HFILL } },
        { &hf_from_missing, { "From missing", "smtpx.from.missing", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "No From field (RFC 5322 3.6 requires one)", HFILL } },
        { &hf_from_ambiguous, { "Ambiguous", "smtpx.from.ambiguous", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "From or MAIL FROM uses syntax that mail parsers read differently", HFILL } },
        { &hf_from_lookalike, { "Look-alike domain", "smtpx.from.lookalike", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "A From domain label mixes scripts after IDNA decoding", HFILL } },
        { &hf_from_exception, { "Exception", "smtpx.from.exception", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "A user exception (envelope domain allowed to send for the author domain) matched", HFILL } },
        { &hf_from_exception_rule, { "Exception rule", "smtpx.from.exception_rule", FT_STRING, BASE_NONE, NULL, 0x0,
            "The exception that matched, envelope -> author", HFILL } },
        { &hf_from_reasons, { "Reasons", "smtpx.from.reasons", FT_STRING, BASE_NONE, NULL, 0x0,
            "The verdict's reasons in words", HFILL } },
        /* Transaction */
        { &hf_txn, { "Mail transaction", "smtpx.txn", FT_UINT32, BASE_DEC, NULL, 0x0,
            "Transaction number within the session; marks the summary frame", HFILL } },
        { &hf_txn_end, { "Ended by", "smtpx.txn.end", FT_STRING, BASE_NONE, NULL, 0x0,
            "What ended the transaction: end of data, a rejection, RSET, QUIT, ...", HFILL } },
        { &hf_txn_client, { "Client", "smtpx.txn.client", FT_STRING, BASE_NONE, NULL, 0x0,
            "Client end of the session, address:port", HFILL } },
        { &hf_txn_server, { "Server", "smtpx.txn.server", FT_STRING, BASE_NONE, NULL, 0x0,
            "Server end of the session, address:port", HFILL } },
        { &hf_txn_tls, { "TLS", "smtpx.txn.tls", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The transaction was protected by TLS", HFILL } },
        { &hf_txn_auth, { "Authenticated", "smtpx.txn.auth", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The client authenticated (235) before this transaction", HFILL } },
    };

    static gint *ett[] = {
        &ett_smtpx, &ett_command, &ett_reply, &ett_status, &ett_ehlo,
        &ett_message, &ett_author, &ett_verdict, &ett_txn,
    };

    static ei_register_info ei[] = {
        { &ei_anomaly[SMTPX_ANOM_FORGED_FROM], { "smtpx.analysis.forged_from", PI_SECURITY, PI_WARN,
            "The From author is not backed by the envelope or a DKIM domain", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_CLEARTEXT_AUTH], { "smtpx.analysis.cleartext_auth", PI_SECURITY, PI_WARN,
            "AUTH without TLS: credentials travel in clear", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_STARTTLS_INJECTION], { "smtpx.analysis.starttls_injection", PI_SECURITY, PI_ERROR,
            "Plaintext bytes after STARTTLS that the TLS layer will swallow (CVE-2011-0411 class)", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_SMUGGLING], { "smtpx.analysis.smuggling", PI_SECURITY, PI_WARN,
            "End-of-data look-alike inside DATA (SMTP smuggling)", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_UNADVERTISED], { "smtpx.analysis.unadvertised", PI_PROTOCOL, PI_WARN,
            "Command or parameter needs an extension the server did not advertise", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_SIZE_EXCEEDED], { "smtpx.analysis.size_exceeded", PI_PROTOCOL, PI_WARN,
            "Message size above the advertised SIZE limit", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_STATUS_CLASS_MISMATCH], { "smtpx.analysis.status_class_mismatch", PI_PROTOCOL, PI_WARN,
            "Enhanced status class differs from the reply code's first digit", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_STATUS_MISSING], { "smtpx.analysis.status_missing", PI_PROTOCOL, PI_NOTE,
            "ENHANCEDSTATUSCODES advertised but this reply has no enhanced status code", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_STATUS_UNREGISTERED], { "smtpx.analysis.status_unregistered", PI_PROTOCOL, PI_NOTE,
            "Enhanced status code not in the IANA registry", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_PATH_SYNTAX], { "smtpx.analysis.path_syntax", PI_PROTOCOL, PI_WARN,
            "MAIL/RCPT path not in RFC 5321 form", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_HELO_SYNTAX], { "smtpx.analysis.helo_syntax", PI_PROTOCOL, PI_NOTE,
            "EHLO/HELO argument is neither a domain nor an address literal", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_LINE_TOO_LONG], { "smtpx.analysis.line_too_long", PI_PROTOCOL, PI_WARN,
            "Line longer than RFC 5321 section 4.5.3.1 allows", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_GAP], { "smtpx.analysis.gap", PI_SEQUENCE, PI_WARN,
            "Bytes missing in the TCP stream; the analysis resynchronised", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_HEADER_LIMIT], { "smtpx.analysis.header_limit", PI_UNDECODED, PI_NOTE,
            "Header section longer than the preference; the rest is not analysed", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_BDAT_SIZE], { "smtpx.analysis.bdat_size", PI_MALFORMED, PI_ERROR,
            "BDAT chunk size is not a usable number", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_BAD_REPLY], { "smtpx.analysis.bad_reply", PI_MALFORMED, PI_WARN,
            "Server line is not an SMTP reply", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_UNEXPECTED_REPLY], { "smtpx.analysis.unexpected_reply", PI_SEQUENCE, PI_NOTE,
            "Reply with no command waiting for it", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_UNKNOWN_COMMAND], { "smtpx.analysis.unknown_command", PI_PROTOCOL, PI_NOTE,
            "Unknown command verb", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_QUEUE_LIMIT], { "smtpx.analysis.queue_limit", PI_SEQUENCE, PI_WARN,
            "Too many commands waiting for replies; the oldest were dropped", EXPFILL } },
        /* issue 9: notes that change no verdict */
        { &ei_anomaly[SMTPX_ANOM_FROM_SYNTAX], { "smtpx.analysis.from_syntax", PI_PROTOCOL, PI_NOTE,
            "From field syntax outside RFC 5322 that every reading agrees on", EXPFILL } },
        { &ei_anomaly[SMTPX_ANOM_BARE_LINE_END], { "smtpx.analysis.bare_line_end", PI_PROTOCOL, PI_NOTE,
            "Bare LF or CR line ending in message data (RFC 5321 2.3.8)", EXPFILL } },
    };

    static uat_field_t exception_fields[] = {
        UAT_FLD_CSTRING(exception_uats, envelope_domain, "Envelope domain",
            "MAIL FROM domain allowed to send for the author domain (\"*.example.net\" for subdomains too)"),
        UAT_FLD_CSTRING(exception_uats, author_domain, "Author domain",
            "From domain it may send for (\"*\" for any)"),
        UAT_FLD_CSTRING(exception_uats, comment, "Comment", "Why (mailing list, mail service provider, ...)"),
        UAT_END_FIELDS
    };

    module_t *module;
    expert_module_t *expert;
    uat_t *exception_uat;

    proto_smtpx = proto_register_protocol("SMTP Extended Analysis", "SMTPX", "smtpx");
    proto_register_field_array(proto_smtpx, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert = expert_register_protocol(proto_smtpx);
    expert_register_field_array(expert, ei, array_length(ei));

    smtpx_handle = register_dissector("smtpx", dissect_smtpx, proto_smtpx);
    smtpx_tap = register_tap("smtpx");

    module = prefs_register_protocol(proto_smtpx, NULL);
    prefs_register_uint_preference(module, "max_header_bytes",
        "Header section limit (bytes)",
        "Header bytes kept per message for the From analysis; the rest is not analysed",
        10, &pref_max_header_bytes);
    prefs_register_bool_preference(module, "info_tags",
        "Tag the Info column",
        "Append [forged From], [cleartext AUTH], ... to the Info column when a security expert info fires",
        &pref_info_tags);
    exception_uat = uat_new("SMTPX sender exceptions",
        sizeof(smtpx_exception_uat_t), "smtpx_exceptions", TRUE,
        &exception_uats, &n_exception_uats,
        UAT_AFFECTS_DISSECTION, NULL,
        exception_uat_copy_cb, exception_uat_update_cb, exception_uat_free_cb,
        exception_uat_post_update_cb, NULL, exception_fields);
    prefs_register_uat_preference(module, "exceptions", "Sender exceptions",
        "Envelope domains allowed to send for other author domains (mailing lists, "
        "mail service providers); a match is shown and does not make From forged",
        exception_uat);

    register_cleanup_routine(smtpx_cleanup);

    catchup_handle = create_dissector_handle(dissect_smtpx_catchup, proto_smtpx);
    register_postdissector(catchup_handle);
}

void
proto_reg_handoff_smtpx(void)
{
    smtp_handle = find_dissector_add_dependency("smtp", proto_smtpx);
    tls_handle = find_dissector_add_dependency("tls", proto_smtpx);
    dissector_add_uint_range_with_preference("tcp.port", SMTPX_TCP_PORTS, smtpx_handle);
    ssl_dissector_add(SMTPX_TLS_PORT, smtpx_handle);

    {
        GArray *wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));

        hf_tcp_seq_id = proto_registrar_get_id_byname("tcp.seq");
        hf_tcp_ack_id = proto_registrar_get_id_byname("tcp.ack");
        hf_tcp_payload_id = proto_registrar_get_id_byname("tcp.payload");
        g_array_append_val(wanted, hf_tcp_seq_id);
        g_array_append_val(wanted, hf_tcp_ack_id);
        g_array_append_val(wanted, hf_tcp_payload_id);
        set_postdissector_wanted_hfids(catchup_handle, wanted);
    }
}
