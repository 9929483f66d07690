/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address_readings.c - smtpx_address_readings (address.h): the author
 * mailboxes that strict and lenient parsers take out of one field body.
 */
#include "address_internal.h"

/*
 * How the readers of smtpx_reader_t take an author out of a field body.
 * The strict reading is the parser (address.c).  The lenient ones are small
 * scans, each modelled on a known way of reading addresses wrongly: over
 * the lexer's tokens (quotes and comments understood) for FIRST_ADDRESS,
 * LAST_ANGLE and ROUTE, over the raw bytes (nothing understood) for
 * NAIVE.  All of them run again over the field with its
 * encoded-words decoded (READ_DECODED).  Every scan is linear.
 */

/* Internal: the reading was made after decoding (goes to readers_decoded). */
#define READ_DECODED (1u << 31)

static void
reading_free(gpointer data)
{
    smtpx_reading_t *r = data;

    g_free(r->address);
    g_free(r->domain);
    g_free(r);
}

/* Every octet of p[0..n) is printable ASCII (0x20 to 0x7e). */
static gboolean
is_printable_ascii(const guint8 *p, gsize n)
{
    return smtpx_printable_ascii_prefix(p, n) == n;
}

/* Whether r is the reading the printable-ASCII path of reading_add() would
 * make of local (NULL: none) and domain: r->domain is domain in lower
 * case and r->address is "local@" (when local) and that domain.  No octet
 * of r's strings is read past their NUL: local and domain hold none. */
static gboolean
ascii_reading_is(const smtpx_reading_t *r, const guint8 *local, gsize llen,
                 const guint8 *domain, gsize dlen)
{
    const char *a = r->address;
    gsize k;

    for (k = 0; k < dlen; k++)
        if (r->domain[k] != smtpx_ascii_tolower((gchar)domain[k]))
            return FALSE;
    if (r->domain[dlen] != '\0')
        return FALSE;
    if (local) {
        for (k = 0; k < llen; k++)
            if (a[k] != (char)local[k])
                return FALSE;
        if (a[llen] != '@')
            return FALSE;
        a += llen + 1;
    }
    return strcmp(a, r->domain) == 0;
}

/* Adds address (local@domain, or the route domain) with its domain, both
 * raw bytes; trailing dots of the domain are dropped; a reading already
 * listed gains the readers' bits (readers_decoded when decoded). */
static void
reading_add(GPtrArray *out, const guint8 *local, gsize llen,
            const guint8 *domain, gsize dlen, guint32 readers)
{
    gboolean decoded = (readers & READ_DECODED) != 0;

    char *dom, *addr, *lower;
    GString *a;
    guint i;

    while (dlen > 0 && domain[dlen - 1] == '.')
        dlen--;
    if (dlen == 0)
        return;
    if (is_printable_ascii(domain, dlen) &&
        (!local || is_printable_ascii(local, llen))) {
        /* The usual case: smtpx_printable() would copy these as they
         * are, so the strings are made at once, and only when the reading
         * is not listed yet (most readers agree). */
        gsize al = local ? llen + 1 : 0;
        gsize k;

        for (i = 0; i < out->len; i++) {
            smtpx_reading_t *r = g_ptr_array_index(out, i);

            if (ascii_reading_is(r, local, llen, domain, dlen)) {
                if (decoded)
                    r->readers_decoded |= readers & ~READ_DECODED;
                else
                    r->readers |= readers;
                return;
            }
        }
        if (out->len >= SMTPX_MAX_READINGS)
            return;
        dom = g_malloc(dlen + 1);
        for (k = 0; k < dlen; k++)
            dom[k] = smtpx_ascii_tolower((gchar)domain[k]);
        dom[dlen] = '\0';
        addr = g_malloc(al + dlen + 1);
        if (local) {
            memcpy(addr, local, llen);
            addr[llen] = '@';
        }
        memcpy(addr + al, dom, dlen + 1);
    } else {
        lower = smtpx_ascii_lower_dup((const char *)domain, dlen);
        dom = smtpx_printable((const guint8 *)lower, dlen);
        g_free(lower);
        a = g_string_new(NULL);
        if (local) {
            g_string_append_len(a, (const char *)local, (gssize)llen);
            g_string_append_c(a, '@');
        }
        g_string_append(a, dom);
        addr = smtpx_printable((const guint8 *)a->str, a->len);
        g_string_free(a, TRUE);
    }

    for (i = 0; i < out->len; i++) {
        smtpx_reading_t *r = g_ptr_array_index(out, i);

        if (strcmp(r->address, addr) == 0 && strcmp(r->domain, dom) == 0) {
            if (decoded)
                r->readers_decoded |= readers & ~READ_DECODED;
            else
                r->readers |= readers;
            g_free(addr);
            g_free(dom);
            return;
        }
    }
    if (out->len >= SMTPX_MAX_READINGS) {
        g_free(addr);
        g_free(dom);
        return;
    }
    {
        smtpx_reading_t *r = smtpx_new0(smtpx_reading_t);

        r->address = addr;
        r->domain = dom;
        if (decoded)
            r->readers_decoded = readers & ~READ_DECODED;
        else
            r->readers = readers;
        g_ptr_array_add(out, r);
    }
}

