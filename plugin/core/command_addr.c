/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * command_addr.c - the pieces of a path: IPv4 and IPv6 literals, domains,
 * address literals, local parts (RFC 5321 4.1.2, 4.1.3; RFC 6531 3.3), and
 * skipping comments and quoted strings.  See command_internal.h.
 */
#include "command_internal.h"

/* Longest text an IPv6 address can have (with an embedded IPv4 part). */
#define IPV6_MAX_TEXT 45

/* IPv4-address-literal body (RFC 5321 4.1.3): Snum 3("." Snum), Snum is
 * 1*3DIGIT with a value of 0 to 255. */
gboolean
is_ipv4(const guint8 *p, gsize len)
{
    gsize i = 0;
    int part;

    for (part = 0; part < 4; part++) {
        guint v = 0;
        gsize n = 0;

        if (part > 0) {
            if (i >= len || p[i] != '.')
                return FALSE;
            i++;
        }
        while (i < len && g_ascii_isdigit(p[i]) && n < 4) {
            v = v * 10 + (guint)(p[i] - '0');
            i++;
            n++;
        }
        if (n == 0 || n > 3 || v > 255)
            return FALSE;
    }
    return i == len;
}

/* IPv6-addr (RFC 5321 4.1.3, RFC 4291 2.2 text forms, no zone index). */
gboolean
is_ipv6(const guint8 *p, gsize len)
{
    char buf[IPV6_MAX_TEXT + 1];
    gsize i;
    gboolean colon = FALSE;

    if (len < 2 || len > IPV6_MAX_TEXT)
        return FALSE;
    for (i = 0; i < len; i++) {
        if (p[i] == ':')
            colon = TRUE;
        else if (!g_ascii_isxdigit(p[i]) && p[i] != '.')
            return FALSE;
    }
    if (!colon)
        return FALSE;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return g_hostname_is_ip_address(buf);
}

/*
 * Domain (RFC 5321 4.1.2): sub-domain *("." sub-domain), sub-domain =
 * Let-dig [Ldh-str]; RFC 6531 section 3.3 adds U-labels, accepted here as
 * labels of valid UTF-8 without ASCII specials (no IDNA table check).
 * Labels are 1 to 63 octets, the whole at most 255 (RFC 5321 4.5.3.1.2).
 * A trailing dot is not allowed.  *non_ascii is set when a byte >= 0x80 is
 * seen (non_ascii may be NULL).
 */
gboolean
domain_ok(const guint8 *p, gsize len, gboolean *non_ascii)
{
    gsize i = 0;

    if (len == 0 || len > 255)
        return FALSE;
    while (i <= len) {
        gsize start = i, n;
        gboolean utf8 = FALSE;

        while (i < len && p[i] != '.')
            i++;
        n = i - start;
        if (n == 0 || n > 63)
            return FALSE;
        for (gsize k = start; k < i; k++) {
            guint8 c = p[k];
            if (c >= 0x80) {
                utf8 = TRUE;
                continue;
            }
            if (!g_ascii_isalnum(c) && c != '-')
                return FALSE;
        }
        if (utf8) {
            if (non_ascii != NULL)
                *non_ascii = TRUE;
            if (!g_utf8_validate_len((const char *)p + start, n, NULL))
                return FALSE;
        }
        if (p[start] == '-' || p[i - 1] == '-')
            return FALSE;
        if (i == len)
            break;
        i++;            /* the dot */
        if (i == len)
            return FALSE;   /* trailing dot */
    }
    return TRUE;
}

/*
 * address-literal (RFC 5321 4.1.3): "[" ( IPv4-address-literal /
 * IPv6-address-literal / General-address-literal ) "]".
 * General-address-literal = Standardized-tag ":" 1*dcontent, dcontent =
 * %d33-90 / %d94-126.  p/len includes the brackets.
 */
gboolean
address_literal_ok(const guint8 *p, gsize len)
{
    const guint8 *c;
    gsize n, i, colon;

    if (len < 2 || p[0] != '[' || p[len - 1] != ']')
        return FALSE;
    c = p + 1;
    n = len - 2;
    if (is_ipv4(c, n))
        return TRUE;
    if (n > 5 && g_ascii_strncasecmp((const char *)c, "IPv6:", 5) == 0)
        return is_ipv6(c + 5, n - 5);
    /* General-address-literal: Ldh-str ":" 1*dcontent */
    for (colon = 0; colon < n && c[colon] != ':'; colon++)
        ;
    if (colon == 0 || colon >= n - 1 || !g_ascii_isalnum(c[0]) ||
        c[colon - 1] == '-')
        return FALSE;
    for (i = 0; i < colon; i++) {
        if (!g_ascii_isalnum(c[i]) && c[i] != '-')
            return FALSE;
    }
    for (i = colon + 1; i < n; i++) {
        if (c[i] < 33 || c[i] > 126 || c[i] == '[' || c[i] == ']' || c[i] == '\\')
            return FALSE;
    }
    return TRUE;
}

