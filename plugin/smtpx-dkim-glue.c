/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-dkim-glue.c - DKIM verification in the epan glue (issue 8).
 *
 * Keys come, in this order, from (a) DNS answers for
 * selector._domainkey.domain in the same capture, before or after the
 * message, NXDOMAIN meaning "no key"; (b) the key file named by the
 * preference smtpx.dkim_keys; otherwise the result is nokey.
 *
 * How DNS answers are found without cost outside SMTP (DESIGN.md,
 * Invariants): SMTPX registers nothing on DNS at start-up.  The first time
 * the SMTPX dissector runs in a file, the glue puts a thin wrapper in front
 * of whatever dissector udp.port 53 and tcp.port 53 hold (the built-in DNS
 * dissector, normally): the wrapper calls it unchanged, then reads the DNS
 * message itself with glibc's resolver parser (ns_initparse/ns_parserr)
 * only when it is a response whose question name holds "._domainkey.",
 * and stores the TXT strings (or NXDOMAIN) with the frame number.  No tap,
 * no protocol tree and no field is asked for, so tshark's speed on DNS is
 * unchanged, and a capture without SMTP never gets the wrapper.  The
 * wrapper is removed again when the file is closed.  A DNS tap was not
 * taken because DNS's tap data carries no TXT strings, and a filtering tap
 * forces a protocol tree on every frame.  The price: on the first pass, a
 * DNS answer that comes before the capture's first SMTP frame is only seen
 * on later passes (tshark -2, the GUI); answers during or after the SMTP
 * session, such as the receiving MTA's own lookup between the end of data
 * and its final reply, are seen on the first pass.  DNS over TCP is read
 * when one segment holds one whole DNS message; DNS on other ports is not
 * read.
 *
 * When the verdict is shown: on the first pass, in the message frame when
 * DKIM cannot change it or the message ended there, else in the frame of
 * the final reply (smtpx.txn) with the keys seen by then; on later passes
 * everywhere with every key of the capture.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <string.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>

#include "ws_compat.h"
#include "packet-smtpx.h"
#include "smtpx-dkim-glue.h"

static int proto_smtpx_dkim = -1;    /* the smtpx protocol */

static int hf_from_verdict = -1;
static int hf_from_dkim_verified = -1;
static int hf_dkim = -1;
static int hf_dkim_domain = -1;
static int hf_dkim_selector = -1;
static int hf_dkim_algorithm = -1;
static int hf_dkim_result = -1;
static int hf_dkim_reason = -1;
static int hf_dkim_key_source = -1;
static int hf_dkim_key_frame = -1;
static int hf_dkim_body_length_limited = -1;
static int hf_dkim_aligned = -1;
static int hf_authres = -1;
static int hf_authres_arc = -1;
static int hf_authres_authserv_id = -1;
static int hf_authres_method = -1;
static int hf_authres_result = -1;
static int hf_authres_property = -1;

static int ett_dkim = -1;
static int ett_authres = -1;
static int ett_authres_entry = -1;


static const char *pref_keys_file = "";

/* File-scope state, freed by cleanup(). */
static smtpx_dkim_keys_t *keys;
static GHashTable *msgs;             /* message event -> gmsg_t */
/* First pass (issue 10): messages whose final reply frame asked for the
 * verdict, and that frame.  Their entries are dropped at the first call
 * from another frame: the first pass asks no more, later passes evaluate
 * again (visited differs), so nothing per finished message stays. */
static GPtrArray *done_msgs;         /* smtpx_message_event_t *, borrowed */
static guint32 done_frame;

typedef struct {
    gboolean valid;
    guint    gen;                    /* key store generation it used */
    gboolean ended;
    gboolean visited;
    gboolean pending_at_message;     /* first pass: not decided in the
                                        message frame */
    gboolean done;                   /* in done_msgs */
    GPtrArray *results;
    smtpx_author_verdict_t *av;
} gmsg_t;

static void
gmsg_free(gpointer p)
{
    gmsg_t *g = (gmsg_t *)p;

    if (g->results)
        g_ptr_array_unref(g->results);
    smtpx_author_verdict_free(g->av);
    g_free(g);
}

