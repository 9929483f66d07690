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

/* RFC 1035 2.3.4 limits, used to refuse absurd "domains" early. */
#define DOMAIN_MAX_OCTETS 253
#define LABEL_MAX_OCTETS  63
/* Anything longer than this is not looked at as a domain at all. */
#define DOMAIN_INPUT_MAX  1024
/* Distinct scripts remembered per label; more than a few is mixed anyway. */
#define LABEL_MAX_SCRIPTS 8

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
     * public suffix itself (or a single label under the default rule). */
    reg = psl_registrable_domain(ctx, norm);
    return reg ? g_strdup(reg) : NULL;
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
/* Mixed scripts (UTS 39 section 5.2, "highly restrictive")             */
/* ------------------------------------------------------------------ */

/* TRUE when every script in set[0..n) is in allowed[0..n_allowed). */
static gboolean
scripts_within(const GUnicodeScript *set, guint n,
               const GUnicodeScript *allowed, guint n_allowed)
{
    guint i, j;

    for (i = 0; i < n; i++) {
        gboolean found = FALSE;

        for (j = 0; j < n_allowed && !found; j++)
            found = set[i] == allowed[j];
        if (!found)
            return FALSE;
    }
    return TRUE;
}

/*
 * label_mixes_scripts - label/len: one label as valid UTF-8 (a U-label or
 * ASCII).  Collects the Unicode Script property of each character; Common
 * (digits, '-') and Inherited (combining marks) belong to every script and
 * are skipped (UTS 39 section 5.1).  A label is mixed unless it has one
 * script or fits one of UTS 39's highly restrictive combinations: Latin +
 * Han + Hiragana + Katakana (Japanese), Latin + Han + Bopomofo (Chinese),
 * Latin + Han + Hangul (Korean).  When mixed and names is not NULL, the
 * ISO 15924 codes found ("Cyrl+Latn") are appended to it.
 */
static gboolean
label_mixes_scripts(const char *label, gsize len, GString *names)
{
    static const GUnicodeScript jpan[] = {
        G_UNICODE_SCRIPT_LATIN, G_UNICODE_SCRIPT_HAN,
        G_UNICODE_SCRIPT_HIRAGANA, G_UNICODE_SCRIPT_KATAKANA };
    static const GUnicodeScript hanb[] = {
        G_UNICODE_SCRIPT_LATIN, G_UNICODE_SCRIPT_HAN,
        G_UNICODE_SCRIPT_BOPOMOFO };
    static const GUnicodeScript kore[] = {
        G_UNICODE_SCRIPT_LATIN, G_UNICODE_SCRIPT_HAN,
        G_UNICODE_SCRIPT_HANGUL };
    GUnicodeScript set[LABEL_MAX_SCRIPTS];
    guint n = 0, i;
    const char *p = label, *end = label + len;
    gboolean mixed;

    while (p < end) {
        gunichar ch = g_utf8_get_char(p);
        GUnicodeScript sc = g_unichar_get_script(ch);
        gboolean seen = FALSE;

        p = utf8_next(p);
        if (sc == G_UNICODE_SCRIPT_COMMON || sc == G_UNICODE_SCRIPT_INHERITED)
            continue;
        for (i = 0; i < n && !seen; i++)
            seen = set[i] == sc;
        if (!seen && n < LABEL_MAX_SCRIPTS)
            set[n++] = sc;
    }
    if (n <= 1)
        return FALSE;
    mixed = !(scripts_within(set, n, jpan, G_N_ELEMENTS(jpan)) ||
              scripts_within(set, n, hanb, G_N_ELEMENTS(hanb)) ||
              scripts_within(set, n, kore, G_N_ELEMENTS(kore)));
    if (mixed && names) {
        for (i = 0; i < n; i++) {
            guint32 code = g_unicode_script_to_iso15924(set[i]);

            if (i > 0)
                g_string_append_c(names, '+');
            g_string_append_printf(names, "%c%c%c%c",
                                   (char)((code >> 24) & 0xff),
                                   (char)((code >> 16) & 0xff),
                                   (char)((code >> 8) & 0xff),
                                   (char)(code & 0xff));
        }
    }
    return mixed;
}

/*
 * lookalike_check - the work of smtpx_domain_is_lookalike.  When a label
 * mixes scripts and why is not NULL, *why gets words for it (new string).
 */
