/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dkim_msg.c - the per-message DKIM state (RFC 6376 5.4, 3.7): fed the
 * message octets as they pass, it keeps the header section until its end,
 * computes each signature's header hash then and frees the copy, and hashes
 * the body incrementally (dkim_canon.c).  See dkim.h for the contract.
 */
#include "dkim_internal.h"

#include <gcrypt.h>

#define MAX_FIELDS      1000    /* header fields looked at for h= */

/*
 * The header section's copy (issue 10).  It is kept in blocks, not one
 * growing array: glibc's malloc serves a request above 1000 octets from
 * its large bins, and each such request first merges every small freed
 * block of the process (malloc_consolidate), which made the copy's growth
 * a sixth of the core's time.  While the octets pass, the first octets
 * of each line are compared with the names headers_done reads
 * (DKIM-Signature, Authentication-Results, ARC-Authentication-Results);
 * only a section with such a line is put together and split into fields.
 * A field's name starts a line, so a section without one has no field
 * headers_done would use.
 */
#define HDR_BLOCK 976               /* octets per block: under 1000 in all */
#define NAME_HEAD 26                /* strlen("ARC-Authentication-Results") */

typedef struct hdr_block {
    struct hdr_block *next;
    guint8 data[HDR_BLOCK];
} hdr_block_t;

typedef struct hdr_copy {
    hdr_block_t *first, *last;
    gsize len;                      /* octets kept (in the blocks) */
    guint8 head[NAME_HEAD];         /* the current line's first octets */
    guint8 head_n;                  /* how many of them */
    guint8 last2[2];                /* the last two octets kept */
    guint prev_cr : 1;              /* the octet kept before was CR */
    guint named : 1;                /* a line starts with a name above */
} hdr_copy_t;

static void
hdr_copy_free(hdr_copy_t *c)
{
    hdr_block_t *b, *next;

    if (!c)
        return;
    for (b = c->first; b; b = next) {
        next = b->next;
        g_free(b);
    }
    g_free(c);
}

/* After the head_n-th octet of a line: does the line start with a name
 * headers_done reads?  (Each name is checked once, at its length.) */
static void
check_head(hdr_copy_t *c)
{
    const char *h = (const char *)c->head;

    if ((c->head_n == 14 && g_ascii_strncasecmp(h, "DKIM-Signature", 14) == 0) ||
        (c->head_n == 22 && g_ascii_strncasecmp(h, "Authentication-Results", 22) == 0) ||
        (c->head_n == 26 && g_ascii_strncasecmp(h, "ARC-Authentication-Results", 26) == 0))
        c->named = TRUE;
}

/* The names at line starts (lines end in CRLF, as headers_done splits). */
static void
scan_heads(hdr_copy_t *c, const guint8 *q, gsize k)
{
    gsize i = 0;

    while (i < k && !c->named) {
        /* Each name starts with 'D' or 'A': another line is skipped. */
        if (c->head_n == 0 && (q[i] | 0x20) != 'd' && (q[i] | 0x20) != 'a')
            c->head_n = NAME_HEAD;
        if (c->head_n < NAME_HEAD) {
            guint8 o = q[i++];

            c->head[c->head_n++] = o;
            check_head(c);
            if (o == '\n' && c->prev_cr)
                c->head_n = 0;
            c->prev_cr = o == '\r';
        } else {
            /* Past the names' length: on to the line's end. */
            const guint8 *lf = memchr(q + i, '\n', k - i);
            gsize j;

            if (!lf)
                break;
            j = (gsize)(lf - q);
            if (j > 0 ? q[j - 1] == '\r' : c->prev_cr)
                c->head_n = 0;
            c->prev_cr = FALSE;
            i = j + 1;
        }
    }
    if (k > 0)
        c->prev_cr = q[k - 1] == '\r';
}

/* k octets onto the end of the copy. */
static void
hdr_copy_add(hdr_copy_t *c, const guint8 *q, gsize k)
{
    scan_heads(c, q, k);
    if (k >= 2) {
        c->last2[0] = q[k - 2];
        c->last2[1] = q[k - 1];
    } else if (k == 1) {
        c->last2[0] = c->last2[1];
        c->last2[1] = q[0];
    }
    while (k > 0) {
        gsize fill = c->len % HDR_BLOCK, n;

        if (fill == 0) {
            hdr_block_t *b = g_new(hdr_block_t, 1);

            b->next = NULL;
            if (c->last)
                c->last->next = b;
            else
                c->first = b;
            c->last = b;
        }
        n = MIN(k, (gsize)HDR_BLOCK - fill);
        memcpy(c->last->data + fill, q, n);
        c->len += n;
        q += n;
        k -= n;
    }
}

