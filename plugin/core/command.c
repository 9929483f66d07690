/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * command.c - SMTP command lines and their arguments: verbs (RFC 5321
 * section 4.1), reverse-path and forward-path (section 4.1.2), ESMTP
 * parameters (RFC 1869/5321 esmtp-param, SIZE RFC 1870, BODY RFC 6152 and
 * RFC 3030, SMTPUTF8 RFC 6531, DSN RFC 3461, REQUIRETLS RFC 8689), the
 * EHLO/HELO argument (section 4.1.1.1), BDAT (RFC 3030 section 3) and AUTH
 * (RFC 4954 section 4).  See command.h for the contract.
 *
 * Every parser reads only inside the span it is given, never fails, and
 * puts only smtpx_printable() strings into the structures it returns.
 */
#include <string.h>

#include "command.h"

/* ESMTP parameters kept per MAIL/RCPT command; more are still checked. */
#define SMTPX_PATH_MAX_PARAMS 64

/* Longest text an IPv6 address can have (with an embedded IPv4 part). */
#define IPV6_MAX_TEXT 45

static gboolean
is_blank(guint8 c)
{
    return c == ' ' || c == '\t';
}


/* Lower-cases the ASCII letters of data/len, then makes it printable. */
static char *
printable_lower(const guint8 *data, gsize len)
{
    char *tmp, *out;

    if (len == 0)
        return g_strdup("");
    tmp = smtpx_ascii_lower_dup((const char *)data, len);
    out = smtpx_printable((const guint8 *)tmp, len);
    g_free(tmp);
    return out;
}

/* ASCII case-insensitive equality of a span and a NUL-terminated word. */
static gboolean
span_ieq(const guint8 *p, gsize len, const char *word)
{
    gsize n = strlen(word);

    return len == n && (n == 0 || g_ascii_strncasecmp((const char *)p, word, n) == 0);
}

/* ------------------------------------------------------------------ */
/* Verbs                                                                */
/* ------------------------------------------------------------------ */

static const struct {
    smtpx_verb_t verb;
    const char *name;
    const char *lookalike;
} verb_table[] = {
#define SMTPX_VERB(id, name, lookalike) { SMTPX_VERB_##id, name, lookalike },
#include "verbs.def"
#undef SMTPX_VERB
};
G_STATIC_ASSERT(G_N_ELEMENTS(verb_table) == SMTPX_VERB_COUNT - 1);

/* See command.h.  Unknown or out-of-range values give "". */
const char *
smtpx_verb_name(smtpx_verb_t verb)
{
    if (verb > SMTPX_VERB_UNKNOWN && verb < SMTPX_VERB_COUNT)
        return verb_table[verb - 1].name;
    return "";
}

/* See command.h. */
const char *
smtpx_verb_lookalike(smtpx_verb_t verb)
{
    if (verb > SMTPX_VERB_UNKNOWN && verb < SMTPX_VERB_COUNT)
        return verb_table[verb - 1].lookalike;
    return NULL;
}

/*
 * smtpx_command_parse - see command.h.
 *
 * The verb is everything up to the first SP or HTAB (RFC 5321 4.1.1 puts a
 * single SP there; HTAB is accepted for recognising the verb, but then
 * looks_like_command is FALSE).  Verbs compare case-insensitively (RFC 5321
 * section 2.4).  args_offset is just after that one separator, or len when
 * there is none; extra blanks stay in the arguments.  line may be NULL when
 * len is 0.
 */
smtpx_command_t *
smtpx_command_parse(const guint8 *line, gsize len)
{
    smtpx_command_t *cmd = g_new0(smtpx_command_t, 1);
    gsize i = 0, k;
    gboolean alnum = TRUE;

    if (line == NULL)
        len = 0;
    while (i < len && !is_blank(line[i]))
        i++;
    cmd->verb_len = i;
    cmd->verb_text = smtpx_printable_upper(line, i);
    cmd->args_offset = i < len ? i + 1 : len;

    for (k = 0; k < i; k++) {
        if (!g_ascii_isalnum(line[k])) {
            alnum = FALSE;
            break;
        }
    }
    cmd->looks_like_command = alnum && i >= 1 && i <= 12 &&
                              (i == len || line[i] == ' ');

    cmd->verb = SMTPX_VERB_UNKNOWN;
    for (k = 0; k < G_N_ELEMENTS(verb_table); k++) {
        if (span_ieq(line, i, verb_table[k].name)) {
            cmd->verb = verb_table[k].verb;
            break;
        }
    }
    return cmd;
}