static gboolean
is_word_tok(const tok_t *t)
{
    return t->type == T_ATOM || t->type == T_EWORD || t->type == T_DOT;
}

/* FIRST_ADDRESS: the first '@' with words touching it on both sides (no
 * CFWS in between), outside quotes and comments. */
static void
read_first_address(const lex_t *lx, GPtrArray *out, guint32 extra)
{
    gsize n = lx->toks->len, k;

    for (k = 1; k + 1 < n; k++) {
        const tok_t *at = &g_array_index(lx->toks, tok_t, k);
        gsize a = k, b = k + 1;

        if (!(at->type == T_SPECIAL && at->ch == '@') || at->sep)
            continue;
        while (a > 0 && is_word_tok(&g_array_index(lx->toks, tok_t, a - 1))) {
            a--;
            if (g_array_index(lx->toks, tok_t, a).sep)
                break;
        }
        while (b < n && is_word_tok(&g_array_index(lx->toks, tok_t, b)) &&
               (b == k + 1 || !g_array_index(lx->toks, tok_t, b).sep))
            b++;
        if (a == k || b == k + 1 ||
            g_array_index(lx->toks, tok_t, k + 1).sep)
            continue;
        {
            gsize ls = g_array_index(lx->toks, tok_t, a).start;
            gsize ds = g_array_index(lx->toks, tok_t, k + 1).start;
            gsize de = g_array_index(lx->toks, tok_t, b - 1).end;

            reading_add(out, lx->s + ls, at->start - ls, lx->s + ds, de - ds,
                        SMTPX_READER_FIRST_ADDRESS | extra);
        }
        return;
    }
}

/* LAST_ANGLE and ROUTE: the addr-spec of the last closed angle-addr (after
 * a route, the last '@' separating), and the first route domain of any. */