/* atext (RFC 5322 3.2.3) as RFC 5321 Atom uses it. */
gboolean
is_atext(guint8 c)
{
    return g_ascii_isalnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * Local-part = Dot-string / Quoted-string (RFC 5321 4.1.2), with RFC 6531
 * section 3.3 UTF-8 in atext and qtextSMTP.  Sets QUOTED_LOCAL or
 * BAD_LOCAL_PART in *flags.
 */
void
check_local_part(const guint8 *p, gsize len, guint32 *flags)
{
    gsize i;

    if (len == 0) {
        *flags |= SMTPX_PATH_BAD_LOCAL_PART;
        return;
    }
    if (!g_utf8_validate_len((const char *)p, len, NULL)) {
        *flags |= SMTPX_PATH_BAD_LOCAL_PART;
        return;
    }
    if (p[0] == '"') {
        /* Quoted-string = DQUOTE *QcontentSMTP DQUOTE */
        for (i = 1; i < len; i++) {
            guint8 c = p[i];
            if (c == '\\') {
                if (i + 1 >= len || p[i + 1] < 32 || p[i + 1] > 126) {
                    *flags |= SMTPX_PATH_BAD_LOCAL_PART;
                    return;
                }
                i++;
            } else if (c == '"') {
                break;
            } else if (c < 32 || c == 127) {
                *flags |= SMTPX_PATH_BAD_LOCAL_PART;
                return;
            }
        }
        if (i >= len) {
            /* No closing quote: the caller flags UNBALANCED. */
            *flags |= SMTPX_PATH_BAD_LOCAL_PART;
            return;
        }
        *flags |= SMTPX_PATH_QUOTED_LOCAL;
        if (i != len - 1)
            *flags |= SMTPX_PATH_BAD_LOCAL_PART;   /* "a"b@c */
        return;
    }
    /* Dot-string = Atom *("." Atom) */
    if (p[0] == '.' || p[len - 1] == '.') {
        *flags |= SMTPX_PATH_BAD_LOCAL_PART;
        return;
    }
    for (i = 0; i < len; i++) {
        guint8 c = p[i];
        if (c == '.') {
            if (p[i + 1] == '.') {      /* i + 1 < len: p[len-1] != '.' */
                *flags |= SMTPX_PATH_BAD_LOCAL_PART;
                return;
            }
        } else if (c < 0x80 && !is_atext(c)) {
            *flags |= SMTPX_PATH_BAD_LOCAL_PART;
            return;
        }
    }
}

/* Checks a domain after '@' (plain or address literal); sets flags. */
void
check_domain(const guint8 *d, gsize len, guint32 *flags)
{
    gboolean non_ascii = FALSE;

    if (len > 0 && d[0] == '[') {
        *flags |= SMTPX_PATH_ADDRESS_LITERAL;
        if (!address_literal_ok(d, len))
            *flags |= SMTPX_PATH_BAD_DOMAIN;
        return;
    }
    if (is_ipv4(d, len) || is_ipv6(d, len)) {
        *flags |= SMTPX_PATH_BARE_IP;
        return;
    }
    if (!domain_ok(d, len, &non_ascii))
        *flags |= SMTPX_PATH_BAD_DOMAIN;
}

/*
 * Skips a comment "(...)" starting at p[*i] == '(' (nesting and
 * backslash quoting as in RFC 5322 3.2.2).  Returns FALSE when it is not
 * closed (then *i = len).
 */
gboolean
skip_comment(const guint8 *p, gsize len, gsize *i)
{
    gsize k = *i + 1;
    gsize depth = 1;

    while (k < len) {
        guint8 c = p[k];
        if (c == '\\') {
            k += 2;
            continue;
        }
        if (c == '(')
            depth++;
        else if (c == ')' && --depth == 0) {
            *i = k + 1;
            return TRUE;
        }
        k++;
    }
    *i = len;
    return FALSE;
}

/*
 * Skips a quoted string starting at p[*i] == '"'.  Returns FALSE when it is
 * not closed (then *i = len).
 */
gboolean
skip_quoted(const guint8 *p, gsize len, gsize *i)
{
    gsize k = *i + 1;

    while (k < len) {
        if (p[k] == '\\') {
            k += 2;
            continue;
        }
        if (p[k] == '"') {
            *i = k + 1;
            return TRUE;
        }
        k++;
    }
    *i = len;
    return FALSE;
}
