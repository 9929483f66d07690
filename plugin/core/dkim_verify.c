/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_verify.c - the per-message DKIM verifier (RFC 6376 5.4, 6.1, 3.7):
 * fed the message octets as they pass, it keeps the header section until
 * its end, computes each signature's header hash then and frees the copy,
 * hashes the body incrementally, and later checks the stored digests
 * against keys with libgcrypt (gcry_pk_verify: RSASSA-PKCS1-v1_5 for
 * rsa-sha256/rsa-sha1, PureEdDSA Ed25519 over the SHA-256 hash for
 * ed25519-sha256, RFC 8463 3).  Also the key store and the three-state
 * author verdict.  See dkim.h for the contract.
 */
#include <string.h>
#include <stdio.h>
#include <gcrypt.h>

#include "dkim.h"

#define MAX_KEY_RECORDS 4096
#define MAX_KEY_RECORD_BYTES 16384          /* a 16384-bit RSA key is ~2.8 KiB */
#define MAX_KEY_STORE_BYTES (4u * 1024u * 1024u)
#define MAX_FIELDS      1000    /* header fields looked at for h= */

void
smtpx_dkim_init(void)
{
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
        gcry_check_version(NULL);
        gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
}

const char *
smtpx_dkim_result_name(smtpx_dkim_result_kind_t r)
{
    switch (r) {
    case SMTPX_DKIM_PASS:      return "pass";
    case SMTPX_DKIM_FAIL:      return "fail";
    case SMTPX_DKIM_NEUTRAL:   return "neutral";
    case SMTPX_DKIM_POLICY:    return "policy";
    case SMTPX_DKIM_TEMPERROR: return "temperror";
    case SMTPX_DKIM_PERMERROR: return "permerror";
    case SMTPX_DKIM_NOKEY:     return "nokey";
    case SMTPX_DKIM_NONE:
    default:                   return "none";
    }
}

const char *
smtpx_author_state_name(smtpx_author_state_t s)
{
    switch (s) {
    case SMTPX_AUTHOR_BACKED:     return "backed";
    case SMTPX_AUTHOR_UNVERIFIED: return "unverified";
    case SMTPX_AUTHOR_FORGED:
    default:                      return "forged";
    }
}

/* ---- key store ------------------------------------------------------------ */

typedef struct {
    smtpx_dkim_src_t src;
    guint32  frame;
    gboolean nxdomain;
    guint8  *txt;
    gsize    len;
} krec_t;

struct smtpx_dkim_keys {
    GHashTable *by_name;     /* char * -> GPtrArray of krec_t * */
    guint n;
    gsize bytes;             /* TXT octets kept in all */
    guint gen;
};

static void
krec_free(gpointer p)
{
    krec_t *r = p;

    g_free(r->txt);
    g_free(r);
}

static void
krec_array_free(gpointer p)
{
    g_ptr_array_unref(p);
}

smtpx_dkim_keys_t *
smtpx_dkim_keys_new(void)
{
    smtpx_dkim_keys_t *k = g_new0(smtpx_dkim_keys_t, 1);

    k->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       krec_array_free);
    return k;
}

void
smtpx_dkim_keys_free(smtpx_dkim_keys_t *k)
{
    if (!k)
        return;
    g_hash_table_destroy(k->by_name);
    g_free(k);
}

static char *
key_name_norm(const char *name)
{
    gsize n = strlen(name);

    while (n > 0 && name[n - 1] == '.')
        n--;
    return g_ascii_strdown(name, (gssize)n);
}

void
smtpx_dkim_keys_add(smtpx_dkim_keys_t *k, const char *name, smtpx_dkim_src_t src,
                    guint32 frame, const guint8 *txt, gsize len, gboolean nxdomain)
{
    char *nn;
    GPtrArray *a;
    krec_t *r;
    guint i;

    if (!k || !name || k->n >= MAX_KEY_RECORDS)
        return;
    if (nxdomain || !txt)
        len = 0;
    /* Bounded: no key record is that long, and a hostile capture full of
     * long TXT answers cannot grow the store without limit. */
    if (len > MAX_KEY_RECORD_BYTES || k->bytes + len > MAX_KEY_STORE_BYTES)
        return;
    nn = key_name_norm(name);
    a = g_hash_table_lookup(k->by_name, nn);
    if (!a) {
        a = g_ptr_array_new_with_free_func(krec_free);
        g_hash_table_insert(k->by_name, nn, a);
    } else {
        g_free(nn);
    }
    for (i = 0; i < a->len; i++) {
        const krec_t *o = g_ptr_array_index(a, i);

        if (o->src == src && o->frame == frame && o->nxdomain == nxdomain &&
            o->len == len && (len == 0 || memcmp(o->txt, txt, len) == 0))
            return;
    }
    r = g_new0(krec_t, 1);
    r->src = src;
    r->frame = frame;
    r->nxdomain = nxdomain;
    r->len = len;
    r->txt = g_malloc(len + 1);
    if (len)
        memcpy(r->txt, txt, len);
    r->txt[len] = '\0';
    g_ptr_array_add(a, r);
    k->n++;
    k->bytes += len;
    k->gen++;
}

