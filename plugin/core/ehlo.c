/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ehlo.c - the EHLO reply: server domain, extension keywords and their typed
 * parameters.  See ehlo.h for the contract.
 *
 * Grammar (RFC 5321 section 4.1.1.1):
 *   ehlo-ok-rsp  = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
 *                / ( "250-" Domain [ SP ehlo-greet ] CRLF
 *                    *( "250-" ehlo-line CRLF ) "250" SP ehlo-line CRLF )
 *   ehlo-line    = ehlo-keyword *( SP ehlo-param )
 *   ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
 *   ehlo-param   = 1*(%d33-126)
 * Keywords are case-insensitive (RFC 5321 section 2.4); they are stored
 * upper-cased.
 */
#include <string.h>

#include "ehlo.h"

/* Distinct AUTH mechanisms kept per EHLO reply; more are dropped. */
#define SMTPX_EHLO_MAX_AUTH_MECHANISMS 64

/* A span inside a longer buffer. */
typedef struct {
    const guint8 *p;
    gsize len;
} span_t;

static gboolean
is_sp(guint8 c)
{
    return c == ' ' || c == '\t';
}


/* ASCII case-insensitive equality of a span and a NUL-terminated word. */
static gboolean
span_equal(const guint8 *p, gsize len, const char *word)
{
    gsize n = strlen(word);

    return len == n && g_ascii_strncasecmp((const char *)p, word, n) == 0;
}

/*
 * Splits span s at runs of SP/HTAB.  *pos is the cursor; returns FALSE at
 * the end.  Never reads outside s.
 */
static gboolean
next_word(span_t s, gsize *pos, span_t *word)
{
    gsize i = *pos, start;

    while (i < s.len && is_sp(s.p[i]))
        i++;
    if (i >= s.len) {
        *pos = i;
        return FALSE;
    }
    start = i;
    while (i < s.len && !is_sp(s.p[i]))
        i++;
    word->p = s.p + start;
    word->len = i - start;
    *pos = i;
    return TRUE;
}

/* Maps an upper-case keyword to its smtpx_ext_t bit; 0 when not tracked. */
static guint32
keyword_ext(const char *kw)
{
    static const struct {
        const char *name;
        guint32 bit;
    } table[] = {
        { "SIZE", SMTPX_EXT_SIZE },
        { "PIPELINING", SMTPX_EXT_PIPELINING },
        { "8BITMIME", SMTPX_EXT_8BITMIME },
        { "BINARYMIME", SMTPX_EXT_BINARYMIME },
        { "CHUNKING", SMTPX_EXT_CHUNKING },
        { "STARTTLS", SMTPX_EXT_STARTTLS },
        { "AUTH", SMTPX_EXT_AUTH },
        { "DSN", SMTPX_EXT_DSN },
        { "SMTPUTF8", SMTPX_EXT_SMTPUTF8 },
        { "ENHANCEDSTATUSCODES", SMTPX_EXT_ENHANCEDSTATUSCODES },
        { "LIMITS", SMTPX_EXT_LIMITS },
        { "REQUIRETLS", SMTPX_EXT_REQUIRETLS },
        { "DELIVERBY", SMTPX_EXT_DELIVERBY },
        { "MTRK", SMTPX_EXT_MTRK },
        { "BURL", SMTPX_EXT_BURL },
        { "VRFY", SMTPX_EXT_VRFY },
        { "ETRN", SMTPX_EXT_ETRN },
        { "MT-PRIORITY", SMTPX_EXT_MT_PRIORITY },
    };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(table); i++) {
        if (strcmp(kw, table[i].name) == 0)
            return table[i].bit;
    }
    return 0;
}

/* ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
static gboolean
keyword_syntax_ok(span_t kw)
{
    gsize i;

    if (kw.len == 0 || !g_ascii_isalnum(kw.p[0]))
        return FALSE;
    for (i = 1; i < kw.len; i++) {
        if (!g_ascii_isalnum(kw.p[i]) && kw.p[i] != '-')
            return FALSE;
    }
    return TRUE;
}

/* Every word is 1*(%d33-126) and words are separated by SP only. */
static gboolean
params_syntax_ok(span_t params)
{
    gsize i;

    for (i = 0; i < params.len; i++) {
        guint8 c = params.p[i];
        if (c == ' ')
            continue;
        if (c < 33 || c > 126)
            return FALSE;
    }
    return TRUE;
}

/*
 * SIZE parameter (RFC 1870 section 4): size-param = [1*DIGIT].  No number
 * or 0 means no fixed limit.  Sets *has_value and *value; returns FALSE for a
 * non-number, more than one word, or a value above 2^64-1 (then *has_value
 * is FALSE and *value 0).
 */
static gboolean
parse_size_param(span_t params, gboolean *has_value, guint64 *value)
{
    gsize pos = 0, i;
    span_t w, extra;
    guint64 v = 0;

    *has_value = FALSE;
    *value = 0;
    if (!next_word(params, &pos, &w))
        return TRUE;
    if (next_word(params, &pos, &extra))
        return FALSE;
    for (i = 0; i < w.len; i++) {
        guint d;
        if (!g_ascii_isdigit(w.p[i]))
            return FALSE;
        d = (guint)(w.p[i] - '0');
        if (v > (G_MAXUINT64 - d) / 10)
            return FALSE;
        v = v * 10 + d;
    }
    *has_value = TRUE;
    *value = v;
    return TRUE;
}

/* sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / "-" / "_"
 * (RFC 4422 section 3.1).  Lower case is accepted: keywords are
 * case-insensitive in practice. */
static gboolean
sasl_mech_ok(span_t m)
{
    gsize i;

    if (m.len == 0 || m.len > 20)
        return FALSE;
    for (i = 0; i < m.len; i++) {
        guint8 c = m.p[i];
        if (!g_ascii_isalnum(c) && c != '-' && c != '_')
            return FALSE;
    }
    return TRUE;
}

/*
 * AUTH parameters (RFC 4954 section 3): a space-separated list of SASL
 * mechanisms.  Adds each, upper-cased, to mechs (when not NULL) without
 * duplicates and up to SMTPX_EHLO_MAX_AUTH_MECHANISMS.  Returns FALSE when
 * the list is empty or a name breaks the sasl-mech grammar (such a name is
 * still added: the analyst should see what was offered).
 */
static gboolean
parse_auth_param(span_t params, GPtrArray *mechs)
{
    gsize pos = 0;
    span_t w;
    gboolean ok = TRUE, any = FALSE;

    while (next_word(params, &pos, &w)) {
        char *name;
        guint i;
        gboolean dup = FALSE;

        any = TRUE;
        if (!sasl_mech_ok(w))
            ok = FALSE;
        if (mechs == NULL || mechs->len >= SMTPX_EHLO_MAX_AUTH_MECHANISMS)
            continue;
        name = smtpx_printable_upper(w.p, w.len);
        for (i = 0; i < mechs->len; i++) {
            if (strcmp(name, g_ptr_array_index(mechs, i)) == 0) {
                dup = TRUE;
                break;
            }
        }
        if (dup)
            g_free(name);
        else
            g_ptr_array_add(mechs, name);
    }
    return ok && any;
}

/*
 * A registered LIMITS value (RFC 9422 sections 4.1 to 4.3): a positive
 * number of at most 6 digits without a leading zero.  Returns 0 when the
 * value breaks that syntax.
 */
static guint32
limit_number(span_t v)
{
    guint32 n = 0;
    gsize i;

    if (v.len == 0 || v.len > 6 || v.p[0] == '0')
        return 0;
    for (i = 0; i < v.len; i++) {
        if (!g_ascii_isdigit(v.p[i]))
            return 0;
        n = n * 10 + (guint32)(v.p[i] - '0');
    }
    return n;
}

