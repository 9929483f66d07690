/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * authorship.c - the forged-From verdict; see authorship.h for the contract
 * and docs/verdict.md for the rule in prose.
 *
 * Everything here works on what the capture shows: the MAIL FROM
 * reverse-path, the EHLO/HELO argument and the header section.  Nothing is
 * looked up in DNS and no signature is verified.
 */
#include "authorship.h"

#include <stdarg.h>
#include <string.h>

#include <idn2.h>
#include <libpsl.h>
#include <unicode/uspoof.h>

/* RFC 1035 2.3.4 limits, used to refuse absurd "domains" early. */
#define DOMAIN_MAX_OCTETS 253
#define LABEL_MAX_OCTETS  63
/* Anything longer than this is not looked at as a domain at all. */
#define DOMAIN_INPUT_MAX  1024

/* ------------------------------------------------------------------ */
/* Public Suffix List context                                           */
/* ------------------------------------------------------------------ */

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
static const psl_ctx_t *
get_psl(void)
{
    static GOnce once = G_ONCE_INIT;

    g_once(&once, psl_ctx_init, NULL);
    return psl_ctx;
}

/* ------------------------------------------------------------------ */
/* Domains                                                             */
/* ------------------------------------------------------------------ */

/* Next character of valid UTF-8 (g_utf8_next_char without its cast). */
static const char *
utf8_next(const char *p)
{
    return p + g_utf8_skip[*(const guchar *)p];
}

static gboolean
is_ascii(const char *s, gsize len)
{
    gsize i;

    for (i = 0; i < len; i++)
        if ((guchar)s[i] >= 0x80)
            return FALSE;
    return TRUE;
}

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
static char *
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
static char *
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

/* ------------------------------------------------------------------ */
/* Look-alike domains (Unicode TS 39 through ICU's spoof checker)       */
/* ------------------------------------------------------------------ */

static USpoofChecker *spoof_checker;

static gpointer
spoof_init(gpointer unused)
{
    UErrorCode err = U_ZERO_ERROR;
    USpoofChecker *sc = uspoof_open(&err);

    if (U_FAILURE(err) || !sc) {
        if (sc)
            uspoof_close(sc);
        return NULL;
    }
    /* UTS 39 5.2 "highly restrictive" (one script, or Latin with the
     * Japanese, Chinese or Korean scripts), invisible characters (5.4),
     * digits of several decimal systems (5.3) for uspoof_check; the
     * confusable checks are what uspoof_areConfusable compares with (ICU
     * 58 and later apply them there only).  Whole-script confusables of
     * one label are found through skeletons (4). */
    uspoof_setChecks(sc, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE |
                     USPOOF_MIXED_NUMBERS | USPOOF_CONFUSABLE, &err);
    uspoof_setRestrictionLevel(sc, USPOOF_HIGHLY_RESTRICTIVE);
    if (U_FAILURE(err)) {
        uspoof_close(sc);
        return NULL;
    }
    spoof_checker = sc;
    return NULL;
}

/* The shared spoof checker, opened once (thread-safe; ICU allows concurrent
 * checks on one checker once it is configured), or NULL when ICU has no
 * confusable data.  It lives as long as the process. */
static const USpoofChecker *
get_spoof(void)
{
    static GOnce once = G_ONCE_INIT;

    g_once(&once, spoof_init, NULL);
    return spoof_checker;
}

/* Appends the ISO 15924 codes of the scripts in label (valid UTF-8), Common
 * and Inherited left out, "+" separated ("Cyrl+Latn"), at most 8. */
static void
append_scripts(GString *out, const char *label)
{
    GUnicodeScript seen[8];
    guint n = 0, i;
    const char *p;

    for (p = label; *p; p = utf8_next(p)) {
        GUnicodeScript sc = g_unichar_get_script(g_utf8_get_char(p));
        gboolean dup = FALSE;

        if (sc == G_UNICODE_SCRIPT_COMMON || sc == G_UNICODE_SCRIPT_INHERITED)
            continue;
        for (i = 0; i < n && !dup; i++)
            dup = seen[i] == sc;
        if (dup || n == G_N_ELEMENTS(seen))
            continue;
        seen[n++] = sc;
    }
    for (i = 0; i < n; i++) {
        guint32 code = g_unicode_script_to_iso15924(seen[i]);

        g_string_append_printf(out, "%s%c%c%c%c", i ? "+" : "",
                               (char)((code >> 24) & 0xff),
                               (char)((code >> 16) & 0xff),
                               (char)((code >> 8) & 0xff),
                               (char)(code & 0xff));
    }
}

