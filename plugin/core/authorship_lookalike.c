/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * authorship_lookalike.c - look-alike domains (Unicode TS 39 through ICU's
 * spoof checker, IDNA through libidn2): the public
 * smtpx_domain_is_lookalike / smtpx_domains_confusable (authorship.h) and
 * the verdict's look-alike step.
 */
#include "authorship_internal.h"

#include <idn2.h>
#include <unicode/uspoof.h>

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
/* Whether the ASCII domain d (len octets) has a label starting with "xn--"
 * in any case: the only ASCII labels ulabel_of() gives a U-label for. */
static gboolean
has_a_label_prefix(const char *d, gsize len)
{
    gsize i;

    for (i = 0; i + 4 <= len; i++)
        if ((i == 0 || d[i - 1] == '.') && g_ascii_strncasecmp(d + i, "xn--", 4) == 0)
            return TRUE;
    return FALSE;
}

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
    /* The usual case: ASCII without an A-label prefix has no U-label to
     * check, the label loop below would find nothing. */
    if (is_ascii(domain, len) && !has_a_label_prefix(domain, len))
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
    GPtrArray *tokens, *domains;
    char *hit = NULL;
    guint i;

    /* No name and no comment: nothing shown. */
    if ((!mb->display_name || !*mb->display_name) && (!mb->comments || !*mb->comments))
        return NULL;
    tokens = g_ptr_array_new_with_free_func(g_free);
    domains = g_ptr_array_new_with_free_func(g_free);
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
void
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
