/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_verify.c - DKIM checks (RFC 6376 6.1): the stored digests of a
 * message (dkim_msg.c) against the keys of the store (dkim_keystore.c) with
 * libgcrypt (gcry_pk_verify: RSASSA-PKCS1-v1_5 for rsa-sha256/rsa-sha1,
 * PureEdDSA Ed25519 over the SHA-256 hash for ed25519-sha256, RFC 8463 3),
 * the result names, and the three-state author verdict.  See dkim.h for
 * the contract.
 */
#include "dkim_internal.h"

#include <gcrypt.h>

void
smtpx_dkim_init(void)
{
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
        gcry_check_version(NULL);
        gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
}

const char *
smtpx_dkim_result_name(smtpx_dkim_result_kind_t r)
{
    switch (r) {
    case SMTPX_DKIM_PASS:      return "pass";
    case SMTPX_DKIM_FAIL:      return "fail";
    case SMTPX_DKIM_NEUTRAL:   return "neutral";
    case SMTPX_DKIM_POLICY:    return "policy";
    case SMTPX_DKIM_TEMPERROR: return "temperror";
    case SMTPX_DKIM_PERMERROR: return "permerror";
    case SMTPX_DKIM_NOKEY:     return "nokey";
    case SMTPX_DKIM_NONE:
    default:                   return "none";
    }
}

const char *
smtpx_author_state_name(smtpx_author_state_t s)
{
    switch (s) {
    case SMTPX_AUTHOR_BACKED:     return "backed";
    case SMTPX_AUTHOR_UNVERIFIED: return "unverified";
    case SMTPX_AUTHOR_FORGED:
    default:                      return "forged";
    }
}

static void
result_free(gpointer p)
{
    smtpx_dkim_result_t *r = p;

    g_free(r->reason);
    g_free(r);
}