gint
smtpx_dkim_keys_load_file(smtpx_dkim_keys_t *k, const char *path, char **err)
{
    gchar *text = NULL;
    gsize len = 0, i = 0;
    GError *e = NULL;
    gint added = 0;

    if (!g_file_get_contents(path, &text, &len, &e)) {
        if (err)
            *err = g_strdup(e->message);
        g_error_free(e);
        return -1;
    }
    while (i < len) {
        gsize s = i, l;
        char *name;
        guint8 *txt;
        gsize tl;

        while (i < len && text[i] != '\n')
            i++;
        l = i - s;
        if (l && text[s + l - 1] == '\r')
            l--;
        if (i < len)
            i++;
        if (smtpx_dkim_keyfile_line((const guint8 *)text + s, l, &name, &txt, &tl)) {
            guint before = k->gen;

            smtpx_dkim_keys_add(k, name, SMTPX_DKIM_SRC_FILE, 0, txt, tl, FALSE);
            if (k->gen != before)
                added++;
            g_free(name);
            g_free(txt);
        }
    }
    g_free(text);
    return added;
}

guint
smtpx_dkim_keys_generation(const smtpx_dkim_keys_t *k)
{
    return k ? k->gen : 0;
}

/* ---- the message ---------------------------------------------------------- */

typedef struct {
    smtpx_dkim_sig_t *sig;
    const char *hash_error;          /* static: the hashes are unusable */
    guint8  hhash[64];               /* header hash (RFC 6376 3.7) */
    gsize   hhash_len;
    smtpx_dkim_body_t *body;
    guint8  bhash[64];
    gsize   bhash_len;
    guint64 canon_len;
} msig_t;

struct smtpx_dkim_msg {
    gsize max_header;
    GByteArray *hdr;                 /* raw header section, until its end */
    gboolean in_headers;
    gboolean hdr_overflow;
    guint  eoh_state;                /* progress through CRLF CRLF */
    gboolean ended, complete, lost;
    gint64 time;
    guint  n_fields;
    GPtrArray *sigs;                 /* msig_t * */
    GPtrArray *authres;              /* smtpx_authres_t * */
};

static void
msig_free(gpointer p)
{
    msig_t *s = p;

    smtpx_dkim_sig_free(s->sig);
    smtpx_dkim_body_free(s->body);
    g_free(s);
}

static void
authres_free_cb(gpointer p)
{
    smtpx_authres_free(p);
}

smtpx_dkim_msg_t *
smtpx_dkim_msg_new(gsize max_header_bytes)
{
    smtpx_dkim_msg_t *m = g_new0(smtpx_dkim_msg_t, 1);

    smtpx_dkim_init();
    m->max_header = max_header_bytes ? max_header_bytes : 65536;
    m->hdr = g_byte_array_new();
    m->in_headers = TRUE;
    m->eoh_state = 2;                /* the body start counts as after CRLF */
    m->sigs = g_ptr_array_new_with_free_func(msig_free);
    m->authres = g_ptr_array_new_with_free_func(authres_free_cb);
    return m;
}

void
smtpx_dkim_msg_free(smtpx_dkim_msg_t *m)
{
    if (!m)
        return;
    if (m->hdr)
        g_byte_array_free(m->hdr, TRUE);
    g_ptr_array_unref(m->sigs);
    g_ptr_array_unref(m->authres);
    g_free(m);
}

/* One raw header field: [start, end) of hdr, without its final CRLF. */
typedef struct {
    gsize start, end;
    gsize name_end;          /* the colon's offset (end when none) */
    gboolean used;
} field_t;

