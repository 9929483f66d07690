/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim.h - DKIM verification from the bytes of a capture (RFC 6376, RFC 8463
 * for ed25519-sha256, RFC 8301 for the weakness of rsa-sha1), with keys that
 * come from DNS answers seen in the capture or from a key file, and the
 * three-state author verdict built on it.
 *
 * Files: dkim_tags.c     tag-list syntax (3.2), tag-value helpers;
 *        dkim_sig.c      DKIM-Signature tags (3.5);
 *        dkim_key.c      key records (3.6.1), RSA key DER, key-file lines;
 *        dkim_authres.c  Authentication-Results (RFC 8601 2.2);
 *        dkim_canon.c    header and body canonicalization (3.4), the
 *                        incremental body hash;
 *        dkim_keystore.c the key store;
 *        dkim_msg.c      the per-message state fed the message octets as
 *                        they pass, header hashes;
 *        dkim_verify.c   signature checks through libgcrypt, the author
 *                        verdict;
 *        dkim_internal.h what these files share.
 *
 * Inputs are (const guint8 *, gsize) spans, never NUL-terminated unless said;
 * strings handed out are NUL-terminated, printable (smtpx_printable) and owned
 * by the structure holding them.  All memory is bounded: at most
 * SMTPX_DKIM_MAX_SIGS signatures per message are verified, the header section
 * kept for hashing is capped by the caller's limit, and is freed once the
 * header hashes are computed (the body is hashed as it passes, never kept).
 * No function here aborts on bad input: errors become results with reasons.
 */
#ifndef SMTPX_CORE_DKIM_H
#define SMTPX_CORE_DKIM_H

#include "common.h"
#include "authorship.h"

G_BEGIN_DECLS

#define SMTPX_DKIM_MAX_SIGS   16     /* signatures verified per message */
#define SMTPX_DKIM_MAX_AUTHRES 32    /* Authentication-Results kept */

/* ---- initialisation ----------------------------------------------------- */

/* Initialises libgcrypt when nobody did (Wireshark does in the plugin; the
 * unit tests and fuzzers rely on this).  Idempotent, thread-unsafe. */
void smtpx_dkim_init(void);

/* ---- tag lists (RFC 6376 3.2) ------------------------------------------- */

typedef struct {
    char  *name;          /* tag name as sent (ALPHA *ALNUMPUNC) */
    char  *value;         /* value, surrounding FWS removed, raw bytes
                             NUL-terminated (FWS inside kept) */
    gsize  value_start;   /* offset of the value's first octet in the input */
    gsize  value_end;     /* offset after its last octet, FWS up to ';' or
                             the end included (the span RFC 6376 3.7 empties
                             for b=) */
} smtpx_dkim_tag_t;

/*
 * smtpx_dkim_tags_parse - a tag-list (RFC 6376 3.2) from text/len (not
 * NUL-terminated; NULL allowed when len is 0).  Returns a GPtrArray of
 * smtpx_dkim_tag_t * (g_ptr_array_unref frees all), or NULL on a syntax
 * error or a duplicate tag (RFC 6376 3.2: "MUST NOT" duplicate), with *err
 * (if not NULL) set to a static English reason.  At most 64 tags.
 */
GPtrArray *smtpx_dkim_tags_parse(const guint8 *text, gsize len,
                                 const char **err);
/* The tag named name (case-sensitive, RFC 6376 3.2), or NULL. */
const smtpx_dkim_tag_t *smtpx_dkim_tags_get(const GPtrArray *tags,
                                            const char *name);

/* ---- DKIM-Signature (RFC 6376 3.5) -------------------------------------- */

typedef enum {
    SMTPX_DKIM_ALG_UNKNOWN = 0,
    SMTPX_DKIM_ALG_RSA_SHA256,
    SMTPX_DKIM_ALG_RSA_SHA1,
    SMTPX_DKIM_ALG_ED25519_SHA256   /* RFC 8463 */
} smtpx_dkim_alg_t;

typedef enum {
    SMTPX_DKIM_CANON_SIMPLE = 0,
    SMTPX_DKIM_CANON_RELAXED
} smtpx_dkim_canon_t;

