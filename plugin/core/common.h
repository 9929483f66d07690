/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * common.h - small types shared by every part of the SMTPX core.
 *
 * The core is plain C11 + GLib: no epan header is ever included below
 * plugin/core/.  Every span the core reads is given as (const guint8 *, gsize);
 * spans are NOT NUL-terminated unless a comment says so.  Strings the core
 * returns are NUL-terminated, valid UTF-8 (see smtpx_printable()) and owned by
 * the structure that holds them unless a comment says otherwise.
 */
#ifndef SMTPX_CORE_COMMON_H
#define SMTPX_CORE_COMMON_H

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/*
 * smtpx_alloc0 - n zeroed bytes, as g_malloc0(n) gives them, but through
 * g_malloc() and memset(): glibc's calloc() never reuses a recently freed
 * chunk from its per-thread cache, so for the small structures the core
 * makes and frees per command, reply and header field this is several
 * times cheaper.  Aborts on out-of-memory like g_malloc(); n may be 0.
 * smtpx_new0(T) is one zeroed T (g_free() it), as g_new0(T, 1).
 */
static inline gpointer
smtpx_alloc0(gsize n)
{
    gpointer p = g_malloc(n);

    if (p)
        memset(p, 0, n);
    return p;
}

#define smtpx_new0(T) ((T *)smtpx_alloc0(sizeof(T)))

/* g_ascii_tolower() and g_ascii_toupper() inline (GLib's are calls, made
 * per octet here): only 'A'..'Z' (resp. 'a'..'z') change. */
static inline gchar
smtpx_ascii_tolower(gchar c)
{
    return (c >= 'A' && c <= 'Z') ? (gchar)(c - 'A' + 'a') : c;
}

static inline gchar
smtpx_ascii_toupper(gchar c)
{
    return (c >= 'a' && c <= 'z') ? (gchar)(c - 'a' + 'A') : c;
}

/* Direction of a byte stream inside one SMTP session. */
typedef enum {
    SMTPX_DIR_CLIENT = 0,   /* client to server: commands and message data */
    SMTPX_DIR_SERVER = 1    /* server to client: replies */
} smtpx_dir_t;

/* An absolute capture time: seconds and nanoseconds since the epoch. */
typedef struct {
    gint64 secs;
    gint32 nsecs;
} smtpx_time_t;

/*
 * smtpx_printable - copy attacker-controlled bytes into a string that is safe
 * to show: valid UTF-8 is kept, every control character (C0, DEL) and every
 * byte of invalid UTF-8 becomes a "\xNN" escape, NUL included.
 *
 * data/len: the bytes, not NUL-terminated; data may be NULL when len is 0.
 * Returns a newly allocated NUL-terminated string (g_free() it); never NULL.
 */
char *smtpx_printable(const guint8 *data, gsize len);

/*
 * smtpx_string_free_exact - frees s and returns its text in a block of
 * exactly its length + 1 (issue 10: a GString keeps at least 64 octets
 * and doubling slack, and the core keeps many strings until the file
 * closes).  s: not NULL.  Returns a NUL-terminated string (g_free() it).
 */
char *smtpx_string_free_exact(GString *s);

/*
 * smtpx_pack_strings - obj (size octets, from g_malloc) again in one new
 * block, with the strings its char * members point to placed behind it
 * (issue 10: a structure kept until the file closes is one block, not a
 * dozen).  offsets: where those members are in obj (offsetof), n of them;
 * each is NULL or a NUL-terminated string from g_malloc owned by obj.
 * Equal strings are stored once, so two members may then point to the
 * same octets.  obj and its strings are freed; returns the new block (free
 * it with g_free alone; its strings must not be freed or replaced one by
 * one).
 */
gpointer smtpx_pack_strings(gpointer obj, gsize size, const gsize *offsets, gsize n);

/*
 * smtpx_printable_ascii_prefix - how many octets data starts with that are
 * printable ASCII (0x20..0x7e): len when all are, else the offset of the
 * first octet that is not.  data: len octets, not NUL-terminated; may be
 * NULL when len is 0.  Reads no octet past len (the fast path of
 * smtpx_printable(), eight octets at a time).
 */
gsize smtpx_printable_ascii_prefix(const guint8 *data, gsize len);

/*
 * smtpx_ascii_lower_dup - lower-case ASCII copy (domains, RFC 5321 2.4).
 * Bytes >= 0x80 are kept as they are.  Returns a new string (g_free()).
 */
char *smtpx_ascii_lower_dup(const char *s, gsize len);

/*
 * smtpx_printable_upper - like smtpx_printable(), with ASCII letters
 * upper-cased first (verbs, EHLO keywords, parameter names: RFC 5321 2.4
 * makes them case-insensitive).  data/len not NUL-terminated; returns a new
 * string (g_free()); "" when len is 0.
 */
char *smtpx_printable_upper(const guint8 *data, gsize len);

/* One flag bit and the words that describe it. */
typedef struct {
    guint32     bit;
    const char *words;
} smtpx_flag_name_t;

/*
 * smtpx_flags_describe - the words of every bit of flags that names[] lists,
 * in table order, joined by sep (NUL-terminated).  With report_unknown, bits
 * the table does not list are added as "unknown flags 0x...".  Returns a new
 * string (g_free()); "" when nothing is set.
 */
char *smtpx_flags_describe(guint32 flags, const smtpx_flag_name_t *names,
                           gsize n_names, const char *sep,
                           gboolean report_unknown);

G_END_DECLS

#endif /* SMTPX_CORE_COMMON_H */