static gboolean
field_is(const guint8 *h, const field_t *f, const char *name)
{
    gsize ne = f->name_end, n = strlen(name);

    while (ne > f->start && (h[ne - 1] == ' ' || h[ne - 1] == '\t'))
        ne--;
    return ne - f->start == n &&
           g_ascii_strncasecmp((const char *)h + f->start, name, n) == 0;
}

static int
md_algo_of(smtpx_dkim_alg_t a)
{
    return a == SMTPX_DKIM_ALG_RSA_SHA1 ? GCRY_MD_SHA1 : GCRY_MD_SHA256;
}

/* The header hash of signature s found in field sf (RFC 6376 3.7, 5.4.2:
 * each name of h= takes the last not yet used field of that name). */
static void
header_hash(smtpx_dkim_msg_t *m, msig_t *s, field_t *fields, guint nf,
            const field_t *sf)
{
    const guint8 *h = m->hdr->data;
    GByteArray *buf = g_byte_array_new();
    guint i, j;
    gcry_md_hd_t md;
    const GPtrArray *sh = s->sig->signed_headers;

    for (j = 0; j < nf; j++)
        fields[j].used = FALSE;
    for (i = 0; i < sh->len; i++) {
        const char *name = g_ptr_array_index(sh, i);

        for (j = nf; j > 0; j--) {
            field_t *f = &fields[j - 1];

            if (!f->used && field_is(h, f, name)) {
                f->used = TRUE;
                smtpx_dkim_canon_header(s->sig->header_canon, h + f->start,
                                        f->end - f->start, TRUE, buf);
                break;
            }
        }
    }
    /* The signature field itself, b= emptied, no final CRLF. */
    {
        GByteArray *own = g_byte_array_new();
        gsize vstart = sf->name_end + 1;
        GPtrArray *tags = smtpx_dkim_tags_parse(h + vstart, sf->end - vstart, NULL);
        const smtpx_dkim_tag_t *bt = smtpx_dkim_tags_get(tags, "b");

        if (bt) {
            g_byte_array_append(own, h + sf->start, (guint)(vstart + bt->value_start - sf->start));
            g_byte_array_append(own, h + vstart + bt->value_end,
                                (guint)(sf->end - (vstart + bt->value_end)));
        } else {
            g_byte_array_append(own, h + sf->start, (guint)(sf->end - sf->start));
        }
        smtpx_dkim_canon_header(s->sig->header_canon, own->data, own->len, FALSE, buf);
        g_byte_array_free(own, TRUE);
        if (tags)
            g_ptr_array_unref(tags);
    }
    if (gcry_md_open(&md, md_algo_of(s->sig->alg), 0) == 0) {
        gcry_md_write(md, buf->data, buf->len);
        s->hhash_len = gcry_md_get_algo_dlen(md_algo_of(s->sig->alg));
        memcpy(s->hhash, gcry_md_read(md, 0), s->hhash_len);
        gcry_md_close(md);
    } else {
        s->hash_error = "the hash could not be computed";
    }
    g_byte_array_free(buf, TRUE);
}

/* The header section ended (hdr holds it, final empty line excluded). */
static void
headers_done(smtpx_dkim_msg_t *m)
{
    const guint8 *h = m->hdr->data;
    gsize len = m->hdr->len, i = 0;
    GArray *fa = g_array_new(FALSE, TRUE, sizeof(field_t));
    guint k;

    /* Split into fields: a line starting with WSP continues the field. */
    while (i < len && fa->len < MAX_FIELDS) {
        field_t f;

        memset(&f, 0, sizeof f);
        f.start = i;
        for (;;) {
            gsize j = i;

            while (j + 1 < len && !(h[j] == '\r' && h[j + 1] == '\n'))
                j++;
            if (j + 1 >= len) {
                i = len;
                f.end = len;
                break;
            }
            i = j + 2;
            f.end = j;
            if (i < len && (h[i] == ' ' || h[i] == '\t'))
                continue;
            break;
        }
        f.name_end = f.start;
        while (f.name_end < f.end && h[f.name_end] != ':')
            f.name_end++;
        g_array_append_val(fa, f);
    }
    for (k = 0; k < fa->len; k++) {
        field_t *f = &g_array_index(fa, field_t, k);
        gsize vs = f->name_end + 1;

        if (f->name_end >= f->end)
            continue;
        if (field_is(h, f, "DKIM-Signature")) {
            msig_t *s;

            m->n_fields++;
            if (m->sigs->len >= SMTPX_DKIM_MAX_SIGS)
                continue;
            s = g_new0(msig_t, 1);
            s->sig = smtpx_dkim_sig_parse(h + vs, f->end - vs);
            g_ptr_array_add(m->sigs, s);
            if (m->hdr_overflow) {
                s->hash_error = "the header section is longer than the "
                                "analysis limit (smtpx.max_header_bytes)";
                continue;
            }
            if (!s->sig->ok)
                continue;
            header_hash(m, s, (field_t *)(void *)fa->data, fa->len, f);
            s->body = smtpx_dkim_body_new(s->sig->body_canon,
                                          md_algo_of(s->sig->alg),
                                          s->sig->has_l ? s->sig->l : G_MAXUINT64);
        } else if (m->authres->len < SMTPX_DKIM_MAX_AUTHRES &&
                   (field_is(h, f, "Authentication-Results") ||
                    field_is(h, f, "ARC-Authentication-Results"))) {
            g_ptr_array_add(m->authres,
                            smtpx_authres_parse(h + vs, f->end - vs,
                                                field_is(h, f, "ARC-Authentication-Results")));
        }
    }
    g_array_free(fa, TRUE);
    /* Only the hashes are kept (DESIGN.md: no whole-message copies). */
    g_byte_array_free(m->hdr, TRUE);
    m->hdr = NULL;
    m->in_headers = FALSE;
}

