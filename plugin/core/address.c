/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address.c - RFC 5322 address lists with ambiguity flags.  See address.h
 * for the contract.
 *
 * Two passes, both linear and without recursion:
 *  1. a lexer (address_lex.c) cuts the field body into tokens: atoms,
 *     encoded-words, dots, quoted strings, comments (nesting counted, not
 *     recursed), domain literals and specials, noting for each whether CFWS
 *     came before it;
 *  2. a parser (this file) walks the tokens once, splitting the list into
 *     elements at ',' and group boundaries (':' ... ';'), then reads each
 *     element as a name-addr (phrase, address_phrase.c, and angle-addrs) or
 *     an addr-spec (address_spec.c).
 * Nothing is ever rejected: every oddity becomes a flag and parsing goes on
 * with the reading most mail transfer agents take (for several '@' the last
 * one separates local part and domain, as MTAs route on it).
 */
#include "address_internal.h"

typedef struct {
    gsize    open;       /* index of '<' */
    gsize    close;      /* index of '>' or of the token ending the angle */
    gboolean unclosed;
} angle_t;

static smtpx_mailbox_t *
mailbox_new(parser_t *p)
{
    smtpx_mailbox_t *mb = smtpx_new0(smtpx_mailbox_t);

    if (p->in_group) {
        mb->flags |= SMTPX_ADDR_GROUP;
        mb->group = g_strdup(p->group_name);
    }
    g_ptr_array_add(p->list->mailboxes, mb);
    return mb;
}

/* OR of the context-free token flags in [a, b). */
static guint32
tokens_flags(parser_t *p, gsize a, gsize b)
{
    guint32 f = 0;
    gsize k;

    for (k = a; k < b; k++)
        f |= tok_at(p, k)->flags;
    return f;
}

/* RFC 6532: the raw bytes of [a, b) should be UTF-8. */
static guint32
utf8_flag(parser_t *p, gsize a, gsize b)
{
    gsize s, e;

    if (a >= b)
        return 0;
    s = tok_at(p, a)->start;
    e = tok_at(p, b - 1)->end;
    return smtpx_addr_utf8_valid(p->lx->s + s, e - s)
        ? 0 : SMTPX_ADDR_INVALID_UTF8;
}

/*
 * One element of the list: tokens [a, b) between separators, with the
 * angle-addrs found in it.  Adds zero or more mailboxes.  Returns FALSE when
 * the element holds no word at all (an empty list element).
 */
static gboolean
parse_element(parser_t *p, gsize a, gsize b, const GArray *angles)
{
    gsize k;
    gboolean sig = FALSE;
    guint32 ef;

    for (k = a; k < b && !sig; k++)
        if (tok_at(p, k)->type != T_COMMENT)
            sig = TRUE;
    if (!sig && angles->len == 0) {
        p->list->flags |= tokens_flags(p, a, b) | utf8_flag(p, a, b);
        return FALSE;
    }
    ef = tokens_flags(p, a, b) | utf8_flag(p, a, b);

    if (angles->len == 0) {
        smtpx_mailbox_t *mb = mailbox_new(p);
        guint32 f = ef;

        smtpx_addr_parse_addr_spec(p, a, b, FALSE, mb, &f);
        mb->comments = smtpx_addr_collect_comments(p, a, b);
        mb->flags |= f;
        return TRUE;
    } else {
        const angle_t *an0 = &g_array_index(angles, angle_t, 0);
        guint32 f = ef;
        char *name, *name_raw = NULL;
        guint i;

        if (angles->len > 1)
            f |= SMTPX_ADDR_MULTIPLE_ANGLE;
        name = smtpx_addr_build_phrase(p, a, an0->open, &f);
        if (name) {
            gsize s = tok_at(p, a)->start, e = tok_at(p, an0->open - 1)->end;

            name_raw = smtpx_printable(p->lx->s + s, e - s);
        }
        /* Words after an angle-addr (other than comments) are no syntax. */
        for (i = 0; i < angles->len; i++) {
            const angle_t *an = &g_array_index(angles, angle_t, i);
            gsize end = (i + 1 < angles->len)
                ? g_array_index(angles, angle_t, i + 1).open : b;

            for (k = an->close + (an->unclosed ? 0 : 1); k < end; k++) {
                const tok_t *t = tok_at(p, k);

                if (t->type == T_COMMENT)
                    continue;
                f |= SMTPX_ADDR_SYNTAX_ERROR;
                if (is_special(t, '>'))
                    f |= SMTPX_ADDR_UNBALANCED_ANGLE;
            }
        }
        for (i = 0; i < angles->len; i++) {
            const angle_t *an = &g_array_index(angles, angle_t, i);
            smtpx_mailbox_t *mb = mailbox_new(p);
            guint32 mf = f;

            if (an->unclosed)
                mf |= SMTPX_ADDR_UNBALANCED_ANGLE;
            smtpx_addr_parse_addr_spec(p, an->open + 1, an->close, TRUE, mb,
                                       &mf);
            if (i == 0) {
                mb->display_name = name;
                mb->display_name_raw = name_raw;
                mb->comments = smtpx_addr_collect_comments(p, a, b);
                name = name_raw = NULL;
            }
            mb->flags |= mf;
        }
        return TRUE;
    }
}

