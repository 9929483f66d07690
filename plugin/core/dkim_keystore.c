/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_keystore.c - the DKIM key store: TXT answers for key names, from the
 * capture's DNS answers or a key file, bounded in count and octets.  See
 * dkim.h for the contract.
 */
#include "dkim_internal.h"

#define MAX_KEY_RECORDS 4096
#define MAX_KEY_RECORD_BYTES 16384          /* a 16384-bit RSA key is ~2.8 KiB */
#define MAX_KEY_STORE_BYTES (4u * 1024u * 1024u)

static void
krec_free(gpointer p)
{
    krec_t *r = p;

    g_free(r->txt);
    g_free(r);
}

static void
krec_array_free(gpointer p)
{
    g_ptr_array_unref(p);
}

smtpx_dkim_keys_t *
smtpx_dkim_keys_new(void)
{
    smtpx_dkim_keys_t *k = smtpx_new0(smtpx_dkim_keys_t);

    k->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       krec_array_free);
    return k;
}

void
smtpx_dkim_keys_free(smtpx_dkim_keys_t *k)
{
    if (!k)
        return;
    g_hash_table_destroy(k->by_name);
    g_free(k);
}

static char *
key_name_norm(const char *name)
{
    gsize n = strlen(name);

    while (n > 0 && name[n - 1] == '.')
        n--;
    return g_ascii_strdown(name, (gssize)n);
}

void
smtpx_dkim_keys_add(smtpx_dkim_keys_t *k, const char *name, smtpx_dkim_src_t src,
                    guint32 frame, const guint8 *txt, gsize len, gboolean nxdomain)
{
    char *nn;
    GPtrArray *a;
    krec_t *r;
    guint i;

    if (!k || !name || k->n >= MAX_KEY_RECORDS)
        return;
    if (nxdomain || !txt)
        len = 0;
    /* Bounded: no key record is that long, and a hostile capture full of
     * long TXT answers cannot grow the store without limit. */
    if (len > MAX_KEY_RECORD_BYTES || k->bytes + len > MAX_KEY_STORE_BYTES)
        return;
    nn = key_name_norm(name);
    a = g_hash_table_lookup(k->by_name, nn);
    if (!a) {
        a = g_ptr_array_new_with_free_func(krec_free);
        g_hash_table_insert(k->by_name, nn, a);
    } else {
        g_free(nn);
    }
    for (i = 0; i < a->len; i++) {
        const krec_t *o = g_ptr_array_index(a, i);

        if (o->src == src && o->frame == frame && o->nxdomain == nxdomain &&
            o->len == len && (len == 0 || memcmp(o->txt, txt, len) == 0))
            return;
    }
    r = smtpx_new0(krec_t);
    r->src = src;
    r->frame = frame;
    r->nxdomain = nxdomain;
    r->len = len;
    r->txt = g_malloc(len + 1);
    if (len)
        memcpy(r->txt, txt, len);
    r->txt[len] = '\0';
    g_ptr_array_add(a, r);
    k->n++;
    k->bytes += len;
    k->gen++;
}

gint
smtpx_dkim_keys_load_file(smtpx_dkim_keys_t *k, const char *path, char **err)
{
    gchar *text = NULL;
    gsize len = 0, i = 0;
    GError *e = NULL;
    gint added = 0;

    if (!g_file_get_contents(path, &text, &len, &e)) {
        if (err)
            *err = g_strdup(e->message);
        g_error_free(e);
        return -1;
    }
    while (i < len) {
        gsize s = i, l;
        char *name;
        guint8 *txt;
        gsize tl;

        while (i < len && text[i] != '\n')
            i++;
        l = i - s;
        if (l && text[s + l - 1] == '\r')
            l--;
        if (i < len)
            i++;
        if (smtpx_dkim_keyfile_line((const guint8 *)text + s, l, &name, &txt, &tl)) {
            guint before = k->gen;

            smtpx_dkim_keys_add(k, name, SMTPX_DKIM_SRC_FILE, 0, txt, tl, FALSE);
            if (k->gen != before)
                added++;
            g_free(name);
            g_free(txt);
        }
    }
    g_free(text);
    return added;
}

guint
smtpx_dkim_keys_generation(const smtpx_dkim_keys_t *k)
{
    return k ? k->gen : 0;
}
