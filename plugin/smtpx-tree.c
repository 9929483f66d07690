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

/*
 * Labels stay under ITEM_LABEL_LENGTH (240 bytes, where Wireshark cuts and
 * marks "[truncated]"): a value longer than SMTPX_SHOW_MAX is shown as its
 * start and its length; the field keeps the whole value (filters, -T fields).
 */
#define SMTPX_SHOW_MAX 160

static const char *
show_value(const char *v)
{
    static char buf[SMTPX_SHOW_MAX + 48];
    gsize n = v ? strlen(v) : 0;
    gsize cut = SMTPX_SHOW_MAX - 20;

    if (n <= SMTPX_SHOW_MAX)
        return v ? v : "";
    /* Not inside a UTF-8 sequence. */
    while (cut > 0 && ((guchar)v[cut] & 0xC0) == 0x80)
        cut--;
    snprintf(buf, sizeof buf, "%.*s... (%" G_GSIZE_FORMAT " bytes)", (int)cut, v, n);
    return buf;
}

/* proto_tree_add_string with a label that is never cut. */
static proto_item *
add_string(proto_tree *tree, int hf, tvbuff_t *tvb, gint start, gint len, const char *v)
{
    if (v && strlen(v) > SMTPX_SHOW_MAX)
        return proto_tree_add_string_format_value(tree, hf, tvb, start, len, v, "%s",
                                                  show_value(v));
    return proto_tree_add_string(tree, hf, tvb, start, len, v ? v : "");
}

static proto_item *
add_generated_string(proto_tree *tree, int hf, tvbuff_t *tvb, gint at, const char *s)
{
    proto_item *pi = add_string(tree, hf, tvb, at, 0, s ? s : "");
    proto_item_set_generated(pi);
    return pi;
}

/*
 * Text items under item, each under the label limit, for a long text: split
 * at "; " (the reasons' separator) and then at blanks.
 */
static void
add_text_lines(proto_tree *tree, tvbuff_t *tvb, gint start, gint len, const char *prefix,
               const char *text)
{
    const char *p = text;

    while (p && *p) {
        const char *end = strstr(p, "; ");
        gsize n = end ? (gsize)(end - p) : strlen(p);
        proto_item *pi;

        while (n > 0) {
            gsize take = n;
            if (take > SMTPX_SHOW_MAX) {
                take = SMTPX_SHOW_MAX;
                while (take > 40 && p[take] != ' ')
                    take--;
                if (take <= 40)
                    take = SMTPX_SHOW_MAX;
                while (take > 0 && ((guchar)p[take] & 0xC0) == 0x80)
                    take--;
            }
            (void)proto_tree_add_subtree_format(tree, tvb, start, len, smtpx_ett.smtpx, &pi,
                                          "%s%.*s", prefix, (int)take, p);
            proto_item_set_generated(pi);
            p += take;
            n -= take;
            while (n > 0 && *p == ' ') {
                p++;
                n--;
            }
        }
        p = end ? end + 2 : NULL;
    }
}

/*
 * An expert info whose text may be long: the expert message is kept under
 * the label limit (whole clauses, then "..."), the whole text follows in
 * text items below item (for forged_from the reasons items of the verdict
 * say it).
 */
void
smtpx_tree_expert(packet_info *pinfo, proto_item *item, tvbuff_t *tvb, gint at,
                  expert_field *ei, const char *text)
{
    gsize n = text ? strlen(text) : 0;
    proto_tree *t;
    char *shortened;
    gsize cut;

    if (n <= 190) {
        expert_add_info_format(pinfo, item, ei, "%s", text ? text : "");
        return;
    }
    cut = 170;
    while (cut > 60 && !(text[cut] == ';' || text[cut] == ':' || text[cut] == ','))
        cut--;
    if (cut <= 60) {
        cut = 170;
        while (cut > 0 && text[cut] != ' ')
            cut--;
    }
    while (cut > 0 && ((guchar)text[cut] & 0xC0) == 0x80)
        cut--;
    shortened = wmem_strdup_printf(SMTPX_PACKET_POOL(pinfo), "%.*s ... (details below)",
                                   (int)cut, text);
    expert_add_info_format(pinfo, item, ei, "%s", shortened);
    /* forged_from: its text is the verdict's reasons, one item each in the
     * verdict subtree already. */
    if (!item || ei == &smtpx_ei[SMTPX_ANOM_FORGED_FROM])
        return;
    t = proto_item_get_subtree(item);
    if (!t)
        t = proto_item_add_subtree(item, smtpx_ett.smtpx);
    add_text_lines(t, tvb, at, 0, "", text);
}

static void verdict_words(GString *out, const smtpx_verdict_t *v,
                          const smtpx_author_verdict_t *av);
static void add_reasons(proto_tree *vt, packet_info *pinfo, tvbuff_t *tvb, gint start,
                        gint len, const char *reasons);

static proto_item *
add_generated_boolean(proto_tree *tree, int hf, tvbuff_t *tvb, gint at, gboolean v)
{
    proto_item *pi = proto_tree_add_boolean(tree, hf, tvb, at, 0, v);
    proto_item_set_generated(pi);
    return pi;
}

/*
 * The raw bytes of an event that began in this frame and lies whole in this
 * tvb, so that the parts the core found can point at their own bytes; NULL
 * otherwise (then items keep the event's span).
 */
static const guint8 *
event_bytes(tvbuff_t *tvb, const smtpx_record_t *rec, guint i, gint start, gint len)
{
    const smtpx_event_t *ev = rec->events[i];

    if (!rec->in_tvb[i] || ev->began_earlier || len <= 0 || (gsize)len != ev->length)
        return NULL;
    return tvb_get_ptr(tvb, start, len);
}

/* The length of a line without its CRLF (or bare LF). */
static gint
line_body(const guint8 *p, gint len)
{
    if (len > 0 && p[len - 1] == '\n')
        len--;
    if (len > 0 && p[len - 1] == '\r')
        len--;
    return len;
}