static void
mailbox_free(gpointer data)
{
    smtpx_mailbox_t *mb = data;

    if (!mb->one_block) {
        g_free(mb->display_name);
        g_free(mb->display_name_raw);
        g_free(mb->local_part);
        g_free(mb->domain);
        g_free(mb->address);
        g_free(mb->group);
        g_free(mb->comments);
    }
    g_free(mb);
}

/* The tokens a parse kept (list->lex), freed. */
static void
lex_drop(smtpx_address_list_t *list)
{
    lex_t *lx = list->lex;

    if (!lx)
        return;
    g_array_free(lx->toks, TRUE);
    g_string_free(lx->content, TRUE);
    g_free(lx);
    list->lex = NULL;
}

/* mb and its strings in one new block (smtpx_pack_strings: equal strings
 * once); mb goes. */
static smtpx_mailbox_t *
mailbox_compact(smtpx_mailbox_t *mb)
{
    static const gsize members[] = {
        offsetof(smtpx_mailbox_t, display_name), offsetof(smtpx_mailbox_t, display_name_raw),
        offsetof(smtpx_mailbox_t, local_part), offsetof(smtpx_mailbox_t, domain),
        offsetof(smtpx_mailbox_t, address), offsetof(smtpx_mailbox_t, group),
        offsetof(smtpx_mailbox_t, comments),
    };

    if (mb->one_block)
        return mb;
    mb = smtpx_pack_strings(mb, sizeof *mb, members, G_N_ELEMENTS(members));
    mb->one_block = TRUE;
    return mb;
}

void
smtpx_address_list_compact(smtpx_address_list_t *list)
{
    guint i;

    if (!list)
        return;
    lex_drop(list);
    for (i = 0; i < list->mailboxes->len; i++)
        list->mailboxes->pdata[i] = mailbox_compact(g_ptr_array_index(list->mailboxes, i));
}

/* An angle-addr from the '<' at token k: to the matching '>' or, when
 * unclosed, to the next ',' or ';'.  Appends it; returns the next index. */
static gsize
scan_angle(parser_t *p, gsize k, GArray *angles)
{
    gsize n = p->lx->toks->len, j, next;
    const tok_t *t = tok_at(p, k);
    angle_t an;

    an.open = k;
    an.unclosed = FALSE;
    if (t->match != NO_INDEX) {
        an.close = t->match;
        next = t->match + 1;
    } else {
        for (j = k + 1; j < n && !is_special(tok_at(p, j), ',') &&
                        !is_special(tok_at(p, j), ';'); j++)
            ;
        an.close = next = j;
        an.unclosed = TRUE;
    }
    /* An earlier '<' inside this angle: nested, not 3.4. */
    for (j = an.open + 1; j < an.close; j++)
        if (is_special(tok_at(p, j), '<'))
            p->list->flags |= SMTPX_ADDR_SYNTAX_ERROR;
    g_array_append_val(angles, an);
    return next;
}

