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
 * Cost: nothing until the open file has an SMTPX conversation; until then
 * the postdissector returns at once, and it asks for no field (fields a
 * postdissector wants make Wireshark build a tree for every frame).  From
 * the first SMTPX conversation on it asks for tcp.seq, tcp.ack, tcp.payload
 * and tcp.stream (from the next frame on; smtpx_catchup_activate), and for
 * none again once the file is closed (smtpx_catchup_reset).  A frame that
 * is not of an SMTPX conversation then costs one field lookup (tcp.payload,
 * absent without TCP data) and one stream-number lookup, no conversation
 * lookup.
 *
 * Without a tree (tshark -q with statistics, or the first pass of tshark -2
 * when the run was started before the fields were asked for) there are no
 * fields: then a frame on an SMTPX server port gets its TCP header read
 * from the frame bytes (smtpx_catchup_find_tcp), and its sequence numbers
 * are turned into TCP's own (relative or absolute) by the difference the
 * dissector noted on a frame TCP did hand over in the same direction.
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
static int hf_tcp_stream_id = -1;

static dissector_handle_t catchup_handle;
static gboolean active;         /* the open file has an SMTPX conversation */

void
smtpx_catchup_handoff(dissector_handle_t handle)
{
    catchup_handle = handle;
    hf_tcp_seq_id = proto_registrar_get_id_byname("tcp.seq");
    hf_tcp_ack_id = proto_registrar_get_id_byname("tcp.ack");
    hf_tcp_payload_id = proto_registrar_get_id_byname("tcp.payload");
    hf_tcp_stream_id = proto_registrar_get_id_byname("tcp.stream");
}

void
smtpx_catchup_activate(void)
{
    GArray *wanted;

    if (active || !catchup_handle)
        return;
    active = TRUE;
    wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    g_array_append_val(wanted, hf_tcp_seq_id);
    g_array_append_val(wanted, hf_tcp_ack_id);
    g_array_append_val(wanted, hf_tcp_payload_id);
    g_array_append_val(wanted, hf_tcp_stream_id);
    set_postdissector_wanted_hfids(catchup_handle, wanted);     /* takes it */
}

void
smtpx_catchup_reset(void)
{
    if (!active)
        return;
    active = FALSE;
    set_postdissector_wanted_hfids(catchup_handle, NULL);
}

/* Whether the IP header that ends at offset o of p carries TCP from
 * pinfo's source to its destination; its TCP segment length in *seglen. */
static gboolean
ip_before(const guint8 *p, guint o, const packet_info *pinfo, guint *seglen)
{
    guint ihl;

    if (pinfo->src.type == AT_IPv4 && pinfo->dst.type == AT_IPv4) {
        for (ihl = 20; ihl <= 60 && ihl <= o; ihl += 4) {
            const guint8 *ip = p + o - ihl;
            guint total;

            if (ip[0] != (guint8)(0x40 | (ihl / 4)) || ip[9] != 6 ||
                memcmp(ip + 12, pinfo->src.data, 4) != 0 ||
                memcmp(ip + 16, pinfo->dst.data, 4) != 0)
                continue;
            total = (guint)ip[2] << 8 | ip[3];
            if (total < ihl)
                return FALSE;
            *seglen = total - ihl;
            return TRUE;
        }
        return FALSE;
    }
    if (pinfo->src.type == AT_IPv6 && pinfo->dst.type == AT_IPv6 && o >= 40) {
        const guint8 *ip = p + o - 40;     /* no extension headers */

        if ((ip[0] >> 4) != 6 || ip[6] != 6 || memcmp(ip + 8, pinfo->src.data, 16) != 0 ||
            memcmp(ip + 24, pinfo->dst.data, 16) != 0)
            return FALSE;
        *seglen = (guint)ip[4] << 8 | ip[5];
        return TRUE;
    }
    return FALSE;
}

static guint32
be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

