/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * command_param.c - ESMTP parameters of MAIL and RCPT (RFC 5321 4.1.2
 * esmtp-param; SIZE RFC 1870, BODY RFC 6152 and RFC 3030, SMTPUTF8 RFC
 * 6531, DSN RFC 3461, REQUIRETLS RFC 8689).
 */
#include "command_internal.h"

/* ESMTP parameters kept per MAIL/RCPT command; more are still checked. */
#define SMTPX_PATH_MAX_PARAMS 64

void
param_free(gpointer p)
{
    smtpx_param_t *param = p;

    if (param == NULL)
        return;
    g_free(param->keyword);
    g_free(param->value);
    g_free(param->raw);
    g_free(param);
}

/* esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
static gboolean
esmtp_keyword_ok(const guint8 *p, gsize len)
{
    gsize i;

    if (len == 0 || !g_ascii_isalnum(p[0]))
        return FALSE;
    for (i = 1; i < len; i++) {
        if (!g_ascii_isalnum(p[i]) && p[i] != '-')
            return FALSE;
    }
    return TRUE;
}

/* esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 (RFC 6531 3.3). */
static gboolean
esmtp_value_ok(const guint8 *p, gsize len)
{
    gsize i;
    gboolean utf8 = FALSE;

    if (len == 0)
        return FALSE;
    for (i = 0; i < len; i++) {
        guint8 c = p[i];
        if (c >= 0x80)
            utf8 = TRUE;
        else if (c < 33 || c > 126 || c == '=')
            return FALSE;
    }
    return !utf8 || g_utf8_validate_len((const char *)p, len, NULL);
}

/* xtext (RFC 3461 section 4); allow_utf8 for RFC 6533 utf-8-addr forms. */
static gboolean
xtext_ok(const guint8 *p, gsize len, gboolean allow_utf8)
{
    gsize i;

    for (i = 0; i < len; i++) {
        guint8 c = p[i];
        if (c == '+') {
            if (i + 2 >= len)
                return FALSE;
            if (!(g_ascii_isdigit(p[i + 1]) || (p[i + 1] >= 'A' && p[i + 1] <= 'F')) ||
                !(g_ascii_isdigit(p[i + 2]) || (p[i + 2] >= 'A' && p[i + 2] <= 'F')))
                return FALSE;
            i += 2;
        } else if (c >= 0x80) {
            if (!allow_utf8)
                return FALSE;
        } else if (c < 33 || c > 126 || c == '=') {
            return FALSE;
        }
    }
    return !allow_utf8 || g_utf8_validate_len((const char *)p, len, NULL);
}

/* NOTIFY = "NEVER" / 1#( "SUCCESS" / "FAILURE" / "DELAY" ) (RFC 3461 4.1) */
static gboolean
notify_ok(const guint8 *p, gsize len)
{
    gsize s = 0;
    guint seen = 0;

    if (span_ieq(p, len, "NEVER"))
        return TRUE;
    while (s <= len) {
        gsize e = s;
        guint bit;
        while (e < len && p[e] != ',')
            e++;
        if (span_ieq(p + s, e - s, "SUCCESS"))
            bit = 1;
        else if (span_ieq(p + s, e - s, "FAILURE"))
            bit = 2;
        else if (span_ieq(p + s, e - s, "DELAY"))
            bit = 4;
        else
            return FALSE;
        if (seen & bit)
            return FALSE;
        seen |= bit;
        s = e + 1;
    }
    return TRUE;
}

/* ORCPT = addr-type ";" xtext, at most 500 characters (RFC 3461 4.2). */
static gboolean
orcpt_ok(const guint8 *p, gsize len)
{
    gsize semi, i;

    if (len == 0 || len > 500)
        return FALSE;
    for (semi = 0; semi < len && p[semi] != ';'; semi++)
        ;
    if (semi == 0 || semi >= len)
        return FALSE;
    for (i = 0; i < semi; i++) {
        if (!is_atext(p[i]))
            return FALSE;
    }
    return xtext_ok(p + semi + 1, len - semi - 1, TRUE);
}

/* Reads 1*20DIGIT into *out (RFC 1870 size-value); FALSE on overflow. */
static gboolean
parse_u64(const guint8 *p, gsize len, guint64 *out)
{
    guint64 v = 0;
    gsize i;

    if (len == 0 || len > 20)
        return FALSE;
    for (i = 0; i < len; i++) {
        guint d;
        if (!g_ascii_isdigit(p[i]))
            return FALSE;
        d = (guint)(p[i] - '0');
        if (v > (G_MAXUINT64 - d) / 10)
            return FALSE;
        v = v * 10 + d;
    }
    *out = v;
    return TRUE;
}

/*
 * The keywords SMTPX knows (SIZE RFC 1870 6, BODY RFC 6152 2 / RFC 3030 3,
 * SMTPUTF8 RFC 6531 3.4, REQUIRETLS RFC 8689 4.1, RET/ENVID/NOTIFY/ORCPT
 * RFC 3461 4): what they set in path, and TRUE when keyword (upper case)
 * stands on the wrong command or has a bad or missing value v[0..vlen).
 * Unknown keywords are never bad here.
 */
