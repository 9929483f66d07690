/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-tree-commands.c - the items of commands and replies: command verbs,
 * paths and ESMTP parameters on their bytes, reply codes and enhanced
 * status codes (RFC 3463), EHLO capabilities in their own subtree, matching
 * and response times.
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
#include "status_registry.h"

/* ---- tree building ------------------------------------------------------ */

/*
 * The built-in SMTP dissector of 4.0 calls a segment that carries pipelined
 * commands after message data (BDAT) "DATA fragment": then the Info column
 * gets the commands SMTPX found.
 */
gboolean
smtpx_tree_info_is_data(packet_info *pinfo)
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
    pi = smtpx_tree_add_string(tree, smtpx_hf.status, tvb, s0, l0, r->status_text);
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
    pi = smtpx_tree_add_string(tree, smtpx_hf.ehlo_capabilities, tvb, cs, cl,
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
        smtpx_tree_add_string(et, smtpx_hf.ehlo_domain, tvb, s, l, e->domain);
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
            smtpx_tree_add_string(et, smtpx_hf.ehlo_capability, tvb, s, l, c->keyword);
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
                if ((k == s || SMTPX_TVB_U8(tvb, k - 1) == ' ' ||
                     SMTPX_TVB_U8(tvb, k - 1) == '=') &&
                    (k + mlen == s + l || SMTPX_TVB_U8(tvb, k + mlen) == ' ') &&
                    tvb_strncaseeql(tvb, k, m, mlen) == 0) {
                    ms = k;
                    ml = mlen;
                    break;
                }
            }
        }
        smtpx_tree_add_string(et, smtpx_hf.ehlo_auth_mechanism, tvb, ms, ml, m);
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

    while (k < s + l && SMTPX_TVB_U8(tvb, k) == ' ')
        k++;
    e = k;
    while (e < s + l && SMTPX_TVB_U8(tvb, e) != ' ')
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
 * The path of MAIL/RCPT (its mailbox, domain and ESMTP parameters) under
 * ct: on their bytes when raw (the command line) is at hand, the
 * arguments being [as, as + al) of tvb; else over the arguments.
 */
static void
add_path(proto_tree *ct, tvbuff_t *tvb, gint as, gint al, const smtpx_path_t *p,
         gboolean mail, gboolean raw)
{
    guint i;
    gint ps = as, pl = al;
    gboolean size_done = FALSE, body_done = FALSE;

    if (raw && p->path_offset + p->path_length <= (gsize)al) {
        ps = as + (gint)p->path_offset;
        pl = (gint)p->path_length;
    }
    smtpx_tree_add_string(ct, mail ? smtpx_hf.mail_from : smtpx_hf.rcpt_to, tvb, ps, pl,
                          p->mailbox ? p->mailbox : "");
    if (p->domain) {
        gint ds = ps, dl = pl, k;
        if (raw) {
            /* After the last '@' of the path (the domain as sent). */
            for (k = ps + pl - 1; k >= ps; k--)
                if (SMTPX_TVB_U8(tvb, k) == '@') {
                    ds = k + 1;
                    dl = ps + pl - ds;
                    break;
                }
        }
        smtpx_tree_add_string(ct, mail ? smtpx_hf.mail_from_domain : smtpx_hf.rcpt_to_domain,
                              tvb, ds, dl, p->domain);
    }
    for (i = 0; p->params && i < p->params->len; i++) {
        const smtpx_param_t *prm = (const smtpx_param_t *)g_ptr_array_index(p->params, i);
        gint qs = as, ql = al;
        if (raw && prm->offset + prm->length <= (gsize)al) {
            qs = as + (gint)prm->offset;
            ql = (gint)prm->length;
        }
        smtpx_tree_add_string(ct, smtpx_hf.param, tvb, qs, ql, prm->raw);
        /* The typed value on the first parameter of its keyword (the
         * first wins, command.c). */
        if (p->size_present && !size_done && strcmp(prm->keyword, "SIZE") == 0) {
            proto_tree_add_uint64(ct, smtpx_hf.param_size, tvb, qs, ql, p->size);
            size_done = TRUE;
        }
        if (p->body && !body_done && strcmp(prm->keyword, "BODY") == 0) {
            smtpx_tree_add_string(ct, smtpx_hf.param_body, tvb, qs, ql, p->body);
            body_done = TRUE;
        }
    }
    if (p->size_present && !size_done)
        proto_tree_add_uint64(ct, smtpx_hf.param_size, tvb, as, al, p->size);
    if (p->body && !body_done)
        smtpx_tree_add_string(ct, smtpx_hf.param_body, tvb, as, al, p->body);
}

/*
 * raw: the command line's bytes in the tvb (smtpx_tree_event_bytes), or NULL; then the
 * argument, path, parameters and mechanism point at their own bytes, found
 * by the core parsers (command.h: args_offset, path_offset, param offset).
 */
