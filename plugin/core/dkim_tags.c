/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_tags.c - DKIM tag lists (RFC 6376 3.2) and the helpers for tag
 * values (base64, decimals, FWS).  See dkim.h for the contract.
 */
#include "dkim_internal.h"

#define MAX_TAGS 64

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
        t = smtpx_new0(smtpx_dkim_tag_t);
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
guint8 *
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
gboolean
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

char *
lower_printable(const char *s)
{
    char *l = g_ascii_strdown(s, -1);
    char *p = smtpx_printable((const guint8 *)l, strlen(l));

    g_free(l);
    return p;
}

/* Removes FWS from a copy of s. */
char *
strip_fws(const char *s)
{
    GString *o = g_string_new(NULL);

    for (; *s; s++)
        if (!is_fws((guint8)*s))
            g_string_append_c(o, *s);
    return g_string_free(o, FALSE);
}
