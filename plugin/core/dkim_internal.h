/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_internal.h - what the files of the DKIM verifier share (dkim_tags.c,
 * dkim_sig.c, dkim_key.c, dkim_authres.c, dkim_keystore.c, dkim_msg.c,
 * dkim_verify.c); not part of the core's interface (dkim.h is).
 *
 * The tag-value helpers take tag values as the tag-list parser hands them
 * (NUL-terminated, FWS kept, RFC 6376 3.2) and return new memory (g_free) or
 * NULL when the value is not what RFC 6376 says.  The structures are the key
 * store and the per-message state behind dkim.h's opaque types.
 */
#ifndef SMTPX_CORE_DKIM_INTERNAL_H
#define SMTPX_CORE_DKIM_INTERNAL_H

#include <string.h>
#include <stdio.h>

#include "dkim.h"

G_BEGIN_DECLS

/* FWS octets of RFC 6376 2.8 as they appear inside a tag value. */
static inline gboolean
is_fws(guint8 c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The helpers below keep their short names in the source; these macros give
 * their symbols the project's prefix. */
#define b64_decode       smtpx_dkim_b64_decode
#define parse_decimal    smtpx_dkim_parse_decimal
#define lower_printable  smtpx_dkim_lower_printable
#define strip_fws        smtpx_dkim_strip_fws

/* base64 with FWS removed (RFC 6376 2.4) from s (NUL-terminated): the
 * decoded octets (a new buffer, *out_len of them; an empty value gives a
 * 1-octet zero buffer and 0) or NULL when s is not base64. */
guint8 *b64_decode(const char *s, gsize *out_len);

/* A decimal of at most 76 digits (RFC 6376 3.5: 12 for t=/x=, 76 for l=;
 * values beyond 2^64 - 1 clamp to it) into *out; FALSE when s is empty or
 * holds a non-digit. */
gboolean parse_decimal(const char *s, guint64 *out);

/* s (NUL-terminated) in ASCII lower case, made printable (smtpx_printable);
 * new string. */
char *lower_printable(const char *s);

/* A copy of s (NUL-terminated) without its FWS octets; new string. */
char *strip_fws(const char *s);

/* ---- dkim_keystore.c: the key store ---- */

/* One TXT answer (or key-file record) for a key name. */
typedef struct {
    smtpx_dkim_src_t src;
    guint32  frame;
    gboolean nxdomain;
    guint8  *txt;
    gsize    len;
} krec_t;

/* smtpx_dkim_keys_t (dkim.h): records by normalized key name. */
struct smtpx_dkim_keys {
    GHashTable *by_name;     /* char * -> GPtrArray of krec_t * */
    guint n;
    gsize bytes;             /* TXT octets kept in all */
    guint gen;
};

/* ---- dkim_msg.c: one message ---- */

/* One DKIM-Signature of the message with its hashes. */
/* SHA-256 (32 octets) and SHA-1 (20) are the digests RFC 6376 3.3 and
 * RFC 8463 use. */
#define MSIG_HASH_MAX 32

typedef struct {
    smtpx_dkim_sig_t *sig;
    const char *hash_error;          /* static: the hashes are unusable */
    smtpx_dkim_body_t *body;
    guint64 canon_len;
    guint8  hhash[MSIG_HASH_MAX];    /* header hash (RFC 6376 3.7) */
    guint8  bhash[MSIG_HASH_MAX];
    guint8  hhash_len;
    guint8  bhash_len;
} msig_t;

/* smtpx_dkim_msg_t (dkim.h): one message's signatures and hash state. */
/* Issue 10: ordered without padding, the flags as bits; sigs and authres
 * are NULL until their first member. */
struct smtpx_dkim_msg {
    gsize max_header;
    struct hdr_copy *hdr;            /* raw header section, until its end
                                        (dkim_msg.c) */
    gint64 time;
    GPtrArray *sigs;                 /* msig_t *, or NULL */
    GPtrArray *authres;              /* smtpx_authres_t *, or NULL */
    guint  eoh_state;                /* progress through CRLF CRLF */
    guint  n_fields;
    guint in_headers : 1;
    guint hdr_overflow : 1;
    guint ended : 1, complete : 1, lost : 1;
};

G_END_DECLS

#endif /* SMTPX_CORE_DKIM_INTERNAL_H */
