/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * authorship_internal.h - what the files of the forged-From verdict share
 * (authorship.c, authorship_domains.c, authorship_align.c,
 * authorship_readings.c, authorship_display.c, authorship_lookalike.c); not
 * part of the core's interface (authorship.h is).
 *
 * Domains here are NUL-terminated UTF-8 or ASCII strings as the parsers give
 * them (possibly NULL: "no domain"); every function returning char * returns
 * a new string (g_free) or NULL.  Reasons and notes are GStrings of texts
 * joined by "; " (add_reason); their words are part of the
 * verdict's interface (tools/smtpxreport/reasons.py reads them).
 */
#ifndef SMTPX_CORE_AUTHORSHIP_INTERNAL_H
#define SMTPX_CORE_AUTHORSHIP_INTERNAL_H

#include <stdarg.h>
#include <string.h>

#include <libpsl.h>

#include "authorship.h"

G_BEGIN_DECLS

/* RFC 1035 2.3.4 limits, used to refuse absurd "domains" early. */
#define DOMAIN_MAX_OCTETS 253
#define LABEL_MAX_OCTETS  63
/* Anything longer than this is not looked at as a domain at all. */
#define DOMAIN_INPUT_MAX  1024

/* Next character of valid UTF-8 (g_utf8_next_char without its cast). */
static inline const char *
utf8_next(const char *p)
{
    return p + g_utf8_skip[*(const guchar *)p];
}

/* TRUE when s[0..len) holds no byte >= 0x80. */
static inline gboolean
is_ascii(const char *s, gsize len)
{
    gsize i;

    for (i = 0; i < len; i++)
        if ((guchar)s[i] >= 0x80)
            return FALSE;
    return TRUE;
}

/* MAIL FROM deviations after which it names no domain to align. */
#define PATH_NO_DOMAIN_FLAGS (SMTPX_PATH_NO_AT | SMTPX_PATH_MULTIPLE_AT | \
    SMTPX_PATH_ROUTE | SMTPX_PATH_BAD_DOMAIN | SMTPX_PATH_ADDRESS_LITERAL | \
    SMTPX_PATH_BARE_IP | SMTPX_PATH_UNBALANCED | SMTPX_PATH_EMPTY)

/* From-field layout that parsers read differently (RFC 5322 2.2, 4.5). */
#define HDR_AMBIGUOUS_FLAGS (SMTPX_HDR_WS_BEFORE_COLON | SMTPX_HDR_FOLDED_NAME | \
    SMTPX_HDR_NUL | SMTPX_HDR_BARE_CR | SMTPX_HDR_BLANK_CONTINUATION | \
    SMTPX_HDR_TRUNCATED)

/* The working state of one judgement: the input, what was found so far and
 * the verdict being filled in.  Each judge_* step reads and adds to
 * it, in the order smtpx_authorship_judge calls them. */
typedef struct {
    const smtpx_authorship_input_t *in;
    const smtpx_headers_t *h;
    const smtpx_path_t *mf;
    const smtpx_header_field_t *from;
    smtpx_verdict_t *v;
    GString *reasons;
    GString *notes;
    guint n_from, n_mailboxes, n_dkim_malformed;
    char *judged_domain;   /* the domain the envelope must back: the first
                              author's, or the Sender's when several
                              authors are named (RFC 5322 3.6.2) */
    const char *judged_role; /* "author" or "Sender" */
    char *judged_norm;     /* normalized judged_domain, or NULL */
    char *judged_org;      /* its organizational domain, or NULL */
    char *env_norm;        /* normalized envelope domain, or NULL */
    char *shown_author;    /* printable judged_domain for reasons */
    char *author_phrase;   /* "author domain x" / "Sender domain x" */
    gboolean env_aligned;
    const char *dkim_aligned_domain;
} judge_t;

/* The functions below are shared by the files of the verdict only; they keep
 * their short names in the source, and these macros give their symbols the
 * project's prefix so that nothing outside the core can clash with them. */
#define add_reason            smtpx_auth_add_reason
#define shown_str             smtpx_auth_shown_str
#define get_psl               smtpx_auth_get_psl
#define normalize_domain      smtpx_auth_normalize_domain
#define org_of_normalized     smtpx_auth_org_of_normalized
#define owner_of              smtpx_auth_owner_of
#define display_name_domains  smtpx_auth_display_name_domains
#define judge_envelope        smtpx_auth_judge_envelope
#define judge_exceptions      smtpx_auth_judge_exceptions
#define judge_dkim            smtpx_auth_judge_dkim
#define judge_ambiguity       smtpx_auth_judge_ambiguity
#define judge_display_names   smtpx_auth_judge_display_names
#define judge_lookalike       smtpx_auth_judge_lookalike

/* Appends one text (printf format) to reasons, "; " after the ones there. */
void add_reason(GString *reasons, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* Printable copy of a possibly NULL string for reasons ("?" when NULL). */
char *shown_str(const char *s);

/* ---- authorship_domains.c: PSL, normalized domains, owners ---- */

/* The shared Public Suffix List context, loaded once (thread-safe), or NULL
 * when libpsl has no list at all. */
const psl_ctx_t *get_psl(void);

/* The DNS form of a domain for comparisons (ASCII lower case, A-labels by
 * IDNA2008/UTS 46, one trailing dot dropped), or NULL when it is no usable
 * domain (address literal, bare IP, bad label, RFC 1035 2.3.4 limits). */
char *normalize_domain(const char *domain);

/* Organizational domain (RFC 7489 3.2) of a normalized domain, or NULL. */
char *org_of_normalized(const char *norm);

/* The owner of a domain for comparisons: its organizational domain, or the
 * normalized name itself when it has none (RFC 7489 3.1 strict mode); NULL
 * when it is no usable domain. */
char *owner_of(const char *domain);

/* ---- authorship_display.c: display names ---- */

/* Appends to shown every token of display (NUL-terminated UTF-8, or NULL)
 * and to domains each domain-like one (new strings, freed by the arrays'
 * free functions the caller set). */
void display_name_domains(const char *display, GPtrArray *shown,
                                     GPtrArray *domains);

/* ---- the steps of smtpx_authorship_judge, in the order it calls them ---- */

/* authorship_align.c: the envelope (RFC 7489 3.1, RFC 7208 2.4), the user
 * exceptions, DKIM d= alignment (RFC 6376, a claim). */
void judge_envelope(judge_t *j);
void judge_exceptions(judge_t *j);
void judge_dkim(judge_t *j);

/* authorship_readings.c: the From readings, layout and MAIL FROM
 * ambiguity (RFC 5322 3.4, 2.2, 4.5; RFC 5321 4.1.2). */
void judge_ambiguity(judge_t *j);

/* authorship_display.c: display names and comments showing another
 * owner's address or domain. */
void judge_display_names(judge_t *j);

/* authorship_lookalike.c: look-alike author domains (Unicode TS 39). */
void judge_lookalike(judge_t *j);

G_END_DECLS

#endif /* SMTPX_CORE_AUTHORSHIP_INTERNAL_H */