/* ---- keys ---------------------------------------------------------------- */

static smtpx_dkim_keys_t *
key_store(void)
{
    if (!keys) {
        keys = smtpx_dkim_keys_new();
        if (pref_keys_file && *pref_keys_file) {
            char *err = NULL;

            if (smtpx_dkim_keys_load_file(keys, pref_keys_file, &err) < 0) {
                ws_warning("SMTPX: DKIM key file %s: %s", pref_keys_file, err);
                g_free(err);
            }
        }
    }
    return keys;
}

/* ---- DNS answers --------------------------------------------------------- */

static dissector_handle_t dns_udp_orig, dns_tcp_orig;
static dissector_handle_t dns_udp_wrap, dns_tcp_wrap;
static gboolean watching;

/* Reads one DNS message (RFC 1035 4.1) for DKIM key answers. */
static void
read_dns(const guint8 *msg, int len, guint32 frame)
{
    ns_msg h;
    ns_rr rr;
    char qname[NS_MAXDNAME];
    int i, n;

    if (len < NS_HFIXEDSZ || ns_initparse(msg, len, &h) < 0)
        return;
    if (!ns_msg_getflag(h, ns_f_qr) || ns_msg_count(h, ns_s_qd) != 1)
        return;
    if (ns_parserr(&h, ns_s_qd, 0, &rr) < 0 || ns_rr_type(rr) != ns_t_txt)
        return;
    g_strlcpy(qname, ns_rr_name(rr), sizeof qname);
    if (!strstr(qname, "._domainkey.") && g_ascii_strncasecmp(qname, "_domainkey.", 11) != 0) {
        char *l = g_ascii_strdown(qname, -1);
        gboolean dk = strstr(l, "._domainkey.") != NULL;

        g_free(l);
        if (!dk)
            return;
    }
    if (ns_msg_getflag(h, ns_f_rcode) == ns_r_nxdomain) {
        smtpx_dkim_keys_add(key_store(), qname, SMTPX_DKIM_SRC_CAPTURE, frame, NULL, 0, TRUE);
        return;
    }
    if (ns_msg_getflag(h, ns_f_rcode) != ns_r_noerror)
        return;
    n = ns_msg_count(h, ns_s_an);
    for (i = 0; i < n && i < 64; i++) {
        const guint8 *rd;
        int rl, k = 0;
        GByteArray *txt;

        if (ns_parserr(&h, ns_s_an, i, &rr) < 0)
            break;
        if (ns_rr_type(rr) != ns_t_txt)
            continue;               /* CNAMEs of the chain */
        rd = ns_rr_rdata(rr);
        rl = ns_rr_rdlen(rr);
        txt = g_byte_array_new();
        /* character-strings, concatenated (RFC 6376 3.6.2.2) */
        while (k < rl) {
            int sl = rd[k];

            if (k + 1 + sl > rl)
                break;
            g_byte_array_append(txt, rd + k + 1, (guint)sl);
            k += 1 + sl;
        }
        /* The answer belongs to the question, also through a CNAME. */
        smtpx_dkim_keys_add(key_store(), qname, SMTPX_DKIM_SRC_CAPTURE, frame,
                            txt->data, txt->len, FALSE);
        g_byte_array_free(txt, TRUE);
    }
}

static int
dissect_dns_udp_wrap(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    int r = dns_udp_orig ? call_dissector_with_data(dns_udp_orig, tvb, pinfo, tree, data) : 0;
    guint len = tvb_captured_length(tvb);

    if (len >= NS_HFIXEDSZ && len <= 65535)
        read_dns(tvb_get_ptr(tvb, 0, (gint)len), (int)len, pinfo->num);
    return r;
}

static int
dissect_dns_tcp_wrap(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    int r = dns_tcp_orig ? call_dissector_with_data(dns_tcp_orig, tvb, pinfo, tree, data) : 0;
    guint len = tvb_captured_length(tvb);

    /* One whole length-prefixed message in this segment (RFC 1035 4.2.2). */
    if (len >= 2 + NS_HFIXEDSZ && tvb_get_ntohs(tvb, 0) == len - 2)
        read_dns(tvb_get_ptr(tvb, 2, (gint)(len - 2)), (int)(len - 2), pinfo->num);
    return r;
}

