/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-tree-message.c - the items of a message and of a transaction:
 * header fields found on their bytes (From, mailboxes, display names, DKIM
 * tags), the mail transaction summary with its links, and the verdict on
 * the frame that carries the From field.
 * See smtpx-tree.c for the whole, smtpx-tree-internal.h for what the
 * tree files share.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/address_types.h>
#include <epan/to_str.h>

#include "ws_compat.h"
#include "packet-smtpx.h"
#include "smtpx-dkim-glue.h"
#include "smtpx-tree-internal.h"

/* The first header field named name (with its colon, any case) that starts
 * a line in bytes [from, to) of tvb: *fs, *fl its span, continuation lines
 * included, without the final CRLF.  One pointer to the bytes when they are
 * all captured (the usual case), else octet by octet through the tvb. */
static gboolean
find_field_tvb(tvbuff_t *tvb, gint from, gint to, const char *name, gint *fs, gint *fl)
{
    gint nlen = (gint)strlen(name), k, e;

    for (k = from; k + nlen <= to; k++) {
        if (k > from && SMTPX_TVB_U8(tvb, k - 1) != '\n')
            continue;
        if (tvb_strncaseeql(tvb, k, name, nlen) != 0)
            continue;
        e = k;
        for (;;) {
            gint nl = SMTPX_TVB_FIND_U8(tvb, e, to - e, '\n');
            if (nl < 0) {
                e = to;
                break;
            }
            e = nl + 1;
            if (e >= to || (SMTPX_TVB_U8(tvb, e) != ' ' && SMTPX_TVB_U8(tvb, e) != '\t'))
                break;
        }
        *fs = k;
        *fl = e - k;
        if (*fl > 0 && SMTPX_TVB_U8(tvb, k + *fl - 1) == '\n')
            (*fl)--;
        if (*fl > 0 && SMTPX_TVB_U8(tvb, k + *fl - 1) == '\r')
            (*fl)--;
        return TRUE;
    }
    return FALSE;
}

static gboolean
find_field(tvbuff_t *tvb, gint from, gint to, const char *name, gint *fs, gint *fl)
{
    gint nlen = (gint)strlen(name), n, k, e;
    const guint8 *p, *nl;

    if (from < 0 || to < from || !tvb_bytes_exist(tvb, from, to - from))
        return find_field_tvb(tvb, from, to, name, fs, fl);
    n = to - from;
    p = n ? tvb_get_ptr(tvb, from, n) : NULL;
    k = 0;
    while (k + nlen <= n) {
        /* k starts a line: from itself, or just after a LF. */
        if (g_ascii_strncasecmp((const char *)p + k, name, (gsize)nlen) == 0) {
            e = k;
            for (;;) {
                nl = memchr(p + e, '\n', (size_t)(n - e));
                if (!nl) {
                    e = n;
                    break;
                }
                e = (gint)(nl - p) + 1;
                if (e >= n || (p[e] != ' ' && p[e] != '\t'))
                    break;
            }
            *fs = from + k;
            *fl = e - k;
            if (*fl > 0 && p[k + *fl - 1] == '\n')
                (*fl)--;
            if (*fl > 0 && p[k + *fl - 1] == '\r')
                (*fl)--;
            return TRUE;
        }
        nl = memchr(p + k, '\n', (size_t)(n - k));
        if (!nl)
            break;
        k = (gint)(nl - p) + 1;
    }
    return FALSE;
}

/* Where string str lies in bytes [from, from+len) of tvb (exact bytes). */
static gboolean
find_bytes(tvbuff_t *tvb, gint from, gint len, const char *str, gint *at)
{
    gint n = str ? (gint)strlen(str) : 0, k;

    if (n > 0 && from >= 0 && len >= n && tvb_bytes_exist(tvb, from, len)) {
        /* All captured: one pointer, candidates by their first octet. */
        const guint8 *p = tvb_get_ptr(tvb, from, len), *c;

        for (k = 0; k + n <= len; k = (gint)(c - p) + 1) {
            c = memchr(p + k, (guint8)str[0], (size_t)(len - n + 1 - k));
            if (!c)
                return FALSE;
            if (memcmp(c, str, (size_t)n) == 0) {
                *at = from + (gint)(c - p);
                return TRUE;
            }
        }
        return FALSE;
    }
    for (k = from; n > 0 && k + n <= from + len; k++) {
        if (tvb_memeql(tvb, k, (const guint8 *)str, n) == 0) {
            *at = k;
            return TRUE;
        }
    }
    return FALSE;
}

