/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_sig.c - the DKIM-Signature header field's tags (RFC 6376 3.5) and
 * what they must hold for the signature to be checked.  See dkim.h for the
 * contract.
 */
#include "dkim_internal.h"

const char *
smtpx_dkim_alg_name(smtpx_dkim_alg_t alg)
{
    switch (alg) {
    case SMTPX_DKIM_ALG_RSA_SHA256:     return "rsa-sha256";
    case SMTPX_DKIM_ALG_RSA_SHA1:       return "rsa-sha1";
    case SMTPX_DKIM_ALG_ED25519_SHA256: return "ed25519-sha256";
    case SMTPX_DKIM_ALG_UNKNOWN:
    default:                            return "unknown";
    }
}

static gboolean
parse_canon(const char *s, gsize n, smtpx_dkim_canon_t *c)
{
    if (n == 6 && g_ascii_strncasecmp(s, "simple", 6) == 0)
        *c = SMTPX_DKIM_CANON_SIMPLE;
    else if (n == 7 && g_ascii_strncasecmp(s, "relaxed", 7) == 0)
        *c = SMTPX_DKIM_CANON_RELAXED;
    else
        return FALSE;
    return TRUE;
}

/* The tags shown whether or not the signature can be checked: the required
 * ones present (RFC 6376 3.5; s->error names what is missing), d=, s=, a=,
 * h= (and whether it lists From), i=, q=, z=. */
static void
sig_read_tags(smtpx_dkim_sig_t *s, const GPtrArray *tags)
{
    static const char *const required[] = { "v", "a", "b", "bh", "d", "h", "s" };
    const smtpx_dkim_tag_t *t;
    guint i;

    for (i = 0; i < G_N_ELEMENTS(required); i++) {
        t = smtpx_dkim_tags_get(tags, required[i]);
        if (!t || (!*t->value && strcmp(required[i], "b") != 0)) {
            s->error = "a required tag (v, a, b, bh, d, h, s) is missing or empty";
            /* Keep what can be shown. */
        }
    }
    if ((t = smtpx_dkim_tags_get(tags, "d")) && *t->value)
        s->domain = lower_printable(t->value);
    if ((t = smtpx_dkim_tags_get(tags, "s")) && *t->value)
        s->selector = lower_printable(t->value);
    if ((t = smtpx_dkim_tags_get(tags, "a")) && *t->value) {
        s->algorithm = smtpx_printable((const guint8 *)t->value, strlen(t->value));
        if (g_ascii_strcasecmp(t->value, "rsa-sha256") == 0)
            s->alg = SMTPX_DKIM_ALG_RSA_SHA256;
        else if (g_ascii_strcasecmp(t->value, "rsa-sha1") == 0)
            s->alg = SMTPX_DKIM_ALG_RSA_SHA1;
        else if (g_ascii_strcasecmp(t->value, "ed25519-sha256") == 0)
            s->alg = SMTPX_DKIM_ALG_ED25519_SHA256;
    }
    if ((t = smtpx_dkim_tags_get(tags, "h"))) {
        gchar **names = g_strsplit(t->value, ":", -1);

        for (i = 0; names[i]; i++) {
            char *n = g_strstrip(strip_fws(names[i]));

            if (*n) {
                if (g_ascii_strcasecmp(n, "from") == 0)
                    s->signs_from = TRUE;
                g_ptr_array_add(s->signed_headers, n);
            } else {
                g_free(n);
            }
        }
        g_strfreev(names);
    }
    if ((t = smtpx_dkim_tags_get(tags, "i")))
        s->identity = smtpx_printable((const guint8 *)t->value, strlen(t->value));
    if ((t = smtpx_dkim_tags_get(tags, "q")))
        s->query = smtpx_printable((const guint8 *)t->value, strlen(t->value));
    if ((t = smtpx_dkim_tags_get(tags, "z")))
        s->copied_headers = smtpx_printable((const guint8 *)t->value, strlen(t->value));
}

/* v=, a=, h= listing From, b= and bh= decoded (RFC 6376 3.5, 5.4): NULL
 * when they are usable, else what is wrong.  All required tags are there. */
