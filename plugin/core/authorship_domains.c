/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * authorship_domains.c - domains for the verdict: the Public Suffix List
 * context (libpsl), the normalized DNS form of a domain (libidn2, RFC 1035
 * 2.3.4), organizational domains (RFC 7489 3.2), owners, and the public
 * smtpx_org_domain / smtpx_domains_aligned (authorship.h).
 */
#include "authorship_internal.h"

#include <idn2.h>

static const psl_ctx_t *psl_ctx;

static gpointer
psl_ctx_init(gpointer unused)
{
    /* psl_latest(NULL) loads the newest of the distribution file
     * (Debian's publicsuffix package: /usr/share/publicsuffix/
     * public_suffix_list.dafsa) and the list built into libpsl, and falls
     * back to the built-in list itself; it is NULL only when libpsl has
     * neither.  The context lives as long as the process. */
    psl_ctx_t *latest = psl_latest(NULL);

    psl_ctx = latest ? latest : psl_builtin();
    return NULL;
}

/* The shared PSL context, loaded once (thread-safe), or NULL when libpsl
 * has no list at all. */
const psl_ctx_t *
get_psl(void)
{
    static GOnce once = G_ONCE_INIT;

    g_once(&once, psl_ctx_init, NULL);
    return psl_ctx;
}

/* ------------------------------------------------------------------ */
/* Domains                                                             */
/* ------------------------------------------------------------------ */

/*
 * normalize_domain - the DNS form of a domain for comparisons: ASCII lower
 * case, U-labels turned into A-labels (IDNA2008 via libidn2, UTS 46
 * mapping), one trailing dot removed.  Returns NULL (not a usable domain)
 * for: NULL or empty input, address literals "[...]", bare IPv4 (a last
 * label of digits only: RFC 3696 section 2 forbids all-numeric top-level
 * domains, and it also rules out every dotted-quad), IPv6 (':' is no
 * domain character), empty or over-long labels (RFC 1035 2.3.4), any byte
 * outside letters, digits, '-' and '_', invalid UTF-8 and IDNs libidn2
 * refuses.  New string (g_free).
 */
char *
normalize_domain(const char *domain)
{
    gsize len, i, label_len = 0;
    gboolean last_all_digits = TRUE;
    char *lower;

    if (!domain)
        return NULL;
    len = strlen(domain);
    if (len == 0 || len > DOMAIN_INPUT_MAX)
        return NULL;
    if (domain[len - 1] == '.')
        len--;
    if (len == 0 || domain[0] == '[')
        return NULL;

    if (is_ascii(domain, len)) {
        lower = smtpx_ascii_lower_dup(domain, len);
    } else {
        char *tmp, *alabels = NULL;
        int rc;

        if (!g_utf8_validate_len(domain, len, NULL))
            return NULL;
        tmp = g_strndup(domain, len);
        rc = idn2_to_ascii_8z(tmp, &alabels,
                              IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
        if (rc != IDN2_OK) {
            alabels = NULL;
            rc = idn2_to_ascii_8z(tmp, &alabels,
                                  IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
        }
        g_free(tmp);
        if (rc != IDN2_OK || !alabels) {
            idn2_free(alabels);
            return NULL;
        }
        lower = smtpx_ascii_lower_dup(alabels, strlen(alabels));
        idn2_free(alabels);
        len = strlen(lower);
        if (len > 0 && lower[len - 1] == '.')
            lower[--len] = '\0';
    }

    if (len == 0 || len > DOMAIN_MAX_OCTETS)
        goto bad;
    for (i = 0; i <= len; i++) {
        char c = lower[i];

        if (c == '.' || c == '\0') {
            if (label_len == 0 || label_len > LABEL_MAX_OCTETS)
                goto bad;
            if (c == '\0')
                break;
            label_len = 0;
            last_all_digits = TRUE;
            continue;
        }
        if (!(g_ascii_isalnum(c) || c == '-' || c == '_'))
            goto bad;
        if (!g_ascii_isdigit(c))
            last_all_digits = FALSE;
        label_len++;
    }
    if (last_all_digits)
        goto bad;
    return lower;

bad:
    g_free(lower);
    return NULL;
}

/* The organizational domains last found, by a hash of the normalized
 * domain: a fixed number of slots of bounded strings (freed only at exit:
 * at most ORG_CACHE_SLOTS * ORG_CACHE_MAX_LEN octets). */
#define ORG_CACHE_SLOTS   256
#define ORG_CACHE_MAX_LEN 255
typedef struct {
    char  *norm;       /* the normalized domain, or NULL (empty slot) */
    gssize reg_at;     /* offset of its registrable domain, -1 none */
} org_cache_entry_t;
static org_cache_entry_t org_cache[ORG_CACHE_SLOTS];
G_LOCK_DEFINE_STATIC(org_cache);

/* Organizational domain of an already normalized domain (new string) or
 * NULL. */
char *
org_of_normalized(const char *norm)
{
    const psl_ctx_t *ctx;
    const char *reg;

    if (!norm)
        return NULL;
    ctx = get_psl();
    if (!ctx) {
        /* No list at all: fall back to strict alignment (RFC 7489 3.1:
         * exact match), which never aligns two different owners. */
        return g_strdup(norm);
    }
    /* psl_registrable_domain gives the public suffix plus one label (RFC
     * 7489 3.2 steps 3-4), a pointer into norm, or NULL when norm is a
     * public suffix itself (or a single label under the default rule).
     * The answer only depends on norm and the list, which never changes
     * once loaded: the last answers are cached (a mail's From, envelope,
     * HELO and DKIM domains are mostly the same few domains). */
    {
        guint slot = g_str_hash(norm) % ORG_CACHE_SLOTS;
        org_cache_entry_t *e = &org_cache[slot];
        char *out;

        G_LOCK(org_cache);
        if (e->norm && strcmp(e->norm, norm) == 0) {
            out = e->reg_at >= 0 ? g_strdup(norm + e->reg_at) : NULL;
            G_UNLOCK(org_cache);
            return out;
        }
        reg = psl_registrable_domain(ctx, norm);
        if (strlen(norm) <= ORG_CACHE_MAX_LEN) {
            g_free(e->norm);
            e->norm = g_strdup(norm);
            e->reg_at = reg ? (gssize)(reg - norm) : -1;
        }
        G_UNLOCK(org_cache);
        return reg ? g_strdup(reg) : NULL;
    }
}

char *
smtpx_org_domain(const char *domain)
{
    char *norm = normalize_domain(domain);
    char *org = org_of_normalized(norm);

    g_free(norm);
    return org;
}

gboolean
smtpx_domains_aligned(const char *a, const char *b)
{
    char *oa = smtpx_org_domain(a);
    char *ob = smtpx_org_domain(b);
    gboolean aligned = oa && ob && strcmp(oa, ob) == 0;

    g_free(oa);
    g_free(ob);
    return aligned;
}

/* The owner of a domain for comparisons: its organizational domain, or the
 * normalized name itself when it has none (identical names are one owner,
 * RFC 7489 3.1 strict mode); NULL when it is no usable domain.  New
 * string. */
char *
owner_of(const char *domain)
{
    char *norm = normalize_domain(domain);
    char *org = org_of_normalized(norm);

    if (org) {
        g_free(norm);
        return org;
    }
    return norm;
}