/* The first len octets of the copy in one block (g_free). */
static guint8 *
hdr_copy_join(const hdr_copy_t *c, gsize len)
{
    guint8 *h = g_malloc(len + 1), *p = h;
    const hdr_block_t *b;

    for (b = c->first; b && len > 0; b = b->next) {
        gsize n = MIN(len, (gsize)HDR_BLOCK);

        memcpy(p, b->data, n);
        p += n;
        len -= n;
    }
    return h;
}

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

/* What smtpx_dkim_msg_settle leaves of an ended message with nothing to
 * verify or show; never written (feed, lost and end return first). */
static smtpx_dkim_msg_t ended_empty = { .ended = 1, .complete = 1 };

smtpx_dkim_msg_t *
smtpx_dkim_msg_settle(smtpx_dkim_msg_t *m)
{
    if (!m || m == &ended_empty || !m->ended || m->sigs || m->authres || m->n_fields)
        return m;
    smtpx_dkim_msg_free(m);
    return &ended_empty;
}

smtpx_dkim_msg_t *
smtpx_dkim_msg_new(gsize max_header_bytes)
{
    smtpx_dkim_msg_t *m = smtpx_new0(smtpx_dkim_msg_t);

    smtpx_dkim_init();
    m->max_header = max_header_bytes ? max_header_bytes : 65536;
    m->hdr = smtpx_new0(hdr_copy_t);
    m->in_headers = TRUE;
    m->eoh_state = 2;                /* the body start counts as after CRLF */
    return m;
}

void
smtpx_dkim_msg_free(smtpx_dkim_msg_t *m)
{
    if (!m || m == &ended_empty)
        return;
    hdr_copy_free(m->hdr);
    if (m->sigs)
        g_ptr_array_unref(m->sigs);
    if (m->authres)
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
header_hash(const guint8 *h, msig_t *s, field_t *fields, guint nf, const field_t *sf)
{
    GByteArray *buf = g_byte_array_new();
    guint i, j;
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

        /* The b= span the signature's parse found in this same value
         * (smtpx_dkim_sig_parse got h + vstart): no second parse. */
        if (s->sig->has_b_span) {
            g_byte_array_append(own, h + sf->start, (guint)(vstart + s->sig->b_start - sf->start));
            g_byte_array_append(own, h + vstart + s->sig->b_end,
                                (guint)(sf->end - (vstart + s->sig->b_end)));
        } else {
            g_byte_array_append(own, h + sf->start, (guint)(sf->end - sf->start));
        }
        smtpx_dkim_canon_header(s->sig->header_canon, own->data, own->len, FALSE, buf);
        g_byte_array_free(own, TRUE);
    }
    /* Issue 10: in one call, with no hash context to allocate (the
     * context is over 1000 octets, which costs glibc's malloc a merge of
     * every small freed block). */
    {
        int algo = md_algo_of(s->sig->alg);
        guint8 digest[64];
        gcry_buffer_t iov;

        memset(&iov, 0, sizeof iov);
        iov.size = buf->len;
        iov.len = buf->len;
        iov.data = buf->data;
        if (gcry_md_get_algo_dlen(algo) <= sizeof digest &&
            gcry_md_hash_buffers(algo, 0, digest, &iov, 1) == 0) {
            s->hhash_len = (guint8)MIN(gcry_md_get_algo_dlen(algo), MSIG_HASH_MAX);
            memcpy(s->hhash, digest, s->hhash_len);
        } else {
            s->hash_error = "the hash could not be computed";
        }
    }
    g_byte_array_free(buf, TRUE);
}

/* The header section ended: its first len octets in the copy, final
 * empty line excluded.  The copy goes. */
