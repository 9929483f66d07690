/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * headers.c - header-section accumulation, unfolding and field splitting
 * (RFC 5322 sections 2.2, 2.2.3, 3.6, obsolete syntax 4.5); DKIM-Signature
 * d= extraction (RFC 6376 3.2, 3.5).  See headers.h for the contract.
 *
 * How lines become fields:
 *  - a line that starts with WSP (SP or HTAB) continues the current field
 *    (unfolding, 2.2.3: the CRLF is dropped, the WSP kept);
 *  - a line that starts with WSP while no field is open (the very first line
 *    of the header section) is kept as a field of its own, flagged
 *    LEADING_WS: some parsers drop it or glue it to nothing, others read it
 *    as a new field;
 *  - any other line starts a new field;
 *  - a field's name is what comes before the first ':' of the unfolded
 *    text; when that ':' sits on a continuation line the name was folded
 *    (FOLDED_NAME), e.g. "From\r\n :x" is a From field.
 */
#include <string.h>

#include "headers.h"

struct smtpx_headers {
    gsize       max_bytes;     /* budget for kept header text */
    gsize       bytes;         /* header text seen (kept or not) */
    GPtrArray  *fields;        /* smtpx_header_field_t * */
    GByteArray *cur;           /* unfolded bytes of the open field, or NULL */
    GByteArray *spare;         /* the last closed field's buffer, emptied, for
                                  the next field (freed when the section
                                  ends or is cut), or NULL */
    gsize       cur_first_len; /* length of the open field's first line */
    guint32     cur_flags;
    guint32     section_flags; /* flags not tied to one field */
    gboolean    any_line;      /* a header line was seen */
    gboolean    truncated;     /* max_bytes or SMTPX_HEADERS_MAX_FIELDS reached */
    gboolean    field_limit;   /* it was SMTPX_HEADERS_MAX_FIELDS */
    gboolean    ended;         /* empty line seen or finish() called */
};

static gboolean
is_wsp(guint8 c)
{
    return c == ' ' || c == '\t';
}

smtpx_headers_t *
smtpx_headers_new(gsize max_bytes)
{
    smtpx_headers_t *h = smtpx_new0(smtpx_headers_t);

    /* 0 acts as 1; the cap keeps every kept length within a GByteArray's
     * guint (far above any sensible preference). */
    h->max_bytes = CLAMP(max_bytes, 1, G_MAXUINT / 2);
    /* Issue 10: a field is one block, its name and value behind it. */
    h->fields = g_ptr_array_new_with_free_func(g_free);
    return h;
}

void
smtpx_headers_free(smtpx_headers_t *h)
{
    if (!h)
        return;
    if (h->cur)
        g_byte_array_free(h->cur, TRUE);
    if (h->spare)
        g_byte_array_free(h->spare, TRUE);
    g_ptr_array_free(h->fields, TRUE);
    g_free(h);
}

/* No more fields will be opened: the spare buffer goes. */
static void
drop_spare(smtpx_headers_t *h)
{
    if (h->spare) {
        g_byte_array_free(h->spare, TRUE);
        h->spare = NULL;
    }
}