gboolean
smtpx_catchup_find_tcp(tvbuff_t *frame, const packet_info *pinfo, smtpx_tcp_header_t *out)
{
    guint len = tvb_captured_length(frame), o;
    const guint8 *p;

    if (len < 40)
        return FALSE;
    p = tvb_get_ptr(frame, 0, (gint)len);
    for (o = 20; o + 20 <= len; o++) {
        guint hl, seglen;

        if (p[o] != (guint8)(pinfo->srcport >> 8) || p[o + 1] != (guint8)pinfo->srcport ||
            p[o + 2] != (guint8)(pinfo->destport >> 8) || p[o + 3] != (guint8)pinfo->destport)
            continue;
        hl = (guint)(p[o + 12] >> 4) * 4;
        if (hl < 20 || !ip_before(p, o, pinfo, &seglen) || seglen < hl ||
            o + seglen > len)
            continue;
        out->raw_seq = be32(p + o + 4);
        out->raw_ack = be32(p + o + 8);
        out->ack = (p[o + 13] & 0x10) != 0;
        out->payload_offset = o + hl;
        out->payload_len = seglen - hl;
        return TRUE;
    }
    return FALSE;
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

static gboolean
quoted_in_icmp(packet_info *pinfo)
{
    return proto_is_frame_protocol(pinfo->layers, "icmp") ||
           proto_is_frame_protocol(pinfo->layers, "icmpv6");
}

/* No tree: the segment from the frame bytes, on an SMTPX server port. */
static gboolean
segment_from_bytes(tvbuff_t *tvb, packet_info *pinfo, smtpx_segment_info_t *seg,
                   guint *offset, guint *len)
{
    smtpx_tcp_header_t th;

    if (pinfo->ptype != PT_TCP || !smtpx_server_port(pinfo->srcport, pinfo->destport) ||
        smtpx_frames_dissected(pinfo) || quoted_in_icmp(pinfo))
        return FALSE;
    if (!smtpx_catchup_find_tcp(tvb, pinfo, &th) || th.payload_len == 0)
        return FALSE;
    if (!smtpx_conversation_tcp_numbers(pinfo, &th, seg))
        return FALSE;       /* not SMTPX, TLS, or no frame to learn from yet */
    *offset = th.payload_offset;
    *len = th.payload_len;
    return TRUE;
}

/* A tree: the segment from TCP's fields. */
static gboolean
segment_from_fields(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                    smtpx_segment_info_t *seg, guint *offset, guint *len)
{
    field_info *fi = frame_payload(tvb, tree);     /* cheapest first */
    guint32 stream;

    if (!fi || !last_uint_field(tree, hf_tcp_stream_id, &stream))
        return FALSE;
    /* An SMTPX conversation, still in plaintext (TLS records are not for
     * the plaintext analysis). */
    if (!smtpx_stream_plaintext(stream) || smtpx_frames_dissected(pinfo) ||
        quoted_in_icmp(pinfo))
        return FALSE;
    memset(seg, 0, sizeof *seg);
    seg->tracked = TRUE;
    if (!last_uint_field(tree, hf_tcp_seq_id, &seg->seq))
        return FALSE;
    if (last_uint_field(tree, hf_tcp_ack_id, &seg->ack))
        seg->flags = SMTPX_TCP_ACK;
    *offset = (guint)fi->start;
    *len = (guint)fi->length;
    return TRUE;
}

int
dissect_smtpx_catchup(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    smtpx_segment_info_t seg;
    tvbuff_t *ptvb;
    smtpx_record_t *rec;
    guint offset, len;
    gboolean found;

    if (!active)
        return 0;           /* no SMTPX conversation in this file */
    if (PINFO_FD_VISITED(pinfo)) {
        show_stored(tvb, pinfo, tree);
        return 0;
    }
    found = tree ? segment_from_fields(tvb, pinfo, tree, &seg, &offset, &len)
                 : segment_from_bytes(tvb, pinfo, &seg, &offset, &len);
    if (!found)
        return 0;
    ptvb = tvb_new_subset_length(tvb, (gint)offset, (gint)len);
    rec = smtpx_dissect_stream(ptvb, pinfo, tree, &seg, FALSE, tvb_captured_length(ptvb));
    if (rec) {
        rec->catchup = TRUE;
        rec->payload_offset = offset;
    }
    return 0;
}
