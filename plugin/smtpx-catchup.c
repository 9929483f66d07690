/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-catchup.c - segments TCP does not hand over.
 *
 * With TCP reassembly on, TCP never hands a segment it takes for a
 * retransmission to a dissector: a late (out-of-order) segment, or new
 * bytes that travel only in a retransmission, would be a gap for SMTPX
 * although they are in the capture.  This postdissector looks at frames of
 * SMTPX conversations that the dissector did not see, and gives their TCP
 * payload, with tcp.seq and tcp.ack, to the same stream analysis
 * (smtpx_dissect_stream), whose TCP tracker drops what was seen.
 *
 * Later passes: tshark does not prime postdissector fields then, so it
 * shows what the first pass stored and the dissector has not shown in this
 * pass: a segment that TCP (or TLS) handed over on the first pass only (the
 * start of a reassembled PDU is dissected at the frame that completes it on
 * later passes).
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>

#include "ws_compat.h"
#include "packet-smtpx.h"
#include "tcpstream.h"

static int hf_tcp_seq_id = -1;
static int hf_tcp_ack_id = -1;
static int hf_tcp_payload_id = -1;

void
smtpx_catchup_handoff(dissector_handle_t handle)
{
    GArray *wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));

    hf_tcp_seq_id = proto_registrar_get_id_byname("tcp.seq");
    hf_tcp_ack_id = proto_registrar_get_id_byname("tcp.ack");
    hf_tcp_payload_id = proto_registrar_get_id_byname("tcp.payload");
    g_array_append_val(wanted, hf_tcp_seq_id);
    g_array_append_val(wanted, hf_tcp_ack_id);
    g_array_append_val(wanted, hf_tcp_payload_id);
    set_postdissector_wanted_hfids(handle, wanted);
}

static gboolean
last_uint_field(proto_tree *tree, int hf, guint32 *out)
{
    GPtrArray *a = proto_get_finfo_ptr_array(tree, hf);
    field_info *fi;

    if (!a || a->len == 0)
        return FALSE;
    fi = (field_info *)g_ptr_array_index(a, a->len - 1);
    *out = fvalue_get_uinteger(SMTPX_FI_FVALUE(fi));
    return TRUE;
}

/* Later passes: stored records the dissector did not show in this pass. */
static void
show_stored(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    guint i, n = smtpx_frames_count(pinfo);

    for (i = 0; i < n; i++) {
        smtpx_record_t *rec = smtpx_frames_get(pinfo, i);

        if (rec->n_events == 0 || smtpx_frames_shown(pinfo, rec, FALSE))
            continue;
        if (rec->catchup && rec->payload_offset <= tvb_captured_length(tvb))
            smtpx_show_record(tvb_new_subset_remaining(tvb, (gint)rec->payload_offset),
                              pinfo, tree, rec);
        else
            smtpx_show_record(tvb_new_subset_length(tvb, 0, 0), pinfo, tree, rec);
    }
}

/* The TCP payload of the frame itself, or NULL. */
static field_info *
frame_payload(tvbuff_t *tvb, proto_tree *tree)
{
    GPtrArray *payloads = proto_get_finfo_ptr_array(tree, hf_tcp_payload_id);
    field_info *fi;

    if (!payloads || payloads->len == 0)
        return NULL;
    fi = (field_info *)g_ptr_array_index(payloads, payloads->len - 1);
    if (fi->ds_tvb != tvb || fi->length <= 0 || fi->start < 0)
        return NULL;        /* only payload that sits in the frame itself */
    return fi;
}

int
dissect_smtpx_catchup(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    field_info *fi;
    smtpx_segment_info_t seg;
    tvbuff_t *ptvb;
    smtpx_record_t *rec;

    if (PINFO_FD_VISITED(pinfo)) {
        show_stored(tvb, pinfo, tree);
        return 0;
    }
    if (!tree || smtpx_frames_dissected(pinfo))
        return 0;
    if (proto_is_frame_protocol(pinfo->layers, "icmp") ||
        proto_is_frame_protocol(pinfo->layers, "icmpv6") ||
        !proto_is_frame_protocol(pinfo->layers, "tcp"))
        return 0;
    /* An SMTPX conversation, still in plaintext (TLS records are not for
     * the plaintext analysis). */
    if (!smtpx_conversation_plaintext(pinfo))
        return 0;
    fi = frame_payload(tvb, tree);
    if (!fi)
        return 0;
    memset(&seg, 0, sizeof seg);
    seg.tracked = TRUE;
    if (!last_uint_field(tree, hf_tcp_seq_id, &seg.seq))
        return 0;
    if (last_uint_field(tree, hf_tcp_ack_id, &seg.ack))
        seg.flags = SMTPX_TCP_ACK;
    ptvb = tvb_new_subset_length(tvb, fi->start, fi->length);
    rec = smtpx_dissect_stream(ptvb, pinfo, tree, &seg, FALSE, tvb_captured_length(ptvb));
    if (rec) {
        rec->catchup = TRUE;
        rec->payload_offset = (guint)fi->start;
    }
    return 0;
}
