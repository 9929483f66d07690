/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_dkim.c - unit tests for plugin/core/dkim_*.c: tag lists (RFC 6376
 * 3.2), DKIM-Signature and key record tags (3.5, 3.6.1), canonicalization
 * with the RFC 6376 3.4.6 example, verification of messages signed by an
 * independent signer (dkimpy, tests/unit/dkim_vectors.h, made by
 * tools/dkim-testvectors and each verified by dkimpy), the attacks of issue
 * 8 (body or header changed after signing, the attacker's own key, NXDOMAIN,
 * revoked key), key files, Authentication-Results, and the author verdict.
 */
#include <string.h>
#include <unistd.h>
#include <gcrypt.h>
#include <glib/gstdio.h>

#include "dkim.h"
#include "session.h"
#include "test_util.h"
#include "dkim_vectors.h"

#define KEYNAME_TEST "test._domainkey.football.example.com"
#define KEYNAME_ED   "brisbane._domainkey.football.example.com"

/* Feeds msg in pieces of step octets (0: at once) and ends it. */
static smtpx_dkim_msg_t *
run(const char *msg, gsize len, gsize step)
{
    smtpx_dkim_msg_t *m = smtpx_dkim_msg_new(65536);
    gsize i;

    if (step == 0)
        step = len;
    for (i = 0; i < len; i += step)
        smtpx_dkim_msg_feed(m, (const guint8 *)msg + i, MIN(step, len - i));
    smtpx_dkim_msg_end(m, TRUE, 0);
    return m;
}

static smtpx_dkim_keys_t *
keys_with(const char *name, const char *txt, guint32 frame)
{
    smtpx_dkim_keys_t *k = smtpx_dkim_keys_new();

    smtpx_dkim_keys_add(k, name, frame ? SMTPX_DKIM_SRC_CAPTURE : SMTPX_DKIM_SRC_FILE,
                        frame, (const guint8 *)txt, strlen(txt), FALSE);
    return k;
}

/* The result of signature i of msg (fed in pieces of step) with keys. */
static smtpx_dkim_result_kind_t
result_of(const char *msg, gsize len, gsize step, const smtpx_dkim_keys_t *k,
          guint i, char **reason, gboolean *beyond_l)
{
    smtpx_dkim_msg_t *m = run(msg, len, step);
    GPtrArray *r = smtpx_dkim_msg_evaluate(m, k);
    smtpx_dkim_result_kind_t kind;
    const smtpx_dkim_result_t *res;

    g_assert_cmpuint(r->len, >, i);
    res = g_ptr_array_index(r, i);
    kind = res->result;
    assert_safe_string(res->reason);
    if (reason)
        *reason = g_strdup(res->reason);
    if (beyond_l)
        *beyond_l = res->body_beyond_l;
    g_ptr_array_unref(r);
    smtpx_dkim_msg_free(m);
    return kind;
}

/* ---- tag lists and tags ---------------------------------------------------- */

static void
test_tags(void)
{
    static const char t1[] = " v=1; a = rsa-sha256 ;\r\n\tb=ab cd\r\n ef;x=;";
    const char *err = NULL;
    GPtrArray *tags = smtpx_dkim_tags_parse((const guint8 *)t1, strlen(t1), &err);
    const smtpx_dkim_tag_t *t;

    g_assert_nonnull(tags);
    g_assert_null(err);
    g_assert_cmpuint(tags->len, ==, 4);
    g_assert_cmpstr(smtpx_dkim_tags_get(tags, "a")->value, ==, "rsa-sha256");
    t = smtpx_dkim_tags_get(tags, "b");
    g_assert_cmpstr(t->value, ==, "ab cd\r\n ef");
    /* The span RFC 6376 3.7 empties: from after "=" to the ";". */
    g_assert_cmpmem(t1 + t->value_start, t->value_end - t->value_start,
                    "ab cd\r\n ef", 10);
    g_assert_cmpstr(smtpx_dkim_tags_get(tags, "x")->value, ==, "");
    g_assert_null(smtpx_dkim_tags_get(tags, "A"));   /* case-sensitive */
    g_ptr_array_unref(tags);

    /* RFC 6376 3.2: duplicate tags are an error; so is a name that does
     * not start with a letter and a tag without "=". */
    g_assert_null(smtpx_dkim_tags_parse((const guint8 *)"a=1; a=2", 8, &err));
    g_assert_nonnull(err);
    g_assert_null(smtpx_dkim_tags_parse((const guint8 *)"1a=1", 4, &err));
    g_assert_null(smtpx_dkim_tags_parse((const guint8 *)"a=1; b", 6, &err));
    tags = smtpx_dkim_tags_parse(NULL, 0, &err);
    g_assert_nonnull(tags);
    g_assert_cmpuint(tags->len, ==, 0);
    g_ptr_array_unref(tags);
}

static smtpx_dkim_sig_t *
sig_of(const char *s)
{
    return smtpx_dkim_sig_parse((const guint8 *)s, strlen(s));
}

static void
test_sig_parse(void)
{
    smtpx_dkim_sig_t *s;

    s = sig_of("v=1; a=rsa-sha256; c=relaxed; d=Example.COM; s=Sel; "
               "h=From:To; i=joe@mail.example.com; l=10; t=100; x=200; "
               "z=From:a|To:b; bh=AAAA; b=AA AA");
    g_assert_true(s->ok);
    g_assert_cmpint(s->alg, ==, SMTPX_DKIM_ALG_RSA_SHA256);
    g_assert_cmpint(s->header_canon, ==, SMTPX_DKIM_CANON_RELAXED);
    g_assert_cmpint(s->body_canon, ==, SMTPX_DKIM_CANON_SIMPLE); /* 3.5 c= */
    g_assert_cmpstr(s->domain, ==, "example.com");
    g_assert_cmpstr(s->selector, ==, "sel");
    g_assert_cmpuint(s->signed_headers->len, ==, 2);
    g_assert_true(s->signs_from);
    g_assert_true(s->has_l && s->l == 10);
    g_assert_true(s->has_t && s->t == 100 && s->has_x && s->x == 200);
    g_assert_cmpstr(s->copied_headers, ==, "From:a|To:b");
    g_assert_cmpuint(s->b_len, ==, 3);
    smtpx_dkim_sig_free(s);

    /* The b= span kept for the header hash (RFC 6376 3.7: the value is
     * emptied, from after "=" to the ";" or the end) is that of the tag
     * parse, wherever b= stands. */
    {
        static const char *const with_b[] = {
            "v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=AA\r\n AA",
            "b= AAAA ; v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA",
            "v=1; a=rsa-sha256; b=; d=x.example; s=s; h=From; bh=AAAA",
            "v=2; b=AAAA; a=rsa-sha256",                        /* not ok */
        };
        guint i;

        for (i = 0; i < G_N_ELEMENTS(with_b); i++) {
            const char *err = NULL;
            GPtrArray *tags = smtpx_dkim_tags_parse((const guint8 *)with_b[i],
                                                    strlen(with_b[i]), &err);
            const smtpx_dkim_tag_t *bt = smtpx_dkim_tags_get(tags, "b");

            s = sig_of(with_b[i]);
            g_assert_nonnull(bt);
            g_assert_true(s->has_b_span);
            g_assert_cmpuint(s->b_start, ==, bt->value_start);
            g_assert_cmpuint(s->b_end, ==, bt->value_end);
            g_assert_cmpuint(s->b_start, ==, (gsize)(strstr(with_b[i], "b=") - with_b[i]) + 2);
            smtpx_dkim_sig_free(s);
            g_ptr_array_unref(tags);
        }
        /* Without b=, or when the tags do not parse, there is no span. */
        s = sig_of("v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA");
        g_assert_false(s->has_b_span);
        smtpx_dkim_sig_free(s);
        s = sig_of("b=AAAA; b=AAAA");
        g_assert_false(s->has_b_span);
        smtpx_dkim_sig_free(s);
    }

    /* Each of these is a permerror (RFC 6376 3.5, 6.1.1). */
    {
        static const char *const bad[] = {
            "v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA",    /* no b= */
            "v=2; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=AAAA",
            "v=1; a=rsa-md5; d=x.example; s=s; h=From; bh=AAAA; b=AAAA",
            "v=1; a=rsa-sha256; d=x.example; s=s; h=To; bh=AAAA; b=AAAA",
            "v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=A!AA",
            "v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=AAAA; i=a@evil.example",
            "v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=AAAA; i=a@badx.example",
            "v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=AAAA; t=5; x=4",
            "v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=AAAA; l=12a",
            "v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=AAAA; c=odd/simple",
            "v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=AAAA; q=http",
            "v=1; v=1; a=rsa-sha256; d=x.example; s=s; h=From; bh=AAAA; b=AAAA",
            "d=bank.example",
            "",
        };
        guint i;

        for (i = 0; i < G_N_ELEMENTS(bad); i++) {
            s = sig_of(bad[i]);
            g_assert_false(s->ok);
            g_assert_nonnull(s->error);
            smtpx_dkim_sig_free(s);
        }
    }
    /* i= in a subdomain of d= is fine. */
    s = sig_of("v=1; a=ed25519-sha256; d=x.example; s=s; h=from; bh=AAAA; "
               "b=AAAA; i=@mail.x.example");
    g_assert_true(s->ok);
    g_assert_cmpint(s->alg, ==, SMTPX_DKIM_ALG_ED25519_SHA256);
    smtpx_dkim_sig_free(s);
}

