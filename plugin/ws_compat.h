/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_compat.h - the one place where SMTPX looks at the Wireshark version.
 *
 * The plugin is built and tested against Wireshark 4.0 (Debian 12), 4.4
 * (Debian 13) and 4.6 (Debian unstable) by tools/compat-matrix; 4.2 is not
 * built here.  Every API difference the glue meets is bridged here, so the
 * rest of the glue is written once.  Each entry says which side of the
 * difference each version falls on.
 */
#ifndef SMTPX_WS_COMPAT_H
#define SMTPX_WS_COMPAT_H

#include <ws_version.h>

#define SMTPX_WS_AT_LEAST(maj, min) \
    (WIRESHARK_VERSION_MAJOR > (maj) || \
     (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

/*
 * The 4.3 development series (so 4.4 and 4.6) added plugin_describe()
 * (wsutil/plugins.h defines WS_PLUGIN_DESC_DISSECTOR); 4.0 and 4.2 do not
 * look for the symbol.  Detected by the macro rather than by version.
 */
#if defined(__has_include)
#  if __has_include(<wsutil/plugins.h>)
#    include <wsutil/plugins.h>
#  endif
#endif
#ifdef WS_PLUGIN_DESC_DISSECTOR
#define SMTPX_HAVE_PLUGIN_DESCRIBE 1
#else
#define SMTPX_HAVE_PLUGIN_DESCRIBE 0
#endif

/* Per-packet scratch memory: pinfo->pool exists from 3.6 on and replaces
 * wmem_packet_scope(), which 4.2+ deprecates. */
#define SMTPX_PACKET_POOL(pinfo) ((pinfo)->pool)

/* Unit strings in hf registrations: 4.2+ wraps them in UNS() for type
 * checking; 4.0 takes the pointer as it is. */
#include <epan/unit_strings.h>
#ifdef UNS
#define SMTPX_UNITS(u) UNS(u)
#else
#define SMTPX_UNITS(u) (u)
#endif

/* field_info.value: a struct in 4.0, a pointer from 4.2 on. */
#if SMTPX_WS_AT_LEAST(4, 2)
#define SMTPX_FI_FVALUE(fi) ((fi)->value)
#else
#define SMTPX_FI_FVALUE(fi) (&(fi)->value)
#endif

/*
 * The boolean type of preference variables (prefs_register_bool_preference),
 * of UAT record-update callbacks (uat_update_cb_t) and of wmem user
 * callbacks (wmem_user_cb_t, wmem_register_callback): gboolean up to 4.2,
 * C99 bool from 4.4 on (the 4.3 development series moved epan's public API
 * to C99 types).  Built and tested here: 4.0 (gboolean), 4.4 and 4.6 (bool).
 * 4.2 is put on the gboolean side from its release history; it is not
 * built here, so that side is unchecked.
 */
#if SMTPX_WS_AT_LEAST(4, 3)
#include <stdbool.h>
typedef bool smtpx_ws_bool;
#else
typedef gboolean smtpx_ws_bool;
#endif

/*
 * One octet of a tvb, and the search for one: tvb_get_guint8 and
 * tvb_find_guint8 up to 4.2, where the _uint8 names came beside them; 4.4
 * deprecates the old names (an error with -Werror).  The
 * cut is put after 4.2, where both exist, so either side is right there.
 */
#if SMTPX_WS_AT_LEAST(4, 3)
#define SMTPX_TVB_U8(tvb, offset) tvb_get_uint8((tvb), (offset))
#define SMTPX_TVB_FIND_U8(tvb, offset, maxlen, needle) \
    tvb_find_uint8((tvb), (offset), (maxlen), (needle))
#else
#define SMTPX_TVB_U8(tvb, offset) tvb_get_guint8((tvb), (offset))
#define SMTPX_TVB_FIND_U8(tvb, offset, maxlen, needle) \
    tvb_find_guint8((tvb), (offset), (maxlen), (needle))
#endif

#endif /* SMTPX_WS_COMPAT_H */
