/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * authorship_display.c - display names and comments that show another
 * owner's address or domain (RFC 5322 3.4 display-name; the shown domains
 * checked against the Public Suffix List), and the verdict's step for them.
 */
#include "authorship_internal.h"

/* Characters that end a token in a display name (besides white space):
 * quoting, brackets and punctuation around an address or domain. */
static gboolean
is_token_separator(gunichar ch)
{
    if (g_unichar_isspace(ch) || ch == 0)
        return TRUE;
    return ch < 0x80 && strchr("\"'`<>()[]{},;:/\\|!?*=+&#$%^~", (int)ch);
}

/*
 * domain_like - does token (UTF-8) read as a domain?  At least two labels,
 * labels of letters, digits, '-' or '_', and a top-level label of letters
 * only (or an A-label).  When listed_tld is TRUE the top-level label must
 * also be a suffix the Public Suffix List names outright (no default "*"
 * rule), so that "J.R.R" or "Mr.Smith" are not taken for domains.
 * Returns the normalized domain (g_free) or NULL.
 */
static char *
domain_like(const char *token, gboolean listed_tld)
{
    const char *p, *tld;
    char *norm;

    if (!strchr(token, '.'))
        return NULL;
    for (p = token; *p; p = utf8_next(p)) {
        gunichar ch = g_utf8_get_char(p);

        if (!(ch == '.' || ch == '-' || ch == '_' || g_unichar_isalnum(ch)))
            return NULL;
    }
    norm = normalize_domain(token);
    if (!norm)
        return NULL;
    tld = strrchr(norm, '.');
    if (!tld) {
        g_free(norm);
        return NULL;
    }
    tld++;
    if (!g_str_has_prefix(tld, "xn--")) {
        for (p = tld; *p; p++) {
            if (!g_ascii_isalpha(*p)) {
                g_free(norm);
                return NULL;
            }
        }
        if (strlen(tld) < 2) {
            g_free(norm);
            return NULL;
        }
    }
    if (listed_tld) {
        const psl_ctx_t *ctx = get_psl();

        if (!ctx || !psl_is_public_suffix2(ctx, tld,
                                           PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE)) {
            g_free(norm);
            return NULL;
        }
    }
    return norm;
}

/* TRUE when shown (normalized) may stand for real_domain: same
 * organizational domain, or the very same name when neither has one. */
static gboolean
same_owner(const char *shown, const char *real_domain)
{
    char *real_norm = normalize_domain(real_domain);
    char *a = org_of_normalized(shown);
    char *b = org_of_normalized(real_norm);
    gboolean same;

    if (a && b)
        same = strcmp(a, b) == 0;
    else
        same = real_norm && strcmp(shown, real_norm) == 0;
    g_free(real_norm);
    g_free(a);
    g_free(b);
    return same;
}

/*
 * display_name_domains - the addresses and domains a display name shows.
 * The name is first put in Unicode NFKC so that full-width "＠" and "．"
 * read as "@" and "."; "。" and "｡" are read as dots too.  Then it is cut
 * into tokens at white space and punctuation.  A token with '@' shows the
 * address after its last '@'; a token without '@' counts only when its
 * top-level label is on the Public Suffix List.  For each, the token is
 * appended to shown and its normalized domain to domains (new strings).
 * At most 32 of them.
 */
void
display_name_domains(const char *display, GPtrArray *shown, GPtrArray *domains)
{
    char *valid, *nfkc;
    GString *tok;
    const char *p;

    if (!display || !*display)
        return;
    for (p = display; *p && (guchar)*p < 0x80; p++)
        ;
    if (!*p) {
        /* ASCII is valid UTF-8 and its own NFKC form (UAX #15: no ASCII
         * character has a decomposition): no ICU/GLib round trip. */
        nfkc = g_strdup(display);
    } else {
        valid = g_utf8_make_valid(display, -1);
        nfkc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);
        if (!nfkc)
            nfkc = g_strdup(valid);
        g_free(valid);
    }

    tok = g_string_new(NULL);
    for (p = nfkc; domains->len < 32; p = utf8_next(p)) {
        gunichar ch = g_utf8_get_char(p);

        if (ch == 0x3002 || ch == 0xff61)   /* ideographic full stops */
            ch = '.';
        if (ch != 0 && !is_token_separator(ch)) {
            g_string_append_unichar(tok, ch);
            continue;
        }
        if (tok->len > 0) {
            char *start = tok->str, *end = tok->str + tok->len;
            char *at, *dom;

            while (*start == '.')
                start++;
            while (end > start && end[-1] == '.')
                *--end = '\0';
            at = strrchr(start, '@');
            if (at)
                dom = domain_like(at + 1, FALSE);
            else
                dom = domain_like(start, TRUE);
            if (dom) {
                g_ptr_array_add(shown, g_strdup(start));
                g_ptr_array_add(domains, dom);
            }
            g_string_truncate(tok, 0);
        }
        if (ch == 0 || *p == '\0')
            break;
    }
    g_string_free(tok, TRUE);
    g_free(nfkc);
}

/*
 * display_name_spoof_check - does the display name show an address or a
 * domain (display_name_domains) whose owner is not the owner of
 * real_domain?  The first offending token is returned (new string) in
 * *shown, its domain in *shown_domain.
 */
static gboolean
display_name_spoof_check(const char *display, const char *real_domain,
                         char **shown, char **shown_domain)
{
    GPtrArray *tokens, *domains;
    gboolean spoof = FALSE;
    guint i;

    /* No name (or no comment, the usual case): nothing shown. */
    if (!display || !*display)
        return FALSE;
    tokens = g_ptr_array_new_with_free_func(g_free);
    domains = g_ptr_array_new_with_free_func(g_free);
    display_name_domains(display, tokens, domains);
    for (i = 0; i < domains->len && !spoof; i++) {
        if (same_owner(g_ptr_array_index(domains, i), real_domain))
            continue;
        spoof = TRUE;
        *shown = g_strdup(g_ptr_array_index(tokens, i));
        *shown_domain = g_strdup(g_ptr_array_index(domains, i));
    }
    g_ptr_array_unref(tokens);
    g_ptr_array_unref(domains);
    return spoof;
}

/* Display names and comments showing another owner's address or domain. */
void
judge_display_names(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    guint i;

    for (i = 0; v->authors && i < v->authors->mailboxes->len &&
                !v->display_name_spoof; i++) {
        const smtpx_mailbox_t *mb = g_ptr_array_index(v->authors->mailboxes, i);
        char *shown = NULL, *shown_domain = NULL, *sn, *sa;
        const char *where = NULL;

        /* The display name, then the comments: old mailers put the name in
         * a comment ("x@example.com (Name)", RFC 5322 3.4) and many readers
         * show it like a display name. */
        if (display_name_spoof_check(mb->display_name, mb->domain,
                                     &shown, &shown_domain))
            where = "display name";
        else if (display_name_spoof_check(mb->comments, mb->domain,
                                          &shown, &shown_domain))
            where = "comment in the From address";
        if (!where)
            continue;
        sn = shown_str(shown);
        sa = shown_str(mb->address);
        v->display_name_spoof = TRUE;
        add_reason(j->reasons, "%s shows \"%s\" (%s) but the mailbox is %s",
                   where, sn, shown_domain, sa);
        g_free(sn);
        g_free(sa);
        g_free(shown);
        g_free(shown_domain);
    }
}
