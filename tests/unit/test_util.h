/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_util.h - checks shared by the core's unit tests.
 */
#ifndef SMTPX_TEST_UTIL_H
#define SMTPX_TEST_UTIL_H

#include <glib.h>

/* A string the core hands out must be valid UTF-8 with no C0 control or DEL
 * (common.h: smtpx_printable). s: NUL-terminated, must not be NULL. */
static inline void
assert_safe_string(const char *s)
{
    const char *p;

    g_assert_nonnull(s);
    g_assert_true(g_utf8_validate(s, -1, NULL));
    for (p = s; *p != '\0'; p++)
        g_assert_true((guint8)*p >= 0x20 && *p != 0x7f);
}

#endif /* SMTPX_TEST_UTIL_H */
