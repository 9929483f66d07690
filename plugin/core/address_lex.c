/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address_lex.c - the first pass of the address parser: cuts a field body
 * into tokens (atoms, encoded-words, dots, quoted strings, comments with
 * nesting counted, not recursed, domain literals, specials), noting for each
 * whether CFWS came before it (RFC 5322 3.2).  Linear and without recursion.
 */
#include "address_internal.h"

/* CRLF followed by WSP: folding whitespace left in the body. */
static gboolean
is_fold(const guint8 *s, gsize len, gsize i)
{
    return i + 2 < len && s[i] == '\r' && s[i + 1] == '\n' && is_wsp(s[i + 2]);
}

/* Flags for one content byte. */
static guint32
byte_flags(guint8 c)
{
    if (c == 0)
        return SMTPX_ADDR_NUL;
    if ((c < 0x20 && c != '\t') || c == 0x7f)
        return SMTPX_ADDR_CONTROL_CHAR;
    return 0;
}

/* Appends a content byte (qtext, ctext, dtext) and notes controls. */
static void
content_add(lex_t *lx, tok_t *t, guint8 c)
{
    g_string_append_c(lx->content, (char)c);
    t->flags |= byte_flags(c);
}

/* Whether t's content holds '@', and '<' or '>'. */
static void
scan_at_angle(const lex_t *lx, tok_t *t)
{
    gboolean at = t->has_at, angle = t->has_angle;

    smtpx_addr_scan_at_angle((const guint8 *)lx->content->str + t->cstart,
                             lx->content->len - t->cstart, &at, &angle);
    t->has_at = at != FALSE;
    t->has_angle = angle != FALSE;
}

/* Reads "(...)" from s[i] (an opening parenthesis); returns the index after. */
static gsize
lex_comment(lex_t *lx, gsize i, tok_t *t)
{
    const guint8 *s = lx->s;
    gsize len = lx->len;
    guint depth = 1;

    t->type = T_COMMENT;
    i++;
    while (i < len) {
        guint8 c = s[i];

        if (c == '\\') {
            if (i + 1 < len) {
                content_add(lx, t, s[i + 1]);
                i += 2;
            } else {
                i++;
            }
            continue;
        }
        if (is_fold(s, len, i)) {
            i += 2;
            continue;
        }
        if (c == '(') {
            depth++;
            if (depth > MAX_COMMENT_DEPTH)
                t->flags |= SMTPX_ADDR_SYNTAX_ERROR;
        } else if (c == ')') {
            depth--;
            if (depth == 0) {
                i++;
                break;
            }
        }
        content_add(lx, t, c);
        i++;
    }
    if (depth > 0)
        t->flags |= SMTPX_ADDR_UNBALANCED_PAREN;
    scan_at_angle(lx, t);
    if (t->has_at)
        t->flags |= SMTPX_ADDR_AT_IN_COMMENT;
    if (t->has_angle)
        t->flags |= SMTPX_ADDR_ANGLE_IN_NAME;
    return i;
}

static gsize
lex_qstring(lex_t *lx, gsize i, tok_t *t)
{
    const guint8 *s = lx->s;
    gsize len = lx->len;
    gboolean closed = FALSE;

    t->type = T_QSTR;
    i++;
    while (i < len) {
        guint8 c = s[i];

        if (c == '"') {
            closed = TRUE;
            i++;
            break;
        }
        if (c == '\\') {
            if (i + 1 < len) {
                content_add(lx, t, s[i + 1]);
                i += 2;
            } else {
                i++;
            }
            continue;
        }
        if (is_fold(s, len, i)) {
            i += 2;
            continue;
        }
        content_add(lx, t, c);
        i++;
    }
    if (!closed)
        t->flags |= SMTPX_ADDR_UNBALANCED_QUOTE;
    scan_at_angle(lx, t);
    return i;
}