void
smtpx_dkim_glue_seen_smtp(void)
{
    dissector_table_t udp, tcp;

    if (watching)
        return;
    watching = TRUE;
    udp = find_dissector_table("udp.port");
    tcp = find_dissector_table("tcp.port");
    dns_udp_orig = udp ? dissector_get_uint_handle(udp, 53) : NULL;
    dns_tcp_orig = tcp ? dissector_get_uint_handle(tcp, 53) : NULL;
    if (dns_udp_orig)
        dissector_change_uint("udp.port", 53, dns_udp_wrap);
    if (dns_tcp_orig)
        dissector_change_uint("tcp.port", 53, dns_tcp_wrap);
}

static void
cleanup(void)
{
    if (watching) {
        if (dns_udp_orig)
            dissector_change_uint("udp.port", 53, dns_udp_orig);
        if (dns_tcp_orig)
            dissector_change_uint("tcp.port", 53, dns_tcp_orig);
        dns_udp_orig = dns_tcp_orig = NULL;
        watching = FALSE;
    }
    if (msgs) {
        g_hash_table_destroy(msgs);
        msgs = NULL;
    }
    if (done_msgs) {
        g_ptr_array_free(done_msgs, TRUE);
        done_msgs = NULL;
    }
    smtpx_dkim_keys_free(keys);
    keys = NULL;
}

/* ---- the verdict ----------------------------------------------------------- */

/* Drops the entries of done_msgs once a call comes from a frame other than
 * the one that put them there (that frame's dissection has ended). */
static void
drop_done(const packet_info *pinfo)
{
    guint i;

    if (!done_msgs || done_msgs->len == 0 || pinfo->num == done_frame)
        return;
    for (i = 0; msgs && i < done_msgs->len; i++)
        g_hash_table_remove(msgs, g_ptr_array_index(done_msgs, i));
    g_ptr_array_set_size(done_msgs, 0);
}

const smtpx_author_verdict_t *
smtpx_dkim_glue_verdict(packet_info *pinfo, const smtpx_message_event_t *m,
                        gboolean final, const GPtrArray **results)
{
    gmsg_t *g;
    guint gen;
    gboolean visited = PINFO_FD_VISITED(pinfo) ? TRUE : FALSE;
    gboolean ended;

    if (results)
        *results = NULL;
    drop_done(pinfo);
    if (!m || !m->verdict)
        return NULL;
    if (!msgs)
        msgs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, gmsg_free);
    g = (gmsg_t *)g_hash_table_lookup(msgs, m);
    if (!g) {
        g = g_new0(gmsg_t, 1);
        g_hash_table_insert(msgs, GSIZE_TO_POINTER((gsize)m), g);
    }
    gen = smtpx_dkim_keys_generation(key_store());
    ended = smtpx_dkim_msg_ended(m->dkim);
    if (!g->valid || g->gen != gen || g->ended != ended || g->visited != visited) {
        if (g->results)
            g_ptr_array_unref(g->results);
        smtpx_author_verdict_free(g->av);
        g->results = smtpx_dkim_msg_evaluate(m->dkim, key_store());
        g->av = smtpx_dkim_author_verdict(m->verdict, g->results);
        g->valid = TRUE;
        g->gen = gen;
        g->ended = ended;
        g->visited = visited;
    }
    if (!visited && final && !g->done) {
        if (!done_msgs)
            done_msgs = g_ptr_array_new();
        g_ptr_array_add(done_msgs, GSIZE_TO_POINTER((gsize)m));
        done_frame = pinfo->num;
        g->done = TRUE;
    }
    if (results)
        *results = g->results;
    /* First pass before the final reply: the body, and the key the MTA
     * looks up between the end of data and its reply, may still back the
     * author. */
    if (!visited && !final && g->av->state == SMTPX_AUTHOR_UNVERIFIED) {
        g->pending_at_message = TRUE;
        return NULL;
    }
    return g->av;
}

