/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_session.c - libFuzzer target for the whole core: the input is cut
 * into chunks; each chunk's first byte picks the direction, whether a gap
 * precedes it, STARTTLS/TLS switching, and its length.  Every event the
 * engine emits is walked so that lazily built strings are touched too.
 */
#include <string.h>
#include "session.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
touch(const GPtrArray *events)
{
    guint i;
    volatile gsize sum = 0;

    for (i = 0; i < events->len; i++) {
        const smtpx_event_t *ev = (const smtpx_event_t *)g_ptr_array_index(events, i);
        sum += ev->offset + ev->length;
        if (ev->command && ev->command->verb_text)
            sum += strlen(ev->command->verb_text);
        if (ev->reply && ev->reply->reply && ev->reply->reply->status_text)
            sum += strlen(ev->reply->reply->status_text);
        if (ev->message && ev->message->verdict && ev->message->verdict->reasons)
            sum += strlen(ev->message->verdict->reasons);
        if (ev->anomalies)
            sum += ev->anomalies->len;
    }
    (void)sum;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    smtpx_config_t cfg;
    smtpx_session_t *s;
    GPtrArray *events = g_ptr_array_new();
    smtpx_time_t ts = { 1000, 0 };
    guint32 frame = 1;
    size_t pos = 0;

    smtpx_config_init(&cfg);
    cfg.max_header_bytes = 4096;
    cfg.max_pending = 64;
    s = smtpx_session_new(&cfg);
    while (pos < size) {
        guint8 ctl = data[pos++];
        size_t n = (size_t)(ctl >> 3) * 4 + 1;
        smtpx_dir_t dir = (ctl & 1) ? SMTPX_DIR_SERVER : SMTPX_DIR_CLIENT;

        if (n > size - pos)
            n = size - pos;
        g_ptr_array_set_size(events, 0);
        if ((ctl & 6) == 6)
            smtpx_session_gap(s, dir, frame, ts, n, events);
        else if ((ctl & 6) == 4 && smtpx_session_starttls_accepted(s))
            smtpx_session_set_tls(s, TRUE);
        smtpx_session_feed(s, dir, frame, ts, data + pos, n, events);
        touch(events);
        pos += n;
        frame++;
        ts.nsecs += 1000;
    }
    smtpx_session_free(s);
    g_ptr_array_free(events, TRUE);
    return 0;
}
