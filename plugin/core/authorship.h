/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * authorship.h - the forged-From verdict: is the author a reader sees in the
 * From field backed by what the capture shows?  Relaxed alignment of
 * organizational domains (RFC 7489 section 3.1; Public Suffix List through
 * libpsl), the HELO domain standing in for a null reverse-path (RFC 7208
 * section 2.4), DKIM-Signature d= alignment (claimed, not verified),
 * display-name spoofing, look-alike domains (IDNA via libidn2, Unicode TS 39
 * via ICU's spoof checker) and ambiguity in the From field judged by its
 * readings (RFC 5322 3.4, 3.6.2; address.h).
 */
#ifndef SMTPX_CORE_AUTHORSHIP_H
#define SMTPX_CORE_AUTHORSHIP_H

#include "common.h"
#include "address.h"
#include "command.h"
#include "headers.h"

G_BEGIN_DECLS

/* A user exception: envelope domain allowed to send for author domain.
 * Both are domain names, lower case; "*" matches any; a leading "*." matches
 * the domain and its subdomains. */
typedef struct {
    const char *envelope_domain;
    const char *author_domain;
} smtpx_exception_t;

/* What the judge is given.  Nothing is taken over: the caller keeps it. */
typedef struct {
    const smtpx_path_t    *mail_from;  /* MAIL FROM of the transaction, or
                                          NULL when none was seen */
    const char            *helo;       /* EHLO/HELO argument (NUL-terminated)
                                          or NULL */
    const smtpx_headers_t *headers;    /* the header section, or NULL */
    const smtpx_exception_t *exceptions; /* may be NULL */
    gsize                  n_exceptions;
} smtpx_authorship_input_t;

/* The verdict and every reason, each its own flag (issue 10: the flags
 * are bits; each holds 0 or 1, never another gboolean value). */
typedef struct {
    guint    decided : 1;        /* always TRUE once judged */
    guint    forged : 1;
    guint    envelope_mismatch : 1;
    guint    envelope_invalid : 1;
    guint    dkim_aligned : 1;
    guint    display_name_spoof : 1;
    guint    multiple : 1;       /* different From fields; several authors
                                    without one Sender; authors of another
                                    organization than the Sender (3.6.2) */
    guint    missing : 1;
    guint    ambiguous : 1;      /* readings of From name different
                                    organizations, or its syntax leaves the
                                    address's end unknown, or the layout
                                    hides the field (RFC 5322 2.2, 4.5) */
    guint    lookalike : 1;
    guint    exception : 1;      /* a user exception matched */
    char    *from_field;         /* first From body, unfolded, printable */
    smtpx_address_list_t *authors; /* parsed first From field, or NULL */
    char    *from_domain;        /* first author's domain (lower), or NULL */
    char    *org_domain;         /* its organizational domain, or NULL */
    char    *envelope_domain;    /* domain of MAIL FROM (or HELO for <>) */
    char    *envelope_org_domain;
    GPtrArray *dkim_domains;     /* char *: d= of each DKIM-Signature;
                                    NULL when there is none */
    char    *sender;             /* Sender, Reply-To, Return-Path bodies,   */
    char    *reply_to;           /* unfolded and printable, or NULL          */
    char    *return_path;
    char    *exception_rule;     /* "envelope -> author" that matched, or NULL */
    char    *reasons;            /* the reasons in words, "; " separated;
                                    "" when not forged and nothing to say */
    char    *notes;              /* protocol notes that change no author, in
                                    words, "; " separated, "" when none:
                                    From syntax outside RFC 5322 that every
                                    reading agrees on, identical duplicate
                                    From fields */
} smtpx_verdict_t;

/* Judges one message.  Never fails; returns a new verdict (free with
 * smtpx_verdict_free; its strings lie in the verdict's own block, so
 * they are never freed or replaced one by one). */
smtpx_verdict_t *smtpx_authorship_judge(const smtpx_authorship_input_t *in);
void smtpx_verdict_free(smtpx_verdict_t *v);

/*
 * smtpx_org_domain - the organizational domain (RFC 7489 3.2: the public
 * suffix plus one label) of domain (NUL-terminated, any case, trailing dot
 * allowed).  Returns a new lower-case string (g_free), or NULL when domain is
 * not a usable domain (empty, a bare IP, a public suffix itself).
 */
char *smtpx_org_domain(const char *domain);

/* RFC 7489 3.1 relaxed alignment: TRUE when both have the same org domain. */
gboolean smtpx_domains_aligned(const char *a, const char *b);

/*
 * smtpx_domain_is_lookalike - TRUE when a label of domain (NUL-terminated
 * UTF-8, A-labels allowed and decoded through libidn2) is suspect under
 * Unicode TS 39 as ICU's spoof checker implements it: not "highly
 * restrictive" (mixed scripts other than Latin with Han/Kana/Hangul/
 * Bopomofo, invisible characters, mixed digits; 5.2-5.4), or a non-ASCII
 * label whose skeleton (4) is plain ASCII (a whole-script confusable such
 * as all-Cyrillic "аррӏе").  One-script IDNs ("münchen") are clean.  NULL,
 * invalid UTF-8, undecodable A-labels: FALSE.
 */
gboolean smtpx_domain_is_lookalike(const char *domain);

/*
 * smtpx_domains_confusable - TRUE when a and b (NUL-terminated, any case,
 * A-labels allowed) are different names that UTS 39 section 4 finds
 * confusable (same skeleton: "paypa1.com" and "paypal.com").  Identical
 * names, NULL and unusable domains: FALSE.
 */
gboolean smtpx_domains_confusable(const char *a, const char *b);

G_END_DECLS

#endif /* SMTPX_CORE_AUTHORSHIP_H */
