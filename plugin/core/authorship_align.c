/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * authorship_align.c - the verdict's alignment steps: the envelope (MAIL
 * FROM, or HELO for a null reverse-path: RFC 7208 2.4) against the author
 * (relaxed alignment of organizational domains, RFC 7489 3.1), the user
 * exceptions, and DKIM-Signature d= alignment (RFC 6376, RFC 7489 3.1.1; a
 * claim, not verified here).
 */
#include "authorship_internal.h"

/* pattern: "*", "*.example.com" (the domain and its subdomains) or a
 * domain; domain: normalized.  Case-insensitive, trailing dot ignored. */
static gboolean
pattern_matches(const char *pattern, const char *domain)
{
    char *pat;
    gsize plen;
    gboolean match;

    if (!pattern || !domain)
        return FALSE;
    plen = strlen(pattern);
    if (plen == 0 || plen > DOMAIN_INPUT_MAX)
        return FALSE;
    if (strcmp(pattern, "*") == 0)
        return TRUE;
    if (pattern[plen - 1] == '.')
        plen--;
    pat = smtpx_ascii_lower_dup(pattern, plen);
    if (g_str_has_prefix(pat, "*.")) {
        char *nbase = normalize_domain(pat + 2);
        const char *base = nbase ? nbase : pat + 2;
        gsize blen = strlen(base), dlen = strlen(domain);

        match = strcmp(domain, base) == 0 ||
                (dlen > blen && domain[dlen - blen - 1] == '.' &&
                 strcmp(domain + dlen - blen, base) == 0);
        g_free(nbase);
    } else {
        char *npat = normalize_domain(pat);

        match = strcmp(domain, npat ? npat : pat) == 0;
        g_free(npat);
    }
    g_free(pat);
    return match;
}

/* A null reverse-path: the HELO domain stands in (RFC 7208 2.4). */
static void
judge_envelope_null(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    char *helo = j->in->helo ? g_strstrip(g_strdup(j->in->helo)) : NULL;

    j->env_norm = normalize_domain(helo);
    v->envelope_domain = j->env_norm ? g_strdup(j->env_norm) : NULL;
    v->envelope_org_domain = org_of_normalized(j->env_norm);
    if (!v->envelope_org_domain &&
        !(j->env_norm && j->judged_norm && strcmp(j->env_norm, j->judged_norm) == 0)) {
        v->envelope_invalid = TRUE;
        if (!helo) {
            add_reason(j->reasons, "null reverse-path and no HELO seen: the "
                       "envelope cannot back %s", j->author_phrase);
        } else {
            char *shown_helo = shown_str(helo);

            add_reason(j->reasons, "null reverse-path and HELO %s %s: the "
                       "envelope cannot back %s", shown_helo,
                       j->env_norm ? "has no organizational domain"
                                   : "names no domain", j->author_phrase);
            g_free(shown_helo);
        }
    }
    g_free(helo);
}

/* MAIL FROM's domain. */
static void
judge_envelope_path(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    const smtpx_path_t *mf = j->mf;
    gboolean identical;

    if (mf->domain && *mf->domain)
        v->envelope_domain = g_strdup(mf->domain);
    j->env_norm = normalize_domain(v->envelope_domain);
    v->envelope_org_domain = org_of_normalized(j->env_norm);
    identical = j->env_norm && j->judged_norm &&
                strcmp(j->env_norm, j->judged_norm) == 0;
    if ((mf->flags & PATH_NO_DOMAIN_FLAGS) ||
        (!v->envelope_org_domain && !identical)) {
        char *shown_mb = shown_str(mf->mailbox);
        const char *what;

        if (!j->env_norm || (mf->flags & (SMTPX_PATH_NO_AT | SMTPX_PATH_BARE_IP |
                                          SMTPX_PATH_ADDRESS_LITERAL |
                                          SMTPX_PATH_EMPTY)))
            what = "gives no domain";
        else if (mf->flags & PATH_NO_DOMAIN_FLAGS)
            what = "is malformed";
        else
            what = "names a domain with no organizational domain";
        v->envelope_invalid = TRUE;
        add_reason(j->reasons, "MAIL FROM %s (%s): the envelope cannot back "
                   "%s", what, shown_mb, j->author_phrase);
        g_free(shown_mb);
    }
}

/* The envelope (RFC 7489 3.1, RFC 7208 2.4): relaxed alignment of
 * organizational domains; the very same name always aligns (3.1 strict
 * mode), also when it has no organizational domain. */