static gboolean
known_param_bad(smtpx_path_t *path, const char *keyword, const guint8 *v,
                gsize vlen, gboolean has_value, gboolean is_mail)
{
    gboolean bad = FALSE;

    if (strcmp(keyword, "SIZE") == 0) {
        /* RFC 1870 section 6: MAIL only, "SIZE=" 1*20DIGIT. */
        guint64 sz;
        if (!is_mail || !has_value || !parse_u64(v, vlen, &sz)) {
            bad = TRUE;
        } else if (!path->size_present) {
            path->size_present = TRUE;
            path->size = sz;
        }
    } else if (strcmp(keyword, "BODY") == 0) {
        /* RFC 6152 section 2, RFC 3030 section 3: 7BIT/8BITMIME/BINARYMIME. */
        if (!is_mail || !has_value)
            bad = TRUE;
        if (has_value) {
            if (path->body == NULL)
                path->body = smtpx_printable_upper(v, vlen);
            if (!span_ieq(v, vlen, "7BIT") && !span_ieq(v, vlen, "8BITMIME") &&
                !span_ieq(v, vlen, "BINARYMIME"))
                bad = TRUE;
        }
    } else if (strcmp(keyword, "SMTPUTF8") == 0) {
        /* RFC 6531 section 3.4: MAIL only, no value. */
        path->smtputf8 = TRUE;
        if (!is_mail || has_value)
            bad = TRUE;
    } else if (strcmp(keyword, "REQUIRETLS") == 0) {
        /* RFC 8689 section 4.1: MAIL only, no value. */
        path->requiretls = TRUE;
        if (!is_mail || has_value)
            bad = TRUE;
    } else if (strcmp(keyword, "RET") == 0) {
        /* RFC 3461 4.3: MAIL, FULL or HDRS. */
        path->dsn = TRUE;
        if (!is_mail || !has_value ||
            (!span_ieq(v, vlen, "FULL") && !span_ieq(v, vlen, "HDRS")))
            bad = TRUE;
    } else if (strcmp(keyword, "ENVID") == 0) {
        /* RFC 3461 4.4: MAIL, xtext, at most 100 characters. */
        path->dsn = TRUE;
        if (!is_mail || !has_value || vlen == 0 || vlen > 100 ||
            !xtext_ok(v, vlen, FALSE))
            bad = TRUE;
    } else if (strcmp(keyword, "NOTIFY") == 0) {
        /* RFC 3461 4.1: RCPT. */
        path->dsn = TRUE;
        if (is_mail || !has_value || !notify_ok(v, vlen))
            bad = TRUE;
    } else if (strcmp(keyword, "ORCPT") == 0) {
        /* RFC 3461 4.2: RCPT. */
        path->dsn = TRUE;
        if (is_mail || !has_value || !orcpt_ok(v, vlen))
            bad = TRUE;
    }
    return bad;
}

/*
 * Interprets one "KEY[=value]" word after the path.  A word whose keyword
 * breaks the esmtp-keyword grammar is TRAILING_JUNK and not stored; a
 * known keyword on the wrong command, with a bad or missing value, or
 * repeated, is BAD_PARAM.  Unknown keywords are stored as they are.
 */
void
parse_param(smtpx_path_t *path, const guint8 *w, gsize wlen, gboolean is_mail,
            gsize at)
{
    gsize eq = 0;
    const guint8 *v = NULL;
    gsize vlen = 0;
    gboolean has_value = FALSE;
    smtpx_param_t *param;
    guint i;
    gboolean bad = FALSE;

    while (eq < wlen && w[eq] != '=')
        eq++;
    if (eq < wlen) {
        has_value = TRUE;
        v = w + eq + 1;
        vlen = wlen - eq - 1;
    }
    if (!esmtp_keyword_ok(w, eq)) {
        path->flags |= SMTPX_PATH_TRAILING_JUNK;
        return;
    }

    param = smtpx_new0(smtpx_param_t);
    param->keyword = smtpx_printable_upper(w, eq);
    param->value = has_value ? smtpx_printable(v, vlen) : NULL;
    param->raw = smtpx_printable(w, wlen);
    param->offset = at;
    param->length = wlen;

    if (has_value && !esmtp_value_ok(v, vlen))
        bad = TRUE;
    for (i = 0; i < path->params->len; i++) {
        const smtpx_param_t *o = g_ptr_array_index(path->params, i);
        if (strcmp(o->keyword, param->keyword) == 0)
            bad = TRUE;     /* repeated (RFC 3461 4: MUST NOT repeat) */
    }

    if (known_param_bad(path, param->keyword, v, vlen, has_value, is_mail))
        bad = TRUE;

    if (bad)
        path->flags |= SMTPX_PATH_BAD_PARAM;
    if (path->params->len < SMTPX_PATH_MAX_PARAMS)
        g_ptr_array_add(path->params, param);
    else
        param_free(param);
}