static gsize
lex_dliteral(lex_t *lx, gsize i, tok_t *t)
{
    const guint8 *s = lx->s;
    gsize len = lx->len;
    gboolean closed = FALSE;

    t->type = T_DLIT;
    i++;
    while (i < len) {
        guint8 c = s[i];

        if (c == ']') {
            closed = TRUE;
            i++;
            break;
        }
        if (c == '\\') {
            /* obs-dtext: quoted-pair (RFC 5322 4.4) */
            t->flags |= SMTPX_ADDR_OBS_SYNTAX;
            if (i + 1 < len) {
                content_add(lx, t, s[i + 1]);
                i += 2;
            } else {
                i++;
            }
            continue;
        }
        if (is_wsp(c) || is_fold(s, len, i)) {
            /* FWS inside a domain literal carries no meaning. */
            i += is_wsp(c) ? 1 : 2;
            continue;
        }
        if (c == '[')
            t->flags |= SMTPX_ADDR_SYNTAX_ERROR;
        content_add(lx, t, c);
        i++;
    }
    if (!closed)
        t->flags |= SMTPX_ADDR_SYNTAX_ERROR;
    return i;
}

/* An encoded-word or an atom from s[i]; returns the index after it. */
static gsize
lex_word(lex_t *lx, gsize i, tok_t *t)
{
    const guint8 *s = lx->s;
    gsize len = lx->len;
    ew_span_t ew;

    if (s[i] == '=' && smtpx_addr_ew_match(s, len, i, &ew)) {
        gsize k;

        t->type = T_EWORD;
        /* Specials inside: strict parsers cut the word there. */
        for (k = ew.start; k < ew.end; k++)
            if (strchr("@<>,;:\"()[]\\", s[k]))
                t->flags |= SMTPX_ADDR_SYNTAX_ERROR;
        i = ew.end;
    } else {
        t->type = T_ATOM;
        while (i < len && is_atom_char(s[i]) && !is_fold(s, len, i)) {
            t->flags |= byte_flags(s[i]);
            i++;
        }
    }
    t->flags |= smtpx_addr_ew_flags(s + t->start, i - t->start, FALSE);
    return i;
}

/* Each '<' learns where the next '>' is (one backward pass). */
static void
match_angles(lex_t *lx)
{
    gsize k = lx->toks->len, next_gt = NO_INDEX;

    while (k-- > 0) {
        tok_t *t = &g_array_index(lx->toks, tok_t, k);

        if (t->type == T_SPECIAL && t->ch == '>')
            next_gt = k;
        else if (t->type == T_SPECIAL && t->ch == '<')
            t->match = next_gt;
    }
}

void
smtpx_addr_lex(lex_t *lx)
{
    const guint8 *s = lx->s;
    gsize len = lx->len, i = 0;
    gboolean sep = FALSE, ws_only = TRUE;

    while (i < len) {
        guint8 c = s[i];
        tok_t t;

        if (is_wsp(c)) {
            sep = TRUE;
            i++;
            continue;
        }
        if (is_fold(s, len, i)) {
            sep = TRUE;
            i += 3;
            continue;
        }
        memset(&t, 0, sizeof t);
        t.start = i;
        t.match = NO_INDEX;
        t.cstart = lx->content->len;
        if (c == '(') {
            i = lex_comment(lx, i, &t);
            t.end = i;
            t.clen = lx->content->len - t.cstart;
            t.flags |= smtpx_addr_ew_flags(
                (const guint8 *)lx->content->str + t.cstart, t.clen, TRUE);
            g_array_append_val(lx->toks, t);
            sep = TRUE;
            ws_only = FALSE;
            continue;
        }
        if (c == '"') {
            i = lex_qstring(lx, i, &t);
            t.clen = lx->content->len - t.cstart;
            t.flags |= smtpx_addr_ew_flags(
                (const guint8 *)lx->content->str + t.cstart, t.clen, FALSE);
        } else if (c == '[') {
            i = lex_dliteral(lx, i, &t);
            t.clen = lx->content->len - t.cstart;
        } else if (c == '.') {
            t.type = T_DOT;
            i++;
        } else if (c != 0 && strchr("<>:;@,\\])", c)) {
            t.type = T_SPECIAL;
            t.ch = c;
            if (c == ')')
                t.flags |= SMTPX_ADDR_UNBALANCED_PAREN;
            else if (c == ']' || c == '\\')
                t.flags |= SMTPX_ADDR_SYNTAX_ERROR;
            i++;
        } else {
            i = lex_word(lx, i, &t);
        }
        t.end = i;
        t.sep = sep != FALSE;
        t.ws_only = sep && ws_only;
        sep = FALSE;
        ws_only = TRUE;
        g_array_append_val(lx->toks, t);
    }

    match_angles(lx);
}