/*
 * LIMITS parameters (RFC 9422 section 3):
 *   limits-param     = limit-name-value 0*[SP limit-name-value]
 *   limit-name-value = limit-name ["=" limit-value]
 *   limit-name       = 1*(ALPHA / DIGIT / "-" / "_")
 *   limit-value      = 1*(%x21-3A / %x3C-7E)
 * RCPTMAX, MAILMAX and RCPTDOMAINMAX fill ehlo (when not NULL; the first
 * occurrence wins); other names are ignored, as the RFC asks of clients.
 * Returns FALSE on a grammar error or a bad value for a registered name
 * (that value is ignored and stays 0).
 */
static gboolean
parse_limits_param(span_t params, smtpx_ehlo_t *ehlo)
{
    gsize pos = 0;
    span_t w;
    gboolean ok = TRUE, any = FALSE;

    while (next_word(params, &pos, &w)) {
        span_t name = w, value = { NULL, 0 };
        gboolean has_value = FALSE;
        gsize i;
        guint32 *slot = NULL;
        guint32 n;

        any = TRUE;
        for (i = 0; i < w.len; i++) {
            if (w.p[i] == '=') {
                name.len = i;
                value.p = w.p + i + 1;
                value.len = w.len - i - 1;
                has_value = TRUE;
                break;
            }
        }
        if (name.len == 0)
            ok = FALSE;
        for (i = 0; i < name.len; i++) {
            if (!g_ascii_isalnum(name.p[i]) && name.p[i] != '-' && name.p[i] != '_')
                ok = FALSE;
        }
        if (has_value) {
            if (value.len == 0)
                ok = FALSE;
            for (i = 0; i < value.len; i++) {
                if (value.p[i] < 0x21 || value.p[i] > 0x7e || value.p[i] == ';')
                    ok = FALSE;
            }
        }

        if (span_equal(name.p, name.len, "RCPTMAX"))
            slot = ehlo ? &ehlo->limits_rcptmax : NULL;
        else if (span_equal(name.p, name.len, "MAILMAX"))
            slot = ehlo ? &ehlo->limits_mailmax : NULL;
        else if (span_equal(name.p, name.len, "RCPTDOMAINMAX"))
            slot = ehlo ? &ehlo->limits_rcptdomainmax : NULL;
        else
            continue;

        n = has_value ? limit_number(value) : 0;
        if (n == 0)
            ok = FALSE;
        else if (slot != NULL && *slot == 0)
            *slot = n;
    }
    return ok && any;
}

/*
 * Parses one keyword line; *params_out receives the raw parameter span
 * (len 0 when there is none) so that the caller can read typed values.
 */
static smtpx_ehlo_capability_t *
capability_parse(const guint8 *text, gsize len, span_t *params_out)
{
    smtpx_ehlo_capability_t *cap = smtpx_new0(smtpx_ehlo_capability_t);
    span_t kw, params = { NULL, 0 };
    gsize i = 0;
    gboolean valid = TRUE;

    if (text == NULL || len == 0) {
        text = (const guint8 *)"";
        len = 0;
    }

    /* Leading blanks are not allowed by the grammar; skip them anyway. */
    while (i < len && is_sp(text[i])) {
        i++;
        valid = FALSE;
    }
    kw.p = text + i;
    while (i < len && !is_sp(text[i]) && text[i] != '=')
        i++;
    kw.len = (gsize)((text + i) - kw.p);
    if (!keyword_syntax_ok(kw))
        valid = FALSE;
    cap->keyword = smtpx_printable_upper(kw.p, kw.len);

    if (i < len && text[i] == '=') {
        /* "AUTH=LOGIN PLAIN": the form some servers add for old clients. */
        cap->obsolete_form = TRUE;
        if (strcmp(cap->keyword, "AUTH") != 0)
            valid = FALSE;
        i++;
    } else {
        while (i < len && is_sp(text[i]))
            i++;
    }
    /* Trailing blanks are dropped from the parameters. */
    while (len > i && is_sp(text[len - 1]))
        len--;
    if (i < len) {
        params.p = text + i;
        params.len = len - i;
        cap->params = smtpx_printable(params.p, params.len);
        if (!params_syntax_ok(params))
            valid = FALSE;
    }

    cap->ext = keyword_ext(cap->keyword);
    switch (cap->ext) {
    case SMTPX_EXT_SIZE: {
        gboolean has_value;
        guint64 value;
        if (!parse_size_param(params, &has_value, &value))
            valid = FALSE;
        break;
    }
    case SMTPX_EXT_AUTH:
        if (!parse_auth_param(params, NULL))
            valid = FALSE;
        break;
    case SMTPX_EXT_LIMITS:
        if (!parse_limits_param(params, NULL))
            valid = FALSE;
        break;
    default:
        break;
    }

    if (kw.len == 0)
        valid = FALSE;
    cap->valid = valid;
    if (params_out != NULL)
        *params_out = params;
    return cap;
}