void
smtpx_command_free(smtpx_command_t *cmd)
{
    if (cmd == NULL)
        return;
    g_free(cmd->verb_text);
    g_free(cmd);
}

/* ------------------------------------------------------------------ */
/* Addresses and domains                                                */
/* ------------------------------------------------------------------ */

/* IPv4-address-literal body (RFC 5321 4.1.3): Snum 3("." Snum), Snum is
 * 1*3DIGIT with a value of 0 to 255. */
static gboolean
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
static gboolean
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
static gboolean
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
static gboolean
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
static gboolean
is_atext(guint8 c)
{
    return g_ascii_isalnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/*
 * Local-part = Dot-string / Quoted-string (RFC 5321 4.1.2), with RFC 6531
 * section 3.3 UTF-8 in atext and qtextSMTP.  Sets QUOTED_LOCAL or
 * BAD_LOCAL_PART in *flags.
 */
static void
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
static void
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
static gboolean
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
static gboolean
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

/*
 * Parses the path itself: what was between '<' and '>' (or the whole
 * bracketless word), comments included.
 */
static void
parse_path_body(smtpx_path_t *path, const guint8 *c, gsize clen,
                gboolean is_mail, gboolean bracketed)
{
    GString *clean = g_string_sized_new(clen);
    const guint8 *m;
    gsize mlen, i, n_at = 0, last_at = 0;

    /* 1. Drop comments outside quoted strings; remember the flags.  A
     *    comment after the '@' sits in the domain, which RFC 5321 4.1.2 does
     *    not allow: "legit.example(evil.example)" is not a Domain. */
    gboolean in_domain = FALSE;
    i = 0;
    while (i < clen) {
        gsize start = i;
        if (c[i] == '(') {
            path->flags |= SMTPX_PATH_COMMENT;
            if (in_domain)
                path->flags |= SMTPX_PATH_BAD_DOMAIN;
            if (!skip_comment(c, clen, &i))
                path->flags |= SMTPX_PATH_UNBALANCED;
            continue;
        }
        if (c[i] == '@')
            in_domain = TRUE;
        if (c[i] == '"') {
            if (!skip_quoted(c, clen, &i))
                path->flags |= SMTPX_PATH_UNBALANCED;
            if (i > clen)
                i = clen;
            g_string_append_len(clean, (const char *)c + start, (gssize)(i - start));
            continue;
        }
        g_string_append_c(clean, (char)c[i]);
        i++;
    }
    for (i = 0; i < clean->len; i++) {
        if ((guint8)clean->str[i] >= 0x80) {
            path->flags |= SMTPX_PATH_NON_ASCII;
            break;
        }
    }

    m = (const guint8 *)clean->str;
    mlen = clean->len;

    /* 2. Null path "<>" (reverse-path only, RFC 5321 4.1.1.2). */
    if (mlen == 0) {
        if (is_mail && bracketed)
            path->null_path = TRUE;
        else
            path->flags |= SMTPX_PATH_EMPTY;
        path->mailbox = g_strdup("");
        g_string_free(clean, TRUE);
        return;
    }

    /* 3. Obsolete source route "@a,@b:" (RFC 5321 4.1.2 A-d-l, C.). */
    if (m[0] == '@') {
        gsize colon = 0;
        gboolean found = FALSE;
        for (i = 0; i < mlen; i++) {
            if (m[i] == '"') {
                if (!skip_quoted(m, mlen, &i))
                    break;
                i--;
                continue;
            }
            if (m[i] == ':') {
                colon = i;
                found = TRUE;
                break;
            }
        }
        if (found) {
            gsize s = 0;
            path->flags |= SMTPX_PATH_ROUTE;
            path->route = smtpx_printable(m, colon);
            /* A-d-l = At-domain *( "," At-domain ) */
            while (s <= colon) {
                gsize e = s;
                while (e < colon && m[e] != ',')
                    e++;
                if (e - s < 2 || m[s] != '@' || !domain_ok(m + s + 1, e - s - 1, NULL))
                    path->flags |= SMTPX_PATH_BAD_DOMAIN;
                s = e + 1;
            }
            m += colon + 1;
            mlen -= colon + 1;
            if (mlen == 0) {
                path->flags |= SMTPX_PATH_EMPTY;
                path->mailbox = g_strdup("");
                g_string_free(clean, TRUE);
                return;
            }
        }
    }

    /* 4. Find the '@' signs outside quoted strings. */
    for (i = 0; i < mlen; i++) {
        if (m[i] == '"') {
            if (!skip_quoted(m, mlen, &i))
                break;
            i--;
            continue;
        }
        if (m[i] == '@') {
            n_at++;
            last_at = i;
        }
    }

    path->mailbox = smtpx_printable(m, mlen);

    if (n_at == 0) {
        /* RFC 5321 4.1.1.3: "<Postmaster>" needs no domain. */
        if (!is_mail && span_ieq(m, mlen, "postmaster")) {
            path->local_part = smtpx_printable(m, mlen);
        } else {
            path->flags |= SMTPX_PATH_NO_AT;
            if (is_ipv4(m, mlen) || is_ipv6(m, mlen))
                path->flags |= SMTPX_PATH_BARE_IP;
        }
        g_string_free(clean, TRUE);
        return;
    }

    if (n_at > 1)
        path->flags |= SMTPX_PATH_MULTIPLE_AT;
    else
        check_local_part(m, last_at, &path->flags);
    path->local_part = smtpx_printable(m, last_at);

    if (last_at + 1 >= mlen) {
        path->flags |= SMTPX_PATH_BAD_DOMAIN;       /* "a@" */
    } else {
        const guint8 *d = m + last_at + 1;
        gsize dlen = mlen - last_at - 1;
        check_domain(d, dlen, &path->flags);
        path->domain = printable_lower(d, dlen);
    }
    g_string_free(clean, TRUE);
}

/* ------------------------------------------------------------------ */
/* ESMTP parameters                                                     */
/* ------------------------------------------------------------------ */

static void
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
 * Interprets one "KEY[=value]" word after the path.  A word whose keyword
 * breaks the esmtp-keyword grammar is TRAILING_JUNK and not stored; a
 * known keyword on the wrong command, with a bad or missing value, or
 * repeated, is BAD_PARAM.  Unknown keywords are stored as they are.
 */
static void
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

    param = g_new0(smtpx_param_t, 1);
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

    if (strcmp(param->keyword, "SIZE") == 0) {
        /* RFC 1870 section 6: MAIL only, "SIZE=" 1*20DIGIT. */
        guint64 sz;
        if (!is_mail || !has_value || !parse_u64(v, vlen, &sz)) {
            bad = TRUE;
        } else if (!path->size_present) {
            path->size_present = TRUE;
            path->size = sz;
        }
    } else if (strcmp(param->keyword, "BODY") == 0) {
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
    } else if (strcmp(param->keyword, "SMTPUTF8") == 0) {
        /* RFC 6531 section 3.4: MAIL only, no value. */
        path->smtputf8 = TRUE;
        if (!is_mail || has_value)
            bad = TRUE;
    } else if (strcmp(param->keyword, "REQUIRETLS") == 0) {
        /* RFC 8689 section 4.1: MAIL only, no value. */
        path->requiretls = TRUE;
        if (!is_mail || has_value)
            bad = TRUE;
    } else if (strcmp(param->keyword, "RET") == 0) {
        /* RFC 3461 4.3: MAIL, FULL or HDRS. */
        path->dsn = TRUE;
        if (!is_mail || !has_value ||
            (!span_ieq(v, vlen, "FULL") && !span_ieq(v, vlen, "HDRS")))
            bad = TRUE;
    } else if (strcmp(param->keyword, "ENVID") == 0) {
        /* RFC 3461 4.4: MAIL, xtext, at most 100 characters. */
        path->dsn = TRUE;
        if (!is_mail || !has_value || vlen == 0 || vlen > 100 ||
            !xtext_ok(v, vlen, FALSE))
            bad = TRUE;
    } else if (strcmp(param->keyword, "NOTIFY") == 0) {
        /* RFC 3461 4.1: RCPT. */
        path->dsn = TRUE;
        if (is_mail || !has_value || !notify_ok(v, vlen))
            bad = TRUE;
    } else if (strcmp(param->keyword, "ORCPT") == 0) {
        /* RFC 3461 4.2: RCPT. */
        path->dsn = TRUE;
        if (is_mail || !has_value || !orcpt_ok(v, vlen))
            bad = TRUE;
    }

    if (bad)
        path->flags |= SMTPX_PATH_BAD_PARAM;
    if (path->params->len < SMTPX_PATH_MAX_PARAMS)
        g_ptr_array_add(path->params, param);
    else
        param_free(param);
}

