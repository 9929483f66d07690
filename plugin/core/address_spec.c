/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address_spec.c - addr-spec (RFC 5322 3.4.1): local part and domain with
 * their dot-atom / obs-local-part / obs-domain structure, the obs-route
 * before them (4.4), and the address text rebuilt from them.
 */
#include "address_internal.h"

/* dot-atom-text of RFC 5322 3.2.3 (with RFC 6532 UTF-8): no quoting needed. */
static gboolean
is_dot_atom_text(const guint8 *s, gsize n)
{
    gsize i;

    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return FALSE;
    for (i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i - 1] == '.')
                return FALSE;
            continue;
        }
        if (s[i] <= 0x20 || s[i] == 0x7f || !is_atom_char(s[i]))
            return FALSE;
    }
    return TRUE;
}

/* Where a word sequence stands: what may come next (dot-atom structure). */
typedef enum { W_START, W_WORD, W_DOT } wstate_t;

/* Appends one word token (atom, encoded-word, quoted string, domain
 * literal) of a local part or domain to out, noting what it shows. */
static void
dotted_append_word(parser_t *p, const tok_t *t, gboolean is_domain,
                   GString *out, guint32 *flags)
{
    if (t->type == T_QSTR) {
        g_string_append_len(out, (const char *)tok_content(p, t),
                            (gssize)t->clen);
        if (is_domain)
            *flags |= SMTPX_ADDR_SYNTAX_ERROR;
        else if (t->has_at)
            *flags |= SMTPX_ADDR_QUOTED_LOCAL_AT;
    } else if (t->type == T_DLIT) {
        g_string_append_c(out, '[');
        g_string_append_len(out, (const char *)tok_content(p, t),
                            (gssize)t->clen);
        g_string_append_c(out, ']');
        if (!is_domain)
            *flags |= SMTPX_ADDR_SYNTAX_ERROR;
    } else {
        g_string_append_len(out, (const char *)p->lx->s + t->start,
                            (gssize)(t->end - t->start));
        /* RFC 2047 5: no encoded-word in an addr-spec; readers that decode
         * it anyway may show another address (the decoded readings say
         * whether they do). */
        if (smtpx_addr_ew_decodes(p->lx->s + t->start, t->end - t->start))
            *flags |= SMTPX_ADDR_ENCODED_IN_ADDR_SPEC;
    }
}

/*
 * Builds local part or domain text from the tokens [a, b) (comments skipped)
 * checking dot-atom / obs-local-part / obs-domain structure.  is_domain
 * selects the rules of the domain.  Returns the text in *out (raw bytes).
 */
static void
build_dotted(parser_t *p, gsize a, gsize b, gboolean is_domain,
             GString *out, guint32 *flags, gboolean *quoted)
{
    wstate_t st = W_START;
    guint words = 0, qstrs = 0, dlits = 0;
    gboolean first = TRUE;
    const tok_t *prev = NULL;
    gsize k;

    for (k = a; k < b; k++) {
        const tok_t *t = tok_at(p, k);

        if (t->type == T_COMMENT)
            continue;
        if (!first && t->sep)
            *flags |= SMTPX_ADDR_OBS_SYNTAX;   /* CFWS inside: obs-* */
        first = FALSE;
        switch (t->type) {
        case T_ATOM:
        case T_EWORD:
        case T_QSTR:
        case T_DLIT:
            /* An encoded-word and atext touching it are one atom. */
            if (st == W_WORD && !t->sep && prev &&
                (prev->type == T_ATOM || prev->type == T_EWORD) &&
                (t->type == T_ATOM || t->type == T_EWORD))
                words--;
            else if (st == W_WORD)
                *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            st = W_WORD;
            words++;
            /* RFC 6532: an address is UTF-8; lax decoders read overlong
             * or broken sequences as ASCII ('@' from 0xC0 0x80...). */
            if (!smtpx_addr_utf8_valid(p->lx->s + t->start, t->end - t->start))
                *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            if (t->type == T_QSTR)
                qstrs++;
            else if (t->type == T_DLIT)
                dlits++;
            dotted_append_word(p, t, is_domain, out, flags);
            break;
        case T_DOT:
            if (st != W_WORD)
                *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            st = W_DOT;
            g_string_append_c(out, '.');
            break;
        case T_SPECIAL:
            /* '@' here is one of several (MULTIPLE_AT says so already). */
            if (t->ch != '@')
                *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            if (t->ch == '>' || t->ch == '<')
                *flags |= SMTPX_ADDR_UNBALANCED_ANGLE;
            g_string_append_c(out, (char)t->ch);
            st = W_DOT;
            break;
        case T_COMMENT:
            break;
        }
        prev = t;
    }
    if (st == W_DOT)
        *flags |= SMTPX_ADDR_SYNTAX_ERROR;
    if (qstrs && words > 1)
        *flags |= SMTPX_ADDR_OBS_SYNTAX;     /* obs-local-part */
    if (dlits && words > 1)
        *flags |= SMTPX_ADDR_SYNTAX_ERROR;
    if (quoted)
        *quoted = qstrs > 0;
}

/*
 * TRUE when the tokens [a, b) are an obs-domain-list (RFC 5322 4.4):
 * *(CFWS / ",") "@" domain *("," [CFWS] ["@" domain]).
 */