static void
set_result(smtpx_dkim_result_t *r, smtpx_dkim_result_kind_t k, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
set_result(smtpx_dkim_result_t *r, smtpx_dkim_result_kind_t k, const char *fmt, ...)
{
    va_list ap;

    r->result = k;
    g_free(r->reason);
    va_start(ap, fmt);
    r->reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/* gcry_pk_verify of the stored header hash; TRUE when it verifies. */
static gboolean
crypto_verify(const msig_t *s, const smtpx_dkim_key_t *key, const char **why)
{
    gcry_sexp_t pk = NULL, data = NULL, sig = NULL;
    gboolean ok = FALSE;
    gcry_error_t e;

    *why = NULL;
    if (s->sig->alg == SMTPX_DKIM_ALG_ED25519_SHA256) {
        if (key->p_len != 32) {
            *why = "the ed25519 key is not 32 octets (RFC 8463 4)";
            return FALSE;
        }
        if (s->sig->b_len != 64) {
            *why = "the ed25519 signature is not 64 octets";
            return FALSE;
        }
        e = gcry_sexp_build(&pk, NULL, "(public-key (ecc (curve Ed25519) (flags eddsa) (q %b)))",
                            (int)key->p_len, key->p);
        if (!e)
            e = gcry_sexp_build(&data, NULL, "(data (flags eddsa) (hash-algo sha512) (value %b))",
                                (int)s->hhash_len, s->hhash);
        if (!e)
            e = gcry_sexp_build(&sig, NULL, "(sig-val (eddsa (r %b) (s %b)))",
                                32, s->sig->b, 32, s->sig->b + 32);
    } else {
        const guint8 *n, *ex;
        gsize nl, el;

        if (!smtpx_dkim_rsa_der(key->p, key->p_len, &n, &nl, &ex, &el)) {
            *why = "the key's p= is not an RSA public key";
            return FALSE;
        }
        if (nl * 8 < 1024 - 7 || (nl * 8 < 1024 && n[0] < 0x80)) {
            *why = "the RSA key is shorter than 1024 bits (RFC 8301 3.2)";
            return FALSE;
        }
        e = gcry_sexp_build(&pk, NULL, "(public-key (rsa (n %b) (e %b)))",
                            (int)nl, n, (int)el, ex);
        if (!e)
            e = gcry_sexp_build(&data, NULL, "(data (flags pkcs1) (hash %s %b))",
                                s->sig->alg == SMTPX_DKIM_ALG_RSA_SHA1 ? "sha1" : "sha256",
                                (int)s->hhash_len, s->hhash);
        if (!e)
            e = gcry_sexp_build(&sig, NULL, "(sig-val (rsa (s %b)))",
                                (int)s->sig->b_len, s->sig->b);
    }
    if (e)
        *why = "the key or signature could not be used by libgcrypt";
    else
        ok = gcry_pk_verify(sig, data, pk) == 0;
    gcry_sexp_release(pk);
    gcry_sexp_release(data);
    gcry_sexp_release(sig);
    return ok;
}

static char *
source_words(const krec_t *r)
{
    if (r->src == SMTPX_DKIM_SRC_CAPTURE)
        return g_strdup_printf("the DNS answer in frame %u", r->frame);
    return g_strdup("the key file");
}

/* Tries one key record; FALSE when the record is no DKIM key at all (a
 * TXT record of something else) and the next one should be tried. */
static gboolean
try_key(const msig_t *s, const krec_t *rec, smtpx_dkim_result_t *r)
{
    smtpx_dkim_key_t *key = smtpx_dkim_key_parse(rec->txt, rec->len);
    const smtpx_dkim_sig_t *sig = s->sig;
    char *src = source_words(rec);
    const char *why;
    gboolean sha1 = sig->alg == SMTPX_DKIM_ALG_RSA_SHA1;

    r->key_source = rec->src;
    r->key_frame = rec->frame;
    if (!key->ok) {
        set_result(r, SMTPX_DKIM_PERMERROR, "key record in %s unusable: %s", src, key->error);
        goto done;
    }
    r->testing = key->testing;
    if (key->revoked) {
        set_result(r, SMTPX_DKIM_PERMERROR, "key revoked (empty p= in %s, RFC 6376 3.6.1)", src);
    } else if ((key->type == SMTPX_DKIM_KEY_ED25519) !=
               (sig->alg == SMTPX_DKIM_ALG_ED25519_SHA256) ||
               key->type == SMTPX_DKIM_KEY_OTHER) {
        set_result(r, SMTPX_DKIM_PERMERROR, "key type (k= in %s) does not fit a=%s",
                   src, smtpx_dkim_alg_name(sig->alg));
    } else if (sha1 ? !key->hash_sha1 : !key->hash_sha256) {
        set_result(r, SMTPX_DKIM_PERMERROR, "the key's h= in %s does not allow %s",
                   src, sha1 ? "sha1" : "sha256");
    } else if (!key->service_email) {
        set_result(r, SMTPX_DKIM_PERMERROR, "the key's s= in %s excludes email", src);
    } else if (key->strict && sig->identity &&
               (!strrchr(sig->identity, '@') ||
                g_ascii_strcasecmp(strrchr(sig->identity, '@') + 1, sig->domain) != 0)) {
        set_result(r, SMTPX_DKIM_PERMERROR, "the key in %s has t=s and i= is a subdomain of d=", src);
    } else if (crypto_verify(s, key, &why)) {
        if (sha1)
            set_result(r, SMTPX_DKIM_POLICY, "rsa-sha1 signature verifies with the key from %s, "
                       "but RFC 8301 forbids relying on SHA-1", src);
        else
            set_result(r, SMTPX_DKIM_PASS, "signature verified with the key from %s", src);
    } else if (why) {
        set_result(r, SMTPX_DKIM_PERMERROR, "%s (key from %s)", why, src);
    } else {
        set_result(r, SMTPX_DKIM_FAIL, "signature mismatch: the signed header fields were "
                   "changed, or the signature was not made with the key from %s", src);
    }
    if (r->testing) {
        char *t = g_strdup_printf("%s; key in testing mode (t=y): it backs nothing "
                                  "(RFC 6376 3.6.1)", r->reason);
        g_free(r->reason);
        r->reason = t;
    }
done:
    g_free(src);
    smtpx_dkim_key_free(key);
    return TRUE;
}

static gint
krec_cmp(gconstpointer a, gconstpointer b)
{
    const krec_t *x = *(krec_t *const *)a, *y = *(krec_t *const *)b;

    if (x->src != y->src)
        return x->src == SMTPX_DKIM_SRC_CAPTURE ? -1 : 1;
    return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/* What the message alone decides before any key is looked at: unusable
 * hashes, a signature that cannot be checked, a message not seen whole, l=
 * beyond the body (RFC 6376 3.4.5), the body hash (3.7, 6.1.3), x= passed
 * (3.5).  TRUE when it set r's result. */
static gboolean
check_message(const smtpx_dkim_msg_t *m, const msig_t *s, smtpx_dkim_result_t *r)
{
    const smtpx_dkim_sig_t *sig = s->sig;

    if (s->hash_error) {
        set_result(r, SMTPX_DKIM_NEUTRAL, "%s", s->hash_error);
        return TRUE;
    }
    if (!sig->ok) {
        set_result(r, SMTPX_DKIM_PERMERROR, "%s", sig->error);
        return TRUE;
    }
    if (!m->ended) {
        set_result(r, SMTPX_DKIM_NEUTRAL, "the end of the message is not seen yet");
        return TRUE;
    }
    if (!m->complete) {
        set_result(r, SMTPX_DKIM_NEUTRAL, "octets of the message are missing from the "
                   "capture: the body hash cannot be checked");
        return TRUE;
    }
    if (sig->has_l && sig->l > s->canon_len) {
        set_result(r, SMTPX_DKIM_PERMERROR, "l=%" G_GUINT64_FORMAT " is longer than the "
                   "canonicalized body (%" G_GUINT64_FORMAT " octets)", sig->l, s->canon_len);
        return TRUE;
    }
    r->body_beyond_l = sig->has_l && s->canon_len > sig->l;
    if (s->bhash_len != sig->bh_len || memcmp(s->bhash, sig->bh, s->bhash_len) != 0) {
        set_result(r, SMTPX_DKIM_FAIL, "body hash mismatch: the body was changed after "
                   "signing (bh= differs from the hash of the body seen)");
        return TRUE;
    }
    if (sig->has_x && m->time > 0 && (guint64)m->time > sig->x) {
        set_result(r, SMTPX_DKIM_FAIL, "signature expired: x=%" G_GUINT64_FORMAT
                   " is before the capture time of the message", sig->x);
        return TRUE;
    }
    return FALSE;
}

/* Tries the key records cand (sorted by krec_cmp) of the key name: the
 * capture's own answers come first (the key file only when the capture has
 * none); the first DKIM key record that passes wins, else the first DKIM
 * key record's result.  r keeps SMTPX_DKIM_NONE when none is a key. */
static void
try_records(const msig_t *s, const char *name, const GPtrArray *cand,
            smtpx_dkim_result_t *r)
{
    gboolean have_capture = FALSE;
    guint i;

    for (i = 0; i < cand->len; i++)
        if (((krec_t *)g_ptr_array_index(cand, i))->src == SMTPX_DKIM_SRC_CAPTURE)
            have_capture = TRUE;
    for (i = 0; i < cand->len; i++) {
        const krec_t *rec = g_ptr_array_index(cand, i);
        smtpx_dkim_result_t tr;

        if (have_capture && rec->src != SMTPX_DKIM_SRC_CAPTURE)
            break;
        if (rec->nxdomain) {
            if (r->result == SMTPX_DKIM_NONE) {
                set_result(r, SMTPX_DKIM_PERMERROR, "no key: the DNS answer in frame %u "
                           "says %s does not exist (NXDOMAIN)", rec->frame, name);
                r->key_source = rec->src;
                r->key_frame = rec->frame;
            }
            continue;
        }
        if (!g_str_has_prefix((const char *)rec->txt, "v=DKIM1") &&
            !strstr((const char *)rec->txt, "p="))
            continue;                   /* a TXT record that is no key */
        memset(&tr, 0, sizeof tr);
        tr.body_length_limited = r->body_length_limited;
        tr.body_beyond_l = r->body_beyond_l;
        try_key(s, rec, &tr);
        if (r->result == SMTPX_DKIM_NONE || tr.result == SMTPX_DKIM_PASS) {
            g_free(r->reason);
            *r = tr;
            r->sig = s->sig;
        } else {
            g_free(tr.reason);
        }
        if (r->result == SMTPX_DKIM_PASS)
            break;
    }
}

static void
evaluate_one(const smtpx_dkim_msg_t *m, const msig_t *s, const smtpx_dkim_keys_t *keys,
             smtpx_dkim_result_t *r)
{
    const smtpx_dkim_sig_t *sig = s->sig;
    char *name;
    GPtrArray *recs, *cand;
    guint i;

    r->body_length_limited = sig->has_l;
    if (check_message(m, s, r))
        return;
    name = g_strdup_printf("%s._domainkey.%s", sig->selector, sig->domain);
    recs = keys ? g_hash_table_lookup(keys->by_name, name) : NULL;
    if (!recs || recs->len == 0) {
        set_result(r, SMTPX_DKIM_NOKEY, "no key for %s in the capture or the key file", name);
        g_free(name);
        return;
    }
    cand = g_ptr_array_new();
    for (i = 0; i < recs->len; i++)
        g_ptr_array_add(cand, g_ptr_array_index(recs, i));
    g_ptr_array_sort(cand, krec_cmp);
    try_records(s, name, cand, r);
    if (r->result == SMTPX_DKIM_NONE)
        set_result(r, SMTPX_DKIM_NOKEY, "no DKIM key record for %s in the capture or the "
                   "key file", name);
    g_ptr_array_unref(cand);
    g_free(name);
}

GPtrArray *
smtpx_dkim_msg_evaluate(const smtpx_dkim_msg_t *m, const smtpx_dkim_keys_t *keys)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(result_free);
    guint i;

    for (i = 0; m && m->sigs && i < m->sigs->len; i++) {
        const msig_t *s = g_ptr_array_index(m->sigs, i);
        smtpx_dkim_result_t *r = smtpx_new0(smtpx_dkim_result_t);

        r->sig = s->sig;
        evaluate_one(m, s, keys, r);
        r->sig = s->sig;
        if (!r->reason)
            r->reason = g_strdup("");
        g_ptr_array_add(out, r);
    }
    return out;
}

/* ---- the author verdict ------------------------------------------------------ */

smtpx_author_verdict_t *
smtpx_dkim_author_verdict(const smtpx_verdict_t *v, GPtrArray *results)
{
    smtpx_author_verdict_t *av = smtpx_new0(smtpx_author_verdict_t);
    gboolean tricks, env_backed, unverifiable = FALSE;
    GString *why = g_string_new(v && v->reasons ? v->reasons : "");
    const smtpx_dkim_result_t *best = NULL, *unv = NULL, *bad = NULL;
    guint i;

    if (!v) {
        av->state = SMTPX_AUTHOR_FORGED;
        av->forged = TRUE;
        av->reasons = smtpx_string_free_exact(why);
        return av;
    }
    tricks = v->ambiguous || v->missing || v->multiple || v->display_name_spoof ||
             v->lookalike;
    env_backed = v->exception ||
                 (v->from_domain && !v->envelope_mismatch && !v->envelope_invalid);
    for (i = 0; results && i < results->len; i++) {
        smtpx_dkim_result_t *r = g_ptr_array_index(results, i);
        const smtpx_dkim_sig_t *sig = r->sig;

        r->aligned = sig && sig->domain && sig->signs_from && v->from_domain &&
                     smtpx_domains_aligned(sig->domain, v->from_domain);
        if (!r->aligned)
            continue;
        /* A pass backs the author unless the key is in testing mode or the
         * body goes beyond l= (text the signer never signed is shown as
         * the author's: RFC 6376 8.2). */
        if (r->result == SMTPX_DKIM_PASS && !r->testing && !r->body_beyond_l) {
            if (!best)
                best = r;
        } else if (r->result == SMTPX_DKIM_NOKEY || r->result == SMTPX_DKIM_NEUTRAL ||
                   r->result == SMTPX_DKIM_TEMPERROR || r->result == SMTPX_DKIM_NONE) {
            unverifiable = TRUE;
            if (!unv)
                unv = r;
        } else if (!bad) {
            bad = r;
        }
    }
    av->dkim_verified = best != NULL;
    if (tricks)
        av->state = SMTPX_AUTHOR_FORGED;
    else if (env_backed || best)
        av->state = SMTPX_AUTHOR_BACKED;
    else if (unverifiable)
        av->state = SMTPX_AUTHOR_UNVERIFIED;
    else
        av->state = SMTPX_AUTHOR_FORGED;
    av->forged = av->state != SMTPX_AUTHOR_BACKED;
    /* The DKIM outcome in words where it decides (the envelope does not
     * back the author). */
    if (!env_backed && (best || unv || bad)) {
        const smtpx_dkim_result_t *r = best ? best : unv ? unv : bad;

        if (why->len)
            g_string_append(why, "; ");
        g_string_append_printf(why, "DKIM d=%s s=%s: %s (%s)", r->sig->domain,
                               r->sig->selector ? r->sig->selector : "",
                               smtpx_dkim_result_name(r->result), r->reason);
        if (!best && r->result == SMTPX_DKIM_PASS && r->body_beyond_l)
            g_string_append_printf(why, ", but l=%" G_GUINT64_FORMAT " leaves text after "
                                   "it unsigned: it backs nothing", r->sig->l);
        if (!best && unv)
            g_string_append(why, ": the author is unverified, not backed");
        if (!best && bad && unv != bad && unv)
            g_string_append_printf(why, "; DKIM d=%s: %s (%s)", bad->sig->domain,
                                   smtpx_dkim_result_name(bad->result), bad->reason);
    }
    av->reasons = smtpx_string_free_exact(why);
    return av;
}

void
smtpx_author_verdict_free(smtpx_author_verdict_t *av)
{
    if (!av)
        return;
    g_free(av->reasons);
    g_free(av);
}