typedef struct {
    /* Issue 10: ordered so that no padding is kept per signature. */
    const char *error;        /* static reason when !ok, else NULL */
    char    *algorithm;       /* a= as sent (printable), or NULL */
    char    *domain;          /* d=, lower case, printable */
    char    *selector;        /* s=, lower case, printable */
    char    *identity;        /* i= (printable), or NULL */
    GPtrArray *signed_headers;/* h=: char * names, as sent; NULL in the
                                 signatures of a message (smtpx_dkim_msg_sig)
                                 once its header section ended: only the
                                 header hash reads them (issue 10) */
    guint8  *bh;  gsize bh_len;  /* bh= decoded */
    guint8  *b;   gsize b_len;   /* b= decoded */
    guint64 l;                /* l= body length count (has_l) */
    guint64 t;                /* t= signature timestamp, s since epoch (has_t) */
    guint64 x;                /* x= expiration (has_x) */
    char    *query;           /* q= as sent, or NULL (dns/txt) */
    char    *copied_headers;  /* z= as sent (printable), or NULL */
    gsize    b_start, b_end;  /* b= value's [start, end) in the parsed input
                               * (value_start/value_end of its tag), emptied
                               * for the header hash (RFC 6376 3.7) */
    smtpx_dkim_alg_t alg;
    smtpx_dkim_canon_t header_canon, body_canon;   /* c=, default simple */
    gboolean ok;              /* every required tag valid: verifiable */
    gboolean has_l, has_t, has_x;   /* l=, t=, x= present */
    gboolean signs_from;      /* h= lists From (RFC 6376 5.4) */
    gboolean has_b_span;      /* b= was found: b_start/b_end are set */
} smtpx_dkim_sig_t;

/*
 * smtpx_dkim_sig_parse - the tags of a DKIM-Signature field body.
 * value/len: the field body after the colon, raw or unfolded, not
 * NUL-terminated.  Never NULL: a signature that cannot be verified has
 * ok = FALSE and error set (RFC 6376 6.1.1: a permerror).  Free with
 * smtpx_dkim_sig_free.
 */
smtpx_dkim_sig_t *smtpx_dkim_sig_parse(const guint8 *value, gsize len);
void smtpx_dkim_sig_free(smtpx_dkim_sig_t *sig);

/* "rsa-sha256" ... for alg; "unknown" for UNKNOWN (static). */
const char *smtpx_dkim_alg_name(smtpx_dkim_alg_t alg);

/* ---- key records (RFC 6376 3.6.1, RFC 8463 4) ---------------------------- */

typedef enum {
    SMTPX_DKIM_KEY_RSA = 0,
    SMTPX_DKIM_KEY_ED25519,
    SMTPX_DKIM_KEY_OTHER
} smtpx_dkim_key_type_t;

typedef struct {
    gboolean ok;             /* syntax valid (revoked keys are ok) */
    const char *error;       /* static reason when !ok */
    smtpx_dkim_key_type_t type; /* k=, default rsa */
    gboolean revoked;        /* p= empty */
    guint8  *p;  gsize p_len;/* p= decoded (RSA: DER; ed25519: 32 octets) */
    gboolean hash_sha1, hash_sha256; /* h=; both TRUE when absent */
    gboolean service_email;  /* s= lists "email" or "*" (default "*") */
    gboolean testing;        /* t=y */
    gboolean strict;         /* t=s: i= domain must equal d= */
} smtpx_dkim_key_t;

/*
 * smtpx_dkim_key_parse - a key record: the TXT strings of one record
 * concatenated (RFC 6376 3.6.2.2), txt/len not NUL-terminated.  Never NULL;
 * free with smtpx_dkim_key_free.
 */
smtpx_dkim_key_t *smtpx_dkim_key_parse(const guint8 *txt, gsize len);
void smtpx_dkim_key_free(smtpx_dkim_key_t *key);

/*
 * smtpx_dkim_rsa_der - finds the modulus and exponent in an RSA public key
 * given as DER: SubjectPublicKeyInfo (RFC 5280 4.1, what RFC 6376 3.6.1
 * keys hold) or a bare RSAPublicKey (RFC 8017 A.1.1).  der/len not
 * NUL-terminated.  On success *n and *e point into der (leading zero octets
 * skipped) and TRUE is returned; FALSE for anything else.  A bounded
 * reader of those two shapes only, no general ASN.1.
 */
