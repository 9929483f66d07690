/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-catchup.c - segments TCP does not hand over.
 *
 * With TCP reassembly on, TCP never hands a segment it takes for a
 * retransmission to a dissector: a late (out-of-order) segment, or new
 * bytes that travel only in a retransmission, would be a gap for SMTPX
 * although they are in the capture.  This postdissector looks at frames of
 * SMTPX conversations that the dissector did not see, and gives their TCP
 * payload, with its sequence numbers, to the same stream analysis
 * (smtpx_dissect_stream), whose TCP tracker drops what was seen.
 *
 * Cost: nothing until the open file has an SMTPX conversation; until then
 * the postdissector returns at once.  It wants no field (issue 10: fields
 * a postdissector wants make Wireshark build a tree for every frame of the
 * file, which cost a quarter of SMTPX's instructions on an SMTP capture).
 * A frame on an SMTPX server port that the dissector did not see gets its
 * TCP header read from the frame bytes (smtpx_catchup_find_tcp: IPv4, or
 * IPv6 through its extension headers; addresses and ports checked), and
 * its sequence numbers are turned into TCP's own (relative or absolute) by
 * the difference the dissector noted on a frame TCP did hand over in the
 * same direction.  A frame on no SMTPX server port costs two hash lookups.
 *
 * Later passes show what the first pass stored and the dissector has not
 * shown in this pass: a segment that TCP (or TLS) handed over on the first
 * pass only (the start of a reassembled PDU is dissected at the frame that
 * completes it on later passes).
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>

#include "ws_compat.h"
#include "packet-smtpx.h"
#include "tcpstream.h"

static dissector_handle_t catchup_handle;
static gboolean active;         /* the open file has an SMTPX conversation */

void
smtpx_catchup_handoff(dissector_handle_t handle)
{
    catchup_handle = handle;
}

void
smtpx_catchup_activate(void)
{
    if (catchup_handle)
        active = TRUE;
}

void
smtpx_catchup_reset(void)
{
    active = FALSE;
}

/* The most octets of IPv6 extension headers looked through. */
#define MAX_IPV6_EXT 512u

/* Whether an IPv6 header at offset at of p, from pinfo's source to its
 * destination, leads through its extension headers (hop-by-hop, routing,
 * destination options, authentication: RFC 8200 4, RFC 4302 2.2) to TCP
 * at offset o; the TCP segment length in *seglen. */
static gboolean
ipv6_to_tcp(const guint8 *p, guint at, guint o, const packet_info *pinfo, guint *seglen)
{
    const guint8 *ip = p + at;
    guint nh, pos = at + 40, payload;

    if ((ip[0] >> 4) != 6 || memcmp(ip + 8, pinfo->src.data, 16) != 0 ||
        memcmp(ip + 24, pinfo->dst.data, 16) != 0)
        return FALSE;
    payload = (guint)ip[4] << 8 | ip[5];
    nh = ip[6];
    while (pos < o && (nh == 0 || nh == 43 || nh == 60 || nh == 51) && pos + 2 <= o) {
        guint len = nh == 51 ? ((guint)p[pos + 1] + 2) * 4 : ((guint)p[pos + 1] + 1) * 8;

        nh = p[pos];
        pos += len;
    }
    if (pos != o || nh != 6 || payload < o - (at + 40))
        return FALSE;
    *seglen = payload - (o - (at + 40));
    return TRUE;
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
        guint at, lowest = o - 40 > MAX_IPV6_EXT ? o - 40 - MAX_IPV6_EXT : 0;

        for (at = o - 40 + 1; at-- > lowest;)
            if (ipv6_to_tcp(p, at, o, pinfo, seglen))
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

static gboolean
quoted_in_icmp(packet_info *pinfo)
{
    return smtpx_frame_has_proto(pinfo, smtpx_proto_icmp) ||
           smtpx_frame_has_proto(pinfo, smtpx_proto_icmpv6);
}

/* The segment from the frame bytes, on an SMTPX server port. */
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

int
dissect_smtpx_catchup(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    smtpx_segment_info_t seg;
    tvbuff_t *ptvb;
    guint offset, len;

    if (!active)
        return 0;           /* no SMTPX conversation in this file */
    if (PINFO_FD_VISITED(pinfo)) {
        show_stored(tvb, pinfo, tree);
        return 0;
    }
    if (!segment_from_bytes(tvb, pinfo, &seg, &offset, &len))
        return 0;
    ptvb = tvb_new_subset_length(tvb, (gint)offset, (gint)len);
    seg.catchup = TRUE;
    seg.payload_offset = offset;
    smtpx_dissect_stream(ptvb, pinfo, tree, &seg, FALSE, tvb_captured_length(ptvb));
    return 0;
}