/* group = display-name ":" [group-list] ";" [CFWS] (3.4): the ':' at token
 * colon opens a group named by the tokens [el_start, colon). */
static void
open_group(parser_t *p, gsize el_start, gsize colon, gboolean after_group)
{
    guint32 gf = 0;

    g_free(p->group_name);
    p->group_name = smtpx_addr_build_phrase(p, el_start, colon, &gf);
    if (!p->group_name)
        gf |= SMTPX_ADDR_SYNTAX_ERROR;    /* no display-name */
    if (after_group)
        gf |= SMTPX_ADDR_SYNTAX_ERROR;    /* no ',' after a group */
    p->list->flags |= gf | tokens_flags(p, el_start, colon) | SMTPX_ADDR_GROUP;
    p->in_group = TRUE;
}

/* Walks the tokens once: address-list = address *("," address), group =
 * display-name ":" [group-list] ";" (3.4), with obs-addr-list empty
 * elements (4.4). */
static void
parse_list(parser_t *p)
{
    gsize n = p->lx->toks->len, k = 0, el_start = 0;
    GArray *angles = g_array_new(FALSE, FALSE, sizeof(angle_t));
    gboolean el_has_at = FALSE;
    /* What ended the previous element: the list's start, ',', the ':' that
     * opened a group or the ';' that closed one. */
    enum { SEP_START, SEP_COMMA, SEP_GROUP_OPEN, SEP_GROUP_CLOSE } prev = SEP_START;

    while (k <= n) {
        const tok_t *t = k < n ? tok_at(p, k) : NULL;
        gboolean end_el = FALSE, comma = FALSE, semi = FALSE;

        if (t && is_special(t, '<')) {
            k = scan_angle(p, k, angles);
            continue;
        }
        if (!t) {
            end_el = TRUE;
        } else if (is_special(t, ',')) {
            end_el = comma = TRUE;
        } else if (is_special(t, ';')) {
            end_el = semi = TRUE;
        } else if (is_special(t, ':') && !p->in_group && angles->len == 0 &&
                   !el_has_at) {
            open_group(p, el_start, k, prev == SEP_GROUP_CLOSE);
            el_start = k + 1;
            prev = SEP_GROUP_OPEN;
            k++;
            continue;
        } else if (is_special(t, '@')) {
            el_has_at = TRUE;
        }
        if (end_el) {
            gboolean had = parse_element(p, el_start, t ? k : n, angles);

            /* An empty element between commas, or before the first or
             * after the last one, is obs-mbox-list / obs-addr-list /
             * obs-group-list (4.4); the ',' that follows a group's ';' is
             * the ordinary separator. */
            if (!had && (comma ? prev != SEP_GROUP_CLOSE : prev == SEP_COMMA))
                p->list->flags |= SMTPX_ADDR_OBS_SYNTAX;
            if (had && prev == SEP_GROUP_CLOSE)
                p->list->flags |= SMTPX_ADDR_SYNTAX_ERROR; /* no ',' */
            prev = SEP_COMMA;
            if (semi) {
                if (p->in_group) {
                    p->in_group = FALSE;
                    g_free(p->group_name);
                    p->group_name = NULL;
                    prev = SEP_GROUP_CLOSE;
                } else {
                    /* a stray ';' read as a separator */
                    p->list->flags |= SMTPX_ADDR_SYNTAX_ERROR;
                }
            }
            g_array_set_size(angles, 0);
            el_has_at = FALSE;
            el_start = k + 1;
        }
        k++;
    }
    if (p->in_group)
        p->list->flags |= SMTPX_ADDR_SYNTAX_ERROR;   /* group without ';' */
    g_array_free(angles, TRUE);
}

