/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_authres.c - Authentication-Results and ARC-Authentication-Results
 * header fields (RFC 8601 2.2, RFC 8617 4.1.1): the dkim= results they
 * claim.  See dkim.h for the contract.
 */
#include "dkim_internal.h"

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
    smtpx_authres_t *ar = smtpx_new0(smtpx_authres_t);
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
        en = smtpx_new0(smtpx_authres_entry_t);
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
