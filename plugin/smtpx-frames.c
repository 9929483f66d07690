/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-frames.c - per-frame records: what each dissector call showed on
 * the first pass, stored with the frame (p_add_proto_data, file scope) and
 * found again on every later pass, so that a random-access GUI click shows
 * what a sequential tshark run shows (DESIGN.md, Invariants).
 *
 * A frame may hold several records (TLS may call the dissector several
 * times per frame).  A later pass may call the dissector fewer times in a
 * frame than the first (TLS and TCP hand a piece that continues in a later
 * frame over only on the first pass), so records are found again by a key
 * of their bytes, in order, not by counting calls.
 *
 * Memory (issue 10): a frame's records are a list, each record one file
 * scope block with its events and in_tvb flags behind it, so a record
 * costs one allocation and never moves; the frame holds the first one.
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/proto_data.h>

#include "ws_compat.h"
#include "packet-smtpx.h"

/* proto_data keys of proto_smtpx. */
enum {
    KEY_RECORDS = 0,    /* file scope: the first smtpx_record_t (a list) */
    KEY_NEXT = 1,       /* packet scope: index after the last record found */
    KEY_DISSECTED = 2,  /* packet scope: the dissector ran in this frame */
    KEY_SHOWN = 3       /* packet scope: map of records shown */
};

static smtpx_record_t *
records_of(packet_info *pinfo)
{
    return (smtpx_record_t *)p_get_proto_data(wmem_file_scope(), pinfo, proto_smtpx, KEY_RECORDS);
}

/* FNV-1a over the length and up to 64 bytes at each end. */
guint32
smtpx_frames_key(tvbuff_t *tvb)
{
    guint len = tvb_captured_length(tvb);
    guint head = MIN(len, 64u), tail = MIN(len - head, 64u), i;
    const guint8 *p = tvb_get_ptr(tvb, 0, (gint)len);
    guint32 h = 2166136261u ^ len;

    for (i = 0; i < head; i++)
        h = (h ^ p[i]) * 16777619u;
    for (i = len - tail; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

smtpx_record_t *
smtpx_frames_store(packet_info *pinfo, const smtpx_record_t *rec,
                   smtpx_event_t *const *events, const guint8 *in_tvb, guint n_events)
{
    smtpx_record_t *first = records_of(pinfo), *copy, *last;
    gsize ev_bytes = sizeof(smtpx_event_t *) * n_events;
    guint8 *block = (guint8 *)wmem_alloc(wmem_file_scope(),
                                         sizeof(smtpx_record_t) + ev_bytes + n_events);

    copy = (smtpx_record_t *)(void *)block;
    *copy = *rec;
    copy->next = NULL;
    copy->n_events = n_events;
    if (n_events) {
        memcpy(block + sizeof(smtpx_record_t), events, ev_bytes);
        memcpy(block + sizeof(smtpx_record_t) + ev_bytes, in_tvb, n_events);
    }
    if (!first) {
        p_add_proto_data(wmem_file_scope(), pinfo, proto_smtpx, KEY_RECORDS, copy);
    } else {
        for (last = first; last->next; last = last->next)
            ;
        last->next = copy;
    }
    return copy;
}

smtpx_record_t *
smtpx_frames_find(packet_info *pinfo, guint32 key)
{
    smtpx_record_t *rec = records_of(pinfo);
    guint next, i;

    if (!rec)
        return NULL;
    next = GPOINTER_TO_UINT(p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx,
                                             KEY_NEXT));
    for (i = 0; rec; rec = rec->next, i++) {
        if (i >= next && !rec->catchup && rec->key == key) {
            p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, KEY_NEXT,
                             GUINT_TO_POINTER(i + 1));
            return rec;
        }
    }
    return NULL;
}

guint
smtpx_frames_count(packet_info *pinfo)
{
    const smtpx_record_t *rec;
    guint n = 0;

    for (rec = records_of(pinfo); rec; rec = rec->next)
        n++;
    return n;
}

smtpx_record_t *
smtpx_frames_get(packet_info *pinfo, guint i)
{
    smtpx_record_t *rec;

    for (rec = records_of(pinfo); rec && i > 0; rec = rec->next)
        i--;
    return rec;
}

gboolean
smtpx_frames_shown(packet_info *pinfo, const smtpx_record_t *rec, gboolean mark)
{
    wmem_map_t *shown = (wmem_map_t *)p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo,
                                                       proto_smtpx, KEY_SHOWN);

    if (!shown) {
        if (!mark)
            return FALSE;
        shown = wmem_map_new(SMTPX_PACKET_POOL(pinfo), g_direct_hash, g_direct_equal);
        p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, KEY_SHOWN, shown);
    }
    if (wmem_map_contains(shown, rec))
        return TRUE;
    if (mark)
        wmem_map_insert(shown, rec, GUINT_TO_POINTER(1));
    return FALSE;
}

void
smtpx_frames_mark_dissected(packet_info *pinfo)
{
    p_add_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, KEY_DISSECTED,
                     GUINT_TO_POINTER(1));
}

gboolean
smtpx_frames_dissected(packet_info *pinfo)
{
    return p_get_proto_data(SMTPX_PACKET_POOL(pinfo), pinfo, proto_smtpx, KEY_DISSECTED) != NULL;
}