static void
test_key_parse(void)
{
    smtpx_dkim_key_t *k;

#define KEY(s) smtpx_dkim_key_parse((const guint8 *)(s), strlen(s))
    k = KEY("v=DKIM1; k=rsa; p=AAAA");
    g_assert_true(k->ok && !k->revoked && k->type == SMTPX_DKIM_KEY_RSA);
    g_assert_true(k->hash_sha1 && k->hash_sha256 && k->service_email);
    g_assert_false(k->testing || k->strict);
    smtpx_dkim_key_free(k);
    k = KEY("v=DKIM1; p=");                       /* RFC 6376 3.6.1 revoked */
    g_assert_true(k->ok && k->revoked);
    smtpx_dkim_key_free(k);
    k = KEY("k=ed25519; h=sha256; s=email:other; t=y:s; p=AAAA");
    g_assert_true(k->ok && k->type == SMTPX_DKIM_KEY_ED25519);
    g_assert_true(!k->hash_sha1 && k->hash_sha256 && k->service_email);
    g_assert_true(k->testing && k->strict);
    smtpx_dkim_key_free(k);
    k = KEY("s=other; p=AAAA");
    g_assert_false(k->service_email);
    smtpx_dkim_key_free(k);
    k = KEY("k=rsa; v=DKIM1; p=AAAA");            /* v= must come first */
    g_assert_false(k->ok);
    smtpx_dkim_key_free(k);
    k = KEY("v=DKIM1; k=rsa");                    /* p= is required */
    g_assert_false(k->ok);
    smtpx_dkim_key_free(k);
    k = KEY("v=spf1 -all");
    g_assert_false(k->ok);
    smtpx_dkim_key_free(k);
#undef KEY
}

static void
test_rsa_der(void)
{
    /* SubjectPublicKeyInfo of the test key; and a bare RSAPublicKey:
     * SEQUENCE { INTEGER 0x00C1, INTEGER 3 }. */
    static const guint8 bare[] = { 0x30, 0x07, 0x02, 0x02, 0x00, 0xc1, 0x02, 0x01, 0x03 };
    const char *p = strstr(key_rsa, "p=") + 2;
    gsize dl;
    guchar *der = g_base64_decode(p, &dl);
    const guint8 *n, *e;
    gsize nl, el;

    g_assert_true(smtpx_dkim_rsa_der(der, dl, &n, &nl, &e, &el));
    g_assert_cmpuint(nl, ==, 256);                /* a 2048-bit modulus */
    g_assert_cmpuint(el, ==, 3);                  /* 65537 */
    g_assert_cmpuint(e[0], ==, 1);
    /* Cut anywhere: refused, never read past the end. */
    {
        gsize cut;

        for (cut = 0; cut < dl; cut++) {
            guint8 *c = g_memdup2(der, cut);
            g_assert_false(smtpx_dkim_rsa_der(c, cut, &n, &nl, &e, &el));
            g_free(c);
        }
    }
    g_free(der);
    g_assert_true(smtpx_dkim_rsa_der(bare, sizeof bare, &n, &nl, &e, &el));
    g_assert_cmpuint(nl, ==, 1);
    g_assert_cmpuint(n[0], ==, 0xc1);
    g_assert_cmpuint(el, ==, 1);
}

/* ---- canonicalization --------------------------------------------------- */

static void
test_canon_header(void)
{
    /* RFC 6376 3.4.6 example. */
    static const char a[] = "A: X";
    static const char b[] = "B : Y\t\r\n\tZ  ";
    GByteArray *o = g_byte_array_new();

    smtpx_dkim_canon_header(SMTPX_DKIM_CANON_RELAXED, (const guint8 *)a, strlen(a), TRUE, o);
    smtpx_dkim_canon_header(SMTPX_DKIM_CANON_RELAXED, (const guint8 *)b, strlen(b), TRUE, o);
    g_assert_cmpmem(o->data, o->len, "a:X\r\nb:Y Z\r\n", 12);
    g_byte_array_set_size(o, 0);
    smtpx_dkim_canon_header(SMTPX_DKIM_CANON_SIMPLE, (const guint8 *)b, strlen(b), TRUE, o);
    g_assert_cmpmem(o->data, o->len, "B : Y\t\r\n\tZ  \r\n", 14);
    /* Relaxed appends after what out holds; WSP runs, a fold and WSP at
     * both ends of the value (3.4.2 by hand); no colon: the name and ":". */
    g_byte_array_set_size(o, 0);
    g_byte_array_append(o, (const guint8 *)"pre", 3);
    {
        static const char c[] = "X-A \t:\t v  w \r\n x\t";
        static const char d[] = "NoColon ";

        smtpx_dkim_canon_header(SMTPX_DKIM_CANON_RELAXED, (const guint8 *)c,
                                strlen(c), TRUE, o);
        smtpx_dkim_canon_header(SMTPX_DKIM_CANON_RELAXED, (const guint8 *)d,
                                strlen(d), FALSE, o);
    }
    g_assert_cmpmem(o->data, o->len, "prex-a:v w x\r\nnocolon:", 22);
    g_byte_array_free(o, TRUE);
}

static char *
body_hash_b64(smtpx_dkim_canon_t c, const char *body, gsize step, guint64 limit,
              guint64 *canon_len)
{
    smtpx_dkim_body_t *b = smtpx_dkim_body_new(c, GCRY_MD_SHA256, limit);
    gsize len = strlen(body), i, dl;
    guint8 d[64];

    if (step == 0)
        step = len ? len : 1;
    for (i = 0; i < len; i += step)
        smtpx_dkim_body_feed(b, (const guint8 *)body + i, MIN(step, len - i));
    dl = smtpx_dkim_body_finish(b, d, sizeof d, canon_len);
    smtpx_dkim_body_free(b);
    return g_base64_encode(d, dl);
}

/* base64 SHA-256 of text, computed by libgcrypt directly. */
static char *
sha256_b64(const char *text)
{
    guint8 d[32];

    gcry_md_hash_buffer(GCRY_MD_SHA256, d, text, strlen(text));
    return g_base64_encode(d, 32);
}

static void
check_body(smtpx_dkim_canon_t c, const char *body, const char *canon)
{
    char *want = sha256_b64(canon);
    gsize step;

    /* Any split of the body gives the same hash (streamed). */
    for (step = 0; step <= 5; step++) {
        guint64 cl = 0;
        char *got = body_hash_b64(c, body, step, G_MAXUINT64, &cl);

        g_assert_cmpstr(got, ==, want);
        g_assert_cmpuint(cl, ==, strlen(canon));
        g_free(got);
    }
    g_free(want);
}

