/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address_internal.h - what the files of the RFC 5322 address parser share
 * (address_ew.c, address_lex.c, address_phrase.c, address_spec.c, address.c,
 * address_readings.c); not part of the core's interface (address.h is).
 *
 * Every span here is (pointer, length) into a field body that is not
 * NUL-terminated and may hold any byte, NUL included; nothing is rejected,
 * every oddity becomes a smtpx_addr_flag_t.  Strings the functions return are
 * g_malloc'ed and belong to the caller; GString/GArray arguments are the
 * caller's and are only appended to.
 */
#ifndef SMTPX_CORE_ADDRESS_INTERNAL_H
#define SMTPX_CORE_ADDRESS_INTERNAL_H

#include <string.h>

#include "address.h"

G_BEGIN_DECLS

/* Comments deeper than this are flagged as a syntax error (no parser reads
 * them alike); nesting is only counted, so depth costs no stack. */
#define MAX_COMMENT_DEPTH 64

#define NO_INDEX G_MAXSIZE

/* What decoding found. */
typedef struct {
    gboolean any;        /* at least one encoded-word decoded */
    gboolean addrlike;   /* decoded text holds '@', '<' or '>' */
    gboolean at;         /* decoded text holds '@' */
    gboolean angle;      /* decoded text holds '<' or '>' */
    gboolean nul;        /* decoded text holds NUL */
    gboolean ctl;        /* decoded text holds another C0 control or DEL */
} ew_info_t;

/* One encoded-word found in a text: input spans. */
typedef struct {
    gsize start, end;          /* whole "=?...?=" */
    gsize cs_start, cs_len;    /* charset (without *language) */
    guint8 enc;                /* 'B' or 'Q' */
    gsize tx_start, tx_len;    /* encoded-text */
} ew_span_t;

/* The lexer's tokens (RFC 5322 3.2 lexical tokens). */
typedef enum {
    T_ATOM,      /* 1*atext (RFC 6532: bytes >= 0x80 too); controls kept */
    T_EWORD,     /* an encoded-word, even when its text holds specials */
    T_DOT,
    T_QSTR,      /* quoted-string; content has quoted-pairs resolved */
    T_COMMENT,   /* a top-level comment; content includes nested ones */
    T_DLIT,      /* domain-literal; content without brackets */
    T_SPECIAL    /* < > : ; @ , \ ] ) */
} tok_type_t;

/* Issue 10: 48 octets, so that the tokens of a usual field fit in a
 * block small enough for malloc's thread cache (smtpx_addr_tok_reserve). */
typedef struct {
    gsize    start, end;  /* raw span in the field body */
    gsize    cstart, clen;/* T_QSTR/T_COMMENT/T_DLIT content in lex->content */
    gsize    match;       /* '<': index of the next '>' token, or NO_INDEX */
    guint32  flags;       /* context-free flags of this token */
    guint8   ch;          /* T_SPECIAL: the character */
    guint8   type : 4;    /* tok_type_t */
    guint8   sep : 1;     /* CFWS between the previous non-comment token and
                             this one (comments: unused) */
    guint8   ws_only : 1; /* that CFWS held no comment */
    guint8   has_at : 1;  /* content (QSTR, COMMENT) holds '@' */
    guint8   has_angle : 1; /* content holds '<' or '>' */
} tok_t;

/* Tokens to reserve for a field body of len octets: as many as one octet
 * each, at most what fits in 1024 octets.  glibc's malloc keeps freed
 * blocks up to that size in a per-thread cache; a larger request first
 * merges every small freed block of the process (issue 10). */
static inline guint
smtpx_addr_tok_reserve(gsize len)
{
    return (guint)MIN(len + 1, 1024 / sizeof(tok_t));
}

/* The lexer's input and output: s[0..len) is the field body. */
typedef struct {
    const guint8 *s;
    gsize         len;
    GArray       *toks;     /* tok_t */
    GString      *content;  /* contents of QSTR, COMMENT, DLIT tokens */
} lex_t;

/* WSP of RFC 5234: SP or HTAB. */
static inline gboolean
is_wsp(guint8 c)
{
    return c == ' ' || c == '\t';
}

/* atext of RFC 5322 3.2.3, with RFC 6532 UTF-8 bytes (and NUL, flagged
 * apart) let in. */
static inline gboolean
is_atom_char(guint8 c)
{
    if (is_wsp(c))
        return FALSE;
    return strchr("()<>[]:;@\\,.\"", c) == NULL || c == 0;
}