gboolean smtpx_dkim_rsa_der(const guint8 *der, gsize len,
                            const guint8 **n, gsize *n_len,
                            const guint8 **e, gsize *e_len);

/*
 * smtpx_dkim_keyfile_line - one line of a key file: "name TXT-value",
 * where name is selector._domainkey.domain (trailing dot allowed) and
 * TXT-value is either zone-file form ([TTL] [IN] TXT "a" "b" ... or the
 * same inside parentheses on this line) or dig +short form ("a" "b") or
 * plain unquoted text.  line/len not NUL-terminated, without line ending.
 * Returns TRUE and sets *name (lower case, no trailing dot) and *txt (the
 * strings concatenated, \" and \DDD escapes decoded, NUL-terminated;
 * *txt_len its length) as new strings (g_free); FALSE for a comment
 * (";" or "#"), a blank line or a line with no value.
 */
gboolean smtpx_dkim_keyfile_line(const guint8 *line, gsize len, char **name,
                                 guint8 **txt, gsize *txt_len);

/* ---- Authentication-Results (RFC 8601 2.2, RFC 8617 4.1.2) -------------- */

typedef struct {
    char *method;            /* "dkim", "spf", ... lower case */
    char *result;            /* "pass", ... lower case */
    char *properties;        /* "header.d=example.com reason=..." as sent,
                                space separated, printable; "" when none */
} smtpx_authres_entry_t;

typedef struct {
    gboolean arc;            /* ARC-Authentication-Results (i= skipped) */
    char *authserv_id;       /* printable, or "" */
    GPtrArray *entries;      /* smtpx_authres_entry_t * */
} smtpx_authres_t;

/*
 * smtpx_authres_parse - an Authentication-Results (arc FALSE) or
 * ARC-Authentication-Results (arc TRUE: the leading "i=N;" is skipped) field
 * body, unfolded or raw, not NUL-terminated.  CFWS comments are dropped.
 * Lenient: what cannot be read is skipped.  Never NULL; at most 32 entries.
 * These are claims written by whoever wrote the field: never evidence.
 */
smtpx_authres_t *smtpx_authres_parse(const guint8 *value, gsize len,
                                     gboolean arc);
void smtpx_authres_free(smtpx_authres_t *ar);

/* ---- canonicalization (RFC 6376 3.4) ------------------------------------ */

/*
 * smtpx_dkim_canon_header - one header field canonicalized and followed by
 * CRLF (with_crlf) or not.  field/len: the whole raw field, name, colon,
 * body and internal folding CRLFs, without the final CRLF; not
 * NUL-terminated.  Appends to out.
 */
void smtpx_dkim_canon_header(smtpx_dkim_canon_t c, const guint8 *field,
                             gsize len, gboolean with_crlf, GByteArray *out);

typedef struct smtpx_dkim_body smtpx_dkim_body_t;
/*
 * A streaming body canonicalizer and hasher: md_algo is a libgcrypt
 * GCRY_MD_* value; limit: hash only the first limit canonical octets
 * (l=), G_MAXUINT64 for all.  Feed the body octets (after dot-unstuffing)
 * in any pieces; nothing is kept but a few counters.
 */
smtpx_dkim_body_t *smtpx_dkim_body_new(smtpx_dkim_canon_t c, int md_algo,
                                       guint64 limit);
void smtpx_dkim_body_feed(smtpx_dkim_body_t *b, const guint8 *p, gsize n);
/* Ends the body; copies the digest (at most max octets) to out, returns its
 * length; *canon_len: canonical body octets in all (l= compares with it). */
gsize smtpx_dkim_body_finish(smtpx_dkim_body_t *b, guint8 *out, gsize max,
                             guint64 *canon_len);
void smtpx_dkim_body_free(smtpx_dkim_body_t *b);

/* ---- keys from the capture and the key file ------------------------------ */