static void
test_canon_body(void)
{
    guint64 cl;
    char *h;

    /* RFC 6376 3.4.6 example. */
    check_body(SMTPX_DKIM_CANON_RELAXED, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n");
    check_body(SMTPX_DKIM_CANON_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n");
    /* Empty bodies (3.4.3: one CRLF; 3.4.4 with erratum 1384: nothing);
     * the well-known hashes. */
    h = body_hash_b64(SMTPX_DKIM_CANON_SIMPLE, "", 0, G_MAXUINT64, &cl);
    g_assert_cmpstr(h, ==, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
    g_free(h);
    h = body_hash_b64(SMTPX_DKIM_CANON_RELAXED, "\r\n\r\n", 0, G_MAXUINT64, &cl);
    g_assert_cmpstr(h, ==, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    g_free(h);
    /* No final CRLF: one is added; a bare CR is content; empty lines
     * inside the body are kept; white-space-only lines are empty lines
     * for relaxed. */
    check_body(SMTPX_DKIM_CANON_SIMPLE, "a\r\n\r\nb", "a\r\n\r\nb\r\n");
    check_body(SMTPX_DKIM_CANON_RELAXED, "a\rb \r\n \t\r\n\r\nc\r\n \r\n",
               "a\rb\r\n\r\n\r\nc\r\n");
    /* l=: only the first l canonical octets are hashed. */
    {
        char *want = sha256_b64("ab\r");

        h = body_hash_b64(SMTPX_DKIM_CANON_SIMPLE, "ab\r\ncd\r\n", 2, 3, &cl);
        g_assert_cmpstr(h, ==, want);
        g_assert_cmpuint(cl, ==, 8);
        g_free(h);
        g_free(want);
    }
}

/* The body canonicalization of RFC 6376 3.4.3 / 3.4.4 written out plainly
 * over the whole body, as the reference for the streamed one: lines end at
 * CRLF (a bare CR or LF is a line's content), a last line without CRLF gets
 * one; relaxed drops WSP at a line's end and makes each WSP run one SP;
 * empty lines at the end go; simple makes an empty body one CRLF (relaxed
 * leaves it empty, erratum 1384). */
static GString *
reference_body_canon(smtpx_dkim_canon_t c, const guint8 *p, gsize n)
{
    GString *out = g_string_new(NULL);
    gsize i = 0, keep = 0;

    while (i < n) {
        gsize e = i, k;
        GString *line = g_string_new(NULL);

        while (e < n && !(p[e] == '\r' && e + 1 < n && p[e + 1] == '\n'))
            e++;
        for (k = i; k < e; k++) {
            gboolean wsp = p[k] == ' ' || p[k] == '\t';

            if (c == SMTPX_DKIM_CANON_RELAXED && wsp) {
                while (k + 1 < e && (p[k + 1] == ' ' || p[k + 1] == '\t'))
                    k++;
                if (k + 1 < e)
                    g_string_append_c(line, ' ');
                continue;
            }
            g_string_append_c(line, (char)p[k]);
        }
        g_string_append_len(out, line->str, (gssize)line->len);
        g_string_append(out, "\r\n");
        if (line->len > 0)
            keep = out->len;
        g_string_free(line, TRUE);
        i = e + 2;
    }
    g_string_truncate(out, keep);
    if (c == SMTPX_DKIM_CANON_SIMPLE && out->len == 0)
        g_string_append(out, "\r\n");
    return out;
}

static void
test_canon_body_runs(void)
{
    static const char alphabet[] = "ab \t\r\n\r\n. ";
    /* Long plain stretches too, for the eight-at-a-time path: words and
     * single spaces, now and then a double space, a TAB or a line end. */
    static const char words[] = "abcdefghijklmnopqrstuvwxyz abcdefghijklmnop qrstuvwxyz \t\r\n";
    GRand *r = g_rand_new_with_seed(20261202);
    guint it;

    /* Runs of octets handed on at once: several lines, single SPs between
     * words, a line after CRLF starting with WSP or CR, bare LF inside a
     * line, WSP before the CRLF (the values are 3.4.3 / 3.4.4 by hand). */
    check_body(SMTPX_DKIM_CANON_SIMPLE, "ab\r\ncd\r\n\r\nef\r\n",
               "ab\r\ncd\r\n\r\nef\r\n");
    check_body(SMTPX_DKIM_CANON_RELAXED, "ab\r\ncd\r\n\r\nef\r\n",
               "ab\r\ncd\r\n\r\nef\r\n");
    check_body(SMTPX_DKIM_CANON_RELAXED, "a b\tc  d \r\n c\r\n\td\r\n",
               "a b c d\r\n c\r\n d\r\n");
    check_body(SMTPX_DKIM_CANON_SIMPLE, "a b\tc  d \r\n c\r\n",
               "a b\tc  d \r\n c\r\n");
    check_body(SMTPX_DKIM_CANON_RELAXED, "a \r\nb\nc\r\n\rd\r\n",
               "a\r\nb\nc\r\n\rd\r\n");
    check_body(SMTPX_DKIM_CANON_SIMPLE, "a \r\nb\nc\r\n\rd\r\n",
               "a \r\nb\nc\r\n\rd\r\n");
    check_body(SMTPX_DKIM_CANON_RELAXED, "x y\r\n \r\n\r\nz\r\n\r\n",
               "x y\r\n\r\n\r\nz\r\n");
    /* l= ending inside a run of several lines. */
    {
        char *want = sha256_b64("ab\r\nc");
        guint64 cl = 0;
        gsize step;

        for (step = 0; step <= 4; step++) {
            char *h = body_hash_b64(SMTPX_DKIM_CANON_RELAXED,
                                    "ab\r\ncd\r\nef\r\n", step, 5, &cl);

            g_assert_cmpstr(h, ==, want);
            g_assert_cmpuint(cl, ==, 12);
            g_free(h);
        }
        g_free(want);
    }
    /* Random bodies of a small alphabet (WSP, CR, LF and dots often next
     * to each other), cut at random: the reference's hash and length. */
    for (it = 0; it < 3000; it++) {
        gsize n = (gsize)g_rand_int_range(r, 0, it % 50 < 2 ? 6000 : (it % 2 ? 300 : 40)), i;
        guint8 *body = g_malloc(n + 1);
        int c;

        for (i = 0; i < n; i++) {
            if (it % 2)
                body[i] = (guint8)words[g_rand_int_range(r, 0, sizeof words - 1)];
            else
                body[i] = (guint8)alphabet[g_rand_int_range(r, 0,
                                                            sizeof alphabet - 1)];
        }
        for (c = 0; c < 2; c++) {
            smtpx_dkim_canon_t canon = c ? SMTPX_DKIM_CANON_RELAXED
                                         : SMTPX_DKIM_CANON_SIMPLE;
            GString *ref = reference_body_canon(canon, body, n);
            smtpx_dkim_body_t *b = smtpx_dkim_body_new(canon, GCRY_MD_SHA256,
                                                       G_MAXUINT64);
            guint8 d[64], w[32];
            guint64 cl = 0;
            gsize at = 0, dl;

            while (at < n) {
                gsize k = (gsize)g_rand_int_range(r, 0, (gint32)(n - at) + 1);

                smtpx_dkim_body_feed(b, body + at, k);
                at += k;
            }
            dl = smtpx_dkim_body_finish(b, d, sizeof d, &cl);
            smtpx_dkim_body_free(b);
            gcry_md_hash_buffer(GCRY_MD_SHA256, w, ref->str, ref->len);
            g_assert_cmpuint(cl, ==, ref->len);
            g_assert_cmpmem(d, dl, w, 32);
            g_string_free(ref, TRUE);
        }
        g_free(body);
    }
    g_rand_free(r);
}

/* ---- verification with dkimpy-signed vectors ------------------------------ */

static void
test_verify_pass(void)
{
    static const struct {
        const char *msg;
        const char *keyname;
        const char *key;
        smtpx_dkim_result_kind_t want;
    } v[] = {
        { msg_rsa_relaxed, KEYNAME_TEST, key_rsa, SMTPX_DKIM_PASS },
        { msg_rsa_simple,  KEYNAME_TEST, key_rsa, SMTPX_DKIM_PASS },
        { msg_ed25519,     KEYNAME_ED,   key_ed25519, SMTPX_DKIM_PASS },
        { msg2_relaxed,    KEYNAME_TEST, key_rsa, SMTPX_DKIM_PASS },
        { msg2_simple,     KEYNAME_TEST, key_rsa, SMTPX_DKIM_PASS },
        { msg_rsa_l,       KEYNAME_TEST, key_rsa, SMTPX_DKIM_PASS },
        { msg3_dots,       KEYNAME_TEST, key_rsa, SMTPX_DKIM_PASS },
        /* RFC 8301 3.1: rsa-sha1 verifies but must not be relied upon. */
        { msg_rsa_sha1,    KEYNAME_TEST, key_rsa, SMTPX_DKIM_POLICY },
    };
    guint i;
    gsize step;

    for (i = 0; i < G_N_ELEMENTS(v); i++) {
        smtpx_dkim_keys_t *k = keys_with(v[i].keyname, v[i].key, 7);

        for (step = 0; step < 4; step++) {
            char *why = NULL;
            smtpx_dkim_result_kind_t r =
                result_of(v[i].msg, strlen(v[i].msg), step ? step * 7 - 6 : 0, k, 0, &why, NULL);

            if (r != v[i].want)
                g_printerr("vector %u step %" G_GSIZE_FORMAT ": %s (%s)\n", i, step,
                           smtpx_dkim_result_name(r), why);
            g_assert_cmpint(r, ==, v[i].want);
            g_assert_nonnull(strstr(why, "frame 7"));
            g_free(why);
        }
        smtpx_dkim_keys_free(k);
    }
}

static void
test_verify_dkimpy_two(void)
{
    /* dkimpy's own vector: an ed25519 and an rsa-sha256 (1024-bit key)
     * signature, both pass with dkimpy. */
    smtpx_dkim_keys_t *k = keys_with(KEYNAME_ED, key_ed25519, 3);
    smtpx_dkim_msg_t *m = run(msg_dkimpy_two, strlen(msg_dkimpy_two), 0);
    GPtrArray *r;

    smtpx_dkim_keys_add(k, KEYNAME_TEST, SMTPX_DKIM_SRC_FILE, 0,
                        (const guint8 *)key_dkimpy_test, strlen(key_dkimpy_test), FALSE);
    g_assert_cmpuint(smtpx_dkim_msg_n_sigs(m), ==, 2);
    r = smtpx_dkim_msg_evaluate(m, k);
    g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 0))->result, ==, SMTPX_DKIM_PASS);
    g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 0))->key_source, ==,
                    SMTPX_DKIM_SRC_CAPTURE);
    g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 1))->result, ==, SMTPX_DKIM_PASS);
    g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 1))->key_source, ==,
                    SMTPX_DKIM_SRC_FILE);
    g_ptr_array_unref(r);
    smtpx_dkim_msg_free(m);
    smtpx_dkim_keys_free(k);
}

