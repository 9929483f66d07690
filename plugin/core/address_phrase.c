/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address_phrase.c - display names (RFC 5322 3.2.5 phrase, obs-phrase 4.1)
 * and comments (3.2.2) from the lexer's tokens, encoded-words decoded the
 * way mail readers do.
 */
#include "address_internal.h"

/* Collapses runs of SP/HTAB into one SP, trims, and makes it printable. */
static char *
fold_printable(const GString *raw)
{
    GString *f = g_string_sized_new(raw->len + 1);
    gsize i;
    char *r;

    for (i = 0; i < raw->len; i++) {
        char c = raw->str[i];

        if (c == ' ' || c == '\t') {
            if (f->len && f->str[f->len - 1] != ' ')
                g_string_append_c(f, ' ');
            continue;
        }
        g_string_append_c(f, c);
    }
    if (f->len && f->str[f->len - 1] == ' ')
        g_string_truncate(f, f->len - 1);
    r = smtpx_printable((const guint8 *)f->str, f->len);
    g_string_free(f, TRUE);
    return r;
}

/* Flush a segment of atoms/dots into the display name, decoding. */
static void
flush_segment(GString *seg, GString *raw, ew_info_t *info)
{
    if (seg->len) {
        smtpx_addr_ew_decode((const guint8 *)seg->str, seg->len, raw, info);
        g_string_truncate(seg, 0);
    }
}

/* What a display name shows once decoded (raw) and what decoding it found
 * (info): '@', '<' or '>', an encoded address, NUL, controls. */
static guint32
phrase_flags(const GString *raw, const ew_info_t *info)
{
    gboolean at = FALSE, angle = FALSE;
    guint32 f = 0;

    smtpx_addr_scan_at_angle((const guint8 *)raw->str, raw->len, &at, &angle);
    if (at)
        f |= SMTPX_ADDR_AT_IN_DISPLAY_NAME;
    if (angle)
        f |= SMTPX_ADDR_ANGLE_IN_NAME;
    if (info->addrlike)
        f |= SMTPX_ADDR_ENCODED_ADDRESS;
    if (info->nul)
        f |= SMTPX_ADDR_NUL;
    if (info->ctl)
        f |= SMTPX_ADDR_CONTROL_CHAR;
    return f;
}

/*
 * The display name (phrase, RFC 5322 3.2.5, obs-phrase 4.1) from the tokens
 * [a, b): words joined by one space where CFWS separated them; encoded-words
 * decoded, also inside quoted strings since mail readers do.  Returns NULL
 * when there is no word at all.  *flags gets what the phrase shows.
 */
char *
smtpx_addr_build_phrase(parser_t *p, gsize a, gsize b, guint32 *flags)
{
    GString *raw = g_string_new(NULL);
    GString *seg = g_string_new(NULL);
    ew_info_t info = { 0 };
    gboolean any = FALSE;
    gsize k;
    char *r;

    for (k = a; k < b; k++) {
        const tok_t *t = tok_at(p, k);

        if (t->type == T_COMMENT)
            continue;
        if (any && t->sep) {
            /* RFC 2047 6.2: whitespace between encoded-words is dropped
             * by smtpx_addr_ew_decode when both sit in one segment. */
            if (t->ws_only && t->type != T_QSTR) {
                g_string_append_c(seg, ' ');
            } else {
                flush_segment(seg, raw, &info);
                g_string_append_c(raw, ' ');
            }
        }
        switch (t->type) {
        case T_ATOM:
        case T_EWORD:
            g_string_append_len(seg, (const char *)p->lx->s + t->start,
                                (gssize)(t->end - t->start));
            break;
        case T_DOT:
            /* obs-phrase: word *(word / "." / CFWS) */
            *flags |= any ? SMTPX_ADDR_OBS_SYNTAX : SMTPX_ADDR_SYNTAX_ERROR;
            g_string_append_c(seg, '.');
            break;
        case T_QSTR:
            flush_segment(seg, raw, &info);
            smtpx_addr_ew_decode(tok_content(p, t), t->clen, raw, &info);
            break;
        case T_DLIT:
            *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            flush_segment(seg, raw, &info);
            g_string_append_len(raw, (const char *)p->lx->s + t->start,
                                (gssize)(t->end - t->start));
            break;
        case T_SPECIAL:
            if (t->ch == '>' || t->ch == '<')
                *flags |= SMTPX_ADDR_UNBALANCED_ANGLE;
            *flags |= SMTPX_ADDR_SYNTAX_ERROR;
            flush_segment(seg, raw, &info);
            g_string_append_c(raw, (char)t->ch);
            break;
        case T_COMMENT:
            break;
        }
        any = TRUE;
    }
    flush_segment(seg, raw, &info);
    g_string_free(seg, TRUE);
    if (!any) {
        g_string_free(raw, TRUE);
        return NULL;
    }
    *flags |= phrase_flags(raw, &info);
    r = fold_printable(raw);
    g_string_free(raw, TRUE);
    return r;
}

/* Text of the comments in [a, b), decoded, joined by " ", or NULL. */
char *
smtpx_addr_collect_comments(parser_t *p, gsize a, gsize b)
{
    GString *raw = NULL;
    gsize k;
    char *r;

    for (k = a; k < b; k++) {
        const tok_t *t = tok_at(p, k);
        ew_info_t info = { 0 };

        if (t->type != T_COMMENT)
            continue;
        if (!raw)
            raw = g_string_new(NULL);
        else
            g_string_append_c(raw, ' ');
        smtpx_addr_ew_decode(tok_content(p, t), t->clen, raw, &info);
    }
    if (!raw)
        return NULL;
    r = fold_printable(raw);
    g_string_free(raw, TRUE);
    return r;
}