static void
read_angles(const lex_t *lx, GPtrArray *out, guint32 extra)
{
    gsize n = lx->toks->len, k, last = NO_INDEX;
    gboolean route_done = FALSE;

    for (k = 0; k < n; k++) {
        const tok_t *t = &g_array_index(lx->toks, tok_t, k);
        const tok_t *u;
        gsize j;

        if (!(t->type == T_SPECIAL && t->ch == '<') || t->match == NO_INDEX)
            continue;
        last = k;
        u = k + 1 < t->match ? &g_array_index(lx->toks, tok_t, k + 1) : NULL;
        if (route_done || !u || !(u->type == T_SPECIAL && u->ch == '@'))
            continue;
        for (j = k + 2; j < t->match; j++) {
            const tok_t *w = &g_array_index(lx->toks, tok_t, j);

            if (!is_word_tok(w))
                break;
        }
        if (j > k + 2) {
            gsize ds = g_array_index(lx->toks, tok_t, k + 2).start;
            gsize de = g_array_index(lx->toks, tok_t, j - 1).end;

            reading_add(out, NULL, 0, lx->s + ds, de - ds,
                        SMTPX_READER_ROUTE | extra);
            route_done = TRUE;
        }
    }
    if (last != NO_INDEX) {
        const tok_t *t = &g_array_index(lx->toks, tok_t, last);
        gsize from = last + 1, at = NO_INDEX;

        for (k = last + 1; k < t->match; k++) {
            const tok_t *w = &g_array_index(lx->toks, tok_t, k);

            if (w->type == T_SPECIAL && w->ch == ':')
                from = k + 1;
        }
        for (k = from; k < t->match; k++) {
            const tok_t *w = &g_array_index(lx->toks, tok_t, k);

            if (w->type == T_SPECIAL && w->ch == '@')
                at = k;
        }
        if (at != NO_INDEX && at > from && at + 1 < t->match) {
            gsize ls = g_array_index(lx->toks, tok_t, from).start;
            gsize ds = g_array_index(lx->toks, tok_t, at + 1).start;
            gsize de = g_array_index(lx->toks, tok_t, t->match - 1).end;
            gsize le = g_array_index(lx->toks, tok_t, at).start;

            /* Quoted local parts are taken as sent, quotes included. */
            while (le > ls && is_wsp(lx->s[le - 1]))
                le--;
            reading_add(out, lx->s + ls, le - ls, lx->s + ds, de - ds,
                        SMTPX_READER_LAST_ANGLE | extra);
        }
    }
}