/* msg with the first occurrence of from replaced by to. */
static char *
edit(const char *msg, const char *from, const char *to)
{
    const char *p = strstr(msg, from);
    GString *s = g_string_new_len(msg, p - msg);

    g_assert_nonnull(p);
    g_string_append(s, to);
    g_string_append(s, p + strlen(from));
    return g_string_free(s, FALSE);
}

static void
test_verify_attacks(void)
{
    smtpx_dkim_keys_t *k = keys_with(KEYNAME_TEST, key_rsa, 9);
    char *why = NULL, *m;
    gboolean beyond;

    /* Body changed after signing. */
    m = edit(msg_rsa_relaxed, "We lost", "We won");
    g_assert_cmpint(result_of(m, strlen(m), 0, k, 0, &why, NULL), ==, SMTPX_DKIM_FAIL);
    g_assert_nonnull(strstr(why, "body hash"));
    g_free(why);
    g_free(m);
    /* A signed header field changed after signing. */
    m = edit(msg_rsa_relaxed, "Is dinner ready?", "Wire the money");
    g_assert_cmpint(result_of(m, strlen(m), 0, k, 0, &why, NULL), ==, SMTPX_DKIM_FAIL);
    g_assert_nonnull(strstr(why, "signature mismatch"));
    g_free(why);
    g_free(m);
    /* Relaxed: re-folding and white space changes still pass. */
    m = edit(msg_rsa_relaxed, "Subject: Is dinner ready?", "subject :Is   dinner\r\n ready?  ");
    g_assert_cmpint(result_of(m, strlen(m), 0, k, 0, NULL, NULL), ==, SMTPX_DKIM_PASS);
    g_free(m);
    /* ... but not for simple. */
    m = edit(msg_rsa_simple, "Subject: Is dinner ready?", "Subject:  Is dinner ready?");
    g_assert_cmpint(result_of(m, strlen(m), 0, k, 0, NULL, NULL), ==, SMTPX_DKIM_FAIL);
    g_free(m);
    /* An unsigned header field may change. */
    m = edit(msg_rsa_simple, "Message-ID: <2003", "Message-ID: <1999");
    g_assert_cmpint(result_of(m, strlen(m), 0, k, 0, NULL, NULL), ==, SMTPX_DKIM_PASS);
    g_free(m);
    /* A second From added above: h= lists from once, so the last From
     * (the lower one, RFC 6376 5.4.2) is signed and the signature still
     * verifies; the duplicate is authorship's "multiple" trick flag. */
    m = edit(msg_rsa_relaxed, "From: Joe", "From: CEO <ceo@evil.example>\r\nFrom: Joe");
    g_assert_cmpint(result_of(m, strlen(m), 0, k, 0, NULL, NULL), ==, SMTPX_DKIM_PASS);
    g_free(m);
    /* l=: appended text is not covered; the signature still passes, and
     * the result says the body goes beyond l=. */
    {
        char *full = g_strconcat(msg_rsa_l, "P.S. send the money to evil.example\r\n", NULL);

        g_assert_cmpint(result_of(full, strlen(full), 3, k, 0, NULL, &beyond), ==, SMTPX_DKIM_PASS);
        g_assert_true(beyond);
        g_assert_cmpint(result_of(msg_rsa_l, strlen(msg_rsa_l), 0, k, 0, NULL, &beyond), ==,
                        SMTPX_DKIM_PASS);
        g_assert_false(beyond);
        g_free(full);
    }
    smtpx_dkim_keys_free(k);

    /* Signed with one key, another key (dkimpy's 1024-bit test key)
     * answered for the selector: the signature does not verify. */
    k = keys_with(KEYNAME_TEST, "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB", 4);
    g_assert_cmpint(result_of(msg_rsa_relaxed, strlen(msg_rsa_relaxed), 0, k, 0, &why, NULL), ==,
                    SMTPX_DKIM_FAIL);
    g_assert_nonnull(strstr(why, "frame 4"));
    g_free(why);
    smtpx_dkim_keys_free(k);

    /* NXDOMAIN, revoked, testing, wrong type, h= excluding sha256. */
    k = smtpx_dkim_keys_new();
    smtpx_dkim_keys_add(k, KEYNAME_TEST ".", SMTPX_DKIM_SRC_CAPTURE, 12, NULL, 0, TRUE);
    g_assert_cmpint(result_of(msg_rsa_relaxed, strlen(msg_rsa_relaxed), 0, k, 0, &why, NULL), ==,
                    SMTPX_DKIM_PERMERROR);
    g_assert_nonnull(strstr(why, "NXDOMAIN"));
    g_free(why);
    /* The capture's answer wins over the key file. */
    smtpx_dkim_keys_add(k, KEYNAME_TEST, SMTPX_DKIM_SRC_FILE, 0,
                        (const guint8 *)key_rsa, strlen(key_rsa), FALSE);
    g_assert_cmpint(result_of(msg_rsa_relaxed, strlen(msg_rsa_relaxed), 0, k, 0, NULL, NULL), ==,
                    SMTPX_DKIM_PERMERROR);
    smtpx_dkim_keys_free(k);

    k = keys_with(KEYNAME_TEST, "v=DKIM1; k=rsa; p=", 5);
    g_assert_cmpint(result_of(msg_rsa_relaxed, strlen(msg_rsa_relaxed), 0, k, 0, &why, NULL), ==,
                    SMTPX_DKIM_PERMERROR);
    g_assert_nonnull(strstr(why, "revoked"));
    g_free(why);
    smtpx_dkim_keys_free(k);
    {
        char *t = g_strconcat(key_rsa, "; t=y", NULL);
        smtpx_dkim_msg_t *mm = run(msg_rsa_relaxed, strlen(msg_rsa_relaxed), 0);
        GPtrArray *r;

        k = keys_with(KEYNAME_TEST, t, 5);
        r = smtpx_dkim_msg_evaluate(mm, k);
        g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 0))->result, ==, SMTPX_DKIM_PASS);
        g_assert_true(((smtpx_dkim_result_t *)g_ptr_array_index(r, 0))->testing);
        g_ptr_array_unref(r);
        smtpx_dkim_msg_free(mm);
        smtpx_dkim_keys_free(k);
        g_free(t);
    }
    k = keys_with(KEYNAME_TEST, "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", 5);
    g_assert_cmpint(result_of(msg_rsa_relaxed, strlen(msg_rsa_relaxed), 0, k, 0, NULL, NULL), ==,
                    SMTPX_DKIM_PERMERROR);
    smtpx_dkim_keys_free(k);
    {
        char *t = g_strconcat("v=DKIM1; h=sha1; ", key_rsa + 8, NULL);

        k = keys_with(KEYNAME_TEST, t, 5);
        g_assert_cmpint(result_of(msg_rsa_relaxed, strlen(msg_rsa_relaxed), 0, k, 0, NULL, NULL), ==,
                        SMTPX_DKIM_PERMERROR);
        smtpx_dkim_keys_free(k);
        g_free(t);
    }
    /* Key records are bounded: one longer than 16 KiB is not kept. */
    {
        GString *big = g_string_new(key_rsa);

        while (big->len <= 16384)
            g_string_append(big, "; n=padding-padding-padding");
        k = keys_with(KEYNAME_TEST, big->str, 5);
        g_assert_cmpuint(smtpx_dkim_keys_generation(k), ==, 0);
        g_assert_cmpint(result_of(msg_rsa_relaxed, strlen(msg_rsa_relaxed), 0, k, 0, NULL, NULL), ==,
                        SMTPX_DKIM_NOKEY);
        smtpx_dkim_keys_free(k);
        g_string_free(big, TRUE);
    }
    /* No key at all. */
    g_assert_cmpint(result_of(msg_rsa_relaxed, strlen(msg_rsa_relaxed), 0, NULL, 0, &why, NULL), ==,
                    SMTPX_DKIM_NOKEY);
    g_free(why);
}