static void
body_feed(smtpx_dkim_msg_t *m, const guint8 *p, gsize n)
{
    guint i;

    for (i = 0; i < m->sigs->len; i++) {
        msig_t *s = g_ptr_array_index(m->sigs, i);

        if (s->body)
            smtpx_dkim_body_feed(s->body, p, n);
    }
}


/* Appends k header octets to the bounded copy: past max_header octets the
 * copy stops and overflows (the octet that does not fit is not kept). */
static void
hdr_append(smtpx_dkim_msg_t *m, const guint8 *q, gsize k)
{
    gsize room;

    if (m->hdr_overflow || k == 0)
        return;
    room = m->hdr->len < m->max_header ? m->max_header - m->hdr->len : 0;
    if (k > room) {
        k = room;
        m->hdr_overflow = TRUE;
    }
    if (k)
        g_byte_array_append(m->hdr, q, (guint)k);
}

void
smtpx_dkim_msg_feed(smtpx_dkim_msg_t *m, const guint8 *p, gsize n)
{
    gsize i = 0, run = 0;

    if (!m || m->ended || !p)
        return;
    /* Header octets are copied in runs (p[run..i)), not one by one. */
    while (m->in_headers && i < n) {
        guint8 c;

        if (m->eoh_state == 0) {
            /* Only a CR can start the end of the header section. */
            const guint8 *cr = memchr(p + i, '\r', n - i);

            if (!cr) {
                i = n;
                break;
            }
            i = (gsize)(cr - p);
        }
        c = p[i++];

        /* eoh_state: 0 text, 1 CR, 2 CRLF, 3 CRLF CR; CRLF after 2 ends. */
        switch (m->eoh_state) {
        case 1:
            m->eoh_state = c == '\n' ? 2 : (c == '\r' ? 1 : 0);
            break;
        case 2:
            m->eoh_state = c == '\r' ? 3 : 0;
            break;
        case 3:
            m->eoh_state = c == '\n' ? 4 : (c == '\r' ? 1 : 0);
            break;
        default:
            m->eoh_state = c == '\r' ? 1 : 0;
            break;
        }
        if (m->eoh_state == 4) {
            hdr_append(m, p + run, i - 1 - run);
            /* Drop the empty line's CRLF (and the CRLF before it, which
             * ends the last field, so that the copy ends in a field). */
            if (!m->hdr_overflow) {
                gsize keep = m->hdr->len >= 1 ? m->hdr->len - 1 : 0;

                g_byte_array_set_size(m->hdr, (guint)keep);
                if (m->hdr->len >= 2)
                    g_byte_array_set_size(m->hdr, m->hdr->len - 2);
            }
            headers_done(m);
            run = i;
            break;
        }
    }
    if (m->in_headers)
        hdr_append(m, p + run, i - run);
    if (!m->in_headers && i < n)
        body_feed(m, p + i, n - i);
}

void
smtpx_dkim_msg_lost(smtpx_dkim_msg_t *m)
{
    if (m)
        m->lost = TRUE;
}

