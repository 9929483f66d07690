/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common.c - helpers shared by the core; see common.h. */
#include <string.h>

#include "common.h"

/* Appends the escape of byte c ("\\x%02x"). */
static void
append_escape(GString *out, guint8 c)
{
    static const char hex[] = "0123456789abcdef";
    char esc[4];

    esc[0] = '\\';
    esc[1] = 'x';
    esc[2] = hex[c >> 4];
    esc[3] = hex[c & 0x0f];
    g_string_append_len(out, esc, 4);
}

/* Whether the 8 octets at p are all printable ASCII (0x20..0x7e): no octet
 * is below 0x20 (the borrow test of "haszero"), none is 0x7f (adding 1 sets
 * its top bit; a carry into it comes only from an octet that has its top
 * bit set already) and none has its top bit set. */
static inline gboolean
word_printable(const guint8 *p)
{
    guint64 x;

    memcpy(&x, p, sizeof x);
    return ((((x - G_GUINT64_CONSTANT(0x2020202020202020)) & ~x) |
             (x + G_GUINT64_CONSTANT(0x0101010101010101)) | x) &
            G_GUINT64_CONSTANT(0x8080808080808080)) == 0;
}

gsize
smtpx_printable_ascii_prefix(const guint8 *data, gsize len)
{
    gsize i = 0;

    /* Eight octets at a time while they are all printable, then one by
     * one up to the first that is not. */
    while (len - i >= 8 && word_printable(data + i))
        i += 8;
    while (i < len && data[i] >= 0x20 && data[i] < 0x7f)
        i++;
    return i;
}

char *
smtpx_printable(const guint8 *data, gsize len)
{
    GString *out;
    gsize i;

    /* Most strings are printable ASCII: one allocation, one copy. */
    i = smtpx_printable_ascii_prefix(data, len);
    if (i == len) {
        char *str = g_malloc(len + 1);

        if (len)
            memcpy(str, data, len);
        str[len] = '\0';
        return str;
    }
    out = g_string_sized_new(len + 16);
    g_string_append_len(out, (const char *)data, (gssize)i);
    while (i < len) {
        const char *p = (const char *)data + i;
        const gchar *end = NULL;
        guint8 c = data[i];

        if (c < 0x20 || c == 0x7f) {
            append_escape(out, c);
            i++;
            continue;
        }
        if (c < 0x80) {
            g_string_append_c(out, (char)c);
            i++;
            continue;
        }
        /* Longest valid UTF-8 prefix of non-ASCII characters. */
        g_utf8_validate_len(p, (gssize)(len - i), &end);
        if (end > p) {
            gsize n = (gsize)(end - p);
            /* Stop the valid run at the next control byte; it is escaped. */
            gsize j = 0;
            while (j < n && ((guint8)p[j] >= 0x20 && (guint8)p[j] != 0x7f))
                j++;
            g_string_append_len(out, p, (gssize)j);
            i += j;
            if (j == 0) {
                append_escape(out, c);
                i++;
            }
        } else {
            append_escape(out, c);
            i++;
        }
    }
    /* The buffer was sized for the input; give back what escaping did
     * not use (strings live as long as the capture is open). */
    return smtpx_string_free_exact(out);
}

char *
smtpx_string_free_exact(GString *s)
{
    gsize n = s->len;
    char *str = g_string_free(s, FALSE);

    return g_realloc(str, n + 1);
}

/* The string member at offset off of the structure at base. */
static char **
member_at(gpointer base, gsize off)
{
    return (char **)(void *)((guint8 *)base + off);
}

/* The first of members 0..i of obj that holds the same string as member
 * i (i itself when none before it does). */
static gsize
first_equal(gpointer obj, const gsize *offsets, gsize i)
{
    const char *s = *member_at(obj, offsets[i]);
    gsize j;

    for (j = 0; j < i; j++) {
        const char *t = *member_at(obj, offsets[j]);

        if (t && strcmp(t, s) == 0)
            return j;
    }
    return i;
}

gpointer
smtpx_pack_strings(gpointer obj, gsize size, const gsize *offsets, gsize n)
{
    gsize total = size, i;
    guint8 *block;
    char *at;

    for (i = 0; i < n; i++)
        if (*member_at(obj, offsets[i]) && first_equal(obj, offsets, i) == i)
            total += strlen(*member_at(obj, offsets[i])) + 1;
    block = g_malloc(total);
    memcpy(block, obj, size);
    at = (char *)block + size;
    for (i = 0; i < n; i++) {
        const char *s = *member_at(obj, offsets[i]);
        gsize j;

        if (!s)
            continue;
        j = first_equal(obj, offsets, i);
        if (j < i) {
            *member_at(block, offsets[i]) = *member_at(block, offsets[j]);
        } else {
            gsize len = strlen(s) + 1;

            memcpy(at, s, len);
            *member_at(block, offsets[i]) = at;
            at += len;
        }
    }
    for (i = 0; i < n; i++)
        g_free(*member_at(obj, offsets[i]));
    g_free(obj);
    return block;
}

char *
smtpx_ascii_lower_dup(const char *s, gsize len)
{
    char *out = g_malloc(len + 1);
    gsize i;

    for (i = 0; i < len; i++)
        out[i] = smtpx_ascii_tolower(s[i]);
    out[len] = '\0';
    return out;
}

char *
smtpx_printable_upper(const guint8 *data, gsize len)
{
    guint8 *tmp;
    char *out;
    gsize i;

    if (len == 0)
        return g_strdup("");
    if (smtpx_printable_ascii_prefix(data, len) == len) {
        /* Printable ASCII (the usual case): one allocation. */
        out = g_malloc(len + 1);
        for (i = 0; i < len; i++)
            out[i] = smtpx_ascii_toupper((gchar)data[i]);
        out[len] = '\0';
        return out;
    }
    tmp = g_malloc(len);
    for (i = 0; i < len; i++)
        tmp[i] = (guint8)smtpx_ascii_toupper((gchar)data[i]);
    out = smtpx_printable(tmp, len);
    g_free(tmp);
    return out;
}

char *
smtpx_flags_describe(guint32 flags, const smtpx_flag_name_t *names,
                     gsize n_names, const char *sep, gboolean report_unknown)
{
    GString *s = g_string_new(NULL);
    guint32 known = 0;
    gsize i;

    for (i = 0; i < n_names; i++) {
        known |= names[i].bit;
        if (flags & names[i].bit) {
            if (s->len)
                g_string_append(s, sep);
            g_string_append(s, names[i].words);
        }
    }
    if (report_unknown && (flags & ~known)) {
        if (s->len)
            g_string_append(s, sep);
        g_string_append_printf(s, "unknown flags 0x%x", flags & ~known);
    }
    return g_string_free(s, FALSE);
}
