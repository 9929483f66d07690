/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session_driver.h - the session driver shared by the core's session unit
 * tests (test_session.c, test_caps.c): a session fed frame by frame, each
 * frame numbered from 1 and stamped 1000 + its number seconds, every event
 * handed out kept (borrowed, in order) in run_t.all.  Every event must lie
 * in its frame: its frame number is the feed's and its bytes are inside
 * the octets fed, else the test fails.
 */
#ifndef SMTPX_SESSION_DRIVER_H
#define SMTPX_SESSION_DRIVER_H

#include <string.h>
#include <glib.h>

#include "session.h"

#define C SMTPX_DIR_CLIENT
#define S SMTPX_DIR_SERVER

typedef struct {
    smtpx_session_t *s;
    GPtrArray *all;      /* every event handed out, borrowed, in order */
    guint32 frame;
} run_t;

/* cfg: NULL for the defaults (smtpx_config_init). */
static inline void
run_init_cfg(run_t *r, const smtpx_config_t *cfg)
{
    r->s = smtpx_session_new(cfg);
    r->all = g_ptr_array_new();
    r->frame = 0;
}

static inline void
run_free(run_t *r)
{
    g_ptr_array_unref(r->all);
    smtpx_session_free(r->s);
}

/* Feeds data[0..len) as the next frame; returns that frame's events
 * (a new array of borrowed events: unref it). */
static inline GPtrArray *
feed_len(run_t *r, smtpx_dir_t dir, const void *data, gsize len)
{
    GPtrArray *ev = g_ptr_array_new();
    smtpx_time_t ts;
    guint i;

    r->frame++;
    ts.secs = 1000 + r->frame;
    ts.nsecs = 0;
    smtpx_session_feed(r->s, dir, r->frame, ts, data, len, ev);
    for (i = 0; i < ev->len; i++) {
        smtpx_event_t *e = ev->pdata[i];
        g_assert_cmpuint(e->frame, ==, r->frame);
        g_assert_cmpuint(e->offset, <=, len);
        g_assert_cmpuint(e->offset + e->length, <=, len);
        g_ptr_array_add(r->all, e);
    }
    return ev;
}

/* The same for a NUL-terminated text, its events not wanted. */
static inline void
feed1(run_t *r, smtpx_dir_t dir, const char *text)
{
    g_ptr_array_unref(feed_len(r, dir, text, strlen(text)));
}

static inline guint
count_kind(GPtrArray *evs, smtpx_event_kind_t kind)
{
    guint i, n = 0;

    for (i = 0; i < evs->len; i++)
        if (((smtpx_event_t *)evs->pdata[i])->kind == kind)
            n++;
    return n;
}

#endif /* SMTPX_SESSION_DRIVER_H */