static void
headers_done(smtpx_dkim_msg_t *m, gsize len)
{
    hdr_copy_t *c = m->hdr;
    guint8 *h;
    gsize i = 0;
    GArray *fa;
    guint k;

    m->hdr = NULL;
    m->in_headers = FALSE;
    if (!c->named) {
        /* No field here is one headers_done reads. */
        hdr_copy_free(c);
        return;
    }
    h = hdr_copy_join(c, MIN(len, c->len));
    len = MIN(len, c->len);
    hdr_copy_free(c);
    fa = g_array_new(FALSE, TRUE, sizeof(field_t));

    /* Split into fields: a line starting with WSP continues the field. */
    while (i < len && fa->len < MAX_FIELDS) {
        field_t f;

        memset(&f, 0, sizeof f);
        f.start = i;
        for (;;) {
            gsize j = i;
            gboolean crlf = FALSE;

            /* The next CRLF: CRs found with memchr. */
            while (j + 1 < len) {
                const guint8 *cr = memchr(h + j, '\r', len - 1 - j);

                if (!cr)
                    break;
                j = (gsize)(cr - h);
                if (h[j + 1] == '\n') {
                    crlf = TRUE;
                    break;
                }
                j++;
            }
            if (!crlf) {
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
        {
            const guint8 *colon = memchr(h + f.start, ':', f.end - f.start);

            f.name_end = colon ? (gsize)(colon - h) : f.end;
        }
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
            if (m->sigs && m->sigs->len >= SMTPX_DKIM_MAX_SIGS)
                continue;
            s = smtpx_new0(msig_t);
            s->sig = smtpx_dkim_sig_parse(h + vs, f->end - vs);
            if (!m->sigs)
                m->sigs = g_ptr_array_new_with_free_func(msig_free);
            g_ptr_array_add(m->sigs, s);
            if (m->hdr_overflow) {
                s->hash_error = "the header section is longer than the "
                                "analysis limit (smtpx.max_header_bytes)";
            } else if (s->sig->ok) {
                header_hash(h, s, (field_t *)(void *)fa->data, fa->len, f);
                s->body = smtpx_dkim_body_new(s->sig->body_canon,
                                              md_algo_of(s->sig->alg),
                                              s->sig->has_l ? s->sig->l : G_MAXUINT64);
            }
            /* Issue 10: h= is read only for that hash. */
            g_ptr_array_unref(s->sig->signed_headers);
            s->sig->signed_headers = NULL;
        } else if ((!m->authres || m->authres->len < SMTPX_DKIM_MAX_AUTHRES) &&
                   (field_is(h, f, "Authentication-Results") ||
                    field_is(h, f, "ARC-Authentication-Results"))) {
            if (!m->authres)
                m->authres = g_ptr_array_new_with_free_func(authres_free_cb);
            g_ptr_array_add(m->authres,
                            smtpx_authres_parse(h + vs, f->end - vs,
                                                field_is(h, f, "ARC-Authentication-Results")));
        }
    }
    g_array_free(fa, TRUE);
    /* Only the hashes are kept (DESIGN.md: no whole-message copies). */
    g_free(h);
}

static void
body_feed(smtpx_dkim_msg_t *m, const guint8 *p, gsize n)
{
    guint i;

    for (i = 0; m->sigs && i < m->sigs->len; i++) {
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
        hdr_copy_add(m->hdr, q, k);
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
            gsize keep;

            hdr_append(m, p + run, i - 1 - run);
            /* Drop the empty line's CRLF (and the CRLF before it, which
             * ends the last field, so that the copy ends in a field). */
            keep = m->hdr->len;
            if (!m->hdr_overflow) {
                keep = keep >= 1 ? keep - 1 : 0;
                if (keep >= 2)
                    keep -= 2;
            }
            headers_done(m, keep);
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
    if (m && m != &ended_empty)
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
        gsize keep = m->hdr->len;

        if (!m->hdr_overflow && keep >= 2 && m->hdr->last2[0] == '\r' &&
            m->hdr->last2[1] == '\n')
            keep -= 2;
        headers_done(m, keep);
    }
    m->ended = TRUE;
    m->complete = complete && !m->lost;
    m->time = time_secs;
    for (i = 0; m->sigs && i < m->sigs->len; i++) {
        msig_t *s = g_ptr_array_index(m->sigs, i);

        if (s->body) {
            s->bhash_len = (guint8)smtpx_dkim_body_finish(s->body, s->bhash,
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
    return m && m->sigs ? m->sigs->len : 0;
}

const smtpx_dkim_sig_t *
smtpx_dkim_msg_sig(const smtpx_dkim_msg_t *m, guint i)
{
    if (!m || !m->sigs || i >= m->sigs->len)
        return NULL;
    return ((const msig_t *)g_ptr_array_index(m->sigs, i))->sig;
}

const GPtrArray *
smtpx_dkim_msg_authres(const smtpx_dkim_msg_t *m)
{
    return m ? m->authres : NULL;
}
