/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * command_path.c - reverse-path and forward-path of MAIL FROM and RCPT TO
 * (RFC 5321 4.1.1.2, 4.1.1.3, 4.1.2), with the ESMTP parameters after
 * them (command_param.c).  See command.h for the contract.
 */
#include "command_internal.h"

/*
 * Step 1 of parse_path_body: c[0..clen) with the comments outside quoted
 * strings dropped (a new GString), COMMENT and UNBALANCED noted.  A comment
 * after the '@' sits in the domain, which RFC 5321 4.1.2 does not allow:
 * "legit.example(evil.example)" is not a Domain.  NON_ASCII when what is
 * left holds a byte >= 0x80.
 */
static GString *
path_drop_comments(smtpx_path_t *path, const guint8 *c, gsize clen)
{
    GString *clean = g_string_sized_new(clen);
    gboolean in_domain = FALSE;
    gsize i = 0;

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
    return clean;
}

/*
 * Step 1 of parse_path_body when c[0..clen) holds no '(' (the usual case):
 * nothing is dropped, so the path is c itself, and only the flags
 * path_drop_comments() would note are: UNBALANCED for a quoted string left
 * open, NON_ASCII for a byte >= 0x80.
 */
static void
path_scan_no_comments(smtpx_path_t *path, const guint8 *c, gsize clen)
{
    gsize i = 0;

    while (i < clen) {
        if (c[i] == '"') {
            if (!skip_quoted(c, clen, &i))
                path->flags |= SMTPX_PATH_UNBALANCED;
            continue;
        }
        i++;
    }
    for (i = 0; i < clen; i++) {
        if (c[i] >= 0x80) {
            path->flags |= SMTPX_PATH_NON_ASCII;
            break;
        }
    }
}

/*
 * Step 3 of parse_path_body: an obsolete source route "@a,@b:" (RFC 5321
 * 4.1.2 A-d-l, appendix C) at the start of *m / *mlen is kept in
 * path->route, its domains checked, and cut off.  TRUE when nothing is left
 * after it (path->mailbox is then "" and EMPTY set).
 */
static gboolean
path_skip_route(smtpx_path_t *path, const guint8 **m, gsize *mlen)
{
    const guint8 *r = *m;
    gsize colon = 0, i, s = 0;
    gboolean found = FALSE;

    for (i = 0; i < *mlen; i++) {
        if (r[i] == '"') {
            if (!skip_quoted(r, *mlen, &i))
                break;
            i--;
            continue;
        }
        if (r[i] == ':') {
            colon = i;
            found = TRUE;
            break;
        }
    }
    if (!found)
        return FALSE;
    path->flags |= SMTPX_PATH_ROUTE;
    path->route = smtpx_printable(r, colon);
    /* A-d-l = At-domain *( "," At-domain ) */
    while (s <= colon) {
        gsize e = s;
        while (e < colon && r[e] != ',')
            e++;
        if (e - s < 2 || r[s] != '@' || !domain_ok(r + s + 1, e - s - 1, NULL))
            path->flags |= SMTPX_PATH_BAD_DOMAIN;
        s = e + 1;
    }
    *m += colon + 1;
    *mlen -= colon + 1;
    if (*mlen > 0)
        return FALSE;
    path->flags |= SMTPX_PATH_EMPTY;
    path->mailbox = g_strdup("");
    return TRUE;
}

/*
 * Steps 4-5 of parse_path_body: the mailbox m[0..mlen) (comments and route
 * gone) split at its last '@' outside quoted strings into local part and
 * domain, each checked (RFC 5321 4.1.2); "<Postmaster>" of RCPT needs no
 * domain (4.1.1.3).
 */
static void
path_mailbox(smtpx_path_t *path, const guint8 *m, gsize mlen, gboolean is_mail)
{
    gsize i, n_at = 0, last_at = 0;

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
}

/*
 * Parses the path itself: what was between '<' and '>' (or the whole
 * bracketless word), comments included.
 */
static void
parse_path_body(smtpx_path_t *path, const guint8 *c, gsize clen,
                gboolean is_mail, gboolean bracketed)
{
    /* 1. Drop comments outside quoted strings; remember the flags.
     * Without a '(' there is none: the path is used in place. */
    GString *clean = NULL;
    const guint8 *m = c;
    gsize mlen = clen;

    if (clen && memchr(c, '(', clen)) {
        clean = path_drop_comments(path, c, clen);
        m = (const guint8 *)clean->str;
        mlen = clean->len;
    } else {
        path_scan_no_comments(path, c, clen);
    }

    /* 2. Null path "<>" (reverse-path only, RFC 5321 4.1.1.2). */
    if (mlen == 0) {
        if (is_mail && bracketed)
            path->null_path = TRUE;
        else
            path->flags |= SMTPX_PATH_EMPTY;
        path->mailbox = g_strdup("");
        if (clean)
            g_string_free(clean, TRUE);
        return;
    }

    /* 3. Obsolete source route "@a,@b:" (RFC 5321 4.1.2 A-d-l, C.). */
    if (m[0] == '@' && path_skip_route(path, &m, &mlen)) {
        if (clean)
            g_string_free(clean, TRUE);
        return;
    }

    /* 4. Find the '@' signs outside quoted strings; 5. split there. */
    path_mailbox(path, m, mlen, is_mail);
    if (clean)
        g_string_free(clean, TRUE);
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
 * "FROM:" / "TO:" (RFC 5321 4.1.1.2, 4.1.1.3) and the blanks and comments
 * after it: returns where the path starts.  A missing keyword or colon
 * gives MISSING_KEYWORD, blanks around the colon SPACE_AFTER_COLON.
 */
static gsize
path_keyword(smtpx_path_t *path, const guint8 *args, gsize len,
             gboolean is_mail)
{
    const char *kw = is_mail ? "FROM" : "TO";
    gsize kwlen = strlen(kw);
    gsize i = 0;
    gboolean colon = FALSE;

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
    return i;
}

/*
 * The path at args[i] (i < len): "<...>" with the closing '>' found outside
 * quoted strings and comments (without it UNBALANCED, and the path runs to
 * the next blank), or a bare word (NO_BRACKETS).  Returns the index after
 * it.
 */
static gsize
path_word(smtpx_path_t *path, const guint8 *args, gsize len, gsize i,
          gboolean is_mail)
{
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
    return i;
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
    smtpx_path_t *path = smtpx_new0(smtpx_path_t);
    gsize i;

    path->params = g_ptr_array_new_with_free_func(param_free);
    if (args == NULL)
        len = 0;

    i = path_keyword(path, args, len, is_mail);

    if (i >= len) {
        path->flags |= SMTPX_PATH_EMPTY;
        path->path_offset = len;
        path->mailbox = g_strdup("");
        return path;
    }

    i = path_word(path, args, len, i, is_mail);

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
