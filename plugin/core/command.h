/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * command.h - SMTP command lines (RFC 5321 section 4.1), reverse-path and
 * forward-path (section 4.1.2), ESMTP parameters (RFC 1869, 1870, 3461,
 * 6152, 6531), BDAT arguments (RFC 3030) and AUTH (RFC 4954).  Pure parsers:
 * no state, no I/O.
 */
#ifndef SMTPX_CORE_COMMAND_H
#define SMTPX_CORE_COMMAND_H

#include "common.h"

G_BEGIN_DECLS

/* Command verbs, from the one table verbs.def. */
typedef enum {
    SMTPX_VERB_UNKNOWN = 0,
#define SMTPX_VERB(id, name, lookalike) SMTPX_VERB_##id,
#include "verbs.def"
#undef SMTPX_VERB
    SMTPX_VERB_COUNT
} smtpx_verb_t;

/* A command line split into verb and arguments. */
typedef struct {
    smtpx_verb_t verb;
    char    *verb_text;   /* the verb as sent, upper case, printable */
    gsize    verb_len;    /* its length in the line */
    gsize    args_offset; /* offset of the arguments in the line (after SP) */
    gboolean looks_like_command; /* 1..12 letters/digits then SP or end */
} smtpx_command_t;

/*
 * smtpx_command_parse - split one command line (without CRLF).
 * line/len: not NUL-terminated.  Verbs are case-insensitive (RFC 5321 2.4).
 * Returns a new command (never NULL); free with smtpx_command_free.
 */
smtpx_command_t *smtpx_command_parse(const guint8 *line, gsize len);
void smtpx_command_free(smtpx_command_t *cmd);

/* The upper-case name of a verb ("MAIL"); "" for UNKNOWN.  Static. */
const char *smtpx_verb_name(smtpx_verb_t verb);

/* The look-alike of a verb for the smuggling preview ("MAIL FROM:"); NULL
 * for UNKNOWN and out-of-range values.  Static (verbs.def). */
const char *smtpx_verb_lookalike(smtpx_verb_t verb);

/* Deviations from RFC 5321 path syntax that servers accept anyway. */
typedef enum {
    SMTPX_PATH_NO_BRACKETS    = 1u << 0,  /* "MAIL FROM: a@b" */
    SMTPX_PATH_SPACE_AFTER_COLON = 1u << 1, /* "FROM: <a@b>" */
    SMTPX_PATH_NO_AT          = 1u << 2,  /* no '@': no domain at all */
    SMTPX_PATH_MULTIPLE_AT    = 1u << 3,  /* more than one unquoted '@' */
    SMTPX_PATH_ROUTE          = 1u << 4,  /* source route "<@a,@b:u@d>" */
    SMTPX_PATH_QUOTED_LOCAL   = 1u << 5,  /* quoted-string local part */
    SMTPX_PATH_COMMENT        = 1u << 6,  /* RFC 5322 comment "(...)" */
    SMTPX_PATH_BAD_DOMAIN     = 1u << 7,  /* domain is not a valid domain */
    SMTPX_PATH_ADDRESS_LITERAL= 1u << 8,  /* domain is "[...]" */
    SMTPX_PATH_BARE_IP        = 1u << 9,  /* the whole path or domain is a
                                             bare IPv4/IPv6 address */
    SMTPX_PATH_UNBALANCED     = 1u << 10, /* '<' without '>' or quote open */
    SMTPX_PATH_TRAILING_JUNK  = 1u << 11, /* text after '>' not parameters */
    SMTPX_PATH_MISSING_KEYWORD= 1u << 12, /* no "FROM:"/"TO:" */
    SMTPX_PATH_EMPTY          = 1u << 13, /* nothing where a path belongs */
    SMTPX_PATH_NON_ASCII      = 1u << 14, /* UTF-8 (needs SMTPUTF8) */
    SMTPX_PATH_BAD_PARAM      = 1u << 15, /* an ESMTP parameter is malformed */
    SMTPX_PATH_BAD_LOCAL_PART = 1u << 16  /* local part is neither a
                                             Dot-string nor a Quoted-string
                                             (RFC 5321 4.1.2): empty, "a..b",
                                             specials, control bytes */
} smtpx_path_flag_t;

/* Flags that make a path "not in RFC 5321 form" (path_syntax expert). */
#define SMTPX_PATH_SYNTAX_FLAGS (SMTPX_PATH_NO_BRACKETS | SMTPX_PATH_SPACE_AFTER_COLON | \
    SMTPX_PATH_NO_AT | SMTPX_PATH_MULTIPLE_AT | SMTPX_PATH_ROUTE | SMTPX_PATH_COMMENT | \
    SMTPX_PATH_BAD_DOMAIN | SMTPX_PATH_BARE_IP | SMTPX_PATH_UNBALANCED | \
    SMTPX_PATH_TRAILING_JUNK | SMTPX_PATH_MISSING_KEYWORD | SMTPX_PATH_EMPTY | \
    SMTPX_PATH_BAD_PARAM | SMTPX_PATH_BAD_LOCAL_PART)