gboolean
smtpx_tree_find_field(tvbuff_t *tvb, gint from, gint to, const char *name,
                      gint *fs, gint *fl)
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
smtpx_tree_find_tag(tvbuff_t *tvb, gint fs, gint fl, const char *tag, gint *vs,
                    gint *vl)
{
    gint end = fs + fl, k, tlen = (gint)strlen(tag);
    gint colon = SMTPX_TVB_FIND_U8(tvb, fs, fl, ':');

    if (colon < 0)
        return FALSE;
    /* RFC 6376 3.2: tag-list = tag-spec *( ";" tag-spec ) [ ";" ],
     * tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]. */
    for (k = colon + 1; k < end; ) {
        gint ns, ne, v, ve;

        while (k < end && is_fws(SMTPX_TVB_U8(tvb, k)))
            k++;
        ns = k;
        while (k < end && SMTPX_TVB_U8(tvb, k) != '=' && SMTPX_TVB_U8(tvb, k) != ';' &&
               !is_fws(SMTPX_TVB_U8(tvb, k)))
            k++;
        ne = k;
        while (k < end && is_fws(SMTPX_TVB_U8(tvb, k)))
            k++;
        if (k >= end || SMTPX_TVB_U8(tvb, k) != '=') {
            /* No "=": skip to the next tag. */
            while (k < end && SMTPX_TVB_U8(tvb, k) != ';')
                k++;
            k++;
            continue;
        }
        k++;
        while (k < end && is_fws(SMTPX_TVB_U8(tvb, k)))
            k++;
        v = k;
        while (k < end && SMTPX_TVB_U8(tvb, k) != ';')
            k++;
        ve = k;
        while (ve > v && is_fws(SMTPX_TVB_U8(tvb, ve - 1)))
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
        return smtpx_tree_add_string(tree, hf, tvb, k, (gint)strlen(str), str);
    return smtpx_tree_add_generated_string(tree, hf, tvb, at, str);
}

proto_item *
smtpx_tree_build_message(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb,
                         gint start, gint len, const smtpx_record_t *rec,
                         const smtpx_message_event_t *m, GString *summary,
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
            pi = smtpx_tree_add_string(mt, smtpx_hf.msg_from, tvb, fs, fl, v->from_field);
        else
            pi = smtpx_tree_add_generated_string(mt, smtpx_hf.msg_from, tvb, start, v->from_field);
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
                if (ms > fs && SMTPX_TVB_U8(tvb, ms - 1) == '"')
                    ms--;       /* a quoted display name: from its quote */
            }
            pi = proto_tree_add_string(mt, smtpx_hf.msg_from_address, tvb, ms, me - ms,
                                       mb->address);
        } else {
            pi = smtpx_tree_add_generated_string(mt, smtpx_hf.msg_from_address, tvb, start, mb->address);
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
        smtpx_tree_add_generated_string(mt, smtpx_hf.msg_sender, tvb, start, v->sender);
    if (v->reply_to)
        smtpx_tree_add_generated_string(mt, smtpx_hf.msg_reply_to, tvb, start, v->reply_to);
    if (v->return_path)
        smtpx_tree_add_generated_string(mt, smtpx_hf.msg_return_path, tvb, start, v->return_path);
    for (i = 0; v->dkim_domains && i < v->dkim_domains->len; i++)
        smtpx_tree_add_generated_string(mt, smtpx_hf.msg_dkim_domain, tvb, start,
                             (const char *)g_ptr_array_index(v->dkim_domains, i));
    ft = proto_tree_add_subtree(mt, tvb, start, len, smtpx_ett.verdict, NULL, "From authenticity");
    /* DKIM: the verdict with the signatures checked. */
    av = smtpx_dkim_glue_verdict(pinfo, m, FALSE, &dkim_results);
    vt = smtpx_tree_build_verdict(ft, pinfo, tvb, start, len, v, TRUE, av, &fi);
    *verdict_item = fi;
    tag = smtpx_dkim_glue_tree(vt, mt, tvb, pinfo, start, len,
                               start + len > (gint)rec->base ? (gint)rec->base : -1,
                               m, av, dkim_results, fi, TRUE,
                               &smtpx_ei[SMTPX_ANOM_FORGED_FROM]);
    if (tag && smtpx_pref_info_tags)
        col_append_fstr(pinfo->cinfo, COL_INFO, " [%s]", tag);
    if (summary) {
        g_string_append(summary, summary->len ? "; " : "");
        smtpx_tree_verdict_summary(summary, v, av);
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

/* Links to the frames of mail transaction t, in a subtree of their own
 * under tree (the summary subtree is the record batch reports read whole):
 * MAIL, first RCPT, DATA or first BDAT, end of data, verdict. */
static void
add_txn_links(proto_tree *tree, tvbuff_t *tvb, const smtpx_txn_event_t *t)
{
    proto_item *pi;

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
}

proto_item *
smtpx_tree_build_txn(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb,
                     const smtpx_event_t *ev, GString *summary)
{
    const smtpx_txn_event_t *t = ev->txn;
    gboolean from_server = ev->dir == SMTPX_DIR_SERVER;
    proto_item *ti, *pi;
    proto_tree *tt;
    guint i;
    const char *r;

    GString *label = g_string_new(NULL);

    g_string_printf(label, "Mail transaction %u", t->number);
    if (t->message && t->message->verdict) {
        const smtpx_author_verdict_t *av0 =
            smtpx_dkim_glue_verdict(pinfo, t->message, TRUE, NULL);
        g_string_append(label, ": ");
        smtpx_tree_verdict_summary(label, t->message->verdict, av0);
    } else if (!t->message) {
        g_string_append(label, ": no message");
    }
    ti = proto_tree_add_uint_format(tree, smtpx_hf.txn, tvb, 0, 0, t->number, "%s", label->str);
    proto_item_set_generated(ti);
    if (summary) {
        if (summary->len)
            g_string_append(summary, "; ");
        g_string_append_len(summary, label->str, (gssize)label->len);
    }
    g_string_free(label, TRUE);
    tt = proto_item_add_subtree(ti, smtpx_ett.txn);
    /* The summary sits in a server frame, or in a client frame when no
     * server byte was captured. */
    if (tt) {       /* no text without a tree */
        smtpx_tree_add_generated_string(tt, smtpx_hf.txn_client, tvb, 0, endpoint_str(pinfo, !from_server));
        smtpx_tree_add_generated_string(tt, smtpx_hf.txn_server, tvb, 0, endpoint_str(pinfo, from_server));
    }
    if (t->helo)
        smtpx_tree_add_generated_string(tt, smtpx_hf.helo, tvb, 0, t->helo);
    if (t->mail_from)
        smtpx_tree_add_generated_string(tt, smtpx_hf.mail_from, tvb, 0, t->mail_from);
    for (i = 0, r = t->rcpt_to; i < t->n_rcpt; i++) {
        smtpx_tree_add_generated_string(tt, smtpx_hf.rcpt_to, tvb, 0, r);
        if (i + 1 < t->n_rcpt)
            r = smtpx_txn_rcpt_next(r);
    }
    if (t->message && t->message->verdict) {
        const smtpx_verdict_t *v = t->message->verdict;
        const GPtrArray *dkim_results;
        const smtpx_author_verdict_t *av =
            smtpx_dkim_glue_verdict(pinfo, t->message, TRUE, &dkim_results);
        proto_tree *vt;
        proto_item *fi;
        const char *tag;

        if (v->from_field)
            smtpx_tree_add_generated_string(tt, smtpx_hf.msg_from, tvb, 0, v->from_field);
        vt = smtpx_tree_build_verdict(tt, pinfo, tvb, 0, 0, v, TRUE, av, &fi);
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
        smtpx_tree_add_generated_string(tt, smtpx_hf.status, tvb, 0, t->status);
    if (t->end_reason)
        smtpx_tree_add_generated_string(tt, smtpx_hf.txn_end, tvb, 0, t->end_reason);
    smtpx_tree_add_generated_boolean(tt, smtpx_hf.txn_tls, tvb, 0, t->tls);
    smtpx_tree_add_generated_boolean(tt, smtpx_hf.txn_auth, tvb, 0, t->auth);
    add_txn_links(tree, tvb, t);
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
void
smtpx_tree_add_from_here(proto_tree *st, packet_info *pinfo, tvbuff_t *tvb,
                         gint start, gint len, const smtpx_message_event_t *m,
                         GString *summary)
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
                                       "From field: %s", smtpx_tree_show_value(shown));
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
    smtpx_tree_verdict_summary(words, m->verdict, av);
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