static void
test_verify_incomplete(void)
{
    smtpx_dkim_keys_t *k = keys_with(KEYNAME_TEST, key_rsa, 9);
    smtpx_dkim_msg_t *m = smtpx_dkim_msg_new(65536);
    GPtrArray *r;

    smtpx_dkim_msg_feed(m, (const guint8 *)msg_rsa_relaxed, strlen(msg_rsa_relaxed));
    /* Not ended yet: neutral. */
    r = smtpx_dkim_msg_evaluate(m, k);
    g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 0))->result, ==, SMTPX_DKIM_NEUTRAL);
    g_ptr_array_unref(r);
    smtpx_dkim_msg_lost(m);
    smtpx_dkim_msg_end(m, TRUE, 0);
    r = smtpx_dkim_msg_evaluate(m, k);
    g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 0))->result, ==, SMTPX_DKIM_NEUTRAL);
    g_ptr_array_unref(r);
    smtpx_dkim_msg_free(m);

    /* A header section beyond the limit: neutral, nothing kept. */
    m = smtpx_dkim_msg_new(64);
    smtpx_dkim_msg_feed(m, (const guint8 *)msg_rsa_relaxed, strlen(msg_rsa_relaxed));
    smtpx_dkim_msg_end(m, TRUE, 0);
    r = smtpx_dkim_msg_evaluate(m, k);
    g_assert_cmpuint(r->len, ==, 1);
    g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 0))->result, ==, SMTPX_DKIM_NEUTRAL);
    g_ptr_array_unref(r);
    smtpx_dkim_msg_free(m);
    smtpx_dkim_keys_free(k);
}

static void
test_verify_expired(void)
{
    smtpx_dkim_keys_t *k = keys_with(KEYNAME_TEST, key_rsa, 9);
    const char *tp = strstr(msg_rsa_relaxed, " t=") + 3;
    guint64 t = g_ascii_strtoull(tp, NULL, 10);
    char *xs = g_strdup_printf("q=dns/txt; x=%" G_GUINT64_FORMAT ";", t + 10);
    char *m = edit(msg_rsa_relaxed, "q=dns/txt;", xs);
    char *bad = edit(msg_rsa_relaxed, "q=dns/txt;", "q=dns/txt; x=1000;");
    smtpx_dkim_msg_t *mm;
    GPtrArray *r;
    const smtpx_dkim_result_t *res;

    /* RFC 6376 3.5 x=: a capture time after it fails the signature
     * ("signature expired"), checked before the key. */
    mm = smtpx_dkim_msg_new(65536);
    smtpx_dkim_msg_feed(mm, (const guint8 *)m, strlen(m));
    smtpx_dkim_msg_end(mm, TRUE, (gint64)(t + 100));
    r = smtpx_dkim_msg_evaluate(mm, k);
    res = g_ptr_array_index(r, 0);
    g_assert_cmpint(res->result, ==, SMTPX_DKIM_FAIL);
    g_assert_nonnull(strstr(res->reason, "expired"));
    g_ptr_array_unref(r);
    smtpx_dkim_msg_free(mm);
    /* Before x=: not expired; x= was added after signing, so the signed
     * DKIM-Signature field changed and the signature does not verify. */
    mm = smtpx_dkim_msg_new(65536);
    smtpx_dkim_msg_feed(mm, (const guint8 *)m, strlen(m));
    smtpx_dkim_msg_end(mm, TRUE, (gint64)(t + 5));
    r = smtpx_dkim_msg_evaluate(mm, k);
    res = g_ptr_array_index(r, 0);
    g_assert_cmpint(res->result, ==, SMTPX_DKIM_FAIL);
    g_assert_nonnull(strstr(res->reason, "signature mismatch"));
    g_ptr_array_unref(r);
    smtpx_dkim_msg_free(mm);
    /* x= before t=: a permerror at parse time (RFC 6376 3.5). */
    mm = smtpx_dkim_msg_new(65536);
    smtpx_dkim_msg_feed(mm, (const guint8 *)bad, strlen(bad));
    smtpx_dkim_msg_end(mm, TRUE, 2000);
    r = smtpx_dkim_msg_evaluate(mm, k);
    g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 0))->result, ==,
                    SMTPX_DKIM_PERMERROR);
    g_ptr_array_unref(r);
    smtpx_dkim_msg_free(mm);
    g_free(bad);
    g_free(m);
    g_free(xs);
    smtpx_dkim_keys_free(k);
}

/* ---- key files --------------------------------------------------------- */