static const char *
key_source_words(packet_info *pinfo, const smtpx_dkim_result_t *r)
{
    switch (r->key_source) {
    case SMTPX_DKIM_SRC_CAPTURE:
        return wmem_strdup_printf(SMTPX_PACKET_POOL(pinfo), "capture frame %u", r->key_frame);
    case SMTPX_DKIM_SRC_FILE:
        return "key file";
    case SMTPX_DKIM_SRC_NONE:
    default:
        return "none";
    }
}

static proto_item *
gen_string(proto_tree *t, int hf, tvbuff_t *tvb, gint start, gint len, const char *s)
{
    proto_item *pi = proto_tree_add_string(t, hf, tvb, start, len, s ? s : "");

    proto_item_set_generated(pi);
    return pi;
}

/* Anomaly kinds this file raised in the current frame, so that the
 * statistics count them like the session's own (packet scope). */
#define DKIM_RAISED_KEY 0x444b   /* "DK": p_get_proto_data key under proto_smtpx */

static void
note_raised(packet_info *pinfo, smtpx_anomaly_kind_t kind)
{
    wmem_array_t *a = (wmem_array_t *)p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo,
                                                       proto_smtpx, DKIM_RAISED_KEY);
    guint k = (guint)kind;

    if (!a) {
        a = wmem_array_new(SMTPX_PACKET_POOL(pinfo), sizeof(guint));
        p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, DKIM_RAISED_KEY, a);
    }
    wmem_array_append_one(a, k);
}

wmem_array_t *
smtpx_dkim_glue_raised(packet_info *pinfo)
{
    return (wmem_array_t *)p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx,
                                            DKIM_RAISED_KEY);
}

/*
 * Signature n (1-based) of a decided verdict and its result r, under the
 * verdict tree vt: on its DKIM-Signature field when that field is in this
 * tvb (the next one from *next_field, in header order, whose d= and s= are
 * the signature's), else generated over [start, start + len).  here: the
 * experts go in this frame.
 */