/* One ESMTP parameter "KEY[=value]" (RFC 5321 4.1.2 esmtp-param). */
typedef struct {
    char *keyword;   /* upper case */
    char *value;     /* as sent (printable), or NULL when no '=' */
    char *raw;       /* "KEY=value" as sent, printable */
    gsize offset;    /* where the word starts in the args given to
                        smtpx_path_parse (bytes) */
    gsize length;    /* its length in bytes */
} smtpx_param_t;

/* A MAIL FROM or RCPT TO argument, parsed. */
typedef struct {
    gboolean  null_path;   /* "<>" (reverse-path only) */
    char     *mailbox;     /* "local@domain" as sent (quotes kept), printable;
                              "" for the null path; best effort when invalid */
    char     *local_part;  /* printable, or NULL */
    char     *domain;      /* lower case, printable, or NULL */
    char     *route;       /* obsolete source route as sent, or NULL */
    guint32   flags;       /* smtpx_path_flag_t */
    GPtrArray *params;     /* smtpx_param_t * */
    gboolean  size_present; guint64 size;   /* SIZE= (RFC 1870), octets */
    char     *body;        /* BODY= value upper case (7BIT, 8BITMIME,
                              BINARYMIME), or NULL */
    gboolean  smtputf8;    /* SMTPUTF8 parameter (RFC 6531) */
    gboolean  dsn;         /* RET/ENVID/NOTIFY/ORCPT present (RFC 3461) */
    gboolean  requiretls;  /* REQUIRETLS (RFC 8689) */
    gsize     path_offset; /* where the path's bytes start in the args given
                              to smtpx_path_parse: inside the angle brackets
                              ("a@b" of "FROM:<a@b>"), or the bare word */
    gsize     path_length; /* their length in bytes (0 for "<>", EMPTY) */
} smtpx_path_t;

/*
 * smtpx_path_parse - parse the arguments of MAIL or RCPT.
 * args/len: the command line after the verb and its space, e.g.
 *   "FROM:<a@b.example> SIZE=100" or the lab's "FROM: 203.0.113.25";
 *   not NUL-terminated, no CRLF.
 * is_mail: TRUE for MAIL ("FROM:", reverse-path, "<>" allowed), FALSE for
 *   RCPT ("TO:", forward-path; "<Postmaster>" allowed).
 * Never fails: bad input sets flags and gives a best-effort mailbox.
 * Returns a new path; free with smtpx_path_free.
 */
smtpx_path_t *smtpx_path_parse(const guint8 *args, gsize len, gboolean is_mail);
void smtpx_path_free(smtpx_path_t *path);

/* Words for the set flags ("no angle brackets, no @"): new string, g_free. */
char *smtpx_path_flags_describe(guint32 flags);

/* What an EHLO/HELO argument is (RFC 5321 4.1.1.1, 4.1.3). */
typedef enum {
    SMTPX_HELO_DOMAIN = 0,       /* a syntactically valid domain */
    SMTPX_HELO_ADDRESS_LITERAL,  /* "[192.0.2.1]" or "[IPv6:...]" */
    SMTPX_HELO_BARE_IP,          /* "192.0.2.1": not allowed, common */
    SMTPX_HELO_EMPTY,            /* no argument */
    SMTPX_HELO_INVALID           /* anything else */
} smtpx_helo_kind_t;

/* Classifies an EHLO/HELO argument (arg/len not NUL-terminated, trailing
 * spaces ignored). */
smtpx_helo_kind_t smtpx_helo_classify(const guint8 *arg, gsize len);

/* BDAT arguments (RFC 3030 section 3: "BDAT" SP chunk-size [SP "LAST"]). */
typedef enum {
    SMTPX_BDAT_OK = 0,
    SMTPX_BDAT_MISSING_SIZE,    /* no size */
    SMTPX_BDAT_NOT_A_NUMBER,    /* size has a non-digit (a '-' sign too) */
    SMTPX_BDAT_OVERFLOW,        /* more than 2^63-1 or more than 19 digits */
    SMTPX_BDAT_BAD_LAST         /* a word after the size other than LAST */
} smtpx_bdat_error_t;

typedef struct {
    guint64 chunk_size;          /* octets; 0 when error */
    gboolean last;               /* LAST given (case-insensitive) */
    smtpx_bdat_error_t error;
} smtpx_bdat_arg_t;

/* Parses BDAT arguments (args/len after "BDAT "). Never fails; see error. */
smtpx_bdat_arg_t smtpx_bdat_parse(const guint8 *args, gsize len);

/* AUTH arguments (RFC 4954 section 4: mechanism [SP initial-response]). */
typedef struct {
    char    *mechanism;          /* upper case, printable, or NULL */
    gboolean initial_response;   /* an initial response was sent */
} smtpx_auth_arg_t;

/* Parses AUTH arguments; free the result's mechanism with g_free. */
smtpx_auth_arg_t smtpx_auth_parse(const guint8 *args, gsize len);

G_END_DECLS

#endif /* SMTPX_CORE_COMMAND_H */