typedef enum {
    SMTPX_DKIM_SRC_NONE = 0,
    SMTPX_DKIM_SRC_CAPTURE,   /* a DNS answer in frame `frame` */
    SMTPX_DKIM_SRC_FILE       /* the key file */
} smtpx_dkim_src_t;

typedef struct smtpx_dkim_keys smtpx_dkim_keys_t;

smtpx_dkim_keys_t *smtpx_dkim_keys_new(void);
void smtpx_dkim_keys_free(smtpx_dkim_keys_t *k);
/*
 * smtpx_dkim_keys_add - a TXT record for name (selector._domainkey.domain,
 * NUL-terminated, any case, trailing dot allowed) found in frame (0 for the
 * key file).  txt/len: the record's strings concatenated.  nxdomain: the
 * name does not exist (txt ignored).  The same (name, frame, txt) twice is
 * kept once, so a frame dissected again adds nothing.  At most 4096 records
 * of at most 16 KiB each and 4 MiB in all; more are dropped.
 */
void smtpx_dkim_keys_add(smtpx_dkim_keys_t *k, const char *name,
                         smtpx_dkim_src_t src, guint32 frame,
                         const guint8 *txt, gsize len, gboolean nxdomain);
/* Reads a key file (smtpx_dkim_keyfile_line per line); returns the number
 * of records added, -1 when the file cannot be read (*err set, g_free). */
gint smtpx_dkim_keys_load_file(smtpx_dkim_keys_t *k, const char *path,
                               char **err);
/* Changes each time a record is added (cache key for results). */
guint smtpx_dkim_keys_generation(const smtpx_dkim_keys_t *k);

/* ---- the per-message verifier ------------------------------------------- */

typedef enum {
    SMTPX_DKIM_NONE = 0,   /* not evaluated */
    SMTPX_DKIM_PASS,
    SMTPX_DKIM_FAIL,
    SMTPX_DKIM_NEUTRAL,    /* RFC 8601: could not be processed (message
                              incomplete in the capture, limits) */
    SMTPX_DKIM_POLICY,     /* RFC 8601: verifies but not acceptable
                              (rsa-sha1, RFC 8301) */
    SMTPX_DKIM_TEMPERROR,
    SMTPX_DKIM_PERMERROR,  /* syntax, NXDOMAIN, revoked key, ... */
    SMTPX_DKIM_NOKEY       /* no key anywhere: nothing can be said */
} smtpx_dkim_result_kind_t;

/* "pass", "fail", ... (static). */
const char *smtpx_dkim_result_name(smtpx_dkim_result_kind_t r);

typedef struct {
    const smtpx_dkim_sig_t *sig;   /* borrowed from the message */
    smtpx_dkim_result_kind_t result;
    char    *reason;          /* English words, never NULL */
    smtpx_dkim_src_t key_source;
    guint32  key_frame;       /* frame of the DNS answer used (CAPTURE) */
    gboolean body_length_limited;   /* l= present */
    gboolean body_beyond_l;   /* the body has octets l= does not cover */
    gboolean testing;         /* key t=y */
    gboolean aligned;         /* d= aligned with the author domain (set by
                                 smtpx_dkim_author_verdict) */
} smtpx_dkim_result_t;

typedef struct smtpx_dkim_msg smtpx_dkim_msg_t;

/*
 * smtpx_dkim_msg_new - a verifier for one message.  max_header_bytes: the
 * header section kept for hashing (same limit as headers.h; beyond it the
 * signatures are NEUTRAL).  Feed every message octet after dot-unstuffing
 * (DATA) or as sent (BDAT) with smtpx_dkim_msg_feed, in any pieces, then
 * smtpx_dkim_msg_end at the end of data.  Header hashes are computed when
 * the header section ends and the header copy is freed then.
 */
smtpx_dkim_msg_t *smtpx_dkim_msg_new(gsize max_header_bytes);
void smtpx_dkim_msg_free(smtpx_dkim_msg_t *m);
void smtpx_dkim_msg_feed(smtpx_dkim_msg_t *m, const guint8 *p, gsize n);
/* complete: the whole message was seen (no gap, not abandoned).
 * time_secs: capture time of the end of data (for x=, seconds). */