static void
test_keyfile_lines(void)
{
    static const struct {
        const char *line;
        const char *name;
        const char *txt;
    } ok[] = {
        { "s._domainkey.Example.com v=DKIM1; p=AAAA", "s._domainkey.example.com", "v=DKIM1; p=AAAA" },
        { "s._domainkey.example.com. 300 IN TXT \"v=DKIM1; k=rsa; \" \"p=AA\\065A\"",
          "s._domainkey.example.com", "v=DKIM1; k=rsa; p=AAAA" },
        { "s._domainkey.example.com. IN TXT ( \"v=DKIM1; \" \"p=AAAA\" ) ; comment",
          "s._domainkey.example.com", "v=DKIM1; p=AAAA" },
        { "s._domainkey.example.com \"v=DKIM1; p=\" \"AAAA\"", "s._domainkey.example.com",
          "v=DKIM1; p=AAAA" },
        { "  s._domainkey.example.com\t\"a\\\"b\"", "s._domainkey.example.com", "a\"b" },
    };
    static const char *const skip[] = { "", "   ", "; comment", "# comment",
                                        "name.only", "name.only    " };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(ok); i++) {
        char *name;
        guint8 *txt;
        gsize tl;

        g_assert_true(smtpx_dkim_keyfile_line((const guint8 *)ok[i].line, strlen(ok[i].line),
                                              &name, &txt, &tl));
        g_assert_cmpstr(name, ==, ok[i].name);
        g_assert_cmpmem(txt, tl, ok[i].txt, strlen(ok[i].txt));
        g_free(name);
        g_free(txt);
    }
    for (i = 0; i < G_N_ELEMENTS(skip); i++) {
        char *name;
        guint8 *txt;
        gsize tl;

        g_assert_false(smtpx_dkim_keyfile_line((const guint8 *)skip[i], strlen(skip[i]),
                                               &name, &txt, &tl));
        g_assert_null(name);
        g_assert_null(txt);
    }
}

static void
test_keyfile_load(void)
{
    char *path = NULL, *err = NULL;
    gint fd = g_file_open_tmp("smtpx-dkim-XXXXXX", &path, NULL);
    GString *s = g_string_new("; keys fetched with dig\n");
    smtpx_dkim_keys_t *k = smtpx_dkim_keys_new();

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_string_append_printf(s, KEYNAME_TEST ". 3600 IN TXT \"%s\"\r\n", key_rsa);
    g_string_append_printf(s, KEYNAME_ED " %s\n", key_ed25519);
    g_assert_true(g_file_set_contents(path, s->str, (gssize)s->len, NULL));
    g_assert_cmpint(smtpx_dkim_keys_load_file(k, path, &err), ==, 2);
    /* Loading again adds nothing (same records). */
    g_assert_cmpint(smtpx_dkim_keys_load_file(k, path, &err), ==, 0);
    g_assert_cmpint(result_of(msg_ed25519, strlen(msg_ed25519), 0, k, 0, NULL, NULL), ==,
                    SMTPX_DKIM_PASS);
    g_assert_cmpint(result_of(msg_rsa_simple, strlen(msg_rsa_simple), 0, k, 0, NULL, NULL), ==,
                    SMTPX_DKIM_PASS);
    g_assert_cmpint(smtpx_dkim_keys_load_file(k, "/nonexistent/keys", &err), ==, -1);
    g_assert_nonnull(err);
    g_free(err);
    g_unlink(path);
    g_free(path);
    g_string_free(s, TRUE);
    smtpx_dkim_keys_free(k);
}

/* ---- Authentication-Results ----------------------------------------------- */

static void
test_authres(void)
{
    static const char a[] = "mx.example.org 1; (comment) dkim=pass (good)\r\n header.d=example.com "
                            "header.s=sel; spf=fail smtp.mailfrom=x@example.com; dmarc=none";
    static const char arc[] = "i=1; mx.example.org; dkim=fail reason=\"bad; sig\"";
    smtpx_authres_t *r = smtpx_authres_parse((const guint8 *)a, strlen(a), FALSE);
    const smtpx_authres_entry_t *e;

    g_assert_cmpstr(r->authserv_id, ==, "mx.example.org");
    g_assert_cmpuint(r->entries->len, ==, 3);
    e = g_ptr_array_index(r->entries, 0);
    g_assert_cmpstr(e->method, ==, "dkim");
    g_assert_cmpstr(e->result, ==, "pass");
    g_assert_cmpstr(e->properties, ==, "header.d=example.com header.s=sel");
    e = g_ptr_array_index(r->entries, 1);
    g_assert_cmpstr(e->method, ==, "spf");
    g_assert_cmpstr(e->result, ==, "fail");
    smtpx_authres_free(r);
    r = smtpx_authres_parse((const guint8 *)arc, strlen(arc), TRUE);
    g_assert_cmpstr(r->authserv_id, ==, "mx.example.org");
    g_assert_cmpuint(r->entries->len, >=, 1);
    g_assert_cmpstr(((smtpx_authres_entry_t *)g_ptr_array_index(r->entries, 0))->method, ==, "dkim");
    smtpx_authres_free(r);
    r = smtpx_authres_parse(NULL, 0, FALSE);
    g_assert_cmpstr(r->authserv_id, ==, "");
    smtpx_authres_free(r);
    /* Kept by the verifier from the header section. */
    {
        char *m = g_strconcat("Authentication-Results: ", a, "\r\n", msg_rsa_relaxed, NULL);
        smtpx_dkim_msg_t *mm = run(m, strlen(m), 0);

        g_assert_cmpuint(smtpx_dkim_msg_authres(mm)->len, ==, 1);
        smtpx_dkim_msg_free(mm);
        g_free(m);
    }
}

/* ---- which header fields the verifier reads ------------------------------ */

/* Issue 10: the header section is kept in blocks and only put together
 * when a line starts with a name the verifier reads; those names must be
 * found wherever they stand and however the octets are cut. */
static void
test_header_names(void)
{
    static const gsize steps[] = { 0, 1, 2, 5, 7, 13, 977 };
    GString *filler = g_string_new(NULL);
    char *behind, *lower, *folded, *named;
    guint i, j;

    /* Over two blocks of other fields before the signature, some of them
     * starting with D or A like the names read. */
    for (i = 0; i < 40; i++)
        g_string_append_printf(filler, "%s: value %u of a field the signature does not cover\r\n",
                               i % 3 == 0 ? "Date-Like" : (i % 3 == 1 ? "A-Field" : "X-Filler"),
                               i);
    behind = g_strconcat(filler->str, msg_rsa_relaxed, NULL);
    /* Relaxed header canonicalization lower-cases field names. */
    lower = edit(msg_rsa_relaxed, "DKIM-Signature:", "dkim-SIGNATURE:");
    for (j = 0; j < G_N_ELEMENTS(steps); j++) {
        smtpx_dkim_keys_t *k = keys_with(KEYNAME_TEST, key_rsa, 7);

        g_assert_cmpint(result_of(behind, strlen(behind), steps[j], k, 0, NULL, NULL), ==,
                        SMTPX_DKIM_PASS);
        g_assert_cmpint(result_of(lower, strlen(lower), steps[j], k, 0, NULL, NULL), ==,
                        SMTPX_DKIM_PASS);
        smtpx_dkim_keys_free(k);
    }
    /* Authentication-Results fields after the filler, cut anywhere. */
    named = g_strconcat(filler->str, "ARC-Authentication-Results: i=1; mx.example.org; dkim=pass\r\n",
                        "X-Other: 1\r\n", "authentication-results: mx.example.org; spf=pass\r\n",
                        "Subject: x\r\n\r\nbody\r\n", NULL);
    for (j = 0; j < G_N_ELEMENTS(steps); j++) {
        smtpx_dkim_msg_t *m = run(named, strlen(named), steps[j]);
        const GPtrArray *ar = smtpx_dkim_msg_authres(m);

        g_assert_nonnull(ar);
        g_assert_cmpuint(ar->len, ==, 2);
        g_assert_cmpuint(smtpx_dkim_msg_n_sigs(m), ==, 0);
        smtpx_dkim_msg_free(m);
    }
    g_free(named);
    /* A name that does not start a field is not a signature: inside
     * another name, or on a continuation line. */
    folded = g_strconcat(filler->str, "X-DKIM-Signature: v=1\r\n", "Comments: a\r\n",
                         " DKIM-Signature: v=1; a=rsa-sha256; d=x; s=y; h=from; bh=; b=\r\n",
                         "From: a@b.example\r\n\r\nbody\r\n", NULL);
    for (j = 0; j < G_N_ELEMENTS(steps); j++) {
        smtpx_dkim_msg_t *m = run(folded, strlen(folded), steps[j]);

        g_assert_cmpuint(smtpx_dkim_msg_n_sigs(m), ==, 0);
        smtpx_dkim_msg_free(m);
    }
    g_free(folded);
    g_free(behind);
    g_free(lower);
    g_string_free(filler, TRUE);
}

