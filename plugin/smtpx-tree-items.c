/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-tree-items.c - the item helpers of the SMTPX tree: where an event's
 * bytes are in this tvb, string, text-line and generated items under the
 * label limit, reply lines, expert infos and Info column tags of anomalies.
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

/*
 * The bytes event i of rec covers in this tvb: none for an event of a gap
 * or of held bytes of an earlier frame; clamped to what the tvb holds, so a
 * stored result never points past the data of a later pass.
 */
void
smtpx_tree_event_span(tvbuff_t *tvb, const smtpx_record_t *rec, guint i,
                      gint *start, gint *len)
{
    const smtpx_event_t *ev = smtpx_record_events(rec)[i];
    guint avail = tvb_captured_length(tvb);
    guint64 s = (guint64)rec->base + (smtpx_record_in_tvb(rec)[i] ? ev->offset : 0);
    guint64 l = smtpx_record_in_tvb(rec)[i] ? ev->length : 0;

    if (s > avail) {
        s = avail;
        l = 0;
    } else if (s + l > avail) {
        l = avail - s;
    }
    *start = (gint)s;
    *len = (gint)l;
}

const char *
smtpx_tree_show_value(const char *v)
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

void
smtpx_tree_append_uint(GString *s, guint v)
{
    char buf[3 * sizeof v + 1];
    gsize i = sizeof buf;

    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    g_string_append_len(s, buf + i, (gssize)(sizeof buf - i));
}

/* proto_tree_add_string with a label that is never cut. */
proto_item *
smtpx_tree_add_string(proto_tree *tree, int hf, tvbuff_t *tvb, gint start,
                      gint len, const char *v)
{
    if (v && strlen(v) > SMTPX_SHOW_MAX)
        return proto_tree_add_string_format_value(tree, hf, tvb, start, len, v, "%s",
                                                  smtpx_tree_show_value(v));
    return proto_tree_add_string(tree, hf, tvb, start, len, v ? v : "");
}

proto_item *
smtpx_tree_add_generated_string(proto_tree *tree, int hf, tvbuff_t *tvb,
                                gint at, const char *s)
{
    proto_item *pi = smtpx_tree_add_string(tree, hf, tvb, at, 0, s ? s : "");
    proto_item_set_generated(pi);
    return pi;
}

/*
 * Text items under item, each under the label limit, for a long text: split
 * at "; " (the reasons' separator) and then at blanks.
 */
void
smtpx_tree_add_text_lines(proto_tree *tree, tvbuff_t *tvb, gint start,
                          gint len, const char *prefix, const char *text)
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
    smtpx_tree_add_text_lines(t, tvb, at, 0, "", text);
}


proto_item *
smtpx_tree_add_generated_boolean(proto_tree *tree, int hf, tvbuff_t *tvb,
                                 gint at, gboolean v)
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
const guint8 *
smtpx_tree_event_bytes(tvbuff_t *tvb, const smtpx_record_t *rec, guint i,
                       gint start, gint len)
{
    const smtpx_event_t *ev = smtpx_record_events(rec)[i];

    if (!smtpx_record_in_tvb(rec)[i] || ev->began_earlier || len <= 0 || (gsize)len != ev->length)
        return NULL;
    return tvb_get_ptr(tvb, start, len);
}

/* The length of a line without its CRLF (or bare LF). */
gint
smtpx_tree_line_body(const guint8 *p, gint len)
{
    if (len > 0 && p[len - 1] == '\n')
        len--;
    if (len > 0 && p[len - 1] == '\r')
        len--;
    return len;
}

/*
 * Splits a whole reply's bytes into lines (RFC 5321 4.2: each ends in CRLF);
 * n_out lines at most.  Returns the number found.
 */
guint
smtpx_tree_reply_lines(const guint8 *p, gint start, gint len, line_span_t *out,
                       guint n_out)
{
    guint n = 0;
    gint i = 0;

    while (i < len && n < n_out) {
        const guint8 *nl = (const guint8 *)memchr(p + i, '\n', (size_t)(len - i));
        gint e = nl ? (gint)(nl - p) + 1 : len;
        gint body = smtpx_tree_line_body(p + i, e - i);
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
const char *const smtpx_tree_info_tags[] = {
#define SMTPX_ANOMALY(id, name, group, severity, tag, label, summary) tag,
#include "anomalies.def"
#undef SMTPX_ANOMALY
};
G_STATIC_ASSERT(G_N_ELEMENTS(smtpx_tree_info_tags) == SMTPX_ANOM_COUNT);
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

    smtpx_tree_verdict_words(w, v, av);
    out = wmem_strdup_printf(SMTPX_PACKET_POOL(pinfo), "From %s%s%s (reasons in the verdict)",
                             av && av->state == SMTPX_AUTHOR_UNVERIFIED ? "UNVERIFIED" : "FORGED",
                             w->len ? ": " : "", w->str);
    g_string_free(w, TRUE);
    return out;
}

/* verdict_item: the verdict of a message event (smtpx.from.forged), where
 * forged_from goes with its short message; NULL for other events. */
void
smtpx_tree_add_anomalies(packet_info *pinfo, tvbuff_t *tvb, gint at,
                         proto_item *item, proto_item *verdict_item,
                         const smtpx_event_t *ev, guint32 *tags)
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
        if (smtpx_tree_info_tags[a->kind])
            *tags |= 1u << a->kind;
    }
}
