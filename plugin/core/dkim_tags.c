/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_tags.c - DKIM tag lists (RFC 6376 3.2), DKIM-Signature tags (3.5),
 * key records (3.6.1; RFC 8463 4 for k=ed25519), key-file lines, the
 * RSA public key DER shapes, and Authentication-Results (RFC 8601 2.2).
 * See dkim.h for the contract.
 */
#include <string.h>
#include <stdio.h>

#include "dkim.h"

#define MAX_TAGS 64

static gboolean
is_fws(guint8 c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
tag_free(gpointer p)
{
    smtpx_dkim_tag_t *t = p;

    g_free(t->name);
    g_free(t->value);
    g_free(t);
}

GPtrArray *
smtpx_dkim_tags_parse(const guint8 *text, gsize len, const char **err)
{
    GPtrArray *tags = g_ptr_array_new_with_free_func(tag_free);
    gsize i = 0;
    const char *why = NULL;

    if (!text)
        len = 0;
    while (i < len) {
        gsize ns, ne, vs, ve, vend, eq_pos;
        smtpx_dkim_tag_t *t;
        guint k;

        while (i < len && is_fws(text[i]))
            i++;
        if (i == len)
            break;                      /* trailing ";" then FWS */
        ns = i;
        if (!g_ascii_isalpha(text[i])) {
            why = "tag name does not start with a letter";
            goto bad;
        }
        while (i < len && (g_ascii_isalnum(text[i]) || text[i] == '_'))
            i++;
        ne = i;
        while (i < len && is_fws(text[i]))
            i++;
        if (i == len || text[i] != '=') {
            why = "tag without \"=\"";
            goto bad;
        }
        eq_pos = i;
        i++;
        vs = i;
        while (i < len && text[i] != ';')
            i++;
        vend = i;
        ve = i;
        while (vs < ve && is_fws(text[vs]))
            vs++;
        while (ve > vs && is_fws(text[ve - 1]))
            ve--;
        for (k = 0; k < tags->len; k++) {
            const smtpx_dkim_tag_t *o = g_ptr_array_index(tags, k);

            if (strlen(o->name) == ne - ns &&
                memcmp(o->name, text + ns, ne - ns) == 0) {
                why = "a tag appears twice";
                goto bad;
            }
        }
        if (tags->len >= MAX_TAGS) {
            why = "too many tags";
            goto bad;
        }
        t = g_new0(smtpx_dkim_tag_t, 1);
        t->name = g_strndup((const char *)text + ns, ne - ns);
        t->value = g_malloc(ve - vs + 1);
        memcpy(t->value, text + vs, ve - vs);
        t->value[ve - vs] = '\0';
        t->value_start = eq_pos + 1;   /* the emptied span starts after "=" */
        t->value_end = vend;
        g_ptr_array_add(tags, t);
        if (i < len)
            i++;                        /* the ";" */
    }
    if (err)
        *err = NULL;
    return tags;
bad:
    if (err)
        *err = why;
    g_ptr_array_unref(tags);
    return NULL;
}

const smtpx_dkim_tag_t *
smtpx_dkim_tags_get(const GPtrArray *tags, const char *name)
{
    guint i;

    for (i = 0; tags && i < tags->len; i++) {
        const smtpx_dkim_tag_t *t = g_ptr_array_index(tags, i);

        if (strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

/* base64 with FWS removed (RFC 6376 2.4); NULL when not base64. */
static guint8 *
b64_decode(const char *s, gsize *out_len)
{
    GString *clean = g_string_new(NULL);
    gsize pad = 0;
    guchar *out;
    const char *p;

    for (p = s; *p; p++) {
        guint8 c = (guint8)*p;

        if (is_fws(c))
            continue;
        if (c == '=') {
            pad++;
            g_string_append_c(clean, (char)c);
            continue;
        }
        if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
            g_string_free(clean, TRUE);
            return NULL;
        }
        g_string_append_c(clean, (char)c);
    }
    if (pad > 2 || clean->len % 4 != 0) {
        g_string_free(clean, TRUE);
        return NULL;
    }
    if (clean->len == 0) {
        g_string_free(clean, TRUE);
        *out_len = 0;
        return g_malloc0(1);
    }
    out = g_base64_decode(clean->str, out_len);
    g_string_free(clean, TRUE);
    return out;
}

/* A decimal of at most 12 digits (RFC 6376 3.5 allows 12 for t=/x=, 76 for
 * l=: larger l= values are clamped, no body is that long). */
static gboolean
parse_decimal(const char *s, guint64 *out)
{
    guint64 v = 0;
    gsize n = 0;

    if (!*s)
        return FALSE;
    for (; *s; s++, n++) {
        if (!g_ascii_isdigit(*s) || n >= 76)
            return FALSE;
        if (v > (G_MAXUINT64 - 9) / 10)
            v = G_MAXUINT64;
        else
            v = v * 10 + (guint64)(*s - '0');
    }
    *out = v;
    return TRUE;
}

static char *
lower_printable(const char *s)
{
    char *l = g_ascii_strdown(s, -1);
    char *p = smtpx_printable((const guint8 *)l, strlen(l));

    g_free(l);
    return p;
}

/* Removes FWS from a copy of s. */
static char *
strip_fws(const char *s)
{
    GString *o = g_string_new(NULL);

    for (; *s; s++)
        if (!is_fws((guint8)*s))
            g_string_append_c(o, *s);
    return g_string_free(o, FALSE);
}

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

smtpx_dkim_sig_t *
smtpx_dkim_sig_parse(const guint8 *value, gsize len)
{
    smtpx_dkim_sig_t *s = g_new0(smtpx_dkim_sig_t, 1);
    const char *err = NULL;
    GPtrArray *tags = smtpx_dkim_tags_parse(value, len, &err);
    const smtpx_dkim_tag_t *t;
    static const char *const required[] = { "v", "a", "b", "bh", "d", "h", "s" };
    guint i;

    s->signed_headers = g_ptr_array_new_with_free_func(g_free);
    if (!tags) {
        s->error = err;
        return s;
    }
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
    if (s->error)
        goto out;

    if (strcmp(smtpx_dkim_tags_get(tags, "v")->value, "1") != 0) {
        s->error = "v= is not 1";
        goto out;
    }
    if (s->alg == SMTPX_DKIM_ALG_UNKNOWN) {
        s->error = "unsupported signing algorithm (a=)";
        goto out;
    }
    if (!s->signs_from) {
        s->error = "h= does not list From (RFC 6376 5.4)";
        goto out;
    }
    t = smtpx_dkim_tags_get(tags, "b");
    s->b = b64_decode(t->value, &s->b_len);
    if (!s->b || s->b_len == 0) {
        s->error = "b= is not base64";
        goto out;
    }
    t = smtpx_dkim_tags_get(tags, "bh");
    s->bh = b64_decode(t->value, &s->bh_len);
    if (!s->bh || s->bh_len == 0) {
        s->error = "bh= is not base64";
        goto out;
    }
    if ((t = smtpx_dkim_tags_get(tags, "c"))) {
        const char *slash = strchr(t->value, '/');
        gsize n1 = slash ? (gsize)(slash - t->value) : strlen(t->value);

        if (!parse_canon(t->value, n1, &s->header_canon) ||
            (slash && !parse_canon(slash + 1, strlen(slash + 1), &s->body_canon))) {
            s->error = "unknown canonicalization (c=)";
            goto out;
        }
    }
    if ((t = smtpx_dkim_tags_get(tags, "l"))) {
        s->has_l = TRUE;
        if (!parse_decimal(t->value, &s->l)) {
            s->error = "l= is not a decimal number";
            goto out;
        }
    }
    if ((t = smtpx_dkim_tags_get(tags, "t"))) {
        s->has_t = TRUE;
        if (!parse_decimal(t->value, &s->t)) {
            s->error = "t= is not a decimal number";
            goto out;
        }
    }
    if ((t = smtpx_dkim_tags_get(tags, "x"))) {
        s->has_x = TRUE;
        if (!parse_decimal(t->value, &s->x)) {
            s->error = "x= is not a decimal number";
            goto out;
        }
        if (s->has_t && s->x < s->t) {
            s->error = "x= is before t= (RFC 6376 3.5)";
            goto out;
        }
    }
    if (s->query && g_ascii_strncasecmp(s->query, "dns/txt", 7) != 0) {
        s->error = "unsupported query method (q=)";
        goto out;
    }
    if (s->identity) {
        /* i= must be in d= or a subdomain of it (RFC 6376 3.5). */
        const char *at = strrchr(s->identity, '@');
        const char *idom = at ? at + 1 : NULL;
        gsize dl = strlen(s->domain), il = idom ? strlen(idom) : 0;

        if (!idom || il < dl ||
            g_ascii_strcasecmp(idom + il - dl, s->domain) != 0 ||
            (il > dl && idom[il - dl - 1] != '.')) {
            s->error = "i= is not in d= or a subdomain of it (RFC 6376 3.5)";
            goto out;
        }
    }
    s->ok = TRUE;
out:
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
    g_ptr_array_unref(s->signed_headers);
    g_free(s->bh);
    g_free(s->b);
    g_free(s->query);
    g_free(s->copied_headers);
    g_free(s);
}

/* ---- key records --------------------------------------------------------- */

smtpx_dkim_key_t *
smtpx_dkim_key_parse(const guint8 *txt, gsize len)
{
    smtpx_dkim_key_t *k = g_new0(smtpx_dkim_key_t, 1);
    const char *err = NULL;
    GPtrArray *tags = smtpx_dkim_tags_parse(txt, len, &err);
    const smtpx_dkim_tag_t *t;
    guint i;

    k->hash_sha1 = k->hash_sha256 = TRUE;
    k->service_email = TRUE;
    if (!tags) {
        k->error = err ? err : "not a tag list";
        return k;
    }
    if ((t = smtpx_dkim_tags_get(tags, "v"))) {
        if (g_ptr_array_index(tags, 0) != t || strcmp(t->value, "DKIM1") != 0) {
            k->error = "v= is not DKIM1 or not the first tag (RFC 6376 3.6.1)";
            goto out;
        }
    }
    if ((t = smtpx_dkim_tags_get(tags, "h"))) {
        gchar **v = g_strsplit(t->value, ":", -1);

        k->hash_sha1 = k->hash_sha256 = FALSE;
        for (i = 0; v[i]; i++) {
            char *n = strip_fws(v[i]);

            if (g_ascii_strcasecmp(n, "sha1") == 0)
                k->hash_sha1 = TRUE;
            else if (g_ascii_strcasecmp(n, "sha256") == 0)
                k->hash_sha256 = TRUE;
            g_free(n);
        }
        g_strfreev(v);
    }
    if ((t = smtpx_dkim_tags_get(tags, "k"))) {
        if (g_ascii_strcasecmp(t->value, "rsa") == 0)
            k->type = SMTPX_DKIM_KEY_RSA;
        else if (g_ascii_strcasecmp(t->value, "ed25519") == 0)
            k->type = SMTPX_DKIM_KEY_ED25519;
        else
            k->type = SMTPX_DKIM_KEY_OTHER;
    }
    if ((t = smtpx_dkim_tags_get(tags, "s"))) {
        gchar **v = g_strsplit(t->value, ":", -1);

        k->service_email = FALSE;
        for (i = 0; v[i]; i++) {
            char *n = strip_fws(v[i]);

            if (strcmp(n, "*") == 0 || g_ascii_strcasecmp(n, "email") == 0)
                k->service_email = TRUE;
            g_free(n);
        }
        g_strfreev(v);
    }
    if ((t = smtpx_dkim_tags_get(tags, "t"))) {
        gchar **v = g_strsplit(t->value, ":", -1);

        for (i = 0; v[i]; i++) {
            char *n = strip_fws(v[i]);

            if (g_ascii_strcasecmp(n, "y") == 0)
                k->testing = TRUE;
            else if (g_ascii_strcasecmp(n, "s") == 0)
                k->strict = TRUE;
            g_free(n);
        }
        g_strfreev(v);
    }
    t = smtpx_dkim_tags_get(tags, "p");
    if (!t) {
        k->error = "no p= tag (RFC 6376 3.6.1 requires it)";
        goto out;
    }
    k->p = b64_decode(t->value, &k->p_len);
    if (!k->p) {
        k->error = "p= is not base64";
        goto out;
    }
    k->revoked = k->p_len == 0;
    k->ok = TRUE;
out:
    g_ptr_array_unref(tags);
    return k;
}

void
smtpx_dkim_key_free(smtpx_dkim_key_t *k)
{
    if (!k)
        return;
    g_free(k->p);
    g_free(k);
}

/* ---- DER (only the two RSA public key shapes) ------------------------------ */

/* Reads one TLV of tag at *pos within [0, end); sets its content span. */
static gboolean
der_tlv(const guint8 *d, gsize end, gsize *pos, guint8 tag, gsize *cs, gsize *cl)
{
    gsize p = *pos, l;

    if (p + 2 > end || d[p] != tag)
        return FALSE;
    p++;
    l = d[p++];
    if (l & 0x80) {
        guint n = l & 0x7f, i;

        if (n == 0 || n > 4 || p + n > end)
            return FALSE;
        l = 0;
        for (i = 0; i < n; i++)
            l = (l << 8) | d[p++];
    }
    if (l > end - p)
        return FALSE;
    *cs = p;
    *cl = l;
    *pos = p + l;
    return TRUE;
}

static gboolean
der_rsapublickey(const guint8 *d, gsize start, gsize end, const guint8 **n,
                 gsize *nl, const guint8 **e, gsize *el)
{
    gsize pos = start, cs, cl, p2, is, il;

    if (!der_tlv(d, end, &pos, 0x30, &cs, &cl) || pos != end)
        return FALSE;
    p2 = cs;
    if (!der_tlv(d, cs + cl, &p2, 0x02, &is, &il))
        return FALSE;
    *n = d + is;
    *nl = il;
    if (!der_tlv(d, cs + cl, &p2, 0x02, &is, &il))
        return FALSE;
    *e = d + is;
    *el = il;
    while (*nl > 1 && (*n)[0] == 0) {
        (*n)++;
        (*nl)--;
    }
    while (*el > 1 && (*e)[0] == 0) {
        (*e)++;
        (*el)--;
    }
    return *nl > 0 && *el > 0;
}

gboolean
smtpx_dkim_rsa_der(const guint8 *der, gsize len, const guint8 **n, gsize *n_len,
                   const guint8 **e, gsize *e_len)
{
    /* rsaEncryption 1.2.840.113549.1.1.1 */
    static const guint8 rsa_oid[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                      0x01, 0x01, 0x01 };
    gsize pos = 0, cs, cl, p2, as, al, p3, os, ol, bs, bl;

    if (!der || len < 2)
        return FALSE;
    if (!der_tlv(der, len, &pos, 0x30, &cs, &cl) || pos != len)
        return FALSE;
    p2 = cs;
    /* SubjectPublicKeyInfo: SEQUENCE { AlgorithmIdentifier, BIT STRING } */
    if (der_tlv(der, cs + cl, &p2, 0x30, &as, &al)) {
        p3 = as;
        if (!der_tlv(der, as + al, &p3, 0x06, &os, &ol) ||
            ol != sizeof rsa_oid || memcmp(der + os, rsa_oid, ol) != 0)
            return FALSE;
        if (!der_tlv(der, cs + cl, &p2, 0x03, &bs, &bl) || bl < 2 ||
            der[bs] != 0)
            return FALSE;
        return der_rsapublickey(der, bs + 1, bs + bl, n, n_len, e, e_len);
    }
    /* RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e } */
    return der_rsapublickey(der, 0, len, n, n_len, e, e_len);
}

/* ---- key-file lines ------------------------------------------------------- */

gboolean
smtpx_dkim_keyfile_line(const guint8 *line, gsize len, char **name,
                        guint8 **txt, gsize *txt_len)
{
    gsize i = 0, ns;
    GByteArray *out;
    gboolean quoted = FALSE;

    *name = NULL;
    *txt = NULL;
    *txt_len = 0;
    while (i < len && g_ascii_isspace(line[i]))
        i++;
    if (i == len || line[i] == ';' || line[i] == '#')
        return FALSE;
    ns = i;
    while (i < len && !g_ascii_isspace(line[i]))
        i++;
    {
        gsize ne = i;

        while (ne > ns && line[ne - 1] == '.')
            ne--;
        if (ne == ns)
            return FALSE;
        *name = g_ascii_strdown((const char *)line + ns, (gssize)(ne - ns));
        if (strlen(*name) != ne - ns) {        /* a NUL inside */
            g_free(*name);
            *name = NULL;
            return FALSE;
        }
    }
    /* Zone-file fields before the data: TTL, class, type. */
    for (;;) {
        gsize ts;

        while (i < len && g_ascii_isspace(line[i]))
            i++;
        ts = i;
        while (i < len && !g_ascii_isspace(line[i]) && line[i] != '"' &&
               line[i] != '(')
            i++;
        if (i > ts && i < len && g_ascii_isspace(line[i])) {
            gsize n = i - ts, k;
            gboolean digits = TRUE;

            for (k = ts; k < i; k++)
                if (!g_ascii_isdigit(line[k]))
                    digits = FALSE;
            if (digits ||
                (n == 2 && g_ascii_strncasecmp((const char *)line + ts, "IN", 2) == 0) ||
                (n == 3 && g_ascii_strncasecmp((const char *)line + ts, "TXT", 3) == 0))
                continue;
        }
        i = ts;
        break;
    }
    out = g_byte_array_new();
    while (i < len) {
        guint8 c = line[i];

        if (!quoted) {
            if (c == '"') {
                quoted = TRUE;
                i++;
                continue;
            }
            if (c == '(' || c == ')' || g_ascii_isspace(c)) {
                i++;
                continue;
            }
            if (c == ';')
                break;              /* zone-file comment */
            /* Unquoted text: the rest of the line as it is. */
            {
                gsize e = len;

                while (e > i && g_ascii_isspace(line[e - 1]))
                    e--;
                g_byte_array_append(out, line + i, (guint)(e - i));
                i = len;
            }
            break;
        }
        if (c == '"') {
            quoted = FALSE;
            i++;
            continue;
        }
        if (c == '\\' && i + 1 < len) {
            if (i + 3 < len && g_ascii_isdigit(line[i + 1]) &&
                g_ascii_isdigit(line[i + 2]) && g_ascii_isdigit(line[i + 3])) {
                guint v = (guint)(line[i + 1] - '0') * 100 +
                          (guint)(line[i + 2] - '0') * 10 + (guint)(line[i + 3] - '0');
                guint8 b = (guint8)(v > 255 ? 255 : v);

                g_byte_array_append(out, &b, 1);
                i += 4;
                continue;
            }
            g_byte_array_append(out, line + i + 1, 1);
            i += 2;
            continue;
        }
        g_byte_array_append(out, &c, 1);
        i++;
    }
    if (out->len == 0) {
        g_byte_array_free(out, TRUE);
        g_free(*name);
        *name = NULL;
        return FALSE;
    }
    *txt_len = out->len;
    g_byte_array_append(out, (const guint8 *)"", 1);
    *txt = g_byte_array_free(out, FALSE);
    return TRUE;
}

/* ---- Authentication-Results ---------------------------------------------- */

/* The value with comments (RFC 5322 CFWS) removed and FWS folded to SP. */
static char *
strip_comments(const guint8 *v, gsize len)
{
    GString *o = g_string_new(NULL);
    guint depth = 0;
    gboolean q = FALSE;
    gsize i;

    for (i = 0; i < len; i++) {
        guint8 c = v[i];

        if (q) {
            g_string_append_c(o, (char)c);
            if (c == '\\' && i + 1 < len)
                g_string_append_c(o, (char)v[++i]);
            else if (c == '"')
                q = FALSE;
            continue;
        }
        if (depth) {
            if (c == '\\' && i + 1 < len)
                i++;
            else if (c == '(')
                depth++;
            else if (c == ')')
                depth--;
            continue;
        }
        if (c == '(') {
            depth++;
            g_string_append_c(o, ' ');
            continue;
        }
        if (c == '"')
            q = TRUE;
        if (c == '\r' || c == '\n' || c == '\t')
            c = ' ';
        g_string_append_c(o, (char)c);
    }
    return g_string_free(o, FALSE);
}

static void
authres_entry_free(gpointer p)
{
    smtpx_authres_entry_t *e = p;

    g_free(e->method);
    g_free(e->result);
    g_free(e->properties);
    g_free(e);
}

smtpx_authres_t *
smtpx_authres_parse(const guint8 *value, gsize len, gboolean arc)
{
    smtpx_authres_t *ar = g_new0(smtpx_authres_t, 1);
    char *text = strip_comments(value, value ? len : 0);
    gchar **parts = g_strsplit(text, ";", -1);
    guint i = 0;

    ar->arc = arc;
    ar->entries = g_ptr_array_new_with_free_func(authres_entry_free);
    if (arc && parts[0] && g_str_has_prefix(g_strstrip(parts[0]), "i="))
        i = 1;
    if (parts[i]) {
        /* authserv-id [ CFWS authres-version ] */
        gchar *id = g_strstrip(parts[i]);
        gchar *sp = strpbrk(id, " ");

        if (sp)
            *sp = '\0';
        ar->authserv_id = smtpx_printable((const guint8 *)id, strlen(id));
        i++;
    } else {
        ar->authserv_id = g_strdup("");
    }
    for (; parts[i] && ar->entries->len < SMTPX_DKIM_MAX_AUTHRES; i++) {
        gchar *e = g_strstrip(parts[i]);
        gchar *eq, *sp;
        smtpx_authres_entry_t *en;
        char *m, *r, *props;

        if (!*e || g_ascii_strcasecmp(e, "none") == 0)
            continue;
        eq = strchr(e, '=');
        if (!eq)
            continue;
        *eq = '\0';
        m = g_strstrip(g_strdup(e));
        /* method may carry "/version" (RFC 8601 2.2) */
        if (strchr(m, '/'))
            *strchr(m, '/') = '\0';
        r = g_strstrip(eq + 1);
        sp = strpbrk(r, " ");
        props = sp ? g_strstrip(sp + 1) : (char *)"";
        if (sp)
            *sp = '\0';
        en = g_new0(smtpx_authres_entry_t, 1);
        {
            char *ml = g_ascii_strdown(g_strstrip(m), -1);
            char *rl = g_ascii_strdown(r, -1);

            en->method = smtpx_printable((const guint8 *)ml, strlen(ml));
            en->result = smtpx_printable((const guint8 *)rl, strlen(rl));
            g_free(ml);
            g_free(rl);
        }
        {
            /* Collapse runs of spaces in the properties. */
            GString *pp = g_string_new(NULL);
            const char *q;

            for (q = props; *q; q++)
                if (*q != ' ' || (pp->len && pp->str[pp->len - 1] != ' '))
                    g_string_append_c(pp, *q);
            en->properties = smtpx_printable((const guint8 *)pp->str, pp->len);
            g_string_free(pp, TRUE);
        }
        g_free(m);
        if (!*en->method) {
            authres_entry_free(en);
            continue;
        }
        g_ptr_array_add(ar->entries, en);
    }
    g_strfreev(parts);
    g_free(text);
    return ar;
}

void
smtpx_authres_free(smtpx_authres_t *ar)
{
    if (!ar)
        return;
    g_free(ar->authserv_id);
    g_ptr_array_unref(ar->entries);
    g_free(ar);
}