/* ------------------------------------------------------------------ */
/* MAIL FROM / RCPT TO                                                  */
/* ------------------------------------------------------------------ */

/*
 * End of a bracketless word starting at p[i]: the first blank outside a
 * quoted string or comment.
 */
static gsize
word_end(const guint8 *p, gsize len, gsize i)
{
    while (i < len && !is_blank(p[i])) {
        if (p[i] == '"') {
            (void)skip_quoted(p, len, &i);
            continue;
        }
        if (p[i] == '(') {
            (void)skip_comment(p, len, &i);
            continue;
        }
        i++;
    }
    return i < len ? i : len;
}

/*
 * smtpx_path_parse - see command.h.
 *
 * Accepted shapes, each flagged when it is not RFC 5321 4.1.2 form:
 *  - "FROM:" / "TO:" in any case; a missing keyword or colon gives
 *    MISSING_KEYWORD, blanks around the colon SPACE_AFTER_COLON;
 *  - "<...>" with the closing '>' found outside quoted strings and
 *    comments; without it UNBALANCED, and the path runs to the next blank;
 *  - a bare word ("FROM: a@b.example", the lab's "FROM: 203.0.113.25"):
 *    NO_BRACKETS, a lone '>' at its end UNBALANCED;
 *  - "<>" null reverse-path (MAIL only; for RCPT it is EMPTY);
 *  - "<Postmaster>" (RCPT only, RFC 5321 4.1.1.3) without NO_AT;
 *  - source routes "<@a,@b:u@d>" (ROUTE; route kept in path->route);
 *  - quoted local parts (QUOTED_LOCAL); an '@' inside quotes does not count;
 *  - comments "(...)" anywhere outside quoted strings (COMMENT; dropped from
 *    mailbox);
 *  - several '@' (MULTIPLE_AT): the last one splits local part and domain;
 *  - address literals "[192.0.2.1]", "[IPv6:...]" (ADDRESS_LITERAL);
 *  - bytes >= 0x80 (NON_ASCII).
 * After the path, words are ESMTP parameters; text glued to '>' or a word
 * that is no esmtp-keyword gives TRAILING_JUNK.  mailbox is never NULL.
 * args may be NULL when len is 0.
 */
