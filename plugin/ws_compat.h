/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_compat.h - the one place where SMTPX looks at the Wireshark version.
 *
 * The plugin is built against Wireshark 4.0 (Debian 12) and is meant to port
 * to 4.2 .. 4.6.  Every API difference the glue meets is bridged here, so the
 * rest of the glue is written once.
 */
#ifndef SMTPX_WS_COMPAT_H
#define SMTPX_WS_COMPAT_H

#include <ws_version.h>

#define SMTPX_WS_AT_LEAST(maj, min) \
    (WIRESHARK_VERSION_MAJOR > (maj) || \
     (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

/*
 * 4.2 added plugin_describe() (wsutil/plugins.h, installed from 4.2 on,
 * defines WS_PLUGIN_DESC_DISSECTOR); 4.0 neither installs that header nor
 * looks for the symbol.
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

#endif /* SMTPX_WS_COMPAT_H */