void
smtpx_dkim_msg_end(smtpx_dkim_msg_t *m, gboolean complete, gint64 time_secs)
{
    guint i;

    if (!m || m->ended)
        return;
    if (m->in_headers) {
        /* No empty line: the whole message is header section, the body
         * is empty (RFC 5322 3.5 allows no body). */
        if (!m->hdr_overflow && m->hdr->len >= 2 &&
            m->hdr->data[m->hdr->len - 2] == '\r' &&
            m->hdr->data[m->hdr->len - 1] == '\n')
            g_byte_array_set_size(m->hdr, m->hdr->len - 2);
        headers_done(m);
    }
    m->ended = TRUE;
    m->complete = complete && !m->lost;
    m->time = time_secs;
    for (i = 0; i < m->sigs->len; i++) {
        msig_t *s = g_ptr_array_index(m->sigs, i);

        if (s->body) {
            s->bhash_len = smtpx_dkim_body_finish(s->body, s->bhash,
                                                  sizeof s->bhash, &s->canon_len);
            smtpx_dkim_body_free(s->body);
            s->body = NULL;
        }
    }
}

gboolean
smtpx_dkim_msg_ended(const smtpx_dkim_msg_t *m)
{
    return m && m->ended;
}

guint
smtpx_dkim_msg_n_fields(const smtpx_dkim_msg_t *m)
{
    return m ? m->n_fields : 0;
}

guint
smtpx_dkim_msg_n_sigs(const smtpx_dkim_msg_t *m)
{
    return m ? m->sigs->len : 0;
}

const smtpx_dkim_sig_t *
smtpx_dkim_msg_sig(const smtpx_dkim_msg_t *m, guint i)
{
    if (!m || i >= m->sigs->len)
        return NULL;
    return ((const msig_t *)g_ptr_array_index(m->sigs, i))->sig;
}

const GPtrArray *
smtpx_dkim_msg_authres(const smtpx_dkim_msg_t *m)
{
    return m ? m->authres : NULL;
}

/* ---- checking a signature against one key ---------------------------------- */

static void
result_free(gpointer p)
{
    smtpx_dkim_result_t *r = p;

    g_free(r->reason);
    g_free(r);
}