/* Splits the open field's unfolded text into name and value and stores it. */
static void
close_field(smtpx_headers_t *h)
{
    smtpx_header_field_t *f;
    const guint8 *b;
    const guint8 *colon;
    gsize n, start = 0, name_end, v, value_len, name_len = 0;
    guint32 flags;
    const char *name = "";
    char *shown = NULL;

    if (!h->cur)
        return;
    b = h->cur->data;
    n = h->cur->len;
    flags = h->cur_flags;

    if (flags & SMTPX_HDR_LEADING_WS)
        while (start < n && is_wsp(b[start]))
            start++;

    if (memchr(b, '\0', n))
        flags |= SMTPX_HDR_NUL;
    if (memchr(b, '\r', n))
        flags |= SMTPX_HDR_BARE_CR;

    colon = n > start ? memchr(b + start, ':', n - start) : NULL;
    if (!colon) {
        flags |= SMTPX_HDR_NO_COLON;
        v = start;
    } else {
        gsize c = (gsize)(colon - b);
        gsize i;

        if (c >= h->cur_first_len)
            flags |= SMTPX_HDR_FOLDED_NAME;
        name_end = c;
        while (name_end > start && is_wsp(b[name_end - 1]))
            name_end--;
        if (name_end < c)
            flags |= SMTPX_HDR_WS_BEFORE_COLON;
        if (name_end == start)
            flags |= SMTPX_HDR_BAD_NAME;
        for (i = start; i < name_end; i++)
            if (b[i] < 33 || b[i] > 126)
                flags |= SMTPX_HDR_BAD_NAME;
        /* A name without BAD_NAME is printable ASCII: shown as it is. */
        if (flags & SMTPX_HDR_BAD_NAME) {
            shown = smtpx_printable(b + start, name_end - start);
            name = shown;
            name_len = strlen(shown);
        } else {
            name = (const char *)b + start;
            name_len = name_end - start;
        }
        v = c + 1;
    }
    while (v < n && is_wsp(b[v]))
        v++;
    if (colon && v == n)
        flags |= SMTPX_HDR_EMPTY_VALUE;
    value_len = n - v;
    /* One block: the field, its name, its value (both NUL-terminated). */
    f = g_malloc(sizeof *f + name_len + 1 + value_len + 1);
    f->name = (char *)(f + 1);
    memcpy(f->name, name, name_len);
    f->name[name_len] = '\0';
    f->value = (guint8 *)f->name + name_len + 1;
    f->value_len = value_len;
    if (value_len)
        memcpy(f->value, b + v, value_len);
    f->value[value_len] = '\0';
    f->flags = flags;
    g_free(shown);
    g_ptr_array_add(h->fields, f);

    /* One allocation less per field: the buffer serves the next one. */
    g_byte_array_set_size(h->cur, 0);
    if (h->spare)
        g_byte_array_free(h->spare, TRUE);
    h->spare = h->cur;
    h->cur = NULL;
    h->cur_flags = 0;
    h->cur_first_len = 0;
}

smtpx_headers_status_t
smtpx_headers_add_line(smtpx_headers_t *h, const guint8 *line, gsize len,
                       gboolean bare_lf)
{
    gsize cost;
    gboolean cont;

    if (!h)
        return SMTPX_HEADERS_DONE;
    if (!line)
        len = 0;
    if (len == 0) {
        /* The empty line ending the header section (2.1). */
        if (h->ended)
            return h->truncated ? SMTPX_HEADERS_LIMIT : SMTPX_HEADERS_DONE;
        if (bare_lf)
            h->section_flags |= SMTPX_HDR_BARE_LF;
        close_field(h);
        drop_spare(h);
        h->ended = TRUE;
        return h->truncated ? SMTPX_HEADERS_LIMIT : SMTPX_HEADERS_DONE;
    }
    if (h->ended)
        return h->truncated ? SMTPX_HEADERS_LIMIT : SMTPX_HEADERS_DONE;

    cost = len + (bare_lf ? 1 : 2);
    /* Count without overflow; the sum saturates. */
    h->bytes = (h->bytes > G_MAXSIZE - cost) ? G_MAXSIZE : h->bytes + cost;
    if (h->truncated)
        return SMTPX_HEADERS_LIMIT;

    cont = is_wsp(line[0]);
    if (h->bytes > h->max_bytes) {
        /* This line does not fit: keep nothing more. */
        if (cont && h->cur)
            h->cur_flags |= SMTPX_HDR_TRUNCATED;
        close_field(h);
        drop_spare(h);
        h->truncated = TRUE;
        return SMTPX_HEADERS_LIMIT;
    }

    if (cont && h->cur) {
        gsize i = 0;

        while (i < len && is_wsp(line[i]))
            i++;
        if (i == len)
            h->cur_flags |= SMTPX_HDR_BLANK_CONTINUATION;
        g_byte_array_append(h->cur, line, (guint)len);
    } else {
        close_field(h);
        if (h->fields->len >= SMTPX_HEADERS_MAX_FIELDS) {
            /* A field past the field cap: keep nothing more. */
            drop_spare(h);
            h->truncated = TRUE;
            h->field_limit = TRUE;
            return SMTPX_HEADERS_LIMIT;
        }
        if (h->spare) {
            h->cur = h->spare;
            h->spare = NULL;
        } else {
            h->cur = g_byte_array_sized_new((guint)len);
        }
        g_byte_array_append(h->cur, line, (guint)len);
        h->cur_first_len = len;
        h->cur_flags = 0;
        if (cont) {
            /* WSP with no field to continue: the section's first line. */
            h->cur_flags |= SMTPX_HDR_LEADING_WS;
            h->section_flags |= SMTPX_HDR_LEADING_WS;
        }
    }
    if (bare_lf)
        h->cur_flags |= SMTPX_HDR_BARE_LF;
    h->any_line = TRUE;
    return SMTPX_HEADERS_MORE;
}