static void
add_signature(proto_tree *vt, tvbuff_t *tvb, packet_info *pinfo, gint start, gint len,
              gint *next_field, guint n, const smtpx_dkim_result_t *r, gboolean here)
{
    proto_item *pi;
    const smtpx_dkim_sig_t *s = r->sig;
    proto_tree *st;
    proto_item *si, *ri;
    gint fs = 0, fl = 0, ds, dl, ss, sl, as, al, os = start, ol = len;
    gboolean have = FALSE;

    /* Its DKIM-Signature field in the tvb: the next one, in header
     * order, whose d= and s= are this signature's (issue 11). */
    while (*next_field >= 0 && s->domain && s->selector &&
           smtpx_tree_find_field(tvb, *next_field, start + len, "DKIM-Signature:", &fs, &fl)) {
        *next_field = fs + fl;
        if (smtpx_tree_find_tag(tvb, fs, fl, "d", &ds, &dl) &&
            dl == (gint)strlen(s->domain) && tvb_strncaseeql(tvb, ds, s->domain, dl) == 0 &&
            smtpx_tree_find_tag(tvb, fs, fl, "s", &ss, &sl) &&
            sl == (gint)strlen(s->selector) &&
            tvb_strncaseeql(tvb, ss, s->selector, sl) == 0) {
            have = TRUE;
            break;
        }
    }
    si = proto_tree_add_uint(vt, hf_dkim, tvb, have ? fs : start, have ? fl : len, n);
    if (!have)
        proto_item_set_generated(si);
    proto_item_append_text(si, ": d=%s s=%s %s", s->domain ? s->domain : "?",
                           s->selector ? s->selector : "?",
                           smtpx_dkim_result_name(r->result));
    st = proto_item_add_subtree(si, ett_dkim);
    if (have) {
        /* As read from the field: on the tag values' bytes. */
        proto_tree_add_string(st, hf_dkim_domain, tvb, ds, dl, s->domain);
        proto_tree_add_string(st, hf_dkim_selector, tvb, ss, sl, s->selector);
        if (s->algorithm && smtpx_tree_find_tag(tvb, fs, fl, "a", &as, &al))
            proto_tree_add_string(st, hf_dkim_algorithm, tvb, as, al, s->algorithm);
        else if (s->algorithm)
            gen_string(st, hf_dkim_algorithm, tvb, fs, 0, s->algorithm);
        /* The outcome is computed: generated, at the field's start. */
        os = fs;
        ol = 0;
    } else {
        if (s->domain)
            gen_string(st, hf_dkim_domain, tvb, start, len, s->domain);
        if (s->selector)
            gen_string(st, hf_dkim_selector, tvb, start, len, s->selector);
        if (s->algorithm)
            gen_string(st, hf_dkim_algorithm, tvb, start, len, s->algorithm);
    }
    ri = gen_string(st, hf_dkim_result, tvb, os, ol, smtpx_dkim_result_name(r->result));
    gen_string(st, hf_dkim_reason, tvb, os, ol, r->reason);
    gen_string(st, hf_dkim_key_source, tvb, os, ol, key_source_words(pinfo, r));
    if (r->key_source == SMTPX_DKIM_SRC_CAPTURE) {
        pi = proto_tree_add_uint(st, hf_dkim_key_frame, tvb, os, ol, r->key_frame);
        proto_item_set_generated(pi);
    }
    if (r->body_length_limited) {
        pi = proto_tree_add_boolean(st, hf_dkim_body_length_limited, tvb, os, ol, TRUE);
        proto_item_set_generated(pi);
        if (here && r->body_beyond_l) {
            note_raised(pinfo, SMTPX_ANOM_DKIM_BODY_LENGTH);
            expert_add_info_format(pinfo, pi, &smtpx_ei[SMTPX_ANOM_DKIM_BODY_LENGTH],
                                   "DKIM d=%s: l=%" G_GUINT64_FORMAT " covers less than "
                                   "the body: text after it is not signed and may have "
                                   "been appended by anyone (RFC 6376 8.2)",
                                   s->domain ? s->domain : "?", s->l);
        }
    }
    if (r->aligned) {
        pi = proto_tree_add_boolean(st, hf_dkim_aligned, tvb, os, ol, TRUE);
        proto_item_set_generated(pi);
        if (here && r->result != SMTPX_DKIM_PASS && r->result != SMTPX_DKIM_NOKEY &&
            r->result != SMTPX_DKIM_NEUTRAL && r->result != SMTPX_DKIM_NONE) {
            note_raised(pinfo, SMTPX_ANOM_DKIM_FAIL);
            smtpx_tree_expert(pinfo, ri, tvb, os, &smtpx_ei[SMTPX_ANOM_DKIM_FAIL],
                              wmem_strdup_printf(SMTPX_PACKET_POOL(pinfo),
                                  "DKIM signature d=%s aligned with From does not hold: "
                                  "%s (%s)", s->domain, smtpx_dkim_result_name(r->result),
                                  r->reason));
        }
    }
}

/* The Authentication-Results fields of message m (RFC 8601), claims shown
 * under the message tree mt, generated over [start, start + len). */
static void
add_authres(proto_tree *mt, tvbuff_t *tvb, gint start, gint len,
            const smtpx_message_event_t *m)
{
    proto_item *pi;
    guint i;
    const GPtrArray *ars = smtpx_dkim_msg_authres(m->dkim);

    for (i = 0; ars && i < ars->len; i++) {
        const smtpx_authres_t *ar = (const smtpx_authres_t *)g_ptr_array_index(ars, i);
        proto_tree *at;
        guint j;

        pi = proto_tree_add_item(mt, hf_authres, tvb, start, len, ENC_NA);
        proto_item_set_generated(pi);
        proto_item_set_text(pi, "%sAuthentication-Results by %s (a claim: not used for "
                            "the verdict)", ar->arc ? "ARC-" : "", ar->authserv_id);
        at = proto_item_add_subtree(pi, ett_authres);
        if (ar->arc) {
            pi = proto_tree_add_boolean(at, hf_authres_arc, tvb, start, len, TRUE);
            proto_item_set_generated(pi);
        }
        gen_string(at, hf_authres_authserv_id, tvb, start, len, ar->authserv_id);
        for (j = 0; j < ar->entries->len; j++) {
            const smtpx_authres_entry_t *e =
                (const smtpx_authres_entry_t *)g_ptr_array_index(ar->entries, j);
            proto_tree *et;

            pi = gen_string(at, hf_authres_method, tvb, start, len, e->method);
            proto_item_append_text(pi, " = %s", e->result);
            et = proto_item_add_subtree(pi, ett_authres_entry);
            gen_string(et, hf_authres_result, tvb, start, len, e->result);
            if (*e->properties)
                gen_string(et, hf_authres_property, tvb, start, len, e->properties);
        }
    }
}