static gboolean
is_raw_local_char(guint8 c)
{
    return c >= 0x80 || g_ascii_isalnum(c) ||
           (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

static gboolean
is_raw_domain_char(guint8 c)
{
    return c >= 0x80 || g_ascii_isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* NAIVE: the first "<local@domain>" of the raw text, quotes and comments
 * being plain text, and the first and the last local@domain outside quoted
 * strings, comments being plain text ("a@x(b@y)" is b@y to a scanner that
 * takes the last '@', as MTAs route on it). */
static void
read_quote_blind(const guint8 *s, gsize len, GPtrArray *out, guint32 extra)
{
    const guint8 *lt = memchr(s, '<', len);
    gsize i, la = 0, li = 0, lb = 0;
    gboolean found = FALSE;

    if (lt) {
        gsize o = (gsize)(lt - s) + 1;
        const guint8 *gt = memchr(s + o, '>', len - o);

        if (gt) {
            gsize e = (gsize)(gt - s), at = NO_INDEX, from = o;

            for (i = o; i < e; i++) {
                if (s[i] == '@')
                    at = i;
                else if (s[i] == ':')
                    from = i + 1;
            }
            if (at != NO_INDEX && at > from)
                reading_add(out, s + from, at - from, s + at + 1, e - at - 1,
                            SMTPX_READER_NAIVE | extra);
        }
    }
    for (i = 0; i + 1 < len; i++) {
        gsize a = i, b = i + 1;

        if (s[i] == '"') {
            /* skip the quoted string, quoted-pairs included */
            for (i++; i < len && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
            continue;
        }
        if (s[i] != '@' || i == 0)
            continue;
        while (a > 0 && is_raw_local_char(s[a - 1]))
            a--;
        while (b < len && is_raw_domain_char(s[b]))
            b++;
        if (a < i && b > i + 1) {
            if (!found)
                reading_add(out, s + a, i - a, s + i + 1, b - i - 1,
                            SMTPX_READER_NAIVE | extra);
            found = TRUE;
            la = a;
            li = i;
            lb = b;
        }
    }
    if (found)
        reading_add(out, s + la, li - la, s + li + 1, lb - li - 1,
                    SMTPX_READER_NAIVE | extra);
}

/* Every reading of s[0..len), with extra ORed to the readers' bits;
 * parsed: smtpx_address_list_parse(s, len) when the caller has it, or
 * NULL (parsed here). */
static void
readings_of(const guint8 *s, gsize len, guint32 extra,
            const smtpx_address_list_t *parsed, GPtrArray *out)
{
    smtpx_address_list_t *own = parsed ? NULL
                                       : smtpx_address_list_parse(s, len);
    const smtpx_address_list_t *l = parsed ? parsed : own;
    const lex_t *kept;
    lex_t lx;
    guint i;

    for (i = 0; i < l->mailboxes->len; i++) {
        const smtpx_mailbox_t *m = g_ptr_array_index(l->mailboxes, i);

        if (m->domain && *m->domain) {
            /* m->address is local@domain already made printable. */
            const char *at = strrchr(m->address, '@');

            if (at)
                reading_add(out, (const guint8 *)m->address,
                            (gsize)(at - m->address),
                            (const guint8 *)m->domain, strlen(m->domain),
                            SMTPX_READER_STRICT | extra);
        }
    }
    smtpx_address_list_free(own);

    lx.s = s ? s : (const guint8 *)"";
    lx.len = s ? len : 0;
    /* The caller's parse lexed these very bytes: its tokens (the parser
     * only reads them).  Otherwise they are lexed here. */
    kept = parsed ? (const lex_t *)parsed->lex : NULL;
    if (kept && kept->s == lx.s && kept->len == lx.len) {
        read_first_address(kept, out, extra);
        read_angles(kept, out, extra);
    } else {
        lx.toks = g_array_sized_new(FALSE, FALSE, sizeof(tok_t),
                                    smtpx_addr_tok_reserve(lx.len));
        lx.content = g_string_new(NULL);
        smtpx_addr_lex(&lx);
        read_first_address(&lx, out, extra);
        read_angles(&lx, out, extra);
        g_array_free(lx.toks, TRUE);
        g_string_free(lx.content, TRUE);
    }
    read_quote_blind(lx.s, lx.len, out, extra);
}

GPtrArray *
smtpx_address_readings(const guint8 *value, gsize len)
{
    return smtpx_address_readings_parsed(value, len, NULL);
}

GPtrArray *
smtpx_address_readings_parsed(const guint8 *value, gsize len,
                              const smtpx_address_list_t *parsed)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(reading_free);
    GString *decoded;
    ew_info_t info = { 0 };

    if (!value)
        len = 0;
    readings_of(value, len, 0, parsed, out);
    if (len == 0)
        return out;
    decoded = g_string_sized_new(len + 1);
    smtpx_addr_ew_decode(value, len, decoded, &info);
    if (info.any)
        readings_of((const guint8 *)decoded->str, decoded->len,
                    READ_DECODED, NULL, out);
    g_string_free(decoded, TRUE);
    return out;
}

char *
smtpx_reading_describe(const smtpx_reading_t *r)
{
    static const smtpx_flag_name_t names[] = {
        { SMTPX_READER_STRICT, "strict RFC 5322 parsers" },
        { SMTPX_READER_FIRST_ADDRESS, "parsers that take the first address in the field" },
        { SMTPX_READER_LAST_ANGLE, "parsers that take the last <...>" },
        { SMTPX_READER_NAIVE, "naive scanners that take the first <...> or address-like text" },
        { SMTPX_READER_ROUTE, "parsers that follow the source route" },
    };
    char *raw = smtpx_flags_describe(r->readers, names, G_N_ELEMENTS(names),
                                     ", ", TRUE);
    char *dec, *out;

    if (!r->readers_decoded)
        return raw;
    dec = smtpx_flags_describe(r->readers_decoded, names, G_N_ELEMENTS(names),
                               ", ", TRUE);
    out = g_strdup_printf("%s%s%s after decoding its encoded-words", raw,
                          *raw ? ", and by " : "", dec);
    g_free(raw);
    g_free(dec);
    return out;
}