/* One reply line in the tvb: where it starts, its text (after code and
 * separator) and its length without CRLF. */
typedef struct {
    gint start;
    gint text;
    gint end;
} line_span_t;

/*
 * Splits a whole reply's bytes into lines (RFC 5321 4.2: each ends in CRLF);
 * n_out lines at most.  Returns the number found.
 */
static guint
reply_lines(const guint8 *p, gint start, gint len, line_span_t *out, guint n_out)
{
    guint n = 0;
    gint i = 0;

    while (i < len && n < n_out) {
        const guint8 *nl = (const guint8 *)memchr(p + i, '\n', (size_t)(len - i));
        gint e = nl ? (gint)(nl - p) + 1 : len;
        gint body = line_body(p + i, e - i);
        smtpx_reply_line_t rl;

        (void)smtpx_reply_line_parse(p + i, (gsize)body, &rl);
        out[n].start = start + i;
        out[n].text = start + i + (gint)MIN(rl.text_offset, (gsize)body);
        out[n].end = start + i + body;
        n++;
        i = e;
    }
    return n;
}

/* Info column tags by anomaly kind (anomalies.def), NULL for none. */
static const char *const info_tags[] = {
#define SMTPX_ANOMALY(id, name, group, severity, tag, label, summary) tag,
#include "anomalies.def"
#undef SMTPX_ANOMALY
};
G_STATIC_ASSERT(G_N_ELEMENTS(info_tags) == SMTPX_ANOM_COUNT);
G_STATIC_ASSERT(SMTPX_ANOM_COUNT <= 32);    /* tags are bits of a guint32 */

/*
 * The expert message of forged_from, short (issue 11): the verdict and its
 * reasons in a few words; the reasons themselves are the smtpx.from.reason
 * items of the verdict it is attached to.  Packet scope.
 */
const char *
smtpx_tree_forged_text(packet_info *pinfo, const smtpx_verdict_t *v,
                       const smtpx_author_verdict_t *av)
{
    GString *w = g_string_new(NULL);
    char *out;

    verdict_words(w, v, av);
    out = wmem_strdup_printf(SMTPX_PACKET_POOL(pinfo), "From %s%s%s (reasons in the verdict)",
                             av && av->state == SMTPX_AUTHOR_UNVERIFIED ? "UNVERIFIED" : "FORGED",
                             w->len ? ": " : "", w->str);
    g_string_free(w, TRUE);
    return out;
}

/* verdict_item: the verdict of a message event (smtpx.from.forged), where
 * forged_from goes with its short message; NULL for other events. */