const char *
smtpx_dkim_glue_tree(proto_tree *vt, proto_tree *mt, tvbuff_t *tvb, packet_info *pinfo,
                     gint start, gint len, gint hdr_from, const smtpx_message_event_t *m,
                     const smtpx_author_verdict_t *av, const GPtrArray *results,
                     proto_item *verdict_item, gboolean message_frame,
                     expert_field *ei_forged)
{
    proto_item *pi;
    guint i;
    gint next_field = hdr_from;
    gmsg_t *g = msgs ? (gmsg_t *)g_hash_table_lookup(msgs, m) : NULL;
    /* Experts and the Info tag go where the verdict is decided: the
     * message frame, or the summary when it was pending there (first
     * pass only). */
    gboolean here = av && (message_frame ||
                           (!PINFO_FD_VISITED(pinfo) && g && g->pending_at_message));
    const char *tag = NULL;

    if (!m)
        return NULL;
    if (av) {
        pi = gen_string(vt, hf_from_verdict, tvb, start, len,
                        smtpx_author_state_name(av->state));
        pi = proto_tree_add_boolean(vt, hf_from_dkim_verified, tvb, start, len, av->dkim_verified);
        proto_item_set_generated(pi);
    } else {
        pi = proto_tree_add_item(vt, proto_smtpx_dkim, tvb, start, len, ENC_NA);
        proto_item_set_text(pi, "Verdict pending: the DKIM signature is checked at the end "
                                "of data (see the transaction summary)");
        proto_item_set_generated(pi);
    }
    /* While pending, the results are not final either: shown once decided. */
    for (i = 0; av && results && i < results->len; i++)
        add_signature(vt, tvb, pinfo, start, len, &next_field, i + 1,
                      (const smtpx_dkim_result_t *)g_ptr_array_index(results, i), here);
    /* The session already raised forged_from for what is forged whatever
     * DKIM says; here the cases DKIM decided. */
    if (here && av && av->forged && m->verdict && !m->verdict->forged) {
        note_raised(pinfo, SMTPX_ANOM_FORGED_FROM);
        if (ei_forged)
            /* A short message; the reasons are the verdict's
             * smtpx.from.reason items (issue 11). */
            expert_add_info_format(pinfo, verdict_item, ei_forged, "%s",
                                   smtpx_tree_forged_text(pinfo, m->verdict, av));
        tag = av->state == SMTPX_AUTHOR_UNVERIFIED ? "unverified From" : "forged From";
    }
    if (message_frame && mt)
        add_authres(mt, tvb, start, len, m);
    return tag;
}

/* ---- registration ------------------------------------------------------- */