/* The UTS 39 skeleton of text (UTF-8, NUL-terminated), new string, or NULL
 * when ICU cannot make one. */
static char *
skeleton_of(const USpoofChecker *sc, const char *text)
{
    UErrorCode err = U_ZERO_ERROR;
    int32_t need = uspoof_getSkeletonUTF8(sc, 0, text, -1, NULL, 0, &err);
    char *out;

    if (err != U_BUFFER_OVERFLOW_ERROR || need <= 0 || need > 4 * DOMAIN_INPUT_MAX)
        return NULL;
    out = g_malloc((gsize)need + 1);
    err = U_ZERO_ERROR;
    uspoof_getSkeletonUTF8(sc, 0, text, -1, out, need + 1, &err);
    if (U_FAILURE(err)) {
        g_free(out);
        return NULL;
    }
    return out;
}

/*
 * The Unicode form of one label: an A-label (RFC 5890 2.3.2.1) decoded
 * through libidn2, other ASCII NULL (plain ASCII is Latin and confusable
 * with nothing but itself), UTF-8 as it is.  A label that does not decode is
 * no IDN a registry can hand out and is shown raw by every reader: NULL.
 */
static char *
ulabel_of(const char *label)
{
    gsize len = strlen(label);
    char *lower, *out = NULL, *r = NULL;

    if (!is_ascii(label, len))
        return g_strdup(label);
    lower = smtpx_ascii_lower_dup(label, len);
    if (g_str_has_prefix(lower, "xn--") &&
        idn2_to_unicode_8z8z(lower, &out, 0) == IDN2_OK && out &&
        g_utf8_validate(out, -1, NULL) && !is_ascii(out, strlen(out)))
        r = g_strdup(out);
    idn2_free(out);
    g_free(lower);
    return r;
}

/*
 * label_suspect - one U-label (valid UTF-8, not ASCII): TRUE when it fails
 * UTS 39's highly restrictive level (mixed scripts 5.2, invisible
 * characters, mixed digits) or when its skeleton (UTS 39 4) is plain ASCII,
 * that is when it can be read as an ASCII label (a whole-script confusable:
 * all-Cyrillic "аррӏе" reads as "appie").  *why gets words (new string).
 */
static gboolean
label_suspect(const USpoofChecker *sc, const char *ulabel, char **why)
{
    UErrorCode err = U_ZERO_ERROR;
    int32_t res = uspoof_checkUTF8(sc, ulabel, -1, NULL, &err);
    char *shown = smtpx_printable((const guint8 *)ulabel, strlen(ulabel));
    GString *scripts = g_string_new(NULL);
    char *skel;
    gboolean bad = FALSE;

    append_scripts(scripts, ulabel);
    if (U_SUCCESS(err) && res != 0) {
        bad = TRUE;
        *why = g_strdup_printf("label \"%s\" (%s) is not a highly restrictive "
                               "identifier: %s (Unicode TS 39 5)", shown,
                               scripts->str,
                               (res & USPOOF_RESTRICTION_LEVEL)
                                   ? "it mixes scripts"
                                   : (res & USPOOF_INVISIBLE)
                                       ? "it holds invisible characters"
                                       : "it mixes digits of several systems");
    } else if ((skel = skeleton_of(sc, ulabel)) != NULL) {
        gsize i, n = strlen(skel);
        gboolean ascii = n > 0;

        for (i = 0; i < n && ascii; i++)
            ascii = g_ascii_isalnum(skel[i]) || skel[i] == '-';
        if (ascii) {
            bad = TRUE;
            *why = g_strdup_printf("label \"%s\" (%s) reads as the ASCII "
                                   "label \"%s\" (whole-script confusable, "
                                   "Unicode TS 39 4)", shown, scripts->str,
                                   skel);
        }
        g_free(skel);
    }
    g_string_free(scripts, TRUE);
    g_free(shown);
    return bad;
}

