/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session_rebuild.c - a released COMMAND or REPLY event made again from
 * its bytes and the few members its bytes do not give (session.h,
 * smtpx_event_rebuild).  The parsing is the session's own: the command
 * line through smtpx_command_parse and sess_command_event_build (RFC 5321
 * 4.1), the reply lines through smtpx_reply_add_line (4.2) and, for an
 * EHLO reply, smtpx_ehlo_parse (4.1.1.1), so a rebuilt event reads as the
 * one the session handed out.
 */
#include <string.h>

#include "session_internal.h"

/* The next line of bytes[*pos, len): its content without CRLF or LF;
 * FALSE when no LF ends it. */
static gboolean
next_line(const guint8 *bytes, gsize len, gsize *pos, const guint8 **line, gsize *line_len)
{
    const guint8 *p = bytes + *pos;
    const guint8 *lf = memchr(p, '\n', len - *pos);
    gsize n;

    if (!lf)
        return FALSE;
    n = (gsize)(lf - p);
    *line = p;
    *line_len = (n > 0 && p[n - 1] == '\r') ? n - 1 : n;
    *pos += n + 1;
    return TRUE;
}

static smtpx_event_t *
rebuild_command(const smtpx_rebuild_context_t *ctx, smtpx_event_t *ev,
                const guint8 *bytes, gsize len)
{
    const guint8 *line;
    gsize line_len, pos = 0, limit;
    smtpx_command_t *cmd;
    smtpx_command_event_t *ce;

    if (!next_line(bytes, len, &pos, &line, &line_len) || pos != len)
        return NULL;
    cmd = smtpx_command_parse(line, line_len);
    ce = sess_command_event_build(line, line_len, cmd, ev, ctx->injected, &limit);
    smtpx_command_free(cmd);
    ce->pipelined = ctx->pipelined;
    ce->response_frame = ctx->linked_frame;
    return ev;
}

static smtpx_event_t *
rebuild_reply(const smtpx_rebuild_context_t *ctx, smtpx_event_t *ev,
              const guint8 *bytes, gsize len)
{
    smtpx_reply_t *r = smtpx_reply_new();
    smtpx_reply_event_t *re;
    const guint8 *line;
    gsize line_len, pos = 0;
    gboolean done = FALSE;

    while (!done && next_line(bytes, len, &pos, &line, &line_len))
        done = smtpx_reply_add_line(r, line, line_len);
    if (!done || pos != len) {
        smtpx_reply_free(r);
        return NULL;
    }
    re = smtpx_new0(smtpx_reply_event_t);
    ev->reply = re;
    re->reply = r;
    re->cmd_name = ctx->cmd_name;
    re->cmd_verb = ctx->cmd_verb;
    re->request_frame = ctx->linked_frame;
    re->request_time = ctx->request_time;
    re->reply_time = ctx->reply_time;
    re->injected = ctx->injected;
    re->intermediate = ctx->intermediate;
    if (ctx->has_ehlo)
        re->ehlo = smtpx_ehlo_parse(r);
    return ev;
}

smtpx_event_t *
smtpx_event_rebuild(const smtpx_rebuild_context_t *ctx, const guint8 *bytes, gsize len)
{
    smtpx_event_t *ev, *done = NULL;

    if (!ctx || !bytes || len == 0 ||
        (ctx->kind != SMTPX_EV_COMMAND && ctx->kind != SMTPX_EV_REPLY))
        return NULL;
    ev = smtpx_new0(smtpx_event_t);
    ev->kind = ctx->kind;
    ev->dir = ctx->dir;
    ev->frame = ctx->frame;
    ev->offset = ctx->offset;
    ev->length = len;
    ev->rebuildable = TRUE;
    if (ctx->kind == SMTPX_EV_COMMAND)
        done = rebuild_command(ctx, ev, bytes, len);
    else
        done = rebuild_reply(ctx, ev, bytes, len);
    if (!done) {
        sess_event_free(ev);
        return NULL;
    }
    /* A released event had none; the parsers find none again. */
    if (ev->anomalies) {
        g_ptr_array_unref(ev->anomalies);
        ev->anomalies = NULL;
    }
    return ev;
}