static gboolean
route_ok(parser_t *p, gsize a, gsize b)
{
    /* 0: before "@" (commas allowed), 1: after "@", 2: in a domain after a
     * word, 3: in a domain after a dot */
    int st = 0;
    gboolean saw_at = FALSE;
    gsize k;

    for (k = a; k < b; k++) {
        const tok_t *t = tok_at(p, k);
        gboolean word = t->type == T_ATOM || t->type == T_EWORD ||
                        t->type == T_DLIT;

        if (t->type == T_COMMENT)
            continue;
        if (st == 0 && is_special(t, ','))
            continue;
        if (st == 0 && is_special(t, '@')) {
            st = 1;
            saw_at = TRUE;
        } else if ((st == 1 || st == 3) && word) {
            st = 2;
        } else if (st == 2 && word && !t->sep && t->type != T_DLIT) {
            /* atext touching an encoded-word: the same atom */
        } else if (st == 2 && t->type == T_DOT) {
            st = 3;
        } else if (st == 2 && is_special(t, ',')) {
            st = 0;
        } else {
            return FALSE;
        }
    }
    return saw_at && (st == 0 || st == 2);
}

/* mb->local_part and mb->address ("local@domain", the local part quoted
 * again when it is no dot-atom-text) from the raw local part; mb->domain
 * is set already (or NULL). */
static void
mailbox_set_address(smtpx_mailbox_t *mb, const GString *local)
{
    GString *addr = g_string_new(NULL);

    mb->local_part = smtpx_printable((const guint8 *)local->str, local->len);
    if (is_dot_atom_text((const guint8 *)local->str, local->len)) {
        g_string_append_len(addr, local->str, (gssize)local->len);
    } else {
        gsize i;

        g_string_append_c(addr, '"');
        for (i = 0; i < local->len; i++) {
            if (local->str[i] == '"' || local->str[i] == '\\')
                g_string_append_c(addr, '\\');
            g_string_append_c(addr, local->str[i]);
        }
        g_string_append_c(addr, '"');
    }
    if (mb->domain) {
        g_string_append_c(addr, '@');
        g_string_append(addr, mb->domain);
    }
    mb->address = smtpx_printable((const guint8 *)addr->str, addr->len);
    g_string_free(addr, TRUE);
}

/*
 * Reads an addr-spec (RFC 5322 3.4.1) from the tokens [a, b) into mb: an
 * obs-route before it (in_angle, or a bare "@d:" at the start) is skipped
 * and flagged.
 */
void
smtpx_addr_parse_addr_spec(parser_t *p, gsize a, gsize b, gboolean in_angle,
                           smtpx_mailbox_t *mb, guint32 *flags)
{
    gsize k, first_sig = NO_INDEX, colon = NO_INDEX, at = NO_INDEX;
    guint n_at = 0;
    GString *local = g_string_new(NULL);
    guint32 f = 0;

    for (k = a; k < b; k++) {
        const tok_t *t = tok_at(p, k);

        if (t->type == T_COMMENT)
            continue;
        if (first_sig == NO_INDEX)
            first_sig = k;
        if (is_special(t, ':') && colon == NO_INDEX)
            colon = k;
    }
    if (colon != NO_INDEX) {
        const tok_t *t0 = tok_at(p, first_sig);

        /* obs-route = obs-domain-list ":" (4.4); only inside "<...>". */
        if (is_special(t0, '@') || is_special(t0, ',')) {
            f |= SMTPX_ADDR_ROUTE;
            if (!in_angle || !route_ok(p, first_sig, colon))
                f |= SMTPX_ADDR_SYNTAX_ERROR;
        } else {
            f |= SMTPX_ADDR_SYNTAX_ERROR;
        }
        a = colon + 1;
    } else if (in_angle) {
        for (k = a; k < b; k++)
            if (is_special(tok_at(p, k), ','))
                f |= SMTPX_ADDR_SYNTAX_ERROR;
    }
    for (k = a; k < b; k++)
        if (is_special(tok_at(p, k), '@')) {
            n_at++;
            at = k;
        }
    if (n_at > 1)
        f |= SMTPX_ADDR_MULTIPLE_AT;

    if (at == NO_INDEX) {
        gboolean quoted = FALSE;

        f |= SMTPX_ADDR_SYNTAX_ERROR;   /* no domain (or "<>") */
        build_dotted(p, a, b, FALSE, local, &f, &quoted);
        mb->domain = NULL;
    } else {
        GString *dom = g_string_new(NULL);
        char *lower;
        gboolean quoted = FALSE;

        build_dotted(p, a, at, FALSE, local, &f, &quoted);
        if (local->len == 0)
            f |= SMTPX_ADDR_SYNTAX_ERROR;
        build_dotted(p, at + 1, b, TRUE, dom, &f, NULL);
        if (dom->len == 0) {
            f |= SMTPX_ADDR_SYNTAX_ERROR;
            mb->domain = NULL;
        } else {
            lower = smtpx_ascii_lower_dup(dom->str, dom->len);
            mb->domain = smtpx_printable((const guint8 *)lower, dom->len);
            g_free(lower);
        }
        g_string_free(dom, TRUE);
    }

    mailbox_set_address(mb, local);
    g_string_free(local, TRUE);
    *flags |= f;
}
