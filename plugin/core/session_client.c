/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session_client.c - client stream items of the session engine (see
 * session.h for the public interface, session_internal.h for the shared
 * state).
 *
 * What the client stream yields, item by item: command lines, SASL
 * response lines, DATA and BDAT bodies, the end of data, and SMTP
 * smuggling (bare line ends around the end-of-data sequence).
 */
#include <string.h>

#include "session_internal.h"

/* Client items */

static void
auth_line(smtpx_session_t *s, const smtpx_stream_item_t *it)
{
    /* Never kept: offsets only. */
    sess_emit(s, SMTPX_EV_AUTH_LINE, SMTPX_DIR_CLIENT, it->offset, it->length,
         it->began_earlier);
    if (s->ph.auth_continued && s->ph.auth_pending) {
        s->ph.auth_pending->frame = s->feed->frame;
        s->ph.auth_pending->time = s->feed->ts;
    }
}

/* A "." line while resynchronising: the end of a DATA body whose start was
 * not seen (capture started inside DATA, or a gap). */
static void
resync_end_of_data(smtpx_session_t *s, const smtpx_stream_item_t *it)
{
    smtpx_event_t *ev = NULL;
    txn_t *t = s->ph.rx.m ? s->ph.rx.txn : NULL;
    pending_t *p;

    if (s->ph.rx.m) {
        s->ph.rx.m->incomplete = TRUE;
        sess_message_complete(s, smtpx_stream_size(s->st[SMTPX_DIR_CLIENT]),
                         it->offset, it->length, it->began_earlier, &ev);
        s->ph.rx.m = NULL;
        s->ph.rx.txn = NULL;
    } else {
        ev = sess_emit_txn_event(s, !sess_take_txn_slot(s, NULL), SMTPX_EV_END_OF_DATA,
                                 SMTPX_DIR_CLIENT, it->offset, it->length,
                                 it->began_earlier);
    }
    p = sess_pending_new(P_END_OF_DATA, SMTPX_VERB_DATA, "<end-of-data>", s);
    p->txn = t;
    if (t == s->ph.cur_txn)
        sess_detach_cur_txn(s);
    sess_pending_push(s, p, ev);
    s->ph.cstate = C_COMMAND;
    s->ph.unknown_run = 0;
}

static void
client_line(smtpx_session_t *s, const smtpx_stream_item_t *it)
{
    switch (s->ph.cstate) {
    case C_STARTTLS:
    case C_TLS_WAIT:
        sess_client_command(s, it, TRUE);
        return;
    case C_AUTH:
        if (!s->ph.auth_continued) {
            smtpx_command_t *cmd = smtpx_command_parse(it->line, it->line_len);
            gboolean plain = sess_plainly_command(cmd, it->line, it->line_len);

            smtpx_command_free(cmd);
            if (plain) {
                /* A command after AUTH with an initial response. */
                s->ph.cstate = C_COMMAND;
                sess_client_command(s, it, FALSE);
                return;
            }
        }
        auth_line(s, it);
        return;
    case C_RESYNC: {
        smtpx_command_t *cmd;
        gboolean plain;

        if (it->line_len == 1 && it->line[0] == '.' &&
            it->eol == SMTPX_EOL_CRLF) {
            resync_end_of_data(s, it);
            return;
        }
        cmd = smtpx_command_parse(it->line, it->line_len);
        plain = sess_plainly_command(cmd, it->line, it->line_len);
        smtpx_command_free(cmd);
        if (plain) {
            s->ph.cstate = C_COMMAND;
            s->ph.unknown_run = 0;
            sess_client_command(s, it, FALSE);
            return;
        }
        if (!s->ph.resync_flagged) {
            smtpx_event_t *ev = sess_emit(s, SMTPX_EV_ANOMALY, SMTPX_DIR_CLIENT,
                                     it->offset, it->length, it->began_earlier);
            sess_add_anomaly(ev, SMTPX_ANOM_UNKNOWN_COMMAND,
                        "client line that is not a command: client lines are "
                        "skipped until a recognisable command (the capture "
                        "may have started mid-session)");
            s->ph.resync_flagged = TRUE;
        }
        return;
    }
    default:
        sess_client_command(s, it, FALSE);
        return;
    }
}

/* The first lines of text (up to PREVIEW_LINES lines, PREVIEW_MAX octets
 * each), each quoted and made printable, line endings left out. */
static char *
preview_lines(const guint8 *p, gsize len)
{
    GString *out = g_string_new(NULL);
    guint lines = 0;

    while (len > 0 && lines < PREVIEW_LINES) {
        const guint8 *lf = memchr(p, '\n', len);
        gsize n = lf ? (gsize)(lf - p) : len;
        gsize shown = n;
        char *pr;

        if (shown > 0 && p[shown - 1] == '\r')
            shown--;
        if (shown > 0) {
            pr = smtpx_printable(p, MIN(shown, (gsize)PREVIEW_MAX));
            g_string_append_printf(out, "%s\"%s%s\"", lines ? ", " : "", pr,
                                   shown > PREVIEW_MAX ? "..." : "");
            g_free(pr);
            lines++;
        }
        if (!lf)
            break;
        len -= n + 1;
        p = lf + 1;
    }
    return g_string_free(out, FALSE);
}

