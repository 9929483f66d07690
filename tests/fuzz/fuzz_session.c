/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_session.c - libFuzzer target for the whole core: the input is cut
 * into chunks; each chunk's first byte picks the direction, whether a gap
 * precedes it, STARTTLS/TLS switching, and its length.  Every event the
 * engine emits is walked so that lazily built strings are touched too.
 * On odd frames every event the session lets go is released and made
 * again from its bytes (smtpx_event_rebuild), which must give the same
 * command or reply.
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

static gboolean
same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Releases what the session lets go; a released COMMAND or REPLY made
 * again from data must read the same. */
static void
release_all(smtpx_session_t *s, const GPtrArray *events, const guint8 *data)
{
    guint i;

    for (i = 0; i < events->len; i++) {
        smtpx_event_t *ev = (smtpx_event_t *)g_ptr_array_index(events, i);
        smtpx_rebuild_context_t ctx;
        smtpx_event_t *again;

        if (!smtpx_session_release(s, ev) || (!ev->command && !ev->reply))
            continue;
        memset(&ctx, 0, sizeof ctx);
        ctx.kind = ev->kind;
        ctx.dir = ev->dir;
        ctx.frame = ev->frame;
        ctx.offset = ev->offset;
        if (ev->command) {
            ctx.injected = ev->command->injected;
        } else {
            ctx.injected = ev->reply->injected;
            ctx.cmd_name = ev->reply->cmd_name;
            ctx.has_ehlo = ev->reply->ehlo != NULL;
        }
        again = smtpx_event_rebuild(&ctx, data + ev->offset, ev->length);
        if (!again)
            __builtin_trap();
        if (ev->command && (again->command->verb != ev->command->verb ||
                            !same_str(again->command->verb_text, ev->command->verb_text) ||
                            !same_str(again->command->args, ev->command->args) ||
                            !same_str(again->command->helo, ev->command->helo)))
            __builtin_trap();
        if (ev->reply && (again->reply->reply->code != ev->reply->reply->code ||
                          again->reply->reply->n_lines != ev->reply->reply->n_lines ||
                          !same_str(again->reply->reply->status_text,
                                    ev->reply->reply->status_text) ||
                          (again->reply->ehlo == NULL) != (ev->reply->ehlo == NULL) ||
                          (ev->reply->ehlo &&
                           !same_str(again->reply->ehlo->keywords, ev->reply->ehlo->keywords))))
            __builtin_trap();
        smtpx_event_free(again);
    }
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
        if (frame & 1)
            release_all(s, events, data + pos);
        if (frame & 2)
            smtpx_session_feed_done(s);     /* as the glue does */
        pos += n;
        frame++;
        ts.nsecs += 1000;
    }
    smtpx_session_free(s);
    g_ptr_array_free(events, TRUE);
    return 0;
}