/* The parser's state over the tokens of one field body. */
typedef struct {
    lex_t                *lx;
    smtpx_address_list_t *list;
    gboolean              in_group;
    char                 *group_name;
} parser_t;

/* Token k (k < p->lx->toks->len), its content, and whether it is the
 * special c. */
static inline tok_t *
tok_at(const parser_t *p, gsize k)
{
    return &g_array_index(p->lx->toks, tok_t, k);
}

static inline const guint8 *
tok_content(const parser_t *p, const tok_t *t)
{
    return (const guint8 *)p->lx->content->str + t->cstart;
}

static inline gboolean
is_special(const tok_t *t, guint8 c)
{
    return t->type == T_SPECIAL && t->ch == c;
}

/* ---- address_ew.c: RFC 2047 encoded-words ---- */

/* Matches "=?charset?X?text?=" (RFC 2047 section 2) at s[i] of s[0..len);
 * fills *ew with input spans.  FALSE when there is none; scans at most to the
 * third '?' after i, so repeated attempts stay linear. */
gboolean smtpx_addr_ew_match(const guint8 *s, gsize len, gsize i,
                             ew_span_t *ew);

/* Appends s[0..len) to out with every complete encoded-word decoded to UTF-8
 * (RFC 2047 sections 4-6; what cannot be decoded is copied as it is, so out
 * may hold invalid UTF-8 or NUL); *info gets what decoding found.  Linear. */
void smtpx_addr_ew_decode(const guint8 *s, gsize len, GString *out,
                          ew_info_t *info);

/* Flags an encoded-word inside s[0..n) earns: ENCODED_ADDRESS when one
 * decodes to '@', '<' or '>'; NUL, CONTROL_CHAR for what decoding shows; with
 * comment, AT_IN_COMMENT and ANGLE_IN_NAME as well.  0 for none. */
guint32 smtpx_addr_ew_flags(const guint8 *s, gsize n, gboolean comment);

/* TRUE when s[0..n) holds an encoded-word that decodes. */
gboolean smtpx_addr_ew_decodes(const guint8 *s, gsize n);

/* TRUE when b[0..n) is UTF-8 (RFC 3629); NUL counts as a character (it is
 * flagged and escaped elsewhere), unlike g_utf8_validate_len. */
gboolean smtpx_addr_utf8_valid(const guint8 *b, gsize n);

/* Sets *at when s[0..n) holds '@' (or U+FF20, U+FE6B in UTF-8), *angle when
 * it holds '<' or '>' (or U+FF1C, U+FF1E, U+FE64, U+FE65); never clears
 * them. */
void smtpx_addr_scan_at_angle(const guint8 *s, gsize n, gboolean *at,
                              gboolean *angle);

/* ---- address_lex.c: the lexer ---- */

/* Cuts lx->s[0..lx->len) into tokens appended to lx->toks (tok_t), with
 * quoted-string, comment and domain-literal contents in lx->content.  The
 * caller creates and frees both arrays.  Linear, no recursion. */
void smtpx_addr_lex(lex_t *lx);

/* ---- address_phrase.c: display names and comments ---- */

/* The display name (phrase, RFC 5322 3.2.5, obs-phrase 4.1) of the tokens
 * [a, b), encoded-words decoded, printable; NULL when there is no word.
 * *flags gets what the phrase shows. */
char *smtpx_addr_build_phrase(parser_t *p, gsize a, gsize b, guint32 *flags);

/* Text of the comments (RFC 5322 3.2.2) among the tokens [a, b), decoded,
 * joined by " ", printable; NULL when there is none. */
char *smtpx_addr_collect_comments(parser_t *p, gsize a, gsize b);

/* ---- address_spec.c: addr-spec, local part, domain, route ---- */

/* Reads an addr-spec (RFC 5322 3.4.1) from the tokens [a, b) into mb
 * (local_part, domain lower-cased, address); an obs-route (4.4) before it is
 * skipped and flagged.  in_angle: the tokens stood inside "<...>".  ORs what
 * it finds into *flags. */
void smtpx_addr_parse_addr_spec(parser_t *p, gsize a, gsize b,
                                gboolean in_angle, smtpx_mailbox_t *mb,
                                guint32 *flags);

G_END_DECLS

#endif /* SMTPX_CORE_ADDRESS_INTERNAL_H */
