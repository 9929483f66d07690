/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-smtpx.h - what the glue files share: registration entry points and
 * the per-frame record the tap hands to the statistics.
 */
#ifndef SMTPX_PACKET_SMTPX_H
#define SMTPX_PACKET_SMTPX_H

#include <glib.h>
#include "session.h"

void proto_register_smtpx(void);
void proto_reg_handoff_smtpx(void);
void register_tap_listener_smtpx(void);

/* Tap data: the events one dissector call showed (borrowed, file scope). */
typedef struct {
    smtpx_event_t **events;
    guint           n_events;
} smtpx_tap_info_t;

#endif /* SMTPX_PACKET_SMTPX_H */
