/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ehlo.h - the EHLO reply: server domain and extension keywords with typed
 * parameters (RFC 5321 section 4.1.1.1, RFC 1869; SIZE RFC 1870, AUTH RFC
 * 4954, LIMITS RFC 9422, ...).
 */
#ifndef SMTPX_CORE_EHLO_H
#define SMTPX_CORE_EHLO_H

#include "common.h"
#include "reply.h"

G_BEGIN_DECLS

/* Extensions the analysis checks command use against; one bit each. */
typedef enum {
    SMTPX_EXT_SIZE                = 1u << 0,   /* RFC 1870 */
    SMTPX_EXT_PIPELINING          = 1u << 1,   /* RFC 2920 */
    SMTPX_EXT_8BITMIME            = 1u << 2,   /* RFC 6152 */
    SMTPX_EXT_BINARYMIME          = 1u << 3,   /* RFC 3030 */
    SMTPX_EXT_CHUNKING            = 1u << 4,   /* RFC 3030 */
    SMTPX_EXT_STARTTLS            = 1u << 5,   /* RFC 3207 */
    SMTPX_EXT_AUTH                = 1u << 6,   /* RFC 4954 */
    SMTPX_EXT_DSN                 = 1u << 7,   /* RFC 3461 */
    SMTPX_EXT_SMTPUTF8            = 1u << 8,   /* RFC 6531 */
    SMTPX_EXT_ENHANCEDSTATUSCODES = 1u << 9,   /* RFC 2034 */
    SMTPX_EXT_LIMITS              = 1u << 10,  /* RFC 9422 */
    SMTPX_EXT_REQUIRETLS          = 1u << 11,  /* RFC 8689 */
    SMTPX_EXT_DELIVERBY           = 1u << 12,  /* RFC 2852 */
    SMTPX_EXT_MTRK                = 1u << 13,  /* RFC 3885 */
    SMTPX_EXT_BURL                = 1u << 14,  /* RFC 4468 */
    SMTPX_EXT_VRFY                = 1u << 15,
    SMTPX_EXT_ETRN                = 1u << 16,  /* RFC 1985 */
    SMTPX_EXT_MT_PRIORITY         = 1u << 17   /* RFC 6710 */
} smtpx_ext_t;

/* One advertised keyword with its parameters. */
typedef struct {
    char    *keyword;      /* upper case ("8BITMIME" for "8bitmime") */
    char    *params;       /* parameters as sent (printable), or NULL */
    guint32  ext;          /* the smtpx_ext_t bit, 0 for other keywords */
    gboolean valid;        /* keyword and parameters follow their grammar */
    gboolean obsolete_form;/* "AUTH=LOGIN PLAIN": keyword and parameters
                              joined by '=' (pre-RFC 4954 clients); keyword
                              is then "AUTH", params "LOGIN PLAIN" */
} smtpx_ehlo_capability_t;

/* The parsed EHLO reply. */
typedef struct {
    char      *domain;          /* server domain from the first line, or NULL */
    char      *greeting;        /* rest of the first line, or NULL */
    GPtrArray *capabilities;    /* smtpx_ehlo_capability_t *, in order */
    char      *keywords;        /* all keywords, upper case, space separated */
    guint32    ext_mask;        /* OR of smtpx_ext_t of all keywords */
    gboolean   size_present;    /* SIZE advertised */
    gboolean   size_has_value;  /* SIZE had a number */
    guint64    size_limit;      /* octets; 0 = no fixed limit (RFC 1870 4) */
    GPtrArray *auth_mechanisms; /* char *, upper case, from AUTH (and the
                                   obsolete "AUTH=" form), no duplicates */
    gboolean   limits_present;
    guint32    limits_rcptmax;        /* 0 when not given */
    guint32    limits_mailmax;
    guint32    limits_rcptdomainmax;
    guint      keywords_dropped;/* keyword lines past SMTPX_EHLO_MAX_KEYWORDS:
                                   not kept in capabilities/keywords, but
                                   their extension bits, SIZE, AUTH and
                                   LIMITS still count */
} smtpx_ehlo_t;

/* Keyword lines kept per EHLO reply (issue 14: a peer-controlled list;
 * real servers advertise fewer than 30).  The reply itself keeps at most
 * SMTPX_REPLY_MAX_LINES lines, so lines past that are not seen at all. */
#define SMTPX_EHLO_MAX_KEYWORDS 128

/*
 * smtpx_ehlo_capability_parse - one keyword line's text (after "250-"/"250 ").
 * text/len: not NUL-terminated.  Returns a new capability (never NULL; an
 * empty or bad line gives valid = FALSE).  Free with smtpx_ehlo_capability_free.
 */
smtpx_ehlo_capability_t *smtpx_ehlo_capability_parse(const guint8 *text, gsize len);
void smtpx_ehlo_capability_free(smtpx_ehlo_capability_t *cap);

/*
 * smtpx_ehlo_parse - parse a complete positive EHLO reply (code 250).
 * reply->lines[0] holds the domain and greeting, each later line a keyword.
 * Returns a new smtpx_ehlo_t (free with smtpx_ehlo_free); NULL when reply is
 * NULL or has no line.  A last line reading "OK" (Microsoft Exchange) is not
 * taken as a keyword; `keywords` lists a repeated keyword once.  At most
 * SMTPX_EHLO_MAX_KEYWORDS keyword lines are kept (keywords_dropped counts
 * the others, whose extension bits and typed parameters still count).
 */
smtpx_ehlo_t *smtpx_ehlo_parse(const smtpx_reply_t *reply);
void smtpx_ehlo_free(smtpx_ehlo_t *ehlo);

/* TRUE when ehlo advertised mechanism mech (case-insensitive, NUL-terminated). */
gboolean smtpx_ehlo_has_auth_mechanism(const smtpx_ehlo_t *ehlo, const char *mech);

G_END_DECLS

#endif /* SMTPX_CORE_EHLO_H */
