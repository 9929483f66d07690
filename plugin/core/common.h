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

#include <glib.h>

G_BEGIN_DECLS

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