/*
 * smtpx_ehlo_capability_parse - see ehlo.h.  text/len is one keyword
 * line's text, not NUL-terminated; text may be NULL when len is 0.  Checks
 * the ehlo-line grammar plus the parameter syntax of SIZE (RFC 1870), AUTH
 * (RFC 4954, RFC 4422 sasl-mech) and LIMITS (RFC 9422).
 */
smtpx_ehlo_capability_t *
smtpx_ehlo_capability_parse(const guint8 *text, gsize len)
{
    return capability_parse(text, len, NULL);
}

void
smtpx_ehlo_capability_free(smtpx_ehlo_capability_t *cap)
{
    if (cap == NULL)
        return;
    g_free(cap->keyword);
    g_free(cap->params);
    g_free(cap);
}

static void
capability_free_cb(gpointer p)
{
    smtpx_ehlo_capability_free(p);
}

/* TRUE when text (NUL-terminated) is "OK" with optional blanks around. */
static gboolean
is_ok_trailer(const char *text)
{
    gsize len = strlen(text), start = 0;

    while (start < len && is_sp((guint8)text[start]))
        start++;
    while (len > start && is_sp((guint8)text[len - 1]))
        len--;
    return span_equal((const guint8 *)text + start, len - start, "OK");
}

/*
 * smtpx_ehlo_parse - see ehlo.h.
 *
 * reply->lines are the printable texts the reply parser stored, so control
 * bytes arrive as "\xNN" escapes and break the keyword grammar as they
 * should.  The first line gives domain (first word, as sent) and greeting
 * (the rest after the blanks, or NULL).  Every later line is a keyword line,
 * except that a last line reading "OK" (Microsoft Exchange ends its EHLO
 * reply with "250 OK") is not an extension and is skipped.  Keywords are
 * listed once each in `keywords` even when a server repeats one (for
 * instance "AUTH LOGIN" and "AUTH=LOGIN"); `capabilities` keeps every line.
 * SIZE, AUTH and LIMITS fill the typed members; the first SIZE line wins.
 * The reply code is not checked: pass a 250 reply.
 */
/* Whether the keyword of the last capability of caps is that of an earlier
 * one.  A linear scan: at most SMTPX_EHLO_MAX_KEYWORDS lines are kept, and
 * a reply has a dozen, where a hash table costs more to make than to use. */
static gboolean
keyword_kept_before(const GPtrArray *caps)
{
    const smtpx_ehlo_capability_t *last = g_ptr_array_index(caps, caps->len - 1);
    guint j;

    for (j = 0; j + 1 < caps->len; j++) {
        const smtpx_ehlo_capability_t *c = g_ptr_array_index(caps, j);

        if (strcmp(c->keyword, last->keyword) == 0)
            return TRUE;
    }
    return FALSE;
}