smtpx_address_list_t *
smtpx_address_list_parse(const guint8 *value, gsize len)
{
    smtpx_address_list_t *list = smtpx_new0(smtpx_address_list_t);
    lex_t lx;
    parser_t p;
    guint i;

    list->mailboxes = g_ptr_array_new_with_free_func(mailbox_free);
    if (!value)
        len = 0;
    lx.s = value ? value : (const guint8 *)"";
    lx.len = len;
    /* Room for the tokens of a usual field at once (a token is at least
     * one octet), in a small block (smtpx_addr_tok_reserve). */
    lx.toks = g_array_sized_new(FALSE, FALSE, sizeof(tok_t),
                                smtpx_addr_tok_reserve(len));
    lx.content = g_string_new(NULL);
    smtpx_addr_lex(&lx);

    memset(&p, 0, sizeof p);
    p.lx = &lx;
    p.list = list;
    parse_list(&p);
    g_free(p.group_name);

    for (i = 0; i < list->mailboxes->len; i++)
        list->flags |= ((smtpx_mailbox_t *)
                        g_ptr_array_index(list->mailboxes, i))->flags;
    if (list->mailboxes->len == 0)
        list->flags |= SMTPX_ADDR_EMPTY;

    /* The tokens stay with the list for the readings (address_readings.c). */
    list->lex = g_memdup2(&lx, sizeof lx);
    return list;
}

void
smtpx_address_list_free(smtpx_address_list_t *list)
{
    if (!list)
        return;
    lex_drop(list);
    g_ptr_array_free(list->mailboxes, TRUE);
    g_free(list);
}

char *
smtpx_addr_flags_describe(guint32 flags)
{
    static const smtpx_flag_name_t names[] = {
        { SMTPX_ADDR_ROUTE, "source route in address (obs-route)" },
        { SMTPX_ADDR_ENCODED_ADDRESS, "encoded-word decodes to '@', '<' or '>'" },
        { SMTPX_ADDR_AT_IN_COMMENT, "'@' in comment" },
        { SMTPX_ADDR_AT_IN_DISPLAY_NAME, "'@' in display name" },
        { SMTPX_ADDR_ANGLE_IN_NAME, "'<' or '>' in display name or comment" },
        { SMTPX_ADDR_CONTROL_CHAR, "control character" },
        { SMTPX_ADDR_NUL, "NUL byte" },
        { SMTPX_ADDR_UNBALANCED_QUOTE, "unbalanced quote" },
        { SMTPX_ADDR_UNBALANCED_ANGLE, "unbalanced angle bracket" },
        { SMTPX_ADDR_UNBALANCED_PAREN, "unbalanced parenthesis" },
        { SMTPX_ADDR_MULTIPLE_AT, "several '@' in one address" },
        { SMTPX_ADDR_MULTIPLE_ANGLE, "several angle-addrs in one mailbox" },
        { SMTPX_ADDR_GROUP, "group syntax" },
        { SMTPX_ADDR_SYNTAX_ERROR, "syntax outside RFC 5322" },
        { SMTPX_ADDR_QUOTED_LOCAL_AT, "'@' inside quoted local part" },
        { SMTPX_ADDR_OBS_SYNTAX, "obsolete syntax (RFC 5322 4.4)" },
        { SMTPX_ADDR_EMPTY, "no mailbox" },
        { SMTPX_ADDR_INVALID_UTF8, "invalid UTF-8" },
        { SMTPX_ADDR_ENCODED_IN_ADDR_SPEC, "encoded-word inside the address (RFC 2047 5)" },
    };

    return smtpx_flags_describe(flags, names, G_N_ELEMENTS(names), "; ", TRUE);
}