static gboolean
lookalike_check(const char *domain, char **why)
{
    char **labels;
    gsize len;
    guint i;
    gboolean found = FALSE;

    if (!domain)
        return FALSE;
    len = strlen(domain);
    if (len == 0 || len > DOMAIN_INPUT_MAX || !g_utf8_validate(domain, -1, NULL))
        return FALSE;

    labels = g_strsplit(domain, ".", -1);
    for (i = 0; labels[i] && !found; i++) {
        char *label = labels[i];
        gsize llen = strlen(label);
        char *ulabel = NULL;
        GString *names;

        if (llen == 0)
            continue;
        if (is_ascii(label, llen)) {
            char *lower = smtpx_ascii_lower_dup(label, llen);

            if (g_str_has_prefix(lower, "xn--")) {
                char *out = NULL;

                /* An A-label (RFC 5890 2.3.2.1): decode the Punycode.  A
                 * label that does not decode is no IDN a registry can
                 * hand out and is shown raw by every reader: not judged. */
                if (idn2_to_unicode_8z8z(lower, &out, 0) == IDN2_OK && out &&
                    g_utf8_validate(out, -1, NULL))
                    ulabel = g_strdup(out);
                idn2_free(out);
            }
            g_free(lower);
            if (!ulabel)
                continue;   /* plain ASCII: Latin only */
        } else {
            ulabel = g_strdup(label);
        }

        names = g_string_new(NULL);
        if (label_mixes_scripts(ulabel, strlen(ulabel), names)) {
            found = TRUE;
            if (why) {
                char *shown = smtpx_printable((const guint8 *)ulabel,
                                              strlen(ulabel));

                *why = g_strdup_printf("label \"%s\" mixes scripts %s",
                                       shown, names->str);
                g_free(shown);
            }
        }
        g_string_free(names, TRUE);
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
 * display_name_spoof_check - does the display name show an address or a
 * domain whose owner is not the owner of real_domain?  The name is first
 * put in Unicode NFKC so that full-width "＠" and "．" read as "@" and ".";
 * "。" and "｡" are read as dots too.  Then it is cut into tokens at white
 * space and punctuation.  A token with '@' shows the address after its last
 * '@'; a token without '@' counts only when its top-level label is on the
 * Public Suffix List.  The first offending token is returned (new string)
 * in *shown, its domain in *shown_domain.
 */
static gboolean
display_name_spoof_check(const char *display, const char *real_domain,
                         char **shown, char **shown_domain)
{
    char *valid, *nfkc;
    GString *tok;
    const char *p;
    gboolean spoof = FALSE;

    if (!display || !*display)
        return FALSE;
    valid = g_utf8_make_valid(display, -1);
    nfkc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);
    if (!nfkc)
        nfkc = g_strdup(valid);
    g_free(valid);

    tok = g_string_new(NULL);
    for (p = nfkc; !spoof; p = utf8_next(p)) {
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
            if (dom && !same_owner(dom, real_domain)) {
                spoof = TRUE;
                if (shown)
                    *shown = g_strdup(start);
                if (shown_domain)
                    *shown_domain = g_strdup(dom);
            }
            g_free(dom);
            g_string_truncate(tok, 0);
        }
        if (ch == 0 || *p == '\0')
            break;
    }
    g_string_free(tok, TRUE);
    g_free(nfkc);
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

/* Organizational domains of every author mailbox the same as the first's
 * (or the very same name when there is none)? */
static gboolean
authors_one_owner(const smtpx_address_list_t *authors)
{
    const smtpx_mailbox_t *first = g_ptr_array_index(authors->mailboxes, 0);
    char *first_norm = normalize_domain(first->domain);
    char *first_org = org_of_normalized(first_norm);
    gboolean same = TRUE;
    guint i;

    for (i = 1; i < authors->mailboxes->len && same; i++) {
        const smtpx_mailbox_t *mb = g_ptr_array_index(authors->mailboxes, i);
        char *norm = normalize_domain(mb->domain);
        char *org = org_of_normalized(norm);

        if (first_org && org)
            same = strcmp(first_org, org) == 0;
        else
            same = first_norm && norm && strcmp(first_norm, norm) == 0;
        g_free(norm);
        g_free(org);
    }
    g_free(first_norm);
    g_free(first_org);
    return same;
}

smtpx_verdict_t *
smtpx_authorship_judge(const smtpx_authorship_input_t *in)
{
    smtpx_verdict_t *v = g_new0(smtpx_verdict_t, 1);
    const smtpx_headers_t *h = in ? in->headers : NULL;
    const smtpx_path_t *mf = in ? in->mail_from : NULL;
    const smtpx_header_field_t *from = NULL;
    GString *reasons = g_string_new(NULL);
    gboolean env_aligned = FALSE;
    guint n_from = 0, n_mailboxes = 0, n_dkim_malformed = 0, i;
    char *from_norm = NULL;     /* normalized first author domain */
    char *env_norm = NULL;      /* normalized envelope domain */
    char *shown_author, *author_phrase, *shown_env;
    const char *dkim_aligned_domain = NULL;

    v->decided = TRUE;
    v->dkim_domains = g_ptr_array_new_with_free_func(g_free);

    /* ---- the header fields ---- */
    if (h) {
        n_from = smtpx_headers_count_name(h, "From");
        from = smtpx_headers_get(h, "From");
        v->sender = field_printable(h, "Sender");
        v->reply_to = field_printable(h, "Reply-To");
        v->return_path = field_printable(h, "Return-Path");
        for (i = 0; i < smtpx_headers_count(h); i++) {
            const smtpx_header_field_t *f = smtpx_headers_nth(h, i);
            char *d;

            if (!f || !f->name || g_ascii_strcasecmp(f->name, "DKIM-Signature") != 0)
                continue;
            /* A field without the tags RFC 6376 3.5 requires, or one that
             * does not sign From, vouches for no author: not counted. */
            if (!smtpx_dkim_signature_wellformed(f->value, f->value_len)) {
                n_dkim_malformed++;
                continue;
            }
            d = smtpx_dkim_signing_domain(f->value, f->value_len);
            if (d) {
                char *p = smtpx_printable((const guint8 *)d, strlen(d));

                g_free(d);
                g_ptr_array_add(v->dkim_domains, p);
            }
        }
    }
    if (from) {
        v->from_field = smtpx_printable(from->value, from->value_len);
        v->authors = smtpx_address_list_parse(from->value, from->value_len);
        n_mailboxes = v->authors->mailboxes->len;
        if (n_mailboxes > 0) {
            const smtpx_mailbox_t *first = g_ptr_array_index(v->authors->mailboxes, 0);

            if (first->domain && *first->domain)
                v->from_domain = g_strdup(first->domain);
        }
    }
    from_norm = normalize_domain(v->from_domain);
    v->org_domain = org_of_normalized(from_norm);
    shown_author = shown_str(v->from_domain);
    author_phrase = v->from_domain
        ? g_strdup_printf("author domain %s", shown_author)
        : g_strdup("an author (the From field gives no domain)");

    /* ---- missing (RFC 5322 3.6: From is required) ---- */
    if (!from) {
        v->missing = TRUE;
        add_reason(reasons, "no From field%s",
                   h && smtpx_headers_truncated(h)
                       ? " (the header section was cut at the size limit)" : "");
    } else if (n_mailboxes == 0) {
        v->missing = TRUE;
        add_reason(reasons, "the From field names no mailbox");
    } else if (!v->from_domain) {
        v->missing = TRUE;
        add_reason(reasons, "the From mailbox has no domain");
    }

    /* ---- multiple (RFC 5322 3.6 at most one From; 3.6.2 Sender) ---- */
    if (n_from > 1) {
        v->multiple = TRUE;
        add_reason(reasons, "%u From fields (RFC 5322 allows one); only the "
                   "first is judged, readers may show another", n_from);
    }
    if (n_mailboxes > 1) {
        if (!(h && smtpx_headers_get(h, "Sender"))) {
            v->multiple = TRUE;
            add_reason(reasons, "%u author mailboxes and no Sender field "
                       "(RFC 5322 3.6.2 requires one)", n_mailboxes);
        }
        if (!authors_one_owner(v->authors)) {
            v->multiple = TRUE;
            add_reason(reasons, "author mailboxes of different organizational "
                       "domains: only the first (%s) is judged", shown_author);
        }
    }

    /* ---- the envelope (RFC 7489 3.1, RFC 7208 2.4) ---- */
    if (!mf) {
        v->envelope_invalid = TRUE;
        add_reason(reasons, "no MAIL FROM seen: the envelope cannot back "
                   "%s", author_phrase);
    } else if (mf->null_path) {
        char *helo = in->helo ? g_strstrip(g_strdup(in->helo)) : NULL;

        env_norm = normalize_domain(helo);
        v->envelope_domain = env_norm ? g_strdup(env_norm) : NULL;
        v->envelope_org_domain = org_of_normalized(env_norm);
        if (!v->envelope_org_domain) {
            v->envelope_invalid = TRUE;
            if (!helo) {
                add_reason(reasons, "null reverse-path and no HELO seen: the "
                           "envelope cannot back %s", author_phrase);
            } else {
                char *shown_helo = shown_str(helo);

                add_reason(reasons, "null reverse-path and HELO %s %s: the "
                           "envelope cannot back %s", shown_helo,
                           env_norm ? "has no organizational domain"
                                    : "names no domain", author_phrase);
                g_free(shown_helo);
            }
        }
        g_free(helo);
    } else {
        if (mf->domain && *mf->domain)
            v->envelope_domain = g_strdup(mf->domain);
        env_norm = normalize_domain(v->envelope_domain);
        v->envelope_org_domain = org_of_normalized(env_norm);
        if ((mf->flags & PATH_NO_DOMAIN_FLAGS) || !v->envelope_org_domain) {
            char *shown_mb = shown_str(mf->mailbox);
            const char *what;

            if (!env_norm || (mf->flags & (SMTPX_PATH_NO_AT | SMTPX_PATH_BARE_IP |
                                           SMTPX_PATH_ADDRESS_LITERAL |
                                           SMTPX_PATH_EMPTY)))
                what = "gives no domain";
            else if (mf->flags & PATH_NO_DOMAIN_FLAGS)
                what = "is malformed";
            else
                what = "names a domain with no organizational domain";
            v->envelope_invalid = TRUE;
            add_reason(reasons, "MAIL FROM %s (%s): the envelope cannot back "
                       "%s", what, shown_mb, author_phrase);
            g_free(shown_mb);
        }
    }
    if (!v->envelope_invalid && !v->missing) {
        env_aligned = v->org_domain && v->envelope_org_domain &&
                      strcmp(v->org_domain, v->envelope_org_domain) == 0;
        if (!env_aligned) {
            v->envelope_mismatch = TRUE;
            shown_env = shown_str(v->envelope_domain);
            if (v->org_domain)
                add_reason(reasons, "%s domain %s (organizational domain %s) "
                           "is not aligned with author domain %s "
                           "(organizational domain %s)",
                           mf->null_path ? "HELO (null reverse-path)" : "MAIL FROM",
                           shown_env, v->envelope_org_domain, shown_author,
                           v->org_domain);
            else
                add_reason(reasons, "author domain %s has no organizational "
                           "domain: the %s domain %s cannot be aligned with it",
                           shown_author,
                           mf->null_path ? "HELO" : "MAIL FROM", shown_env);
            g_free(shown_env);
        }
    }

    /* ---- user exceptions ---- */
    if (!env_aligned && env_norm && from_norm && in && in->exceptions) {
        gsize k;

        for (k = 0; k < in->n_exceptions && !v->exception; k++) {
            const smtpx_exception_t *e = &in->exceptions[k];

            if (pattern_matches(e->envelope_domain, env_norm) &&
                pattern_matches(e->author_domain, from_norm)) {
                char *rule = g_strdup_printf("%s -> %s", e->envelope_domain,
                                             e->author_domain);

                v->exception = TRUE;
                v->exception_rule = smtpx_printable((const guint8 *)rule,
                                                    strlen(rule));
                g_free(rule);
                add_reason(reasons, "user exception %s lets the envelope "
                           "back the author", v->exception_rule);
            }
        }
    }

    /* ---- DKIM (RFC 6376 d=, aligned as in RFC 7489 3.1.1) ---- */
    if (v->org_domain) {
        for (i = 0; i < v->dkim_domains->len && !dkim_aligned_domain; i++) {
            const char *d = g_ptr_array_index(v->dkim_domains, i);
            char *dn = normalize_domain(d);
            char *dorg = org_of_normalized(dn);

            if (dorg && strcmp(dorg, v->org_domain) == 0)
                dkim_aligned_domain = d;
            g_free(dn);
            g_free(dorg);
        }
    }
    v->dkim_aligned = dkim_aligned_domain != NULL;
    if (!env_aligned && !v->exception && !v->missing) {
        if (v->dkim_aligned) {
            add_reason(reasons, "DKIM-Signature d=%s is aligned with author "
                       "domain %s (a claim, not verified by itself: see the DKIM result)",
                       dkim_aligned_domain, shown_author);
        } else if (v->dkim_domains->len == 0 && n_dkim_malformed) {
            add_reason(reasons, "no usable DKIM signature (%u DKIM-Signature "
                       "field%s without the tags RFC 6376 3.5 requires or not "
                       "signing From)", n_dkim_malformed,
                       n_dkim_malformed == 1 ? "" : "s");
        } else if (v->dkim_domains->len == 0) {
            add_reason(reasons, "no DKIM signature");
        } else {
            GString *ds = g_string_new(NULL);

            for (i = 0; i < v->dkim_domains->len; i++)
                g_string_append_printf(ds, "%s%s", i ? ", " : "",
                                       (const char *)g_ptr_array_index(v->dkim_domains, i));
            add_reason(reasons, "DKIM-Signature d=%s not aligned with author "
                       "domain %s", ds->str, shown_author);
            g_string_free(ds, TRUE);
        }
    }

    /* ---- ambiguity ---- */
    if (v->authors && (v->authors->flags & SMTPX_ADDR_AMBIGUOUS_FLAGS)) {
        char *w = smtpx_addr_flags_describe(v->authors->flags &
                                            SMTPX_ADDR_AMBIGUOUS_FLAGS);

        v->ambiguous = TRUE;
        add_reason(reasons, "From address is ambiguous: %s", w);
        g_free(w);
    }
    if (from && (from->flags & HDR_AMBIGUOUS_FLAGS)) {
        GString *w = g_string_new(NULL);

        if (from->flags & SMTPX_HDR_WS_BEFORE_COLON)
            g_string_append(w, ", white space before the colon");
        if (from->flags & SMTPX_HDR_FOLDED_NAME)
            g_string_append(w, ", field name folded onto the next line");
        if (from->flags & SMTPX_HDR_NUL)
            g_string_append(w, ", a NUL byte");
        if (from->flags & SMTPX_HDR_BARE_CR)
            g_string_append(w, ", a bare CR");
        if (from->flags & SMTPX_HDR_BLANK_CONTINUATION)
            g_string_append(w, ", a continuation line of white space only "
                            "(some parsers end the header section there)");
        if (from->flags & SMTPX_HDR_TRUNCATED)
            g_string_append(w, ", cut at the header size limit");
        v->ambiguous = TRUE;
        add_reason(reasons, "From field layout is ambiguous: %s", w->str + 2);
        g_string_free(w, TRUE);
    }
    if (h && (smtpx_headers_flags(h) & SMTPX_HDR_LEADING_WS)) {
        v->ambiguous = TRUE;
        add_reason(reasons, "the header section starts with white space");
    }
    for (i = 0; h && from && i < smtpx_headers_count(h); i++) {
        const smtpx_header_field_t *f = smtpx_headers_nth(h, i);

        if (!f || f == from)
            break;
        if (f->flags & SMTPX_HDR_BLANK_CONTINUATION) {
            v->ambiguous = TRUE;
            add_reason(reasons, "a white-space-only continuation line before "
                       "From ends the header section for some parsers");
            break;
        }
    }
    if (mf) {
        char *w = mail_from_ambiguity(mf);

        if (w) {
            v->ambiguous = TRUE;
            add_reason(reasons, "MAIL FROM is ambiguous: %s", w);
            g_free(w);
        }
    }

    /* ---- display-name spoofing and look-alike domains ---- */
    for (i = 0; v->authors && i < v->authors->mailboxes->len; i++) {
        const smtpx_mailbox_t *mb = g_ptr_array_index(v->authors->mailboxes, i);
        char *shown = NULL, *shown_domain = NULL, *why = NULL;

        /* The display name, then the comments: old mailers put the name
         * in a comment ("x@example.com (Name)", RFC 5322 3.4) and many
         * readers show it like a display name. */
        if (!v->display_name_spoof) {
            const char *where = NULL;

            if (display_name_spoof_check(mb->display_name, mb->domain,
                                         &shown, &shown_domain))
                where = "display name";
            else if (display_name_spoof_check(mb->comments, mb->domain,
                                              &shown, &shown_domain))
                where = "comment in the From address";
            if (where) {
                char *sn = shown_str(shown), *sa = shown_str(mb->address);

                v->display_name_spoof = TRUE;
                add_reason(reasons, "%s shows \"%s\" (%s) but the mailbox "
                           "is %s", where, sn, shown_domain, sa);
                g_free(sn);
                g_free(sa);
            }
        }
        g_free(shown);
        g_free(shown_domain);
        if (!v->lookalike && mb->domain && lookalike_check(mb->domain, &why)) {
            char *sd = shown_str(mb->domain);

            v->lookalike = TRUE;
            add_reason(reasons, "author domain %s: %s", sd, why);
            g_free(sd);
        }
        g_free(why);
    }

    v->forged = !(env_aligned || v->exception || v->dkim_aligned) ||
                v->ambiguous || v->missing || v->multiple ||
                v->display_name_spoof || v->lookalike;
    v->reasons = g_string_free(reasons, FALSE);

    g_free(shown_author);
    g_free(author_phrase);
    g_free(from_norm);
    g_free(env_norm);
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
    g_free(v);
}