static void
set_result(smtpx_dkim_result_t *r, smtpx_dkim_result_kind_t k, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
set_result(smtpx_dkim_result_t *r, smtpx_dkim_result_kind_t k, const char *fmt, ...)
{
    va_list ap;

    r->result = k;
    g_free(r->reason);
    va_start(ap, fmt);
    r->reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/* gcry_pk_verify of the stored header hash; TRUE when it verifies. */
static gboolean
crypto_verify(const msig_t *s, const smtpx_dkim_key_t *key, const char **why)
{
    gcry_sexp_t pk = NULL, data = NULL, sig = NULL;
    gboolean ok = FALSE;
    gcry_error_t e;

    *why = NULL;
    if (s->sig->alg == SMTPX_DKIM_ALG_ED25519_SHA256) {
        if (key->p_len != 32) {
            *why = "the ed25519 key is not 32 octets (RFC 8463 4)";
            return FALSE;
        }
        if (s->sig->b_len != 64) {
            *why = "the ed25519 signature is not 64 octets";
            return FALSE;
        }
        e = gcry_sexp_build(&pk, NULL, "(public-key (ecc (curve Ed25519) (flags eddsa) (q %b)))",
                            (int)key->p_len, key->p);
        if (!e)
            e = gcry_sexp_build(&data, NULL, "(data (flags eddsa) (hash-algo sha512) (value %b))",
                                (int)s->hhash_len, s->hhash);
        if (!e)
            e = gcry_sexp_build(&sig, NULL, "(sig-val (eddsa (r %b) (s %b)))",
                                32, s->sig->b, 32, s->sig->b + 32);
    } else {
        const guint8 *n, *ex;
        gsize nl, el;

        if (!smtpx_dkim_rsa_der(key->p, key->p_len, &n, &nl, &ex, &el)) {
            *why = "the key's p= is not an RSA public key";
            return FALSE;
        }
        if (nl * 8 < 1024 - 7 || (nl * 8 < 1024 && n[0] < 0x80)) {
            *why = "the RSA key is shorter than 1024 bits (RFC 8301 3.2)";
            return FALSE;
        }
        e = gcry_sexp_build(&pk, NULL, "(public-key (rsa (n %b) (e %b)))",
                            (int)nl, n, (int)el, ex);
        if (!e)
            e = gcry_sexp_build(&data, NULL, "(data (flags pkcs1) (hash %s %b))",
                                s->sig->alg == SMTPX_DKIM_ALG_RSA_SHA1 ? "sha1" : "sha256",
                                (int)s->hhash_len, s->hhash);
        if (!e)
            e = gcry_sexp_build(&sig, NULL, "(sig-val (rsa (s %b)))",
                                (int)s->sig->b_len, s->sig->b);
    }
    if (e)
        *why = "the key or signature could not be used by libgcrypt";
    else
        ok = gcry_pk_verify(sig, data, pk) == 0;
    gcry_sexp_release(pk);
    gcry_sexp_release(data);
    gcry_sexp_release(sig);
    return ok;
}

static char *
source_words(const krec_t *r)
{
    if (r->src == SMTPX_DKIM_SRC_CAPTURE)
        return g_strdup_printf("the DNS answer in frame %u", r->frame);
    return g_strdup("the key file");
}

/* Tries one key record; FALSE when the record is no DKIM key at all (a
 * TXT record of something else) and the next one should be tried. */
static gboolean
try_key(const msig_t *s, const krec_t *rec, smtpx_dkim_result_t *r)
{
    smtpx_dkim_key_t *key = smtpx_dkim_key_parse(rec->txt, rec->len);
    const smtpx_dkim_sig_t *sig = s->sig;
    char *src = source_words(rec);
    const char *why;
    gboolean sha1 = sig->alg == SMTPX_DKIM_ALG_RSA_SHA1;

    r->key_source = rec->src;
    r->key_frame = rec->frame;
    if (!key->ok) {
        set_result(r, SMTPX_DKIM_PERMERROR, "key record in %s unusable: %s", src, key->error);
        goto done;
    }
    r->testing = key->testing;
    if (key->revoked) {
        set_result(r, SMTPX_DKIM_PERMERROR, "key revoked (empty p= in %s, RFC 6376 3.6.1)", src);
    } else if ((key->type == SMTPX_DKIM_KEY_ED25519) !=
               (sig->alg == SMTPX_DKIM_ALG_ED25519_SHA256) ||
               key->type == SMTPX_DKIM_KEY_OTHER) {
        set_result(r, SMTPX_DKIM_PERMERROR, "key type (k= in %s) does not fit a=%s",
                   src, smtpx_dkim_alg_name(sig->alg));
    } else if (sha1 ? !key->hash_sha1 : !key->hash_sha256) {
        set_result(r, SMTPX_DKIM_PERMERROR, "the key's h= in %s does not allow %s",
                   src, sha1 ? "sha1" : "sha256");
    } else if (!key->service_email) {
        set_result(r, SMTPX_DKIM_PERMERROR, "the key's s= in %s excludes email", src);
    } else if (key->strict && sig->identity &&
               (!strrchr(sig->identity, '@') ||
                g_ascii_strcasecmp(strrchr(sig->identity, '@') + 1, sig->domain) != 0)) {
        set_result(r, SMTPX_DKIM_PERMERROR, "the key in %s has t=s and i= is a subdomain of d=", src);
    } else if (crypto_verify(s, key, &why)) {
        if (sha1)
            set_result(r, SMTPX_DKIM_POLICY, "rsa-sha1 signature verifies with the key from %s, "
                       "but RFC 8301 forbids relying on SHA-1", src);
        else
            set_result(r, SMTPX_DKIM_PASS, "signature verified with the key from %s", src);
    } else if (why) {
        set_result(r, SMTPX_DKIM_PERMERROR, "%s (key from %s)", why, src);
    } else {
        set_result(r, SMTPX_DKIM_FAIL, "signature mismatch: the signed header fields were "
                   "changed, or the signature was not made with the key from %s", src);
    }
    if (r->testing) {
        char *t = g_strdup_printf("%s; key in testing mode (t=y): it backs nothing "
                                  "(RFC 6376 3.6.1)", r->reason);
        g_free(r->reason);
        r->reason = t;
    }
done:
    g_free(src);
    smtpx_dkim_key_free(key);
    return TRUE;
}

static gint
krec_cmp(gconstpointer a, gconstpointer b)
{
    const krec_t *x = *(krec_t *const *)a, *y = *(krec_t *const *)b;

    if (x->src != y->src)
        return x->src == SMTPX_DKIM_SRC_CAPTURE ? -1 : 1;
    return x->frame < y->frame ? -1 : x->frame > y->frame;
}

static void
evaluate_one(const smtpx_dkim_msg_t *m, const msig_t *s, const smtpx_dkim_keys_t *keys,
             smtpx_dkim_result_t *r)
{
    const smtpx_dkim_sig_t *sig = s->sig;
    char *name;
    GPtrArray *recs, *cand;
    guint i;
    gboolean have_capture = FALSE;

    r->body_length_limited = sig->has_l;
    if (s->hash_error) {
        set_result(r, SMTPX_DKIM_NEUTRAL, "%s", s->hash_error);
        return;
    }
    if (!sig->ok) {
        set_result(r, SMTPX_DKIM_PERMERROR, "%s", sig->error);
        return;
    }
    if (!m->ended) {
        set_result(r, SMTPX_DKIM_NEUTRAL, "the end of the message is not seen yet");
        return;
    }
    if (!m->complete) {
        set_result(r, SMTPX_DKIM_NEUTRAL, "octets of the message are missing from the "
                   "capture: the body hash cannot be checked");
        return;
    }
    if (sig->has_l && sig->l > s->canon_len) {
        set_result(r, SMTPX_DKIM_PERMERROR, "l=%" G_GUINT64_FORMAT " is longer than the "
                   "canonicalized body (%" G_GUINT64_FORMAT " octets)", sig->l, s->canon_len);
        return;
    }
    r->body_beyond_l = sig->has_l && s->canon_len > sig->l;
    if (s->bhash_len != sig->bh_len || memcmp(s->bhash, sig->bh, s->bhash_len) != 0) {
        set_result(r, SMTPX_DKIM_FAIL, "body hash mismatch: the body was changed after "
                   "signing (bh= differs from the hash of the body seen)");
        return;
    }
    if (sig->has_x && m->time > 0 && (guint64)m->time > sig->x) {
        set_result(r, SMTPX_DKIM_FAIL, "signature expired: x=%" G_GUINT64_FORMAT
                   " is before the capture time of the message", sig->x);
        return;
    }
    name = g_strdup_printf("%s._domainkey.%s", sig->selector, sig->domain);
    recs = keys ? g_hash_table_lookup(keys->by_name, name) : NULL;
    if (!recs || recs->len == 0) {
        set_result(r, SMTPX_DKIM_NOKEY, "no key for %s in the capture or the key file", name);
        g_free(name);
        return;
    }
    cand = g_ptr_array_new();
    for (i = 0; i < recs->len; i++)
        g_ptr_array_add(cand, g_ptr_array_index(recs, i));
    g_ptr_array_sort(cand, krec_cmp);
    for (i = 0; i < cand->len; i++)
        if (((krec_t *)g_ptr_array_index(cand, i))->src == SMTPX_DKIM_SRC_CAPTURE)
            have_capture = TRUE;
    /* The capture's own answers come first (the key file only when the
     * capture has none); the first DKIM key record that passes wins,
     * else the first DKIM key record's result. */
    for (i = 0; i < cand->len; i++) {
        const krec_t *rec = g_ptr_array_index(cand, i);
        smtpx_dkim_result_t tr;

        if (have_capture && rec->src != SMTPX_DKIM_SRC_CAPTURE)
            break;
        if (rec->nxdomain) {
            if (r->result == SMTPX_DKIM_NONE) {
                set_result(r, SMTPX_DKIM_PERMERROR, "no key: the DNS answer in frame %u "
                           "says %s does not exist (NXDOMAIN)", rec->frame, name);
                r->key_source = rec->src;
                r->key_frame = rec->frame;
            }
            continue;
        }
        if (!g_str_has_prefix((const char *)rec->txt, "v=DKIM1") &&
            !strstr((const char *)rec->txt, "p="))
            continue;                   /* a TXT record that is no key */
        memset(&tr, 0, sizeof tr);
        tr.body_length_limited = r->body_length_limited;
        tr.body_beyond_l = r->body_beyond_l;
        try_key(s, rec, &tr);
        if (r->result == SMTPX_DKIM_NONE || tr.result == SMTPX_DKIM_PASS) {
            g_free(r->reason);
            *r = tr;
            r->sig = sig;
        } else {
            g_free(tr.reason);
        }
        if (r->result == SMTPX_DKIM_PASS)
            break;
    }
    if (r->result == SMTPX_DKIM_NONE)
        set_result(r, SMTPX_DKIM_NOKEY, "no DKIM key record for %s in the capture or the "
                   "key file", name);
    g_ptr_array_unref(cand);
    g_free(name);
}

GPtrArray *
smtpx_dkim_msg_evaluate(const smtpx_dkim_msg_t *m, const smtpx_dkim_keys_t *keys)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(result_free);
    guint i;

    for (i = 0; m && i < m->sigs->len; i++) {
        const msig_t *s = g_ptr_array_index(m->sigs, i);
        smtpx_dkim_result_t *r = g_new0(smtpx_dkim_result_t, 1);

        r->sig = s->sig;
        evaluate_one(m, s, keys, r);
        r->sig = s->sig;
        if (!r->reason)
            r->reason = g_strdup("");
        g_ptr_array_add(out, r);
    }
    return out;
}

/* ---- the author verdict ------------------------------------------------------ */

smtpx_author_verdict_t *
smtpx_dkim_author_verdict(const smtpx_verdict_t *v, GPtrArray *results)
{
    smtpx_author_verdict_t *av = g_new0(smtpx_author_verdict_t, 1);
    gboolean tricks, env_backed, unverifiable = FALSE;
    GString *why = g_string_new(v && v->reasons ? v->reasons : "");
    const smtpx_dkim_result_t *best = NULL, *unv = NULL, *bad = NULL;
    guint i;

    if (!v) {
        av->state = SMTPX_AUTHOR_FORGED;
        av->forged = TRUE;
        av->reasons = g_string_free(why, FALSE);
        return av;
    }
    tricks = v->ambiguous || v->missing || v->multiple || v->display_name_spoof ||
             v->lookalike;
    env_backed = v->exception ||
                 (v->from_domain && !v->envelope_mismatch && !v->envelope_invalid);
    for (i = 0; results && i < results->len; i++) {
        smtpx_dkim_result_t *r = g_ptr_array_index(results, i);
        const smtpx_dkim_sig_t *sig = r->sig;

        r->aligned = sig && sig->domain && sig->signs_from && v->from_domain &&
                     smtpx_domains_aligned(sig->domain, v->from_domain);
        if (!r->aligned)
            continue;
        /* A pass backs the author unless the key is in testing mode or the
         * body goes beyond l= (text the signer never signed is shown as
         * the author's: RFC 6376 8.2). */
        if (r->result == SMTPX_DKIM_PASS && !r->testing && !r->body_beyond_l) {
            if (!best)
                best = r;
        } else if (r->result == SMTPX_DKIM_NOKEY || r->result == SMTPX_DKIM_NEUTRAL ||
                   r->result == SMTPX_DKIM_TEMPERROR || r->result == SMTPX_DKIM_NONE) {
            unverifiable = TRUE;
            if (!unv)
                unv = r;
        } else if (!bad) {
            bad = r;
        }
    }
    av->dkim_verified = best != NULL;
    if (tricks)
        av->state = SMTPX_AUTHOR_FORGED;
    else if (env_backed || best)
        av->state = SMTPX_AUTHOR_BACKED;
    else if (unverifiable)
        av->state = SMTPX_AUTHOR_UNVERIFIED;
    else
        av->state = SMTPX_AUTHOR_FORGED;
    av->forged = av->state != SMTPX_AUTHOR_BACKED;
    /* The DKIM outcome in words where it decides (the envelope does not
     * back the author). */
    if (!env_backed && (best || unv || bad)) {
        const smtpx_dkim_result_t *r = best ? best : unv ? unv : bad;

        if (why->len)
            g_string_append(why, "; ");
        g_string_append_printf(why, "DKIM d=%s s=%s: %s (%s)", r->sig->domain,
                               r->sig->selector ? r->sig->selector : "",
                               smtpx_dkim_result_name(r->result), r->reason);
        if (!best && r->result == SMTPX_DKIM_PASS && r->body_beyond_l)
            g_string_append_printf(why, ", but l=%" G_GUINT64_FORMAT " leaves text after "
                                   "it unsigned: it backs nothing", r->sig->l);
        if (!best && unv)
            g_string_append(why, ": the author is unverified, not backed");
        if (!best && bad && unv != bad && unv)
            g_string_append_printf(why, "; DKIM d=%s: %s (%s)", bad->sig->domain,
                                   smtpx_dkim_result_name(bad->result), bad->reason);
    }
    av->reasons = g_string_free(why, FALSE);
    return av;
}

void
smtpx_author_verdict_free(smtpx_author_verdict_t *av)
{
    if (!av)
        return;
    g_free(av->reasons);
    g_free(av);
}