static const char *
sig_check_required(smtpx_dkim_sig_t *s, const GPtrArray *tags)
{
    const smtpx_dkim_tag_t *t;

    if (strcmp(smtpx_dkim_tags_get(tags, "v")->value, "1") != 0)
        return "v= is not 1";
    if (s->alg == SMTPX_DKIM_ALG_UNKNOWN)
        return "unsupported signing algorithm (a=)";
    if (!s->signs_from)
        return "h= does not list From (RFC 6376 5.4)";
    t = smtpx_dkim_tags_get(tags, "b");
    s->b = b64_decode(t->value, &s->b_len);
    if (!s->b || s->b_len == 0)
        return "b= is not base64";
    t = smtpx_dkim_tags_get(tags, "bh");
    s->bh = b64_decode(t->value, &s->bh_len);
    if (!s->bh || s->bh_len == 0)
        return "bh= is not base64";
    return NULL;
}

/* The optional tags c=, l=, t=, x= (RFC 6376 3.5): NULL when they are
 * usable, else what is wrong. */
static const char *
sig_check_optional(smtpx_dkim_sig_t *s, const GPtrArray *tags)
{
    const smtpx_dkim_tag_t *t;

    if ((t = smtpx_dkim_tags_get(tags, "c"))) {
        const char *slash = strchr(t->value, '/');
        gsize n1 = slash ? (gsize)(slash - t->value) : strlen(t->value);

        if (!parse_canon(t->value, n1, &s->header_canon) ||
            (slash && !parse_canon(slash + 1, strlen(slash + 1), &s->body_canon)))
            return "unknown canonicalization (c=)";
    }
    if ((t = smtpx_dkim_tags_get(tags, "l"))) {
        s->has_l = TRUE;
        if (!parse_decimal(t->value, &s->l))
            return "l= is not a decimal number";
    }
    if ((t = smtpx_dkim_tags_get(tags, "t"))) {
        s->has_t = TRUE;
        if (!parse_decimal(t->value, &s->t))
            return "t= is not a decimal number";
    }
    if ((t = smtpx_dkim_tags_get(tags, "x"))) {
        s->has_x = TRUE;
        if (!parse_decimal(t->value, &s->x))
            return "x= is not a decimal number";
        if (s->has_t && s->x < s->t)
            return "x= is before t= (RFC 6376 3.5)";
    }
    return NULL;
}

/* q= and i= (RFC 6376 3.5): NULL when they are usable, else what is
 * wrong. */
static const char *
sig_check_identity(const smtpx_dkim_sig_t *s)
{
    if (s->query && g_ascii_strncasecmp(s->query, "dns/txt", 7) != 0)
        return "unsupported query method (q=)";
    if (s->identity) {
        /* i= must be in d= or a subdomain of it (RFC 6376 3.5). */
        const char *at = strrchr(s->identity, '@');
        const char *idom = at ? at + 1 : NULL;
        gsize dl = strlen(s->domain), il = idom ? strlen(idom) : 0;

        if (!idom || il < dl ||
            g_ascii_strcasecmp(idom + il - dl, s->domain) != 0 ||
            (il > dl && idom[il - dl - 1] != '.'))
            return "i= is not in d= or a subdomain of it (RFC 6376 3.5)";
    }
    return NULL;
}

smtpx_dkim_sig_t *
smtpx_dkim_sig_parse(const guint8 *value, gsize len)
{
    smtpx_dkim_sig_t *s = smtpx_new0(smtpx_dkim_sig_t);
    const char *err = NULL;
    GPtrArray *tags = smtpx_dkim_tags_parse(value, len, &err);

    s->signed_headers = g_ptr_array_new_with_free_func(g_free);
    if (!tags) {
        s->error = err;
        return s;
    }
    sig_read_tags(s, tags);
    {
        const smtpx_dkim_tag_t *bt = smtpx_dkim_tags_get(tags, "b");

        if (bt) {
            s->has_b_span = TRUE;
            s->b_start = bt->value_start;
            s->b_end = bt->value_end;
        }
    }
    if (!s->error)
        s->error = sig_check_required(s, tags);
    if (!s->error)
        s->error = sig_check_optional(s, tags);
    if (!s->error)
        s->error = sig_check_identity(s);
    s->ok = s->error == NULL;
    g_ptr_array_unref(tags);
    return s;
}

void
smtpx_dkim_sig_free(smtpx_dkim_sig_t *s)
{
    if (!s)
        return;
    g_free(s->algorithm);
    g_free(s->domain);
    g_free(s->selector);
    g_free(s->identity);
    if (s->signed_headers)
        g_ptr_array_unref(s->signed_headers);
    g_free(s->bh);
    g_free(s->b);
    g_free(s->query);
    g_free(s->copied_headers);
    g_free(s);
}