smtpx_path_t *
smtpx_path_parse(const guint8 *args, gsize len, gboolean is_mail)
{
    smtpx_path_t *path = g_new0(smtpx_path_t, 1);
    const char *kw = is_mail ? "FROM" : "TO";
    gsize kwlen = strlen(kw);
    gsize i = 0;
    gboolean colon = FALSE;

    path->params = g_ptr_array_new_with_free_func(param_free);
    if (args == NULL)
        len = 0;

    while (i < len && is_blank(args[i]))
        i++;

    /* "FROM:" / "TO:" (RFC 5321 4.1.1.2, 4.1.1.3) */
    if (len - i >= kwlen && g_ascii_strncasecmp((const char *)args + i, kw, kwlen) == 0) {
        gsize j = i + kwlen, k = j;
        while (k < len && is_blank(args[k]))
            k++;
        if (k < len && args[k] == ':') {
            if (k > j)
                path->flags |= SMTPX_PATH_SPACE_AFTER_COLON;
            i = k + 1;
            colon = TRUE;
        } else {
            path->flags |= SMTPX_PATH_MISSING_KEYWORD;
            if (j >= len || is_blank(args[j]) || args[j] == '<')
                i = j;      /* "FROM <a@b>": skip the word */
        }
    } else {
        path->flags |= SMTPX_PATH_MISSING_KEYWORD;
    }

    /* Blanks and comments before the path. */
    for (;;) {
        gsize b = i;
        while (i < len && is_blank(args[i]))
            i++;
        if (i > b && colon)
            path->flags |= SMTPX_PATH_SPACE_AFTER_COLON;
        if (i < len && args[i] == '(') {
            path->flags |= SMTPX_PATH_COMMENT;
            if (!skip_comment(args, len, &i))
                path->flags |= SMTPX_PATH_UNBALANCED;
            continue;
        }
        break;
    }

    if (i >= len) {
        path->flags |= SMTPX_PATH_EMPTY;
        path->path_offset = len;
        path->mailbox = g_strdup("");
        return path;
    }

    if (args[i] == '<') {
        gsize k = i + 1;
        gboolean closed = FALSE;
        while (k < len) {
            if (args[k] == '"') {
                (void)skip_quoted(args, len, &k);
                continue;
            }
            if (args[k] == '(') {
                (void)skip_comment(args, len, &k);
                continue;
            }
            if (args[k] == '>') {
                closed = TRUE;
                break;
            }
            k++;
        }
        if (closed) {
            path->path_offset = i + 1;
            path->path_length = k - i - 1;
            parse_path_body(path, args + i + 1, k - i - 1, is_mail, TRUE);
            i = k + 1;
        } else {
            gsize e = word_end(args, len, i + 1);
            path->flags |= SMTPX_PATH_UNBALANCED;
            /* "<" alone is no null path: pass bracketed = FALSE. */
            path->path_offset = i + 1;
            path->path_length = e - i - 1;
            parse_path_body(path, args + i + 1, e - i - 1, is_mail, FALSE);
            i = e;
        }
    } else {
        gsize e = word_end(args, len, i);
        gsize body_end = e;
        path->flags |= SMTPX_PATH_NO_BRACKETS;
        if (body_end > i && args[body_end - 1] == '>') {
            path->flags |= SMTPX_PATH_UNBALANCED;
            body_end--;
        }
        path->path_offset = i;
        path->path_length = body_end - i;
        parse_path_body(path, args + i, body_end - i, is_mail, FALSE);
        i = e;
    }

    /* Anything glued to the path is junk; parameters follow a blank. */
    if (i < len && !is_blank(args[i]))
        path->flags |= SMTPX_PATH_TRAILING_JUNK;

    while (i < len) {
        gsize e;
        while (i < len && is_blank(args[i]))
            i++;
        if (i >= len)
            break;
        if (args[i] == '(') {
            path->flags |= SMTPX_PATH_COMMENT;
            if (!skip_comment(args, len, &i))
                path->flags |= SMTPX_PATH_UNBALANCED;
            continue;
        }
        e = i;
        while (e < len && !is_blank(args[e]))
            e++;
        parse_param(path, args + i, e - i, is_mail, i);
        i = e;
    }
    return path;
}