gboolean
smtpx_headers_field_limit(const smtpx_headers_t *h)
{
    return h && h->field_limit;
}

void
smtpx_headers_finish(smtpx_headers_t *h)
{
    if (!h)
        return;
    close_field(h);
    drop_spare(h);
    h->ended = TRUE;
}

guint
smtpx_headers_count(const smtpx_headers_t *h)
{
    return h ? h->fields->len : 0;
}

const smtpx_header_field_t *
smtpx_headers_nth(const smtpx_headers_t *h, guint i)
{
    if (!h || i >= h->fields->len)
        return NULL;
    return g_ptr_array_index(h->fields, i);
}

/* A field that has a name (lines without a colon have none) matching name. */
static gboolean
name_matches(const smtpx_header_field_t *f, const char *name)
{
    /* The first octet first: most names differ there (issue 10). */
    return !(f->flags & SMTPX_HDR_NO_COLON) &&
           g_ascii_tolower(f->name[0]) == g_ascii_tolower(name[0]) &&
           g_ascii_strcasecmp(f->name, name) == 0;
}

guint
smtpx_headers_count_name(const smtpx_headers_t *h, const char *name)
{
    guint i, n = 0;

    if (!h || !name)
        return 0;
    for (i = 0; i < h->fields->len; i++)
        if (name_matches(g_ptr_array_index(h->fields, i), name))
            n++;
    return n;
}

const smtpx_header_field_t *
smtpx_headers_get(const smtpx_headers_t *h, const char *name)
{
    guint i;

    if (!h || !name)
        return NULL;
    for (i = 0; i < h->fields->len; i++) {
        const smtpx_header_field_t *f = g_ptr_array_index(h->fields, i);

        if (name_matches(f, name))
            return f;
    }
    return NULL;
}

guint32
smtpx_headers_flags(const smtpx_headers_t *h)
{
    guint32 flags;
    guint i;

    if (!h)
        return 0;
    flags = h->section_flags | h->cur_flags;
    for (i = 0; i < h->fields->len; i++)
        flags |= ((const smtpx_header_field_t *)
                  g_ptr_array_index(h->fields, i))->flags;
    return flags;
}

gboolean
smtpx_headers_truncated(const smtpx_headers_t *h)
{
    return h ? h->truncated : FALSE;
}

gsize
smtpx_headers_bytes(const smtpx_headers_t *h)
{
    return h ? h->bytes : 0;
}

/* RFC 6376 3.2: FWS inside an unfolded tag-list is WSP; CR and LF are
 * accepted too in case the caller passes the folded text. */