proto_item *
smtpx_tree_build_command(proto_tree *tree, tvbuff_t *tvb, gint start, gint len,
                         const smtpx_command_event_t *c, const guint8 *raw)
{
    proto_item *ti, *pi;
    proto_tree *ct;
    gint as = start, al = len, ws, wl;

    if (c->injected) {
        /* Sent after STARTTLS in clear: not a command of this session, but
         * what a vulnerable server would run inside TLS. */
        return proto_tree_add_string_format(tree, smtpx_hf.injected, tvb, start, len, c->verb_text,
                "Injected command (sent in clear after STARTTLS): %s%s%s", c->verb_text,
                c->args && *c->args ? " " : "", smtpx_tree_show_value(c->args ? c->args : ""));
    }
    if (raw) {
        gint body = smtpx_tree_line_body(raw, len);
        smtpx_command_t *pc = smtpx_command_parse(raw, (gsize)body);
        gint ao = (gint)MIN(pc->args_offset, (gsize)body);

        as = start + ao;
        al = body - ao;
        smtpx_command_free(pc);
    }
    ti = proto_tree_add_string_format(tree, smtpx_hf.cmd, tvb, start, len, c->verb_text,
            "Command: %s%s%s", c->verb_text, c->args && *c->args ? " " : "",
            smtpx_tree_show_value(c->args ? c->args : ""));
    ct = proto_item_add_subtree(ti, smtpx_ett.command);
    if (c->pipelined)
        smtpx_tree_add_generated_boolean(ct, smtpx_hf.cmd_pipelined, tvb, start, TRUE);
    if (c->response_frame) {
        pi = proto_tree_add_uint(ct, smtpx_hf.response_in, tvb, start, 0, c->response_frame);
        proto_item_set_generated(pi);
    }
    if (c->helo) {
        gint hs = as, hl = al;
        if (raw) {
            /* The argument without the blanks around it (session.c trims). */
            while (hl > 0 && (SMTPX_TVB_U8(tvb, hs) == ' ' || SMTPX_TVB_U8(tvb, hs) == '\t')) {
                hs++;
                hl--;
            }
            while (hl > 0 && (SMTPX_TVB_U8(tvb, hs + hl - 1) == ' ' ||
                              SMTPX_TVB_U8(tvb, hs + hl - 1) == '\t'))
                hl--;
        }
        smtpx_tree_add_string(ct, smtpx_hf.helo, tvb, hs, hl, c->helo);
    }
    if (c->path)
        add_path(ct, tvb, as, al, c->path, c->verb == SMTPX_VERB_MAIL, raw != NULL);
    if (c->auth_mechanism) {
        first_word(tvb, as, al, &ws, &wl);
        smtpx_tree_add_string(ct, smtpx_hf.auth_mechanism, tvb, raw ? ws : start, raw ? wl : len,
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
proto_item *
smtpx_tree_build_reply(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb,
                       gint start, gint len, const smtpx_reply_event_t *r,
                       const guint8 *raw, GString *summary)
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
        n_lines = smtpx_tree_reply_lines(raw, start, len, lines, n);
        if (n_lines != n || rep->n_lines != n) {
            lines = NULL;       /* the stored lines are not those bytes */
            n_lines = 0;
        }
    }
    rt = proto_tree_add_subtree_format(tree, tvb, start, len, smtpx_ett.reply, &ti,
            "Reply: %u %s%s", rep->code, smtpx_tree_show_value(first), n > 1 ? " ..." : "");
    pi = proto_tree_add_uint(rt, smtpx_hf.reply_code, tvb, lines ? lines[0].start : start,
                             lines ? MIN(3, lines[0].end - lines[0].start) : len, rep->code);
    if (r->cmd_name) {
        pi = smtpx_tree_add_string(rt, smtpx_hf.reply_cmd, tvb, start, 0, r->cmd_name);
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
        smtpx_tree_add_string(lt, smtpx_hf.reply_text, tvb, s, l,
                              (const char *)g_ptr_array_index(rep->lines, i));
    }
    if (summary && !r->injected) {
        /* "Reply 250 to EHLO: 8 capabilities", without a printf. */
        g_string_append(summary, summary->len ? "; Reply " : "Reply ");
        smtpx_tree_append_uint(summary, rep->code);
        if (to) {
            g_string_append(summary, " to ");
            g_string_append(summary, to);
        }
        if (r->ehlo && r->ehlo->capabilities) {
            g_string_append(summary, ": ");
            smtpx_tree_append_uint(summary, r->ehlo->capabilities->len);
            g_string_append(summary, " capabilities");
        }
    }
    return ti;
}

/* av: the three-state verdict with DKIM (smtpx-dkim-glue.h), NULL while
 * DKIM may still decide it; *forged_item gets the smtpx.from.forged item
 * (or the "pending" item).  Returns the verdict subtree. */