void
smtpx_path_free(smtpx_path_t *path)
{
    if (path == NULL)
        return;
    g_free(path->mailbox);
    g_free(path->local_part);
    g_free(path->domain);
    g_free(path->route);
    if (path->params != NULL)
        g_ptr_array_free(path->params, TRUE);
    g_free(path->body);
    g_free(path);
}

/*
 * smtpx_path_flags_describe - see command.h.  Words in flag order,
 * separated by ", "; unknown bits are ignored; 0 gives "".
 */
char *
smtpx_path_flags_describe(guint32 flags)
{
    static const smtpx_flag_name_t names[] = {
        { SMTPX_PATH_NO_BRACKETS, "no angle brackets" },
        { SMTPX_PATH_SPACE_AFTER_COLON, "space after the colon" },
        { SMTPX_PATH_NO_AT, "no @" },
        { SMTPX_PATH_MULTIPLE_AT, "more than one @" },
        { SMTPX_PATH_ROUTE, "source route" },
        { SMTPX_PATH_QUOTED_LOCAL, "quoted local part" },
        { SMTPX_PATH_COMMENT, "comment" },
        { SMTPX_PATH_BAD_DOMAIN, "invalid domain" },
        { SMTPX_PATH_ADDRESS_LITERAL, "address literal" },
        { SMTPX_PATH_BARE_IP, "bare IP address" },
        { SMTPX_PATH_UNBALANCED, "unbalanced brackets, quotes or parentheses" },
        { SMTPX_PATH_TRAILING_JUNK, "trailing junk" },
        { SMTPX_PATH_MISSING_KEYWORD, "missing FROM:/TO:" },
        { SMTPX_PATH_EMPTY, "empty path" },
        { SMTPX_PATH_NON_ASCII, "non-ASCII characters" },
        { SMTPX_PATH_BAD_PARAM, "malformed ESMTP parameter" },
        { SMTPX_PATH_BAD_LOCAL_PART, "invalid local part" },
    };

    return smtpx_flags_describe(flags, names, G_N_ELEMENTS(names), ", ", FALSE);
}

/* ------------------------------------------------------------------ */
/* EHLO / HELO argument                                                 */
/* ------------------------------------------------------------------ */