/*
 * lookalike_check - the work of smtpx_domain_is_lookalike.  When a label is
 * suspect and why is not NULL, *why gets words for it (new string).
 */
static gboolean
lookalike_check(const char *domain, char **why)
{
    const USpoofChecker *sc = get_spoof();
    char **labels;
    gsize len;
    guint i;
    gboolean found = FALSE;

    if (!domain || !sc)
        return FALSE;
    len = strlen(domain);
    if (len == 0 || len > DOMAIN_INPUT_MAX || !g_utf8_validate(domain, -1, NULL))
        return FALSE;

    labels = g_strsplit(domain, ".", -1);
    for (i = 0; labels[i] && !found; i++) {
        char *ulabel = labels[i][0] ? ulabel_of(labels[i]) : NULL;
        char *w = NULL;

        if (ulabel && label_suspect(sc, ulabel, &w)) {
            found = TRUE;
            if (why)
                *why = w;
            else
                g_free(w);
        }
        g_free(ulabel);
    }
    g_strfreev(labels);
    return found;
}

gboolean
smtpx_domain_is_lookalike(const char *domain)
{
    return lookalike_check(domain, NULL);
}

/* The Unicode form of a whole domain (A-labels decoded), new string. */
static char *
udomain_of(const char *domain)
{
    char **labels = g_strsplit(domain, ".", -1);
    GString *out = g_string_new(NULL);
    guint i;

    for (i = 0; labels[i]; i++) {
        char *u = ulabel_of(labels[i]);

        if (i)
            g_string_append_c(out, '.');
        if (u) {
            g_string_append(out, u);
        } else {
            char *lower = smtpx_ascii_lower_dup(labels[i], strlen(labels[i]));

            g_string_append(out, lower);
            g_free(lower);
        }
        g_free(u);
    }
    g_strfreev(labels);
    return g_string_free(out, FALSE);
}

gboolean
smtpx_domains_confusable(const char *a, const char *b)
{
    const USpoofChecker *sc = get_spoof();
    char *na = normalize_domain(a), *nb = normalize_domain(b);
    gboolean conf = FALSE;

    if (sc && na && nb && strcmp(na, nb) != 0) {
        char *ua = udomain_of(na), *ub = udomain_of(nb);
        UErrorCode err = U_ZERO_ERROR;
        int32_t r = uspoof_areConfusableUTF8(sc, ua, -1, ub, -1, &err);

        conf = U_SUCCESS(err) && r != 0;
        g_free(ua);
        g_free(ub);
    }
    g_free(na);
    g_free(nb);
    return conf;
}

/* ------------------------------------------------------------------ */
/* Display names                                                        */
/* ------------------------------------------------------------------ */

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
static void
display_name_domains(const char *display, GPtrArray *shown, GPtrArray *domains)
{
    char *valid, *nfkc;
    GString *tok;
    const char *p;

    if (!display || !*display)
        return;
    valid = g_utf8_make_valid(display, -1);
    nfkc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);
    if (!nfkc)
        nfkc = g_strdup(valid);
    g_free(valid);

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
    GPtrArray *tokens = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *domains = g_ptr_array_new_with_free_func(g_free);
    gboolean spoof = FALSE;
    guint i;

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

/* ------------------------------------------------------------------ */
/* Exceptions                                                          */
/* ------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------ */
/* The verdict                                                         */
/* ------------------------------------------------------------------ */

/* MAIL FROM deviations after which it names no domain to align. */
#define PATH_NO_DOMAIN_FLAGS (SMTPX_PATH_NO_AT | SMTPX_PATH_MULTIPLE_AT | \
    SMTPX_PATH_ROUTE | SMTPX_PATH_BAD_DOMAIN | SMTPX_PATH_ADDRESS_LITERAL | \
    SMTPX_PATH_BARE_IP | SMTPX_PATH_UNBALANCED | SMTPX_PATH_EMPTY)

/* From-field layout that parsers read differently (RFC 5322 2.2, 4.5). */
#define HDR_AMBIGUOUS_FLAGS (SMTPX_HDR_WS_BEFORE_COLON | SMTPX_HDR_FOLDED_NAME | \
    SMTPX_HDR_NUL | SMTPX_HDR_BARE_CR | SMTPX_HDR_BLANK_CONTINUATION | \
    SMTPX_HDR_TRUNCATED)