void
judge_envelope(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    const char *what = j->mf && j->mf->null_path ? "HELO (null reverse-path)"
                                                 : "MAIL FROM";
    char *shown_env;

    if (!j->mf) {
        v->envelope_invalid = TRUE;
        add_reason(j->reasons, "no MAIL FROM seen: the envelope cannot back "
                   "%s", j->author_phrase);
        return;
    }
    if (j->mf->null_path)
        judge_envelope_null(j);
    else
        judge_envelope_path(j);
    if (v->envelope_invalid || v->missing)
        return;
    if (j->env_norm && j->judged_norm && strcmp(j->env_norm, j->judged_norm) == 0) {
        j->env_aligned = TRUE;
        if (!j->judged_org)
            add_reason(j->reasons, "%s domain %s has no organizational domain "
                       "(it is a public suffix or a single label), but %s "
                       "names the very same domain: aligned (RFC 7489 3.1, "
                       "strict mode)", j->judged_role, j->shown_author, what);
        return;
    }
    j->env_aligned = j->judged_org && v->envelope_org_domain &&
                     strcmp(j->judged_org, v->envelope_org_domain) == 0;
    if (j->env_aligned)
        return;
    v->envelope_mismatch = TRUE;
    shown_env = shown_str(v->envelope_domain);
    if (j->judged_org && v->envelope_org_domain)
        add_reason(j->reasons, "%s domain %s (organizational domain %s) is not "
                   "aligned with %s (organizational domain %s)", what,
                   shown_env, v->envelope_org_domain, j->author_phrase,
                   j->judged_org);
    else if (j->judged_org)
        add_reason(j->reasons, "%s domain %s has no organizational domain and "
                   "is not %s", what, shown_env, j->author_phrase);
    else
        add_reason(j->reasons, "%s has no organizational domain: the %s "
                   "domain %s cannot be aligned with it", j->author_phrase,
                   what, shown_env);
    g_free(shown_env);
}

/* User exceptions: envelope domain allowed to send for author domain. */
void
judge_exceptions(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    gsize k;

    if (j->env_aligned || !j->env_norm || !j->judged_norm || !j->in->exceptions)
        return;
    for (k = 0; k < j->in->n_exceptions && !v->exception; k++) {
        const smtpx_exception_t *e = &j->in->exceptions[k];
        char *rule;

        if (!pattern_matches(e->envelope_domain, j->env_norm) ||
            !pattern_matches(e->author_domain, j->judged_norm))
            continue;
        rule = g_strdup_printf("%s -> %s", e->envelope_domain, e->author_domain);
        v->exception = TRUE;
        v->exception_rule = smtpx_printable((const guint8 *)rule, strlen(rule));
        g_free(rule);
        add_reason(j->reasons, "user exception %s lets the envelope back the "
                   "author", v->exception_rule);
    }
}

/* DKIM (RFC 6376 d=, aligned as in RFC 7489 3.1.1); a claim, not verified. */
void
judge_dkim(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    guint i;

    for (i = 0; v->org_domain && i < v->dkim_domains->len &&
                !j->dkim_aligned_domain; i++) {
        const char *d = g_ptr_array_index(v->dkim_domains, i);
        char *dorg = smtpx_org_domain(d);

        if (dorg && strcmp(dorg, v->org_domain) == 0)
            j->dkim_aligned_domain = d;
        g_free(dorg);
    }
    v->dkim_aligned = j->dkim_aligned_domain != NULL;
    if (j->env_aligned || v->exception || v->missing)
        return;
    if (v->dkim_aligned) {
        add_reason(j->reasons, "DKIM-Signature d=%s is aligned with author "
                   "domain %s (a claim, not verified by itself: see the DKIM result)",
                   j->dkim_aligned_domain, v->from_domain);
    } else if (v->dkim_domains->len == 0 && j->n_dkim_malformed) {
        add_reason(j->reasons, "no usable DKIM signature (%u DKIM-Signature "
                   "field%s without the tags RFC 6376 3.5 requires or not "
                   "signing From)", j->n_dkim_malformed,
                   j->n_dkim_malformed == 1 ? "" : "s");
    } else if (v->dkim_domains->len == 0) {
        add_reason(j->reasons, "no DKIM signature");
    } else {
        GString *ds = g_string_new(NULL);

        for (i = 0; i < v->dkim_domains->len; i++)
            g_string_append_printf(ds, "%s%s", i ? ", " : "",
                                   (const char *)g_ptr_array_index(v->dkim_domains, i));
        add_reason(j->reasons, "DKIM-Signature d=%s not aligned with author "
                   "domain %s", ds->str, j->shown_author);
        g_string_free(ds, TRUE);
    }
}