/*
 * smtpx_helo_classify - see command.h.  Leading blanks are ignored as well
 * as trailing ones (SP, HTAB).  Order: empty; "[...]" address literal
 * (ADDRESS_LITERAL when its content is valid, else INVALID); bare IPv4 or
 * IPv6 (BARE_IP, even though "192.0.2.1" also fits the domain grammar);
 * domain (RFC 5321 Domain, U-labels allowed by RFC 6531 3.3); else INVALID
 * (several words, underscores, trailing dot, control bytes...).
 */
smtpx_helo_kind_t
smtpx_helo_classify(const guint8 *arg, gsize len)
{
    gsize s = 0;

    if (arg == NULL)
        len = 0;
    while (len > 0 && is_blank(arg[len - 1]))
        len--;
    while (s < len && is_blank(arg[s]))
        s++;
    if (s >= len)
        return SMTPX_HELO_EMPTY;
    arg += s;
    len -= s;
    if (arg[0] == '[')
        return address_literal_ok(arg, len) ? SMTPX_HELO_ADDRESS_LITERAL
                                            : SMTPX_HELO_INVALID;
    if (is_ipv4(arg, len) || is_ipv6(arg, len))
        return SMTPX_HELO_BARE_IP;
    if (domain_ok(arg, len, NULL))
        return SMTPX_HELO_DOMAIN;
    return SMTPX_HELO_INVALID;
}

/* ------------------------------------------------------------------ */
/* BDAT and AUTH                                                        */
/* ------------------------------------------------------------------ */

/*
 * smtpx_bdat_parse - see command.h.  RFC 3030 section 3:
 *   bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CR LF
 *   chunk-size = 1*DIGIT;  end-marker = "LAST"
 * Blanks around the words are tolerated.  The size is checked before the
 * end marker: "-5" is NOT_A_NUMBER, 20 digits or a value above 2^63-1 is
 * OVERFLOW (the most a signed 64-bit length can hold, as Zeek checks).
 * LAST compares case-insensitively; any other word or a third word gives
 * BAD_LAST.  On any error chunk_size is 0 and last FALSE.
 */
smtpx_bdat_arg_t
smtpx_bdat_parse(const guint8 *args, gsize len)
{
    smtpx_bdat_arg_t r = { 0, FALSE, SMTPX_BDAT_OK };
    gsize i = 0, s, k;
    guint64 v = 0;

    if (args == NULL)
        len = 0;
    while (i < len && is_blank(args[i]))
        i++;
    if (i >= len) {
        r.error = SMTPX_BDAT_MISSING_SIZE;
        return r;
    }
    s = i;
    while (i < len && !is_blank(args[i]))
        i++;
    for (k = s; k < i; k++) {
        if (!g_ascii_isdigit(args[k])) {
            r.error = SMTPX_BDAT_NOT_A_NUMBER;
            return r;
        }
    }
    if (i - s > 19) {
        r.error = SMTPX_BDAT_OVERFLOW;
        return r;
    }
    for (k = s; k < i; k++)
        v = v * 10 + (guint64)(args[k] - '0');     /* < 10^19 < 2^64 */
    if (v > (guint64)G_MAXINT64) {
        r.error = SMTPX_BDAT_OVERFLOW;
        return r;
    }

    while (i < len && is_blank(args[i]))
        i++;
    if (i < len) {
        s = i;
        while (i < len && !is_blank(args[i]))
            i++;
        k = i;
        while (k < len && is_blank(args[k]))
            k++;
        if (!span_ieq(args + s, i - s, "LAST") || k < len) {
            r.error = SMTPX_BDAT_BAD_LAST;
            return r;
        }
        r.last = TRUE;
    }
    r.chunk_size = v;
    return r;
}

/*
 * smtpx_auth_parse - see command.h.  RFC 4954 section 4:
 *   "AUTH" SP sasl-mech [SP initial-response]
 * mechanism is the first word, upper-cased and printable, or NULL when
 * there is none; initial_response is TRUE when any further word follows
 * ("=" for an empty response counts).  The response itself is never kept.
 */
smtpx_auth_arg_t
smtpx_auth_parse(const guint8 *args, gsize len)
{
    smtpx_auth_arg_t r = { NULL, FALSE };
    gsize i = 0, s;

    if (args == NULL)
        len = 0;
    while (i < len && is_blank(args[i]))
        i++;
    if (i >= len)
        return r;
    s = i;
    while (i < len && !is_blank(args[i]))
        i++;
    r.mechanism = smtpx_printable_upper(args + s, i - s);
    while (i < len && is_blank(args[i]))
        i++;
    r.initial_response = i < len;
    return r;
}
