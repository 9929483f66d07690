/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_key.c - DKIM key records (RFC 6376 3.6.1; RFC 8463 4 for
 * k=ed25519), the two DER shapes of an RSA public key p= may hold, and the
 * lines of a key file (zone-file TXT records).  See dkim.h for the contract.
 */
#include "dkim_internal.h"

/* h=, k=, s= and t= of a key record (RFC 6376 3.6.1; RFC 8463 4 for
 * k=ed25519): the hashes, the key type, the service types and the flags. */
static void
key_read_lists(smtpx_dkim_key_t *k, const GPtrArray *tags)
{
    const smtpx_dkim_tag_t *t;
    guint i;

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
}

smtpx_dkim_key_t *
smtpx_dkim_key_parse(const guint8 *txt, gsize len)
{
    smtpx_dkim_key_t *k = smtpx_new0(smtpx_dkim_key_t);
    const char *err = NULL;
    GPtrArray *tags = smtpx_dkim_tags_parse(txt, len, &err);
    const smtpx_dkim_tag_t *t;

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
    key_read_lists(k, tags);
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

/* The owner name at the start of a key-file line (from *i on), lower case,
 * trailing dots dropped, into *name (new string); *i after it.  FALSE for a
 * blank or comment line or a name holding NUL. */
static gboolean
keyfile_name(const guint8 *line, gsize len, gsize *i, char **name)
{
    gsize ns, ne;

    while (*i < len && g_ascii_isspace(line[*i]))
        (*i)++;
    if (*i == len || line[*i] == ';' || line[*i] == '#')
        return FALSE;
    ns = *i;
    while (*i < len && !g_ascii_isspace(line[*i]))
        (*i)++;
    ne = *i;
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
    return TRUE;
}

/* Skips the zone-file fields before the data (TTL, class IN, type TXT)
 * from i; returns where the data starts. */
static gsize
keyfile_skip_fields(const guint8 *line, gsize len, gsize i)
{
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
        return ts;
    }
}

/* The TXT data from line[i] on, appended to out: quoted character-strings
 * joined with their escapes ("\X", "\DDD") resolved (RFC 1035 5.1),
 * parentheses and white space outside quotes skipped, a ';' outside quotes
 * ending it, unquoted text taken as it is to the end of the line. */
static void
keyfile_data(const guint8 *line, gsize len, gsize i, GByteArray *out)
{
    gboolean quoted = FALSE;

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
}

gboolean
smtpx_dkim_keyfile_line(const guint8 *line, gsize len, char **name,
                        guint8 **txt, gsize *txt_len)
{
    gsize i = 0;
    GByteArray *out;

    *name = NULL;
    *txt = NULL;
    *txt_len = 0;
    if (!keyfile_name(line, len, &i, name))
        return FALSE;
    i = keyfile_skip_fields(line, len, i);
    out = g_byte_array_new();
    keyfile_data(line, len, i, out);
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