static void
add_anomalies(packet_info *pinfo, tvbuff_t *tvb, gint at, proto_item *item,
              proto_item *verdict_item, const smtpx_event_t *ev, guint32 *tags)
{
    guint i;

    if (!ev->anomalies)
        return;
    for (i = 0; i < ev->anomalies->len; i++) {
        const smtpx_anomaly_t *a = (const smtpx_anomaly_t *)g_ptr_array_index(ev->anomalies, i);
        if ((guint)a->kind >= SMTPX_ANOM_COUNT)
            continue;
        if (a->kind == SMTPX_ANOM_FORGED_FROM && verdict_item && ev->message &&
            ev->message->verdict) {
            expert_add_info_format(pinfo, verdict_item, &smtpx_ei[a->kind], "%s",
                                   smtpx_tree_forged_text(pinfo, ev->message->verdict,
                                       smtpx_dkim_glue_verdict(pinfo, ev->message, FALSE,
                                                               NULL)));
        } else {
            smtpx_tree_expert(pinfo, item, tvb, at, &smtpx_ei[a->kind],
                              a->text ? a->text : smtpx_anomaly_name(a->kind));
        }
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

/*
 * The enhanced status code.  first: the first reply line in the tvb, or
 * NULL; then the code and its class, subject and detail take their own
 * bytes (RFC 3463 2: class "." subject "." detail), as status_text holds
 * them as sent.
 */
static void
add_status(proto_tree *tree, tvbuff_t *tvb, gint start, gint len,
           const smtpx_reply_t *r, const line_span_t *first)
{
    proto_item *pi;
    proto_tree *st;
    const smtpx_status_entry_t *entry;
    gint s0 = start, l0 = len, ls = len, ld = len, ss = start, sd = start, lc = len;

    if (!r->status.present || !r->status_text)
        return;
    if (first && first->text + (gint)(r->status.offset + r->status.length) <= first->end) {
        const char *dot1 = strchr(r->status_text, '.');
        const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;

        s0 = first->text + (gint)r->status.offset;
        l0 = (gint)r->status.length;
        lc = 1;
        if (dot1 && dot2 && (gsize)strlen(r->status_text) == r->status.length) {
            ss = s0 + (gint)(dot1 - r->status_text) + 1;
            ls = (gint)(dot2 - dot1) - 1;
            sd = s0 + (gint)(dot2 - r->status_text) + 1;
            ld = l0 - (sd - s0);
        } else {
            ss = sd = s0;
            ls = ld = l0;
        }
    } else {
        ss = sd = start;
        lc = len;
    }
    pi = add_string(tree, smtpx_hf.status, tvb, s0, l0, r->status_text);
    st = proto_item_add_subtree(pi, smtpx_ett.status);
    proto_tree_add_uint(st, smtpx_hf.status_class, tvb, s0, lc, r->status.klass);
    proto_tree_add_uint(st, smtpx_hf.status_subject, tvb, ss, ls, r->status.subject);
    proto_tree_add_uint(st, smtpx_hf.status_detail, tvb, sd, ld, r->status.detail);
    entry = smtpx_status_lookup(r->status.subject, r->status.detail);
    if (entry) {
        pi = proto_tree_add_string_format_value(st, smtpx_hf.status_description, tvb, s0, 0,
                entry->title, "%s (%s)", entry->title, entry->reference);
        proto_item_set_generated(pi);
    }
}

/* Bytes of the text of reply line n (after code and separator), or the
 * whole reply when the lines are not known. */
static void
line_text(const line_span_t *lines, guint n_lines, guint n, gint start, gint len,
          gint *s, gint *l)
{
    if (lines && n < n_lines) {
        *s = lines[n].text;
        *l = lines[n].end - lines[n].text;
    } else {
        *s = start;
        *l = len;
    }
}

/*
 * The EHLO capabilities, each on the bytes of its own reply line; SIZE limit
 * on the SIZE line, each AUTH mechanism on its word of the AUTH line.
 */
static void
add_ehlo(proto_tree *tree, tvbuff_t *tvb, gint start, gint len, const smtpx_ehlo_t *e,
         const smtpx_reply_t *rep, const line_span_t *lines, guint n_lines)
{
    proto_item *pi;
    proto_tree *et;
    guint i, size_line = 0, auth_line = 0;
    gint s, l, cs = start, cl = len;

    if (lines && e->capabilities && e->capabilities->len) {
        const smtpx_ehlo_capability_t *c0 =
            (const smtpx_ehlo_capability_t *)g_ptr_array_index(e->capabilities, 0);
        const smtpx_ehlo_capability_t *cn = (const smtpx_ehlo_capability_t *)
            g_ptr_array_index(e->capabilities, e->capabilities->len - 1);
        /* From the first line (the server domain) to the last keyword:
         * every child lies inside its parent. */
        (void)c0;
        if (cn->line < n_lines) {
            cs = lines[0].start;
            cl = lines[cn->line].end - cs;
        }
    }
    pi = add_string(tree, smtpx_hf.ehlo_capabilities, tvb, cs, cl,
                               e->keywords ? e->keywords : "");
    proto_item_append_text(pi, " (%u)", e->capabilities ? e->capabilities->len : 0);
    et = proto_item_add_subtree(pi, smtpx_ett.ehlo);
    if (e->domain) {
        const char *l0 = (rep->lines && rep->lines->len) ?
            (const char *)g_ptr_array_index(rep->lines, 0) : NULL;
        line_text(lines, n_lines, 0, start, len, &s, &l);
        /* The offset is in the printable text: the raw line's too when
         * nothing was escaped (same length). */
        if (lines && n_lines && l0 && (gsize)l == strlen(l0) &&
            e->domain_offset + e->domain_length <= (gsize)l) {
            s += (gint)e->domain_offset;
            l = (gint)e->domain_length;
        }
        add_string(et, smtpx_hf.ehlo_domain, tvb, s, l, e->domain);
    }
    for (i = 0; e->capabilities && i < e->capabilities->len; i++) {
        const smtpx_ehlo_capability_t *c =
            (const smtpx_ehlo_capability_t *)g_ptr_array_index(e->capabilities, i);
        line_text(lines, n_lines, c->line, start, len, &s, &l);
        if (c->ext == SMTPX_EXT_SIZE && !size_line)
            size_line = c->line;
        if (c->ext == SMTPX_EXT_AUTH && !auth_line)
            auth_line = c->line;
        if (c->params)
            proto_tree_add_string_format_value(et, smtpx_hf.ehlo_capability, tvb, s, l,
                    c->keyword, "%s %s", c->keyword, c->params);
        else
            add_string(et, smtpx_hf.ehlo_capability, tvb, s, l, c->keyword);
    }
    if (e->size_present) {
        line_text(lines, n_lines, size_line, start, len, &s, &l);
        proto_tree_add_uint64(et, smtpx_hf.ehlo_size, tvb, s, l, e->size_limit);
    }
    for (i = 0; e->auth_mechanisms && i < e->auth_mechanisms->len; i++) {
        const char *m = (const char *)g_ptr_array_index(e->auth_mechanisms, i);
        gint ms, ml;
        line_text(lines, n_lines, auth_line, start, len, &s, &l);
        ms = s;
        ml = l;
        if (lines && auth_line) {
            /* The mechanism's own word in the AUTH line, if it is there. */
            gint mlen = (gint)strlen(m), k;
            for (k = s; k + mlen <= s + l; k++) {
                if ((k == s || tvb_get_guint8(tvb, k - 1) == ' ' ||
                     tvb_get_guint8(tvb, k - 1) == '=') &&
                    (k + mlen == s + l || tvb_get_guint8(tvb, k + mlen) == ' ') &&
                    tvb_strncaseeql(tvb, k, m, mlen) == 0) {
                    ms = k;
                    ml = mlen;
                    break;
                }
            }
        }
        add_string(et, smtpx_hf.ehlo_auth_mechanism, tvb, ms, ml, m);
    }
    if (e->limits_present) {
        if (e->limits_rcptmax)
            proto_tree_add_uint(et, smtpx_hf.ehlo_limits_rcptmax, tvb, cs, cl, e->limits_rcptmax);
        if (e->limits_mailmax)
            proto_tree_add_uint(et, smtpx_hf.ehlo_limits_mailmax, tvb, cs, cl, e->limits_mailmax);
        if (e->limits_rcptdomainmax)
            proto_tree_add_uint(et, smtpx_hf.ehlo_limits_rcptdomainmax, tvb, cs, cl,
                                e->limits_rcptdomainmax);
    }
}

/* The first word of bytes [s, s+l) of tvb into ws, wl (or the span itself). */
static void
first_word(tvbuff_t *tvb, gint s, gint l, gint *ws, gint *wl)
{
    gint k = s, e;

    while (k < s + l && tvb_get_guint8(tvb, k) == ' ')
        k++;
    e = k;
    while (e < s + l && tvb_get_guint8(tvb, e) != ' ')
        e++;
    if (e > k) {
        *ws = k;
        *wl = e - k;
    } else {
        *ws = s;
        *wl = l;
    }
}

/*
 * raw: the command line's bytes in the tvb (event_bytes), or NULL; then the
 * argument, path, parameters and mechanism point at their own bytes, found
 * by the core parsers (command.h: args_offset, path_offset, param offset).
 */
static proto_item *
build_command(proto_tree *tree, tvbuff_t *tvb, gint start, gint len,
              const smtpx_command_event_t *c, const guint8 *raw)
{
    proto_item *ti, *pi;
    proto_tree *ct;
    guint i;
    gint as = start, al = len, ws, wl;

    if (c->injected) {
        /* Sent after STARTTLS in clear: not a command of this session, but
         * what a vulnerable server would run inside TLS. */
        return proto_tree_add_string_format(tree, smtpx_hf.injected, tvb, start, len, c->verb_text,
                "Injected command (sent in clear after STARTTLS): %s%s%s", c->verb_text,
                c->args && *c->args ? " " : "", show_value(c->args ? c->args : ""));
    }
    if (raw) {
        gint body = line_body(raw, len);
        smtpx_command_t *pc = smtpx_command_parse(raw, (gsize)body);
        gint ao = (gint)MIN(pc->args_offset, (gsize)body);

        as = start + ao;
        al = body - ao;
        smtpx_command_free(pc);
    }
    ti = proto_tree_add_string_format(tree, smtpx_hf.cmd, tvb, start, len, c->verb_text,
            "Command: %s%s%s", c->verb_text, c->args && *c->args ? " " : "",
            show_value(c->args ? c->args : ""));
    ct = proto_item_add_subtree(ti, smtpx_ett.command);
    if (c->pipelined)
        add_generated_boolean(ct, smtpx_hf.cmd_pipelined, tvb, start, TRUE);
    if (c->response_frame) {
        pi = proto_tree_add_uint(ct, smtpx_hf.response_in, tvb, start, 0, c->response_frame);
        proto_item_set_generated(pi);
    }
    if (c->helo) {
        gint hs = as, hl = al;
        if (raw) {
            /* The argument without the blanks around it (session.c trims). */
            while (hl > 0 && (tvb_get_guint8(tvb, hs) == ' ' || tvb_get_guint8(tvb, hs) == '\t')) {
                hs++;
                hl--;
            }
            while (hl > 0 && (tvb_get_guint8(tvb, hs + hl - 1) == ' ' ||
                              tvb_get_guint8(tvb, hs + hl - 1) == '\t'))
                hl--;
        }
        add_string(ct, smtpx_hf.helo, tvb, hs, hl, c->helo);
    }
    if (c->path) {
        const smtpx_path_t *p = c->path;
        gboolean mail = (c->verb == SMTPX_VERB_MAIL);
        gint ps = as, pl = al;
        gboolean size_done = FALSE, body_done = FALSE;

        if (raw && p->path_offset + p->path_length <= (gsize)al) {
            ps = as + (gint)p->path_offset;
            pl = (gint)p->path_length;
        }
        add_string(ct, mail ? smtpx_hf.mail_from : smtpx_hf.rcpt_to, tvb, ps, pl,
                              p->mailbox ? p->mailbox : "");
        if (p->domain) {
            gint ds = ps, dl = pl, k;
            if (raw) {
                /* After the last '@' of the path (the domain as sent). */
                for (k = ps + pl - 1; k >= ps; k--)
                    if (tvb_get_guint8(tvb, k) == '@') {
                        ds = k + 1;
                        dl = ps + pl - ds;
                        break;
                    }
            }
            add_string(ct, mail ? smtpx_hf.mail_from_domain : smtpx_hf.rcpt_to_domain,
                                  tvb, ds, dl, p->domain);
        }
        for (i = 0; p->params && i < p->params->len; i++) {
            const smtpx_param_t *prm = (const smtpx_param_t *)g_ptr_array_index(p->params, i);
            gint qs = as, ql = al;
            if (raw && prm->offset + prm->length <= (gsize)al) {
                qs = as + (gint)prm->offset;
                ql = (gint)prm->length;
            }
            add_string(ct, smtpx_hf.param, tvb, qs, ql, prm->raw);
            /* The typed value on the first parameter of its keyword (the
             * first wins, command.c). */
            if (p->size_present && !size_done && strcmp(prm->keyword, "SIZE") == 0) {
                proto_tree_add_uint64(ct, smtpx_hf.param_size, tvb, qs, ql, p->size);
                size_done = TRUE;
            }
            if (p->body && !body_done && strcmp(prm->keyword, "BODY") == 0) {
                add_string(ct, smtpx_hf.param_body, tvb, qs, ql, p->body);
                body_done = TRUE;
            }
        }
        if (p->size_present && !size_done)
            proto_tree_add_uint64(ct, smtpx_hf.param_size, tvb, as, al, p->size);
        if (p->body && !body_done)
            add_string(ct, smtpx_hf.param_body, tvb, as, al, p->body);
    }
    if (c->auth_mechanism) {
        first_word(tvb, as, al, &ws, &wl);
        add_string(ct, smtpx_hf.auth_mechanism, tvb, raw ? ws : start, raw ? wl : len,
                              c->auth_mechanism);
    }
    if (c->verb == SMTPX_VERB_BDAT && c->bdat.error == SMTPX_BDAT_OK) {
        first_word(tvb, as, al, &ws, &wl);
        proto_tree_add_uint64(ct, smtpx_hf.bdat_size, tvb, raw ? ws : start, raw ? wl : len,
                              c->bdat.chunk_size);
        if (c->bdat.last) {
            gint ls = start, ll = len;
            if (raw)
                first_word(tvb, ws + wl, as + al - (ws + wl), &ls, &ll);
            proto_tree_add_boolean(ct, smtpx_hf.bdat_last, tvb, ls, ll, TRUE);
        }
    }
    return ti;
}

/* The reply command name for the summary ("EHLO", "end of data"). */
static const char *
reply_to_name(const smtpx_reply_event_t *r)
{
    if (!r->cmd_name)
        return NULL;
    if (strcmp(r->cmd_name, "<end-of-data>") == 0)
        return "end of data";
    if (strcmp(r->cmd_name, "<greeting>") == 0)
        return "greeting";
    return r->cmd_name;
}

/*
 * One view of the reply: code, matching, enhanced status code, the
 * capabilities of an EHLO reply (expanded), and the raw lines folded away
 * in a text subtree.  raw: the reply's bytes in the tvb, or NULL.
 */
static proto_item *
build_reply(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, gint start, gint len,
            const smtpx_reply_event_t *r, const guint8 *raw, GString *summary)
{
    proto_item *ti, *pi;
    proto_tree *rt, *lt;
    const smtpx_reply_t *rep = r->reply;
    const char *first = (rep->lines && rep->lines->len) ?
        (const char *)g_ptr_array_index(rep->lines, 0) : "";
    guint n = rep->lines ? rep->lines->len : 0, n_lines = 0, i;
    line_span_t *lines = NULL;
    const char *to = reply_to_name(r);
    gint s, l;

    if (raw && n) {
        lines = wmem_alloc_array(SMTPX_PACKET_POOL(pinfo), line_span_t, n);
        n_lines = reply_lines(raw, start, len, lines, n);
        if (n_lines != n || rep->n_lines != n) {
            lines = NULL;       /* the stored lines are not those bytes */
            n_lines = 0;
        }
    }
    rt = proto_tree_add_subtree_format(tree, tvb, start, len, smtpx_ett.reply, &ti,
            "Reply: %u %s%s", rep->code, show_value(first), n > 1 ? " ..." : "");
    pi = proto_tree_add_uint(rt, smtpx_hf.reply_code, tvb, lines ? lines[0].start : start,
                             lines ? MIN(3, lines[0].end - lines[0].start) : len, rep->code);
    if (r->cmd_name) {
        pi = add_string(rt, smtpx_hf.reply_cmd, tvb, start, 0, r->cmd_name);
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
    add_status(rt, tvb, start, len, rep, lines);
    if (r->ehlo)
        add_ehlo(rt, tvb, start, len, r->ehlo, rep, lines, n_lines);
    if (n > 1) {
        lt = proto_tree_add_subtree_format(rt, tvb, start, len, smtpx_ett.reply_lines, NULL,
                                           "Reply lines (%u)", n);
    } else {
        lt = rt;
    }
    for (i = 0; i < n; i++) {
        line_text(lines, n_lines, i, start, len, &s, &l);
        add_string(lt, smtpx_hf.reply_text, tvb, s, l,
                              (const char *)g_ptr_array_index(rep->lines, i));
    }
    if (summary && !r->injected) {
        g_string_append_printf(summary, "%sReply %u%s%s", summary->len ? "; " : "",
                               rep->code, to ? " to " : "", to ? to : "");
        if (r->ehlo && r->ehlo->capabilities)
            g_string_append_printf(summary, ": %u capabilities", r->ehlo->capabilities->len);
    }
    return ti;
}

/* av: the three-state verdict with DKIM (smtpx-dkim-glue.h), NULL while
 * DKIM may still decide it; *forged_item gets the smtpx.from.forged item
 * (or the "pending" item).  Returns the verdict subtree. */
static proto_tree *
build_verdict(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, gint start, gint len,
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
        (void)proto_tree_add_subtree(tree, tvb, start, len, smtpx_ett.verdict, &pi,
                                     "Verdict pending (DKIM)");
    }
    proto_item_set_generated(pi);
    *forged_item = pi;
    vt = proto_item_add_subtree(pi, smtpx_ett.verdict);
    if (v->org_domain) {
        pi = add_string(vt, smtpx_hf.from_org_domain, tvb, start, len, v->org_domain);
        proto_item_set_generated(pi);
    }
    if (v->envelope_domain) {
        pi = add_string(vt, smtpx_hf.from_envelope_domain, tvb, start, len,
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
        pi = add_string(vt, smtpx_hf.from_exception_rule, tvb, start, len,
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
static void
verdict_words(GString *out, const smtpx_verdict_t *v, const smtpx_author_verdict_t *av)
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
static void
verdict_summary(GString *out, const smtpx_verdict_t *v, const smtpx_author_verdict_t *av)
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
    verdict_words(out, v, av);
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
            add_text_lines(proto_item_add_subtree(pi, smtpx_ett.verdict), tvb, start, len,
                           "... ", r[i].text + cut);
        }
    }
}

/*
 * Where header field name (with its colon) lies in bytes [from, to) of tvb:
 * at the start of a line, with its folded continuation lines (RFC 5322
 * 2.2.3), without the final CRLF.  FALSE when the field is not there.
 */
static gboolean
find_field(tvbuff_t *tvb, gint from, gint to, const char *name, gint *fs, gint *fl)
{
    gint nlen = (gint)strlen(name), k, e;

    for (k = from; k + nlen <= to; k++) {
        if (k > from && tvb_get_guint8(tvb, k - 1) != '\n')
            continue;
        if (tvb_strncaseeql(tvb, k, name, nlen) != 0)
            continue;
        e = k;
        for (;;) {
            gint nl = tvb_find_guint8(tvb, e, to - e, '\n');
            if (nl < 0) {
                e = to;
                break;
            }
            e = nl + 1;
            if (e >= to || (tvb_get_guint8(tvb, e) != ' ' && tvb_get_guint8(tvb, e) != '\t'))
                break;
        }
        *fs = k;
        *fl = e - k;
        if (*fl > 0 && tvb_get_guint8(tvb, k + *fl - 1) == '\n')
            (*fl)--;
        if (*fl > 0 && tvb_get_guint8(tvb, k + *fl - 1) == '\r')
            (*fl)--;
        return TRUE;
    }
    return FALSE;
}

/* Where string str lies in bytes [from, from+len) of tvb (exact bytes). */
static gboolean
find_bytes(tvbuff_t *tvb, gint from, gint len, const char *str, gint *at)
{
    gint n = str ? (gint)strlen(str) : 0, k;

    for (k = from; n > 0 && k + n <= from + len; k++) {
        if (tvb_memeql(tvb, k, (const guint8 *)str, n) == 0) {
            *at = k;
            return TRUE;
        }
    }
    return FALSE;
}

gboolean
smtpx_tree_find_field(tvbuff_t *tvb, gint from, gint to, const char *name, gint *fs, gint *fl)
{
    if (from < 0 || to > (gint)tvb_captured_length(tvb) || from >= to)
        return FALSE;
    return find_field(tvb, from, to, name, fs, fl);
}

static gboolean
is_fws(guint8 c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

gboolean
smtpx_tree_find_tag(tvbuff_t *tvb, gint fs, gint fl, const char *tag, gint *vs, gint *vl)
{
    gint end = fs + fl, k, tlen = (gint)strlen(tag);
    gint colon = tvb_find_guint8(tvb, fs, fl, ':');

    if (colon < 0)
        return FALSE;
    /* RFC 6376 3.2: tag-list = tag-spec *( ";" tag-spec ) [ ";" ],
     * tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]. */
    for (k = colon + 1; k < end; ) {
        gint ns, ne, v, ve;

        while (k < end && is_fws(tvb_get_guint8(tvb, k)))
            k++;
        ns = k;
        while (k < end && tvb_get_guint8(tvb, k) != '=' && tvb_get_guint8(tvb, k) != ';' &&
               !is_fws(tvb_get_guint8(tvb, k)))
            k++;
        ne = k;
        while (k < end && is_fws(tvb_get_guint8(tvb, k)))
            k++;
        if (k >= end || tvb_get_guint8(tvb, k) != '=') {
            /* No "=": skip to the next tag. */
            while (k < end && tvb_get_guint8(tvb, k) != ';')
                k++;
            k++;
            continue;
        }
        k++;
        while (k < end && is_fws(tvb_get_guint8(tvb, k)))
            k++;
        v = k;
        while (k < end && tvb_get_guint8(tvb, k) != ';')
            k++;
        ve = k;
        while (ve > v && is_fws(tvb_get_guint8(tvb, ve - 1)))
            ve--;
        if (ne - ns == tlen && tvb_strncaseeql(tvb, ns, tag, tlen) == 0) {
            *vs = v;
            *vl = ve - v;
            return TRUE;
        }
        k++;
    }
    return FALSE;
}

/* A message item: on bytes (fs, fl) when str is found there as sent, else
 * generated at "at". */
static proto_item *
add_msg_string(proto_tree *tree, int hf, tvbuff_t *tvb, gboolean have, gint fs, gint fl,
               gint at, const char *str)
{
    gint k;

    if (have && find_bytes(tvb, fs, fl, str, &k))
        return add_string(tree, hf, tvb, k, (gint)strlen(str), str);
    return add_generated_string(tree, hf, tvb, at, str);
}

static proto_item *
build_message(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, gint start, gint len,
              const smtpx_record_t *rec, const smtpx_message_event_t *m, GString *summary,
              proto_item **verdict_item)
{
    proto_item *ti, *pi, *fi;
    proto_tree *mt, *at, *vt, *ft;
    const smtpx_verdict_t *v = m->verdict;
    const smtpx_author_verdict_t *av;
    const GPtrArray *dkim_results;
    const char *tag;
    gint fs = start, fl = 0;
    gboolean have_from = FALSE;
    guint i;

    mt = proto_tree_add_subtree(tree, tvb, start, len, smtpx_ett.message, &ti,
                                "Message header section (ends in this frame)");
    if (!v)
        return ti;
    /* The From field's bytes when they are in this tvb (the header section
     * in one segment, or reassembled); else the values are unfolded and
     * decoded from earlier frames and the items generated. */
    if (v->from_field && start + len > (gint)rec->base)
        have_from = find_field(tvb, (gint)rec->base, start + len, "From:", &fs, &fl);
    if (v->from_field) {
        if (have_from)
            pi = add_string(mt, smtpx_hf.msg_from, tvb, fs, fl, v->from_field);
        else
            pi = add_generated_string(mt, smtpx_hf.msg_from, tvb, start, v->from_field);
        (void)pi;
    }
    for (i = 0; v->authors && v->authors->mailboxes && i < v->authors->mailboxes->len; i++) {
        const smtpx_mailbox_t *mb =
            (const smtpx_mailbox_t *)g_ptr_array_index(v->authors->mailboxes, i);
        gint as_, ds_;
        if (have_from && find_bytes(tvb, fs, fl, mb->address, &as_)) {
            /* The mailbox as RFC 5322 3.4 has it: display name and address,
             * so that the display name lies inside its parent item. */
            gint ms = as_, me = as_ + (gint)strlen(mb->address);
            if (mb->display_name && find_bytes(tvb, fs, as_ - fs, mb->display_name, &ds_)) {
                ms = ds_;
                if (ms > fs && tvb_get_guint8(tvb, ms - 1) == '"')
                    ms--;       /* a quoted display name: from its quote */
            }
            pi = proto_tree_add_string(mt, smtpx_hf.msg_from_address, tvb, ms, me - ms,
                                       mb->address);
        } else {
            pi = add_generated_string(mt, smtpx_hf.msg_from_address, tvb, start, mb->address);
        }
        at = proto_item_add_subtree(pi, smtpx_ett.author);
        if (mb->display_name)
            add_msg_string(at, smtpx_hf.msg_from_display_name, tvb, have_from, fs, fl, start,
                           mb->display_name);
        if (mb->domain)
            add_msg_string(at, smtpx_hf.msg_from_domain, tvb, have_from, fs, fl, start,
                           mb->domain);
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
    ft = proto_tree_add_subtree(mt, tvb, start, len, smtpx_ett.verdict, NULL, "From authenticity");
    /* DKIM: the verdict with the signatures checked. */
    av = smtpx_dkim_glue_verdict(pinfo, m, FALSE, &dkim_results);
    vt = build_verdict(ft, pinfo, tvb, start, len, v, TRUE, av, &fi);
    *verdict_item = fi;
    tag = smtpx_dkim_glue_tree(vt, mt, tvb, pinfo, start, len,
                               start + len > (gint)rec->base ? (gint)rec->base : -1,
                               m, av, dkim_results, fi, TRUE,
                               &smtpx_ei[SMTPX_ANOM_FORGED_FROM]);
    if (tag && smtpx_pref_info_tags)
        col_append_fstr(pinfo->cinfo, COL_INFO, " [%s]", tag);
    if (summary) {
        g_string_append(summary, summary->len ? "; " : "");
        verdict_summary(summary, v, av);
    }
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
build_txn(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, const smtpx_event_t *ev,
          GString *summary)
{
    const smtpx_txn_event_t *t = ev->txn;
    gboolean from_server = ev->dir == SMTPX_DIR_SERVER;
    proto_item *ti, *pi;
    proto_tree *tt;
    guint i;

    GString *label = g_string_new(NULL);

    g_string_printf(label, "Mail transaction %u", t->number);
    if (t->message && t->message->verdict) {
        const smtpx_author_verdict_t *av0 =
            smtpx_dkim_glue_verdict(pinfo, t->message, TRUE, NULL);
        g_string_append(label, ": ");
        verdict_summary(label, t->message->verdict, av0);
    } else if (!t->message) {
        g_string_append(label, ": no message");
    }
    ti = proto_tree_add_uint_format(tree, smtpx_hf.txn, tvb, 0, 0, t->number, "%s", label->str);
    proto_item_set_generated(ti);
    if (summary)
        g_string_append_printf(summary, "%s%s", summary->len ? "; " : "", label->str);
    g_string_free(label, TRUE);
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
        vt = build_verdict(tt, pinfo, tvb, 0, 0, v, TRUE, av, &fi);
        tag = smtpx_dkim_glue_tree(vt, NULL, tvb, pinfo, 0, 0, -1, t->message, av, dkim_results,
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
    /* Links to the frames of the transaction, in a subtree of their own:
     * the summary subtree is the record batch reports read whole. */
    if (t->first_frame || (t->message && t->message->end_frame)) {
        proto_tree *lt = proto_tree_add_subtree_format(tree, tvb, 0, 0, smtpx_ett.links, &pi,
                                                       "Frames of mail transaction %u", t->number);
        proto_item_set_generated(pi);
        if (t->first_frame) {
            pi = proto_tree_add_uint(lt, smtpx_hf.txn_mail_frame, tvb, 0, 0, t->first_frame);
            proto_item_set_generated(pi);
        }
        if (t->rcpt_frame) {
            pi = proto_tree_add_uint(lt, smtpx_hf.txn_rcpt_frame, tvb, 0, 0, t->rcpt_frame);
            proto_item_set_generated(pi);
        }
        if (t->data_frame) {
            pi = proto_tree_add_uint(lt, smtpx_hf.txn_data_frame, tvb, 0, 0, t->data_frame);
            proto_item_set_generated(pi);
        }
        if (t->message && t->message->end_frame) {
            pi = proto_tree_add_uint(lt, smtpx_hf.txn_end_frame, tvb, 0, 0,
                                     t->message->end_frame);
            proto_item_set_generated(pi);
        }
        if (t->message && t->message->verdict_frame) {
            pi = proto_tree_add_uint(lt, smtpx_hf.msg_verdict_frame, tvb, 0, 0,
                                     t->message->verdict_frame);
            proto_item_set_generated(pi);
        }
    }
    return ti;
}

/*
 * A DATA frame that carries the From field of a message whose header section
 * ends in another frame: the From field where the analyst looks, on the
 * field's bytes, with the verdict once it is known (later passes, or the
 * first when it ended earlier) and a link to the frame of the verdict.  The
 * verdict's own items, its expert info and the smtpx.from.* filters stay
 * in that frame, so single-pass and later passes filter the same frames;
 * smtpx.msg.from_forged (colouring) is the one field this adds.  On the
 * first pass, before the header section ends, the field is shown as
 * awaiting its verdict.
 */
static void
add_from_here(proto_tree *st, packet_info *pinfo, tvbuff_t *tvb, gint start, gint len,
              const smtpx_message_event_t *m, GString *summary)
{
    const smtpx_author_verdict_t *av;
    proto_tree *ft;
    proto_item *pi;
    GString *words;
    gint fs, fl;
    const char *shown;

    if (!m || len <= 0 || m->verdict_frame == pinfo->num)
        return;
    /* Header bytes only: before the frame where the header section ended
     * (later passes), or while it has not ended yet (first pass). */
    if (m->verdict_frame ? pinfo->num > m->verdict_frame : PINFO_FD_VISITED(pinfo))
        return;
    if (!find_field(tvb, start, start + len, "From:", &fs, &fl))
        return;
    /* The field body: unfolded and whole once judged (it may continue in
     * the next segment), else as far as this frame has it. */
    if (m->verdict && m->verdict->from_field) {
        shown = m->verdict->from_field;
    } else {
        shown = tvb_format_text(SMTPX_PACKET_POOL(pinfo), tvb, fs + 5, fl - 5);
        while (*shown == ' ' || *shown == '\t')
            shown++;
    }
    ft = proto_tree_add_subtree_format(st, tvb, fs, fl, smtpx_ett.message, NULL,
                                       "From field: %s", show_value(shown));
    if (m->verdict_frame && !m->verdict) {
        /* Judged without a verdict (header octets lost): the link only. */
        pi = proto_tree_add_uint(ft, smtpx_hf.msg_verdict_frame, tvb, fs, 0, m->verdict_frame);
        proto_item_set_generated(pi);
        return;
    }
    if (!m->verdict_frame) {
        (void)proto_tree_add_subtree(ft, tvb, fs, 0, smtpx_ett.verdict, &pi,
                                     "Verdict at the end of the header section (a later frame)");
        proto_item_set_generated(pi);
        if (summary)
            g_string_append_printf(summary, "%sFrom field (verdict at the end of the header "
                                   "section)", summary->len ? "; " : "");
        return;
    }
    av = smtpx_dkim_glue_verdict(pinfo, m, FALSE, NULL);
    words = g_string_new(NULL);
    verdict_summary(words, m->verdict, av);
    if (av) {
        pi = proto_tree_add_boolean_format(ft, smtpx_hf.msg_from_forged, tvb, fs, 0, av->forged,
                                           "%s", words->str);
    } else {
        (void)proto_tree_add_subtree(ft, tvb, fs, 0, smtpx_ett.verdict, &pi, words->str);
    }
    proto_item_set_generated(pi);
    pi = proto_tree_add_uint(ft, smtpx_hf.msg_verdict_frame, tvb, fs, 0, m->verdict_frame);
    proto_item_set_generated(pi);
    if (summary)
        g_string_append_printf(summary, "%s%s, verdict in frame %u", summary->len ? "; " : "",
                               words->str, m->verdict_frame);
    if (av && av->forged && smtpx_pref_info_tags)
        col_append_str(pinfo->cinfo, COL_INFO, av->state == SMTPX_AUTHOR_UNVERIFIED ?
                       " [unverified From]" : " [forged From]");
    g_string_free(words, TRUE);
}

/* The item of one event (NULL: the event has none of its own); summary
 * gets the words for the root item. */
static proto_item *
build_event(proto_tree *st, packet_info *pinfo, tvbuff_t *tvb, const smtpx_record_t *rec,
            guint idx, gint start, gint len, GString *summary, proto_item **verdict_item)
{
    const smtpx_event_t *ev = rec->events[idx];
    const guint8 *raw = event_bytes(tvb, rec, idx, start, len);
    proto_item *item;

    switch (ev->kind) {
    case SMTPX_EV_COMMAND:
        return build_command(st, tvb, start, len, ev->command, raw);
    case SMTPX_EV_REPLY:
        return build_reply(st, pinfo, tvb, start, len, ev->reply, raw, summary);
    case SMTPX_EV_AUTH_LINE:
        return proto_tree_add_item(st, smtpx_hf.sasl, tvb, start, len, ENC_NA);
    case SMTPX_EV_DATA:
        item = proto_tree_add_uint(st, smtpx_hf.data_length, tvb, start, len, (guint32)ev->length);
        add_from_here(st, pinfo, tvb, start, len, ev->message, summary);
        return item;
    case SMTPX_EV_MESSAGE:
        return build_message(st, pinfo, tvb, start, len, rec, ev->message, summary,
                             verdict_item);
    case SMTPX_EV_END_OF_DATA:
        if (ev->message) {
            /* Counted over the whole message: generated, on the end line. */
            item = proto_tree_add_uint64(st, smtpx_hf.msg_size, tvb, start, len, ev->message->size);
            proto_item_set_generated(item);
            if (summary && ev->message->verdict && !strstr(summary->str, "From ")) {
                g_string_append_printf(summary, "%sEnd of data, %" G_GUINT64_FORMAT " bytes: ",
                                       summary->len ? "; " : "", ev->message->size);
                verdict_summary(summary, ev->message->verdict,
                                smtpx_dkim_glue_verdict(pinfo, ev->message, FALSE, NULL));
            }
            return item;
        }
        (void)proto_tree_add_subtree(st, tvb, start, len, smtpx_ett.message, &item,
                                     "End of data (start of the message not captured)");
        return item;
    case SMTPX_EV_TXN:
        item = build_txn(st, pinfo, tvb, ev, summary);
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
    if (!tree_wanted(tree))
        tree = NULL;    /* every item would be faked: the no-tree path */
    if (tree) {
        ti = proto_tree_add_item(tree, proto_smtpx, tvb, 0, -1, ENC_NA);
        st = proto_item_add_subtree(ti, smtpx_ett.smtpx);
    }
    summary = g_string_new(NULL);
    for (i = 0; i < rec->n_events; i++) {
        const smtpx_event_t *ev = rec->events[i];
        proto_item *item, *verdict_item = NULL;
        gint start, len;

        event_span(tvb, rec, i, &start, &len);
        if (ev->kind == SMTPX_EV_COMMAND && !ev->command->injected)
            n_cmds++;
        item = build_event(st, pinfo, tvb, rec, i, start, len, tree ? summary : NULL,
                           &verdict_item);
        add_anomalies(pinfo, tvb, start, item ? item : ti, verdict_item, ev, &tags);
    }
    if (tree && rec->starttls) {
        proto_item *pi;
        (void)proto_tree_add_subtree(st, tvb, 0, 0, smtpx_ett.smtpx, &pi,
                                     "TLS begins after this reply (STARTTLS accepted, RFC 3207)");
        proto_item_set_generated(pi);
        g_string_append_printf(summary, "%sTLS begins", summary->len ? "; " : "");
    }
    /* The root item says what the frame shows (as HTTP and TLS do). */
    if (ti && summary->len) {
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
    g_string_free(summary, TRUE);
    add_info(pinfo, rec, n_cmds, tags);
}