void smtpx_dkim_msg_end(smtpx_dkim_msg_t *m, gboolean complete,
                        gint64 time_secs);
/*
 * smtpx_dkim_msg_settle - m, or, when m has ended with no DKIM-Signature
 * field and no Authentication-Results field (nothing any later call could
 * read but "ended"), a shared message that says just that: m is freed
 * then.  Issue 10: most messages are unsigned and are kept until the file
 * closes.  The shared message is read-only: feed, lost and end ignore it,
 * smtpx_dkim_msg_free does nothing with it.  NULL: NULL.
 */
smtpx_dkim_msg_t *smtpx_dkim_msg_settle(smtpx_dkim_msg_t *m);
/* The end of data was seen (results can be final). */
gboolean smtpx_dkim_msg_ended(const smtpx_dkim_msg_t *m);
/* Marks octets as lost (gap): the body hash cannot be trusted. */
void smtpx_dkim_msg_lost(smtpx_dkim_msg_t *m);

/* DKIM-Signature fields seen (all, also beyond SMTPX_DKIM_MAX_SIGS). */
guint smtpx_dkim_msg_n_fields(const smtpx_dkim_msg_t *m);
/* Signatures kept, and the i-th (NULL when out of range). */
guint smtpx_dkim_msg_n_sigs(const smtpx_dkim_msg_t *m);
const smtpx_dkim_sig_t *smtpx_dkim_msg_sig(const smtpx_dkim_msg_t *m, guint i);
/* Authentication-Results fields (ARC ones too), parsed; NULL-safe; NULL
 * when there are none. */
const GPtrArray *smtpx_dkim_msg_authres(const smtpx_dkim_msg_t *m);

/*
 * smtpx_dkim_msg_evaluate - the result of each kept signature with the
 * keys known now (keys may be NULL): the DNS answers of the capture first,
 * then the key file.  Returns a new GPtrArray of smtpx_dkim_result_t *
 * (g_ptr_array_unref frees), one per signature in order; empty when none.
 * Cheap: the hashes were computed while the message passed; this checks
 * the stored digests against each key with gcry_pk_verify.
 */
GPtrArray *smtpx_dkim_msg_evaluate(const smtpx_dkim_msg_t *m,
                                   const smtpx_dkim_keys_t *keys);

/* ---- the author verdict ------------------------------------------------- */

typedef enum {
    SMTPX_AUTHOR_FORGED = 0,
    SMTPX_AUTHOR_BACKED,
    SMTPX_AUTHOR_UNVERIFIED
} smtpx_author_state_t;

/* "forged", "backed", "unverified" (static). */
const char *smtpx_author_state_name(smtpx_author_state_t s);

typedef struct {
    smtpx_author_state_t state;
    gboolean forged;          /* smtpx.from.forged: state != BACKED */
    gboolean dkim_verified;   /* an aligned signature signing From passed
                                 with a key that is not in testing mode,
                                 and l= (if any) covers the whole body */
    char    *reasons;         /* the verdict's reasons with the DKIM outcome,
                                 "; " separated (g_free) */
} smtpx_author_verdict_t;

/*
 * smtpx_dkim_author_verdict - the three-state verdict (docs/verdict.md):
 * v: the authorship flags (authorship.h; v->dkim_aligned is only the
 * claim); results: from smtpx_dkim_msg_evaluate, or NULL/empty when the
 * message carried no signature; their `aligned` members are set here.
 * BACKED: no trick flag and the envelope (or an exception) aligns, or an
 * aligned signature passes (with a key not in testing mode, and covering
 * the whole body when it has l=).  UNVERIFIED: no trick flag, nothing backs the
 * author, and an aligned signature could not be checked (nokey, neutral,
 * temperror).  FORGED otherwise.  Returns a new verdict (free with
 * smtpx_author_verdict_free).
 */
smtpx_author_verdict_t *smtpx_dkim_author_verdict(const smtpx_verdict_t *v,
                                                  GPtrArray *results);
void smtpx_author_verdict_free(smtpx_author_verdict_t *av);

G_END_DECLS

#endif /* SMTPX_CORE_DKIM_H */
