/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plugin.c - the symbols Wireshark's plugin loader looks for (see
 * doc/README.plugins): version, wanted ABI and the registration hook.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/proto.h>
#include <epan/tap.h>

#include "ws_compat.h"
#include "packet-smtpx.h"

#ifndef SMTPX_VERSION
#define SMTPX_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const char plugin_version[] = SMTPX_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
#if SMTPX_HAVE_PLUGIN_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t
plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

void
plugin_register(void)
{
    static proto_plugin proto_plug;
    static tap_plugin tap_plug;

    proto_plug.register_protoinfo = proto_register_smtpx;
    proto_plug.register_handoff = proto_reg_handoff_smtpx;
    proto_register_plugin(&proto_plug);

    tap_plug.register_tap_listener = register_tap_listener_smtpx;
    tap_register_plugin(&tap_plug);
}