static void
add_reason(GString *reasons, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
add_reason(GString *reasons, const char *fmt, ...)
{
    va_list ap;

    if (reasons->len > 0)
        g_string_append(reasons, "; ");
    va_start(ap, fmt);
    g_string_append_vprintf(reasons, fmt, ap);
    va_end(ap);
}

static char *
field_printable(const smtpx_headers_t *h, const char *name)
{
    const smtpx_header_field_t *f = h ? smtpx_headers_get(h, name) : NULL;

    return f ? smtpx_printable(f->value, f->value_len) : NULL;
}

/* Printable copy of a possibly NULL string for reasons ("?" when NULL). */
static char *
shown_str(const char *s)
{
    return s ? smtpx_printable((const guint8 *)s, strlen(s)) : g_strdup("?");
}

/* Words for an ambiguous MAIL FROM, or NULL when it is not ambiguous. */
static char *
mail_from_ambiguity(const smtpx_path_t *mf)
{
    GString *w = g_string_new(NULL);

    if (mf->flags & SMTPX_PATH_COMMENT)
        g_string_append(w, ", a comment");
    if ((mf->flags & SMTPX_PATH_QUOTED_LOCAL) && mf->local_part &&
        strchr(mf->local_part, '@'))
        g_string_append(w, ", '@' inside a quoted local part");
    if (mf->flags & SMTPX_PATH_ROUTE)
        g_string_append(w, ", a source route");
    if (mf->flags & SMTPX_PATH_MULTIPLE_AT)
        g_string_append(w, ", several '@'");
    if (mf->flags & SMTPX_PATH_UNBALANCED)
        g_string_append(w, ", an unclosed '<' or quote");
    if (w->len == 0) {
        g_string_free(w, TRUE);
        return NULL;
    }
    g_string_erase(w, 0, 2);
    return g_string_free(w, FALSE);
}

/* The owner of a domain for comparisons: its organizational domain, or the
 * normalized name itself when it has none (identical names are one owner,
 * RFC 7489 3.1 strict mode); NULL when it is no usable domain.  New
 * string. */
static char *
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

/* The working state of one judgement: the input, what was found so far and
 * the verdict being filled in.  Each judge_* step below reads and adds to
 * it, in the order smtpx_authorship_judge calls them. */
typedef struct {
    const smtpx_authorship_input_t *in;
    const smtpx_headers_t *h;
    const smtpx_path_t *mf;
    const smtpx_header_field_t *from;
    smtpx_verdict_t *v;
    GString *reasons;
    GString *notes;
    guint n_from, n_mailboxes, n_dkim_malformed;
    char *judged_domain;   /* the domain the envelope must back: the first
                              author's, or the Sender's when several
                              authors are named (RFC 5322 3.6.2) */
    const char *judged_role; /* "author" or "Sender" */
    char *judged_norm;     /* normalized judged_domain, or NULL */
    char *judged_org;      /* its organizational domain, or NULL */
    char *env_norm;        /* normalized envelope domain, or NULL */
    char *shown_author;    /* printable judged_domain for reasons */
    char *author_phrase;   /* "author domain x" / "Sender domain x" */
    gboolean env_aligned;
    const char *dkim_aligned_domain;
} judge_t;

/* DKIM-Signature d= domains of well-formed signatures (RFC 6376 3.5). */
static void
judge_dkim_fields(judge_t *j)
{
    guint i;

    for (i = 0; j->h && i < smtpx_headers_count(j->h); i++) {
        const smtpx_header_field_t *f = smtpx_headers_nth(j->h, i);
        char *d;

        if (!f || !f->name || g_ascii_strcasecmp(f->name, "DKIM-Signature") != 0)
            continue;
        /* A field without the tags RFC 6376 3.5 requires, or one that does
         * not sign From, vouches for no author: not counted. */
        if (!smtpx_dkim_signature_wellformed(f->value, f->value_len)) {
            j->n_dkim_malformed++;
            continue;
        }
        d = smtpx_dkim_signing_domain(f->value, f->value_len);
        if (d) {
            char *p = smtpx_printable((const guint8 *)d, strlen(d));

            g_free(d);
            g_ptr_array_add(j->v->dkim_domains, p);
        }
    }
}

/* The header fields the verdict shows, and the first From parsed. */
static void
judge_fields(judge_t *j)
{
    smtpx_verdict_t *v = j->v;

    if (j->h) {
        j->n_from = smtpx_headers_count_name(j->h, "From");
        j->from = smtpx_headers_get(j->h, "From");
        v->sender = field_printable(j->h, "Sender");
        v->reply_to = field_printable(j->h, "Reply-To");
        v->return_path = field_printable(j->h, "Return-Path");
        judge_dkim_fields(j);
    }
    if (j->from) {
        v->from_field = smtpx_printable(j->from->value, j->from->value_len);
        v->authors = smtpx_address_list_parse(j->from->value, j->from->value_len);
        j->n_mailboxes = v->authors->mailboxes->len;
        if (j->n_mailboxes > 0) {
            const smtpx_mailbox_t *first = g_ptr_array_index(v->authors->mailboxes, 0);

            if (first->domain && *first->domain)
                v->from_domain = g_strdup(first->domain);
        }
    }
    v->org_domain = smtpx_org_domain(v->from_domain);
}

/* The identity the envelope must back: the first author, or with several
 * authors the Sender (RFC 5322 3.6.2: the agent responsible for the actual
 * transmission). */
static void
judge_identity(judge_t *j, const smtpx_mailbox_t *sender)
{
    const char *d = sender ? sender->domain : j->v->from_domain;

    j->judged_role = sender ? "Sender" : "author";
    j->judged_domain = d ? g_strdup(d) : NULL;
    j->judged_norm = normalize_domain(d);
    j->judged_org = org_of_normalized(j->judged_norm);
    j->shown_author = shown_str(d);
    j->author_phrase = d
        ? g_strdup_printf("%s domain %s", j->judged_role, j->shown_author)
        : g_strdup("an author (the From field gives no domain)");
}

/* RFC 5322 3.6: From is required. */
static void
judge_missing(judge_t *j)
{
    smtpx_verdict_t *v = j->v;

    if (!j->from) {
        v->missing = TRUE;
        add_reason(j->reasons, "no From field%s",
                   j->h && smtpx_headers_truncated(j->h)
                       ? " (the header section was cut at the size limit)" : "");
    } else if (j->n_mailboxes == 0) {
        v->missing = TRUE;
        add_reason(j->reasons, "the From field names no mailbox");
    } else if (!v->from_domain) {
        v->missing = TRUE;
        add_reason(j->reasons, "the From mailbox has no domain");
    }
}

/* Are all From fields the same text (trailing white space aside)? */
static gboolean
from_fields_identical(const smtpx_headers_t *h, const smtpx_header_field_t *first)
{
    gsize flen = first->value_len;
    guint i;

    while (flen > 0 && (first->value[flen - 1] == ' ' || first->value[flen - 1] == '\t'))
        flen--;
    for (i = 0; i < smtpx_headers_count(h); i++) {
        const smtpx_header_field_t *f = smtpx_headers_nth(h, i);
        gsize len;

        if (!f || !f->name || g_ascii_strcasecmp(f->name, "From") != 0)
            continue;
        len = f->value_len;
        while (len > 0 && (f->value[len - 1] == ' ' || f->value[len - 1] == '\t'))
            len--;
        if (len != flen || memcmp(f->value, first->value, len) != 0 ||
            (f->flags & HDR_AMBIGUOUS_FLAGS) != (first->flags & HDR_AMBIGUOUS_FLAGS))
            return FALSE;
    }
    return TRUE;
}

/* Owner of every author the same as owner (or NULL owner and no domain)?
 * *other gets the first author of another owner. */
static gboolean
authors_of_owner(const smtpx_address_list_t *authors, const char *owner,
                 const smtpx_mailbox_t **other)
{
    guint i;

    for (i = 0; i < authors->mailboxes->len; i++) {
        const smtpx_mailbox_t *mb = g_ptr_array_index(authors->mailboxes, i);
        char *o = owner_of(mb->domain);
        gboolean same = o && owner && strcmp(o, owner) == 0;

        g_free(o);
        if (!same) {
            *other = mb;
            return FALSE;
        }
    }
    return TRUE;
}

/*
 * Several authors (RFC 5322 3.6.2): a Sender field must name the one
 * mailbox responsible for the transmission; the verdict is then made on
 * it.  Authors of an organization other than the Sender's are flagged: some
 * readers show the Sender ("on behalf of"), others the authors, so the
 * reader may see another organization than the one the envelope backs.
 * Returns the Sender mailbox to judge on, or NULL (first author).
 */
static const smtpx_mailbox_t *
judge_several_authors(judge_t *j, smtpx_address_list_t **sender_list)
{
    smtpx_verdict_t *v = j->v;
    const smtpx_header_field_t *sf = j->h ? smtpx_headers_get(j->h, "Sender") : NULL;
    const smtpx_mailbox_t *sender = NULL, *other = NULL;
    char *owner;

    if (!sf) {
        const smtpx_mailbox_t *first = g_ptr_array_index(v->authors->mailboxes, 0);

        v->multiple = TRUE;
        add_reason(j->reasons, "%u author mailboxes and no Sender field "
                   "(RFC 5322 3.6.2 requires one)", j->n_mailboxes);
        owner = owner_of(first->domain);
        if (!authors_of_owner(v->authors, owner, &other)) {
            char *sa = shown_str(other->address), *sf0 = shown_str(first->domain);

            add_reason(j->reasons, "author mailboxes of different "
                       "organizations (%s is not of %s): only the first is "
                       "judged", sa, sf0);
            g_free(sa);
            g_free(sf0);
        }
        g_free(owner);
        return NULL;
    }
    *sender_list = smtpx_address_list_parse(sf->value, sf->value_len);
    if ((*sender_list)->mailboxes->len != 1 ||
        !((const smtpx_mailbox_t *)g_ptr_array_index((*sender_list)->mailboxes, 0))->domain) {
        v->multiple = TRUE;
        add_reason(j->reasons, "%u author mailboxes and a Sender field that "
                   "does not name one mailbox (RFC 5322 3.6.2)", j->n_mailboxes);
        return NULL;
    }
    sender = g_ptr_array_index((*sender_list)->mailboxes, 0);
    owner = owner_of(sender->domain);
    if (!authors_of_owner(v->authors, owner, &other)) {
        char *sa = shown_str(other->address), *ss = shown_str(sender->address);

        v->multiple = TRUE;
        add_reason(j->reasons, "author %s is not of the organization of "
                   "Sender %s: readers that show the Sender and readers "
                   "that show the authors show different organizations; "
                   "the envelope is judged against the Sender (RFC 5322 "
                   "3.6.2)", sa, ss);
        g_free(sa);
        g_free(ss);
    }
    g_free(owner);
    return sender;
}

/* RFC 5322 3.6: at most one From field. */
static void
judge_from_fields(judge_t *j)
{
    if (j->n_from <= 1)
        return;
    if (from_fields_identical(j->h, j->from)) {
        add_reason(j->notes, "%u identical From fields (RFC 5322 3.6 allows "
                   "one); every reader sees the same author", j->n_from);
        return;
    }
    j->v->multiple = TRUE;
    add_reason(j->reasons, "%u different From fields (RFC 5322 allows one); "
               "only the first is judged, readers may show another", j->n_from);
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
static void
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
static void
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
static void
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

/*
 * The readings of the first From field (address.h): ambiguous when a
 * lenient reading gives an author of an organization that no strict reading
 * names (RFC 5322 3.4; "Composition Kills" 4-5).  Syntax outside RFC 5322
 * that every reading agrees on is a protocol note.
 */
static void
judge_readings(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    GPtrArray *rs = smtpx_address_readings(j->from->value, j->from->value_len);
    GPtrArray *owners = g_ptr_array_new_with_free_func(g_free);
    const smtpx_reading_t *first = NULL, *odd = NULL;
    guint32 deviant = v->authors->flags & SMTPX_ADDR_DEVIANT_FLAGS;
    guint i, k;

    for (i = 0; i < rs->len; i++) {
        const smtpx_reading_t *r = g_ptr_array_index(rs, i);

        if (r->readers & SMTPX_READER_STRICT) {
            char *o = owner_of(r->domain);

            if (!first)
                first = r;
            g_ptr_array_add(owners, o ? o : g_strdup(r->domain));
        }
    }
    for (i = 0; i < rs->len && !odd; i++) {
        const smtpx_reading_t *r = g_ptr_array_index(rs, i);
        char *o = owner_of(r->domain);
        gboolean known = FALSE;

        if (!o)
            o = g_strdup(r->domain);
        for (k = 0; k < owners->len && !known; k++)
            known = strcmp(o, g_ptr_array_index(owners, k)) == 0;
        if (!known)
            odd = r;
        g_free(o);
    }
    if (odd) {
        char *who = smtpx_reading_describe(odd);
        char *sa = shown_str(first ? first->address : NULL);

        v->ambiguous = TRUE;
        add_reason(j->reasons, "From address is ambiguous: read as %s by "
                   "strict parsers, as %s by %s", sa, odd->address, who);
        g_free(who);
        g_free(sa);
    } else if (deviant & ~(guint32)SMTPX_ADDR_AMBIGUOUS_FLAGS) {
        char *w = smtpx_addr_flags_describe(deviant & ~(guint32)SMTPX_ADDR_AMBIGUOUS_FLAGS);
        char *sa = shown_str(first ? first->address : v->from_domain);

        add_reason(j->notes, "From field syntax outside RFC 5322 (%s), but "
                   "every reading gives the author %s", w, sa);
        g_free(w);
        g_free(sa);
    }
    if (deviant & SMTPX_ADDR_AMBIGUOUS_FLAGS) {
        char *w = smtpx_addr_flags_describe(deviant & SMTPX_ADDR_AMBIGUOUS_FLAGS);

        v->ambiguous = TRUE;
        add_reason(j->reasons, "From address is ambiguous: %s (parsers "
                   "disagree on where the address ends)", w);
        g_free(w);
    }
    g_ptr_array_unref(owners);
    g_ptr_array_unref(rs);
}

/* Layout of the From field and the header section (RFC 5322 2.2, 4.5). */
static void
judge_layout(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    guint32 ff = j->from ? j->from->flags : 0;
    guint i;

    if (ff & HDR_AMBIGUOUS_FLAGS) {
        char *w = smtpx_header_flags_words(ff & HDR_AMBIGUOUS_FLAGS, ", ");

        v->ambiguous = TRUE;
        add_reason(j->reasons, "From field layout is ambiguous: %s", w);
        g_free(w);
    }
    if (j->h && (smtpx_headers_flags(j->h) & SMTPX_HDR_LEADING_WS)) {
        v->ambiguous = TRUE;
        add_reason(j->reasons, "the header section starts with white space");
    }
    for (i = 0; j->h && j->from && i < smtpx_headers_count(j->h); i++) {
        const smtpx_header_field_t *f = smtpx_headers_nth(j->h, i);

        if (!f || f == j->from)
            break;
        if (f->flags & SMTPX_HDR_BLANK_CONTINUATION) {
            v->ambiguous = TRUE;
            add_reason(j->reasons, "a white-space-only continuation line "
                       "before From ends the header section for some parsers");
            break;
        }
    }
}

/* Ambiguity: the From readings, the layout, the MAIL FROM. */
static void
judge_ambiguity(judge_t *j)
{
    if (j->from && j->v->authors)
        judge_readings(j);
    judge_layout(j);
    if (j->mf) {
        char *w = mail_from_ambiguity(j->mf);

        if (w) {
            j->v->ambiguous = TRUE;
            add_reason(j->reasons, "MAIL FROM is ambiguous: %s", w);
            g_free(w);
        }
    }
}

/* Display names and comments showing another owner's address or domain. */
static void
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

/* Confusable names of different owners: two names of one organization
 * (mail1.example.com, maill.example.com) deceive nobody about the owner. */
static gboolean
other_owner_confusable(const char *a, const char *b)
{
    char *oa = owner_of(a), *ob = owner_of(b);
    gboolean r = !(oa && ob && strcmp(oa, ob) == 0) &&
                 smtpx_domains_confusable(a, b);

    g_free(oa);
    g_free(ob);
    return r;
}

/* A domain of the display name confusable with the mailbox's domain, or
 * NULL (new string: the shown domain). */
static char *
confusable_in_display(const smtpx_mailbox_t *mb)
{
    GPtrArray *tokens = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *domains = g_ptr_array_new_with_free_func(g_free);
    char *hit = NULL;
    guint i;

    display_name_domains(mb->display_name, tokens, domains);
    display_name_domains(mb->comments, tokens, domains);
    for (i = 0; i < domains->len && !hit; i++)
        if (other_owner_confusable(g_ptr_array_index(domains, i), mb->domain))
            hit = g_strdup(g_ptr_array_index(domains, i));
    g_ptr_array_unref(tokens);
    g_ptr_array_unref(domains);
    return hit;
}

/* Look-alike author domains (Unicode TS 39 through ICU): a suspect label, a
 * domain confusable with the envelope's, or with one the display name
 * shows. */
static void
judge_lookalike(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    guint i;

    for (i = 0; v->authors && i < v->authors->mailboxes->len && !v->lookalike; i++) {
        const smtpx_mailbox_t *mb = g_ptr_array_index(v->authors->mailboxes, i);
        char *why = NULL, *sd, *conf = NULL;

        if (!mb->domain)
            continue;
        sd = shown_str(mb->domain);
        if (lookalike_check(mb->domain, &why)) {
            v->lookalike = TRUE;
            add_reason(j->reasons, "author domain %s: %s", sd, why);
        } else if (v->envelope_domain &&
                   other_owner_confusable(mb->domain, v->envelope_domain)) {
            char *se = shown_str(v->envelope_domain);

            v->lookalike = TRUE;
            add_reason(j->reasons, "author domain %s is confusable with the "
                       "envelope domain %s (Unicode TS 39 4)", sd, se);
            g_free(se);
        } else if ((conf = confusable_in_display(mb)) != NULL) {
            char *sc = shown_str(conf);

            v->lookalike = TRUE;
            add_reason(j->reasons, "author domain %s is confusable with %s "
                       "shown in the display name (Unicode TS 39 4)", sd, sc);
            g_free(sc);
        }
        g_free(conf);
        g_free(why);
        g_free(sd);
    }
}

smtpx_verdict_t *
smtpx_authorship_judge(const smtpx_authorship_input_t *in)
{
    static const smtpx_authorship_input_t none;
    smtpx_address_list_t *sender_list = NULL;
    const smtpx_mailbox_t *sender = NULL;
    smtpx_verdict_t *v = g_new0(smtpx_verdict_t, 1);
    judge_t j;

    memset(&j, 0, sizeof j);
    j.in = in ? in : &none;
    j.h = j.in->headers;
    j.mf = j.in->mail_from;
    j.v = v;
    j.reasons = g_string_new(NULL);
    j.notes = g_string_new(NULL);
    v->decided = TRUE;
    v->dkim_domains = g_ptr_array_new_with_free_func(g_free);

    judge_fields(&j);
    judge_missing(&j);
    judge_from_fields(&j);
    if (j.n_mailboxes > 1)
        sender = judge_several_authors(&j, &sender_list);
    judge_identity(&j, sender);
    judge_envelope(&j);
    judge_exceptions(&j);
    judge_dkim(&j);
    judge_ambiguity(&j);
    judge_display_names(&j);
    judge_lookalike(&j);

    v->forged = !(j.env_aligned || v->exception || v->dkim_aligned) ||
                v->ambiguous || v->missing || v->multiple ||
                v->display_name_spoof || v->lookalike;
    v->reasons = g_string_free(j.reasons, FALSE);
    v->notes = g_string_free(j.notes, FALSE);

    smtpx_address_list_free(sender_list);
    g_free(j.judged_domain);
    g_free(j.judged_norm);
    g_free(j.judged_org);
    g_free(j.env_norm);
    g_free(j.shown_author);
    g_free(j.author_phrase);
    return v;
}

void
smtpx_verdict_free(smtpx_verdict_t *v)
{
    if (!v)
        return;
    g_free(v->from_field);
    if (v->authors)
        smtpx_address_list_free(v->authors);
    g_free(v->from_domain);
    g_free(v->org_domain);
    g_free(v->envelope_domain);
    g_free(v->envelope_org_domain);
    if (v->dkim_domains)
        g_ptr_array_unref(v->dkim_domains);
    g_free(v->sender);
    g_free(v->reply_to);
    g_free(v->return_path);
    g_free(v->exception_rule);
    g_free(v->reasons);
    g_free(v->notes);
    g_free(v);
}