void
smtpx_dkim_glue_register(int proto, module_t *prefs)
{
    static hf_register_info hf[] = {
        { &hf_from_verdict, { "Author verdict", "smtpx.from.verdict", FT_STRING, BASE_NONE,
          NULL, 0x0, "forged, backed (an aligned envelope, an exception or a verified "
          "aligned DKIM signature) or unverified (only a DKIM signature whose key is not "
          "in the capture or the key file claims it); see docs/verdict.md", HFILL } },
        { &hf_from_dkim_verified, { "DKIM verified", "smtpx.from.dkim_verified", FT_BOOLEAN,
          BASE_NONE, NULL, 0x0, "A DKIM signature aligned with From and signing it passed "
          "with a key from the capture or the key file", HFILL } },
        { &hf_dkim, { "DKIM signature", "smtpx.dkim", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Number of the DKIM-Signature field in the message (1 = topmost)", HFILL } },
        { &hf_dkim_domain, { "Signing domain", "smtpx.dkim.domain", FT_STRING, BASE_NONE,
          NULL, 0x0, "d= of the signature (RFC 6376 3.5), lower case", HFILL } },
        { &hf_dkim_selector, { "Selector", "smtpx.dkim.selector", FT_STRING, BASE_NONE,
          NULL, 0x0, "s= of the signature", HFILL } },
        { &hf_dkim_algorithm, { "Algorithm", "smtpx.dkim.algorithm", FT_STRING, BASE_NONE,
          NULL, 0x0, "a= of the signature as sent", HFILL } },
        { &hf_dkim_result, { "Result", "smtpx.dkim.result", FT_STRING, BASE_NONE, NULL, 0x0,
          "pass, fail, permerror, nokey, neutral, policy (RFC 8601 2.7.1 names)", HFILL } },
        { &hf_dkim_reason, { "Reason", "smtpx.dkim.reason", FT_STRING, BASE_NONE, NULL, 0x0,
          "Why the result is what it is", HFILL } },
        { &hf_dkim_key_source, { "Key source", "smtpx.dkim.key_source", FT_STRING, BASE_NONE,
          NULL, 0x0, "capture frame N, key file, or none", HFILL } },
        { &hf_dkim_key_frame, { "Key answer in frame", "smtpx.dkim.key_frame", FT_FRAMENUM,
          BASE_NONE, NULL, 0x0, "The DNS answer that gave the key (or NXDOMAIN)", HFILL } },
        { &hf_dkim_body_length_limited, { "Body length limited (l=)",
          "smtpx.dkim.body_length_limited", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The signature covers only the first l= octets of the body: text may be "
          "appended (RFC 6376 8.2)", HFILL } },
        { &hf_dkim_aligned, { "Aligned with From", "smtpx.dkim.aligned", FT_BOOLEAN,
          BASE_NONE, NULL, 0x0, "d= has the organizational domain of the author and h= "
          "signs From", HFILL } },
        { &hf_authres, { "Authentication-Results", "smtpx.authres", FT_NONE, BASE_NONE,
          NULL, 0x0, "An Authentication-Results or ARC-Authentication-Results field "
          "(RFC 8601, RFC 8617): what a server claims it found; never used for the verdict",
          HFILL } },
        { &hf_authres_arc, { "ARC", "smtpx.authres.arc", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The field is ARC-Authentication-Results", HFILL } },
        { &hf_authres_authserv_id, { "Authserv-id", "smtpx.authres.authserv_id", FT_STRING,
          BASE_NONE, NULL, 0x0, "Who wrote the results (RFC 8601 2.5)", HFILL } },
        { &hf_authres_method, { "Method", "smtpx.authres.method", FT_STRING, BASE_NONE,
          NULL, 0x0, "dkim, spf, dmarc, arc, ...", HFILL } },
        { &hf_authres_result, { "Result", "smtpx.authres.result", FT_STRING, BASE_NONE,
          NULL, 0x0, "The result the field claims", HFILL } },
        { &hf_authres_property, { "Properties", "smtpx.authres.property", FT_STRING,
          BASE_NONE, NULL, 0x0, "ptype.property=value pairs and reason=, as sent", HFILL } },
    };
    static gint *ett[] = { &ett_dkim, &ett_authres, &ett_authres_entry };

    proto_smtpx_dkim = proto;
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    prefs_register_filename_preference(prefs, "dkim_keys", "DKIM key file",
        "Keys for DKIM verification when the capture has no DNS answer for them: lines "
        "\"selector._domainkey.domain TXT-value\", the value as in a zone file or as "
        "dig +short prints it (tools/dkim-keys writes one)", &pref_keys_file, FALSE);
    register_cleanup_routine(cleanup);
    /* No protocol (-1): the wrapper adds no layer to frame.protocols, and
     * disabling SMTPX never disables DNS. */
    dns_udp_wrap = create_dissector_handle_with_name_and_description(dissect_dns_udp_wrap,
        -1, "smtpx_dns_udp", "DNS (watched by SMTPX for DKIM keys)");
    dns_tcp_wrap = create_dissector_handle_with_name_and_description(dissect_dns_tcp_wrap,
        -1, "smtpx_dns_tcp", "DNS over TCP (watched by SMTPX for DKIM keys)");
}