static gboolean
is_tag_ws(guint8 c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Finds tag name (NUL-terminated, case-sensitive, RFC 6376 3.2) in a
 * tag-list: *count is how often it occurs; *val and *vlen the last value,
 * surrounding whitespace trimmed.
 */
static void
dkim_tag(const guint8 *value, gsize len, const char *name,
         const guint8 **val, gsize *vlen, guint *count)
{
    gsize i = 0, nlen = strlen(name);

    *val = NULL;
    *vlen = 0;
    *count = 0;
    while (i < len) {
        gsize ns, ne, vs, ve, semi;
        const guint8 *eq;

        /* One tag-spec runs up to the next ';' (3.2: ';' is no VALCHAR). */
        {
            const guint8 *sc = memchr(value + i, ';', len - i);

            semi = sc ? (gsize)(sc - value) : len;
        }
        eq = memchr(value + i, '=', semi - i);
        if (eq) {
            ns = i;
            while (ns < semi && is_tag_ws(value[ns]))
                ns++;
            ne = (gsize)(eq - value);
            while (ne > ns && is_tag_ws(value[ne - 1]))
                ne--;
            vs = (gsize)(eq - value) + 1;
            while (vs < semi && is_tag_ws(value[vs]))
                vs++;
            ve = semi;
            while (ve > vs && is_tag_ws(value[ve - 1]))
                ve--;
            if (ne - ns == nlen && memcmp(value + ns, name, nlen) == 0) {
                (*count)++;
                *val = value + vs;
                *vlen = ve - vs;
            }
        }
        i = semi + 1;
    }
}

char *
smtpx_dkim_signing_domain(const guint8 *value, gsize len)
{
    const guint8 *dval;
    gsize dlen;
    guint nd;

    if (!value)
        return NULL;
    dkim_tag(value, len, "d", &dval, &dlen, &nd);
    /* 3.2: a tag that occurs twice makes the whole tag-list invalid. */
    if (nd != 1 || dlen == 0)
        return NULL;
    {
        char *p = smtpx_printable(dval, dlen);
        char *d = smtpx_ascii_lower_dup(p, strlen(p));

        g_free(p);
        return d;
    }
}

gboolean
smtpx_dkim_signature_wellformed(const guint8 *value, gsize len)
{
    static const char *const required[] = { "v", "a", "b", "bh", "d", "h", "s" };
    const guint8 *val;
    gsize vlen, i, start;
    guint n;
    gboolean signs_from = FALSE;

    if (!value)
        return FALSE;
    for (i = 0; i < G_N_ELEMENTS(required); i++) {
        dkim_tag(value, len, required[i], &val, &vlen, &n);
        if (n != 1 || vlen == 0)
            return FALSE;
    }
    dkim_tag(value, len, "v", &val, &vlen, &n);
    if (vlen != 1 || val[0] != '1')
        return FALSE;
    /* h= is a colon-separated list of header field names (3.5). */
    dkim_tag(value, len, "h", &val, &vlen, &n);
    start = 0;
    for (i = 0; i <= vlen; i++) {
        if (i == vlen || val[i] == ':') {
            gsize a = start, b = i;

            while (a < b && is_tag_ws(val[a]))
                a++;
            while (b > a && is_tag_ws(val[b - 1]))
                b--;
            if (b - a == 4 && g_ascii_strncasecmp((const char *)val + a, "from", 4) == 0)
                signs_from = TRUE;
            start = i + 1;
        }
    }
    return signs_from;
}

char *
smtpx_header_flags_words(guint32 flags, const char *sep)
{
    static const smtpx_flag_name_t names[] = {
        { SMTPX_HDR_WS_BEFORE_COLON, "whitespace between field name and colon" },
        { SMTPX_HDR_FOLDED_NAME, "field name folded onto the next line" },
        { SMTPX_HDR_LEADING_WS, "first header line starts with whitespace" },
        { SMTPX_HDR_NO_COLON, "line without a colon" },
        { SMTPX_HDR_BARE_LF, "bare LF line ending" },
        { SMTPX_HDR_BARE_CR, "bare CR inside a field" },
        { SMTPX_HDR_NUL, "NUL byte" },
        { SMTPX_HDR_BAD_NAME, "invalid character in field name" },
        { SMTPX_HDR_EMPTY_VALUE, "empty field body" },
        { SMTPX_HDR_TRUNCATED, "field cut at the header size limit" },
        { SMTPX_HDR_BLANK_CONTINUATION, "whitespace-only continuation line "
                                        "(some parsers end the header section there)" },
    };

    return smtpx_flags_describe(flags, names, G_N_ELEMENTS(names), sep, TRUE);
}

char *
smtpx_header_flags_describe(guint32 flags)
{
    return smtpx_header_flags_words(flags, "; ");
}