/* ---- the author verdict ------------------------------------------------- */

static smtpx_author_verdict_t *
verdict_for(const char *msg, const smtpx_dkim_keys_t *k, gboolean env_ok)
{
    smtpx_verdict_t v;
    smtpx_dkim_msg_t *m = run(msg, strlen(msg), 0);
    GPtrArray *r = smtpx_dkim_msg_evaluate(m, k);
    smtpx_author_verdict_t *av;

    memset(&v, 0, sizeof v);
    v.decided = TRUE;
    v.from_domain = (char *)"football.example.com";
    v.envelope_mismatch = !env_ok;
    v.dkim_aligned = TRUE;
    v.reasons = (char *)"";
    av = smtpx_dkim_author_verdict(&v, r);
    g_ptr_array_unref(r);
    smtpx_dkim_msg_free(m);
    assert_safe_string(av->reasons);
    return av;
}

static void
test_author_verdict(void)
{
    smtpx_dkim_keys_t *k = keys_with(KEYNAME_TEST, key_rsa, 9);
    smtpx_dkim_keys_t *none = smtpx_dkim_keys_new();
    smtpx_dkim_keys_t *nx = smtpx_dkim_keys_new();
    smtpx_author_verdict_t *av;
    char *m;

    smtpx_dkim_keys_add(nx, KEYNAME_TEST, SMTPX_DKIM_SRC_CAPTURE, 3, NULL, 0, TRUE);
    /* Envelope not aligned: the signature decides. */
    av = verdict_for(msg_rsa_relaxed, k, FALSE);
    g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_BACKED);
    g_assert_false(av->forged);
    g_assert_true(av->dkim_verified);
    smtpx_author_verdict_free(av);
    av = verdict_for(msg_rsa_relaxed, none, FALSE);
    g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_UNVERIFIED);
    g_assert_true(av->forged);                     /* docs/verdict.md */
    g_assert_false(av->dkim_verified);
    g_assert_nonnull(strstr(av->reasons, "unverified"));
    smtpx_author_verdict_free(av);
    av = verdict_for(msg_rsa_relaxed, nx, FALSE);
    g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_FORGED);
    smtpx_author_verdict_free(av);
    m = edit(msg_rsa_relaxed, "We lost", "We won");
    av = verdict_for(m, k, FALSE);
    g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_FORGED);
    g_assert_nonnull(strstr(av->reasons, "body hash"));
    smtpx_author_verdict_free(av);
    /* A body change is a fail even with no key at all. */
    av = verdict_for(m, none, FALSE);
    g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_FORGED);
    smtpx_author_verdict_free(av);
    g_free(m);
    /* l= with text appended: the signature passes, the author is not
     * backed by it (the appended text is shown as the author's). */
    {
        char *full = g_strconcat(msg_rsa_l, "P.S. send the money to evil.example\r\n", NULL);

        av = verdict_for(full, k, FALSE);
        g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_FORGED);
        g_assert_false(av->dkim_verified);
        g_assert_nonnull(strstr(av->reasons, "unsigned"));
        smtpx_author_verdict_free(av);
        av = verdict_for(msg_rsa_l, k, FALSE);
        g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_BACKED);
        smtpx_author_verdict_free(av);
        g_free(full);
    }
    /* rsa-sha1 passes cryptographically but backs nothing (RFC 8301). */
    av = verdict_for(msg_rsa_sha1, k, FALSE);
    g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_FORGED);
    smtpx_author_verdict_free(av);
    /* The envelope backs the author: backed whatever DKIM says, and
     * dkim_verified only when it passed. */
    av = verdict_for(msg_rsa_relaxed, nx, TRUE);
    g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_BACKED);
    g_assert_false(av->dkim_verified);
    smtpx_author_verdict_free(av);
    /* Two signatures, one failing (an extra forged one first), one passing. */
    {
        char *two = g_strconcat("DKIM-Signature: v=1; a=rsa-sha256; d=football.example.com; "
                                "s=test; h=from; bh=AAAA; b=AAAA\r\n", msg_rsa_relaxed, NULL);
        smtpx_dkim_msg_t *mm = run(two, strlen(two), 0);
        GPtrArray *r = smtpx_dkim_msg_evaluate(mm, k);

        g_assert_cmpuint(r->len, ==, 2);
        g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 0))->result, ==, SMTPX_DKIM_FAIL);
        g_assert_cmpint(((smtpx_dkim_result_t *)g_ptr_array_index(r, 1))->result, ==, SMTPX_DKIM_PASS);
        g_ptr_array_unref(r);
        smtpx_dkim_msg_free(mm);
        av = verdict_for(two, k, FALSE);
        g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_BACKED);
        smtpx_author_verdict_free(av);
        g_free(two);
    }
    /* A trick flag wins over a passing signature. */
    {
        smtpx_verdict_t v;

        memset(&v, 0, sizeof v);
        v.from_domain = (char *)"football.example.com";
        v.display_name_spoof = TRUE;
        av = smtpx_dkim_author_verdict(&v, NULL);
        g_assert_cmpint(av->state, ==, SMTPX_AUTHOR_FORGED);
        smtpx_author_verdict_free(av);
    }
    smtpx_dkim_keys_free(k);
    smtpx_dkim_keys_free(none);
    smtpx_dkim_keys_free(nx);
}

/* ---- through the session: DATA (dot-stuffed) and BDAT ----------------------- */

/* msg dot-stuffed as on the wire (RFC 5321 4.5.2). */
static char *
dot_stuff(const char *msg)
{
    GString *o = g_string_new(NULL);
    const char *p = msg;

    while (*p) {
        const char *e = strstr(p, "\r\n");
        gsize n = e ? (gsize)(e - p) + 2 : strlen(p);

        if (*p == '.')
            g_string_append_c(o, '.');
        g_string_append_len(o, p, (gssize)n);
        p += n;
    }
    return g_string_free(o, FALSE);
}

/* len 0: strlen(text). */
static void
feed_dir(smtpx_session_t *s, smtpx_dir_t dir, guint32 frame, const char *text,
         gsize len, GPtrArray *events)
{
    smtpx_time_t ts = { 1700000000, 0 };

    if (len == 0)
        len = strlen(text);

    smtpx_session_feed(s, dir, frame, ts, (const guint8 *)text, len, events);
}

/* Runs one SMTP session carrying msg (DATA when !bdat, else two BDAT
 * chunks) fed in pieces of step; returns msg's DKIM result. */
static smtpx_dkim_result_kind_t
session_result(const char *msg, gboolean bdat, gsize step, const smtpx_dkim_keys_t *k)
{
    smtpx_session_t *s = smtpx_session_new(NULL);
    GPtrArray *ev = g_ptr_array_new();
    GString *c = g_string_new("EHLO client.example\r\nMAIL FROM:<joe@football.example.com>\r\n"
                              "RCPT TO:<suzie@shopping.example.net>\r\n");
    const smtpx_message_event_t *m = NULL;
    smtpx_dkim_result_kind_t kind;
    GPtrArray *r;
    gsize i, len = strlen(msg);
    guint j;

    feed_dir(s, SMTPX_DIR_SERVER, 1, "220 mx.example ESMTP\r\n", 0, ev);
    if (bdat) {
        gsize half = len / 2;

        g_string_append_printf(c, "BDAT %" G_GSIZE_FORMAT "\r\n", half);
        g_string_append_len(c, msg, (gssize)half);
        g_string_append_printf(c, "BDAT %" G_GSIZE_FORMAT " LAST\r\n", len - half);
        g_string_append_len(c, msg + half, (gssize)(len - half));
    } else {
        char *st = dot_stuff(msg);

        g_string_append(c, "DATA\r\n");
        g_string_append(c, st);
        g_string_append(c, ".\r\n");
        g_free(st);
    }
    if (!bdat) {
        /* Replies first so that DATA's 354 is there before the body. */
        feed_dir(s, SMTPX_DIR_CLIENT, 2, c->str, strstr(c->str, "DATA\r\n") + 6 - c->str, ev);
        feed_dir(s, SMTPX_DIR_SERVER, 3, "250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n", 0, ev);
        i = (gsize)(strstr(c->str, "DATA\r\n") + 6 - c->str);
    } else {
        feed_dir(s, SMTPX_DIR_SERVER, 3, "250-mx\r\n250 CHUNKING\r\n", 0, ev);
        i = 0;
    }
    for (; i < c->len; i += step)
        feed_dir(s, SMTPX_DIR_CLIENT, 4, c->str + i, MIN(step, c->len - i), ev);
    for (j = 0; j < ev->len; j++) {
        const smtpx_event_t *e = g_ptr_array_index(ev, j);

        if (e->kind == SMTPX_EV_END_OF_DATA && e->message)
            m = e->message;
    }
    g_assert_nonnull(m);
    g_assert_true(smtpx_dkim_msg_ended(m->dkim));
    r = smtpx_dkim_msg_evaluate(m->dkim, k);
    g_assert_cmpuint(r->len, ==, 1);
    kind = ((smtpx_dkim_result_t *)g_ptr_array_index(r, 0))->result;
    g_ptr_array_unref(r);
    g_ptr_array_unref(ev);
    g_string_free(c, TRUE);
    smtpx_session_free(s);
    return kind;
}