smtpx_ehlo_t *
smtpx_ehlo_parse(const smtpx_reply_t *reply)
{
    smtpx_ehlo_t *ehlo;
    GString *kws;
    const char *first;
    gsize flen, i, start;
    guint n;

    if (reply == NULL || reply->lines == NULL || reply->lines->len == 0)
        return NULL;

    ehlo = smtpx_new0(smtpx_ehlo_t);
    ehlo->capabilities = g_ptr_array_new_with_free_func(capability_free_cb);
    ehlo->auth_mechanisms = g_ptr_array_new_with_free_func(g_free);
    kws = g_string_new(NULL);

    first = g_ptr_array_index(reply->lines, 0);
    flen = strlen(first);
    i = 0;
    while (i < flen && is_sp((guint8)first[i]))
        i++;
    start = i;
    while (i < flen && !is_sp((guint8)first[i]))
        i++;
    if (i > start) {
        ehlo->domain = g_strndup(first + start, i - start);
        ehlo->domain_offset = start;
        ehlo->domain_length = i - start;
    }
    while (i < flen && is_sp((guint8)first[i]))
        i++;
    if (i < flen)
        ehlo->greeting = g_strdup(first + i);

    for (n = 1; n < reply->lines->len; n++) {
        const char *text = g_ptr_array_index(reply->lines, n);
        smtpx_ehlo_capability_t *cap;
        span_t params;
        gboolean kept;

        if (n + 1 == reply->lines->len && is_ok_trailer(text))
            break;
        cap = capability_parse((const guint8 *)text, strlen(text), &params);
        cap->line = n;
        ehlo->ext_mask |= cap->ext;
        kept = ehlo->capabilities->len < SMTPX_EHLO_MAX_KEYWORDS;
        if (kept)
            g_ptr_array_add(ehlo->capabilities, cap);
        else
            ehlo->keywords_dropped++;

        /* Listed once: the first kept line of each keyword adds it. */
        if (kept && cap->keyword[0] != '\0' && !keyword_kept_before(ehlo->capabilities)) {
            if (kws->len > 0)
                g_string_append_c(kws, ' ');
            g_string_append(kws, cap->keyword);
        }

        switch (cap->ext) {
        case SMTPX_EXT_SIZE:
            if (!ehlo->size_present) {
                ehlo->size_present = TRUE;
                (void)parse_size_param(params, &ehlo->size_has_value,
                                       &ehlo->size_limit);
            }
            break;
        case SMTPX_EXT_AUTH:
            (void)parse_auth_param(params, ehlo->auth_mechanisms);
            break;
        case SMTPX_EXT_LIMITS:
            ehlo->limits_present = TRUE;
            (void)parse_limits_param(params, ehlo);
            break;
        default:
            break;
        }
        if (!kept)
            smtpx_ehlo_capability_free(cap);
    }

    ehlo->keywords = g_string_free(kws, FALSE);
    return ehlo;
}

void
smtpx_ehlo_free(smtpx_ehlo_t *ehlo)
{
    if (ehlo == NULL)
        return;
    g_free(ehlo->domain);
    g_free(ehlo->greeting);
    if (ehlo->capabilities != NULL)
        g_ptr_array_free(ehlo->capabilities, TRUE);
    g_free(ehlo->keywords);
    if (ehlo->auth_mechanisms != NULL)
        g_ptr_array_free(ehlo->auth_mechanisms, TRUE);
    g_free(ehlo);
}

/* See ehlo.h.  NULL ehlo or mech gives FALSE. */
gboolean
smtpx_ehlo_has_auth_mechanism(const smtpx_ehlo_t *ehlo, const char *mech)
{
    guint i;

    if (ehlo == NULL || mech == NULL || ehlo->auth_mechanisms == NULL)
        return FALSE;
    for (i = 0; i < ehlo->auth_mechanisms->len; i++) {
        if (g_ascii_strcasecmp(g_ptr_array_index(ehlo->auth_mechanisms, i),
                               mech) == 0)
            return TRUE;
    }
    return FALSE;
}