static void
smuggling_event(smtpx_session_t *s, const smtpx_stream_item_t *it)
{
    smtpx_anomaly_kind_t kind = SMTPX_ANOM_SMUGGLING;
    smtpx_event_t *ev;
    GString *t;

    if (s->ph.rx.smuggling_count >= MAX_SMUGGLING)
        return;
    s->ph.rx.smuggling_count++;
    ev = sess_emit(s, SMTPX_EV_ANOMALY, SMTPX_DIR_CLIENT, it->offset, it->length,
              it->began_earlier);
    t = g_string_new(NULL);
    /* A bare line end alone is a protocol note; only a "." line that some
     * server may take for the end of data is smuggling (a LOOKALIKE). */
    switch (it->kind) {
    case SMTPX_SITEM_BARE_LF:
        kind = SMTPX_ANOM_BARE_LINE_END;
        g_string_append(t, "bare LF line ending in message data (RFC 5321 "
                        "2.3.8 forbids it); servers differ on whether it ends "
                        "a line, but no end-of-data look-alike follows here");
        break;
    case SMTPX_SITEM_BARE_CR:
        kind = SMTPX_ANOM_BARE_LINE_END;
        g_string_append(t, "bare CR in message data (RFC 5321 2.3.8 forbids "
                        "it); servers differ on whether it ends a line, but "
                        "no end-of-data look-alike follows here");
        break;
    default:
        g_string_append_printf(t, "end-of-data look-alike %s inside DATA: "
                               "not <CRLF>.<CRLF> (RFC 5321 4.1.1.4), but some "
                               "servers end the message here (SMTP smuggling)",
                               it->pattern ? it->pattern : "");
        if (it->follows && it->follows_command) {
            char *pv = preview_lines(it->follows, it->follows_len);
            g_string_append_printf(t, "; followed by what looks like SMTP "
                                   "commands: %s", pv);
            g_free(pv);
        }
        break;
    }
    if (s->ph.rx.smuggling_count == MAX_SMUGGLING)
        g_string_append(t, "; further ones in this message are not reported");
    sess_add_anomaly(ev, kind, "%s", t->str);
    g_string_free(t, TRUE);
}

void
sess_client_item(smtpx_session_t *s, const smtpx_stream_item_t *it)
{
    switch (it->kind) {
    case SMTPX_SITEM_LINE:
        client_line(s, it);
        break;
    case SMTPX_SITEM_BODY: {
        gboolean earlier = s->ph.rx.body_seen &&
                           s->ph.rx.body_first_feed != s->feed_no;

        if (!s->ph.rx.body_seen) {
            s->ph.rx.body_seen = TRUE;
            s->ph.rx.body_first_feed = s->feed_no;
        }
        /* The message the bytes belong to: the glue shows the verdict
         * where the From field lies. */
        sess_emit(s, SMTPX_EV_DATA, SMTPX_DIR_CLIENT, it->offset, it->length,
                  earlier && it->offset == 0)->message = s->ph.rx.loose ? NULL : s->ph.rx.m;
        break;
    }
    case SMTPX_SITEM_BODY_LINE: {
        smtpx_headers_status_t hs;

        if (!s->ph.rx.m || s->ph.rx.judged) {
            smtpx_stream_set_want_lines(s->st[SMTPX_DIR_CLIENT], FALSE);
            break;
        }
        hs = smtpx_headers_add_line(s->ph.rx.m->headers, it->line, it->line_len,
                                    it->eol == SMTPX_EOL_LF);
        if (hs != SMTPX_HEADERS_MORE)
            sess_judge_here(s, it->offset + it->length, FALSE);
        break;
    }
    case SMTPX_SITEM_LONG_TEXT_LINE: {
        smtpx_event_t *ev = sess_emit(s, SMTPX_EV_ANOMALY, SMTPX_DIR_CLIENT,
                                 it->offset, it->length, it->began_earlier);
        sess_add_anomaly(ev, SMTPX_ANOM_LINE_TOO_LONG,
                    "message text line of %" G_GUINT64_FORMAT " octets with "
                    "its CRLF: RFC 5321 4.5.3.1.6 allows 1000", it->raw_len);
        break;
    }
    case SMTPX_SITEM_BARE_LF:
    case SMTPX_SITEM_BARE_CR:
    case SMTPX_SITEM_LOOKALIKE:
        smuggling_event(s, it);
        break;
    case SMTPX_SITEM_END_OF_DATA: {
        smtpx_event_t *ev = NULL;
        txn_t *t = s->ph.rx.m ? s->ph.rx.txn : s->ph.cur_txn;
        pending_t *p;

        sess_message_complete(s, it->size, it->offset, it->length,
                         it->began_earlier, &ev);
        s->ph.rx.m = NULL;
        s->ph.rx.txn = NULL;
        s->ph.rx.data_gap = FALSE;
        s->ph.cstate = C_COMMAND;
        if (t == s->ph.cur_txn)
            sess_detach_cur_txn(s);
        p = sess_pending_new(P_END_OF_DATA, SMTPX_VERB_DATA, "<end-of-data>", s);
        p->txn = t;
        sess_pending_push(s, p, ev);
        if (!s->server_seen)
            sess_txn_end(s, t, "end of data", NULL, TRUE, ev);
        break;
    }
    case SMTPX_SITEM_CHUNK_END:
        s->ph.cstate = C_COMMAND;
        if (s->ph.rx.chunk_last) {
            smtpx_event_t *ev = NULL;
            txn_t *t = s->ph.rx.txn;

            sess_message_complete(s, it->size, it->offset, it->length,
                             it->began_earlier, &ev);
            s->ph.rx.m = NULL;
            s->ph.rx.txn = NULL;
            s->ph.rx.chunk_last = FALSE;
            if (!s->server_seen)
                sess_txn_end(s, t, "end of data", NULL, TRUE, ev);
        }
        break;
    }
}

/* ------------------------------------------------------------------ */
