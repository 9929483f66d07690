/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * command_internal.h - what the files of the command parsers share
 * (command.c, command_addr.c, command_path.c, command_param.c); not part of
 * the core's interface (command.h is).
 *
 * Every span is (pointer, length), not NUL-terminated, read only inside its
 * length; nothing here fails or allocates unless it says so, and strings put
 * into the structures are smtpx_printable() ones (new memory, g_free).
 */
#ifndef SMTPX_CORE_COMMAND_INTERNAL_H
#define SMTPX_CORE_COMMAND_INTERNAL_H

#include <string.h>

#include "command.h"

G_BEGIN_DECLS

/* SP or HTAB (RFC 5234 WSP). */
static inline gboolean
is_blank(guint8 c)
{
    return c == ' ' || c == '\t';
}

/* Lower-cases the ASCII letters of data/len, then makes it printable. */
static inline char *
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
static inline gboolean
span_ieq(const guint8 *p, gsize len, const char *word)
{
    gsize n;

    /* The first octet first: most words differ there (issue 10). */
    if (len == 0)
        return word[0] == '\0';
    if (g_ascii_tolower(p[0]) != g_ascii_tolower(word[0]))
        return FALSE;
    n = strlen(word);
    return len == n && g_ascii_strncasecmp((const char *)p, word, n) == 0;
}

/* The functions below keep their short names in the source; these macros
 * give their symbols the project's prefix. */
#define is_ipv4             smtpx_cmd_is_ipv4
#define is_ipv6             smtpx_cmd_is_ipv6
#define domain_ok           smtpx_cmd_domain_ok
#define address_literal_ok  smtpx_cmd_address_literal_ok
#define is_atext            smtpx_cmd_is_atext
#define check_local_part    smtpx_cmd_check_local_part
#define check_domain        smtpx_cmd_check_domain
#define skip_comment        smtpx_cmd_skip_comment
#define skip_quoted         smtpx_cmd_skip_quoted
#define param_free          smtpx_cmd_param_free
#define parse_param         smtpx_cmd_parse_param

/* ---- command_addr.c: addresses and domains (RFC 5321 4.1.2, 4.1.3) ---- */

/* IPv4-address-literal body: Snum 3("." Snum), each 0 to 255. */
gboolean is_ipv4(const guint8 *p, gsize len);

/* IPv6-addr text forms (RFC 4291 2.2), no zone index. */
gboolean is_ipv6(const guint8 *p, gsize len);

/* Domain (RFC 5321 4.1.2, U-labels of RFC 6531 3.3 accepted), labels of 1
 * to 63 octets, at most 255 in all, no trailing dot; *non_ascii (may be
 * NULL) set when a byte >= 0x80 is seen. */
gboolean domain_ok(const guint8 *p, gsize len, gboolean *non_ascii);

/* address-literal (RFC 5321 4.1.3); p[0..len) includes the brackets. */
gboolean address_literal_ok(const guint8 *p, gsize len);

/* atext (RFC 5322 3.2.3) as RFC 5321 Atom uses it. */
gboolean is_atext(guint8 c);

/* Local-part (RFC 5321 4.1.2, RFC 6531 3.3 UTF-8): sets QUOTED_LOCAL or
 * BAD_LOCAL_PART in *flags. */
void check_local_part(const guint8 *p, gsize len, guint32 *flags);

/* A domain after '@' (plain or address literal): sets BAD_DOMAIN,
 * ADDRESS_LITERAL or NON_ASCII in *flags. */
void check_domain(const guint8 *d, gsize len, guint32 *flags);

/* Skip a comment "(...)" (RFC 5322 3.2.2 nesting and quoting) or a quoted
 * string starting at p[*i]; *i after it.  FALSE when it is not closed
 * (then *i = len). */
gboolean skip_comment(const guint8 *p, gsize len, gsize *i);
gboolean skip_quoted(const guint8 *p, gsize len, gsize *i);

/* ---- command_param.c: ESMTP parameters ---- */

/* Frees a smtpx_param_t (the GPtrArray free function of path->params). */
void param_free(gpointer p);

/* Interprets one "KEY[=value]" word w[0..wlen) after the path of a MAIL
 * (is_mail) or RCPT command, adding it to path->params and its flags to
 * path->flags (RFC 5321 4.1.2 esmtp-param, and each keyword's RFC); at is
 * where w starts in the arguments given to smtpx_path_parse (bytes), kept
 * as the parameter's offset. */
void parse_param(smtpx_path_t *path, const guint8 *w, gsize wlen,
                 gboolean is_mail, gsize at);

G_END_DECLS

#endif /* SMTPX_CORE_COMMAND_INTERNAL_H */