static void
test_session(void)
{
    smtpx_dkim_keys_t *k = keys_with(KEYNAME_TEST, key_rsa, 9);
    gsize steps[] = { 1, 3, 64, 100000 };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(steps); i++) {
        g_assert_cmpint(session_result(msg3_dots, FALSE, steps[i], k), ==, SMTPX_DKIM_PASS);
        g_assert_cmpint(session_result(msg3_dots, TRUE, steps[i], k), ==, SMTPX_DKIM_PASS);
        g_assert_cmpint(session_result(msg2_simple, FALSE, steps[i], k), ==, SMTPX_DKIM_PASS);
        g_assert_cmpint(session_result(msg2_relaxed, TRUE, steps[i], k), ==, SMTPX_DKIM_PASS);
    }
    smtpx_dkim_keys_free(k);
}

/* ---- random input ---------------------------------------------------------- */

/*
 * Issue 10: an ended message with no DKIM-Signature and no
 * Authentication-Results field settles to the shared empty one (ended,
 * nothing to verify or show, read-only); any such field keeps it.
 */
static void
test_settle(void)
{
    static const char plain[] = "From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n";
    static const char ar[] = "Authentication-Results: mx.example; dkim=pass\r\n"
                             "From: a@b.example\r\n\r\nbody\r\n";
    static const char sig[] = "DKIM-Signature: v=1; a=rsa-sha256; d=b.example; s=s;"
                              " h=from; bh=; b=\r\nFrom: a@b.example\r\n\r\nbody\r\n";
    smtpx_dkim_msg_t *m, *e, *open_m;
    GPtrArray *r;

    g_assert_null(smtpx_dkim_msg_settle(NULL));
    m = run(plain, strlen(plain), 0);
    e = smtpx_dkim_msg_settle(m);             /* m is freed */
    g_assert_true(smtpx_dkim_msg_ended(e));
    g_assert_cmpuint(smtpx_dkim_msg_n_sigs(e), ==, 0);
    g_assert_cmpuint(smtpx_dkim_msg_n_fields(e), ==, 0);
    g_assert_null(smtpx_dkim_msg_authres(e));
    r = smtpx_dkim_msg_evaluate(e, NULL);
    g_assert_cmpuint(r->len, ==, 0);
    g_ptr_array_unref(r);
    /* Read-only and shared: writes are ignored, free does nothing. */
    smtpx_dkim_msg_feed(e, (const guint8 *)"DKIM-Signature: v=1\r\n", 21);
    smtpx_dkim_msg_lost(e);
    smtpx_dkim_msg_end(e, TRUE, 0);
    smtpx_dkim_msg_free(e);
    m = run(plain, strlen(plain), 5);
    g_assert_true(smtpx_dkim_msg_settle(m) == e);
    g_assert_true(smtpx_dkim_msg_settle(e) == e);
    /* Fields the glue reads keep the message. */
    m = run(ar, strlen(ar), 0);
    g_assert_true(smtpx_dkim_msg_settle(m) == m);
    g_assert_nonnull(smtpx_dkim_msg_authres(m));
    smtpx_dkim_msg_free(m);
    m = run(sig, strlen(sig), 0);
    g_assert_true(smtpx_dkim_msg_settle(m) == m);
    g_assert_cmpuint(smtpx_dkim_msg_n_fields(m), ==, 1);
    smtpx_dkim_msg_free(m);
    /* Not ended: kept. */
    open_m = smtpx_dkim_msg_new(65536);
    smtpx_dkim_msg_feed(open_m, (const guint8 *)plain, strlen(plain));
    g_assert_true(smtpx_dkim_msg_settle(open_m) == open_m);
    smtpx_dkim_msg_free(open_m);
}

static void
test_random(void)
{
    GRand *rnd = g_rand_new_with_seed(8);
    guint round;

    for (round = 0; round < 300; round++) {
        gsize len = (gsize)g_rand_int_range(rnd, 0, 400), i;
        guint8 *buf = g_malloc(len + 1);
        smtpx_dkim_msg_t *m;
        GPtrArray *r;
        smtpx_dkim_key_t *key;
        smtpx_dkim_sig_t *sig;

        for (i = 0; i < len; i++) {
            static const char alpha[] = "v=1;a=rsa-sha256 d=s=h:from;b=bh=AB+/\r\n\t :;=";
            buf[i] = g_rand_boolean(rnd) ? (guint8)alpha[g_rand_int_range(rnd, 0, sizeof alpha - 1)]
                                         : (guint8)g_rand_int_range(rnd, 0, 256);
        }
        sig = smtpx_dkim_sig_parse(buf, len);
        smtpx_dkim_sig_free(sig);
        key = smtpx_dkim_key_parse(buf, len);
        smtpx_dkim_key_free(key);
        m = smtpx_dkim_msg_new(200);
        smtpx_dkim_msg_feed(m, (const guint8 *)"DKIM-Signature: ", 16);
        smtpx_dkim_msg_feed(m, buf, len);
        smtpx_dkim_msg_end(m, TRUE, 0);
        r = smtpx_dkim_msg_evaluate(m, NULL);
        g_ptr_array_unref(r);
        smtpx_dkim_msg_free(m);
        g_free(buf);
    }
    g_rand_free(rnd);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    smtpx_dkim_init();
    g_test_add_func("/dkim/tags", test_tags);
    g_test_add_func("/dkim/sig_parse", test_sig_parse);
    g_test_add_func("/dkim/key_parse", test_key_parse);
    g_test_add_func("/dkim/rsa_der", test_rsa_der);
    g_test_add_func("/dkim/canon_header", test_canon_header);
    g_test_add_func("/dkim/canon_body", test_canon_body);
    g_test_add_func("/dkim/canon_body_runs", test_canon_body_runs);
    g_test_add_func("/dkim/verify_pass", test_verify_pass);
    g_test_add_func("/dkim/verify_dkimpy_two", test_verify_dkimpy_two);
    g_test_add_func("/dkim/verify_attacks", test_verify_attacks);
    g_test_add_func("/dkim/verify_incomplete", test_verify_incomplete);
    g_test_add_func("/dkim/header_names", test_header_names);
    g_test_add_func("/dkim/verify_expired", test_verify_expired);
    g_test_add_func("/dkim/keyfile_lines", test_keyfile_lines);
    g_test_add_func("/dkim/keyfile_load", test_keyfile_load);
    g_test_add_func("/dkim/authres", test_authres);
    g_test_add_func("/dkim/author_verdict", test_author_verdict);
    g_test_add_func("/dkim/session", test_session);
    g_test_add_func("/dkim/random", test_random);
    g_test_add_func("/dkim/settle", test_settle);
    return g_test_run();
}
