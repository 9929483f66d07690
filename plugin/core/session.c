/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session.c - the SMTP session engine (see session.h): RFC 5321 command and
 * reply sequencing with a bounded pending-command queue (RFC 2920
 * pipelining), mail transactions, DATA and BDAT bodies (RFC 3030), AUTH
 * exchanges (RFC 4954), STARTTLS (RFC 3207) with injection detection
 * (CVE-2011-0411), extension use checked against the EHLO reply, and
 * resynchronisation after gaps or a capture that starts mid-session.
 *
 * Event semantics the epan glue relies on:
 * - Every reply is matched to the oldest unanswered entry of the queue: the
 *   banner to "<greeting>"; the reply to the end of a DATA body to
 *   "<end-of-data>" (cmd_verb SMTPX_VERB_DATA, request_frame = frame of the
 *   "." line); everything else to its command (cmd_name = its verb_text).
 *   Each BDAT is answered as itself, the LAST one included.
 * - A 334 to AUTH is matched to AUTH and marked intermediate; AUTH stays
 *   pending.  After a SASL response line (SMTPX_EV_AUTH_LINE) the pending
 *   AUTH takes that line's frame and time, so the next reply's request_frame
 *   is the response it answers; command->response_frame of AUTH is its
 *   first reply.
 * - SMTPX_EV_TXN comes right after the SMTPX_EV_REPLY that ended the
 *   transaction, in the same frame and with the same offset/length.  When no
 *   server octet was ever fed (one-direction capture) it comes after the
 *   client event that ended it, with reply_code 0.
 * - SMTPX_EV_MESSAGE is in the client frame where the header section ended
 *   (or the end of data, the header limit, a gap, an abandoned BDAT
 *   message); SMTPX_EV_END_OF_DATA follows in the frame of the end of data
 *   (DATA) or of the end of the LAST chunk (BDAT); its message may be NULL
 *   when the start of the message was not captured.
 */
#include <string.h>

#include "session_internal.h"

void
smtpx_config_init(smtpx_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_header_bytes = 64 * 1024;
    cfg->max_pending = SMTPX_DEFAULT_MAX_PENDING;
    cfg->max_records = SMTPX_DEFAULT_MAX_RECORDS;
    cfg->max_transactions = SMTPX_DEFAULT_MAX_TRANSACTIONS;
    cfg->max_line = 65536;
}

/* ------------------------------------------------------------------ */
/* Life cycle */

/* The framing state of both directions, new (as at the start, or as RFC
 * 3207 4.2 leaves it when TLS starts). */
static void
streams_new(smtpx_session_t *s)
{
    smtpx_stream_free(s->st[SMTPX_DIR_CLIENT]);
    smtpx_stream_free(s->st[SMTPX_DIR_SERVER]);
    s->st[SMTPX_DIR_CLIENT] = smtpx_stream_new(s->cfg.max_line);
    s->st[SMTPX_DIR_SERVER] = smtpx_stream_new(s->cfg.max_line);
    smtpx_stream_set_content_cb(s->st[SMTPX_DIR_CLIENT], sess_dkim_content, s);
}

/* Issue 10: once a 221 has answered QUIT, a direction with nothing in
 * progress gives its framing state back (end of a feed); a later feed of
 * that direction (octets after the close are still analysed) gets a new
 * one, which frames exactly as the idle one would (stream.h,
 * smtpx_stream_idle).  A finished session keeps only its records. */
static void
streams_release(smtpx_session_t *s)
{
    int d;

    if (!s->quit_answered)
        return;
    for (d = 0; d < 2; d++) {
        if (s->st[d] && smtpx_stream_idle(s->st[d])) {
            smtpx_stream_free(s->st[d]);
            s->st[d] = NULL;
        }
    }
}

static void
streams_ensure(smtpx_session_t *s)
{
    if (!s->st[SMTPX_DIR_CLIENT]) {
        s->st[SMTPX_DIR_CLIENT] = smtpx_stream_new(s->cfg.max_line);
        smtpx_stream_set_content_cb(s->st[SMTPX_DIR_CLIENT], sess_dkim_content, s);
    }
    if (!s->st[SMTPX_DIR_SERVER])
        s->st[SMTPX_DIR_SERVER] = smtpx_stream_new(s->cfg.max_line);
}

/* str (NULL: none) copied at *p, which moves past its NUL. */
static const char *
copy_string(char **p, const char *str)
{
    char *at = *p;
    gsize n;

    if (!str)
        return NULL;
    n = strlen(str) + 1;
    memcpy(at, str, n);
    *p += n;
    return at;
}

smtpx_session_t *
smtpx_session_new(const smtpx_config_t *cfg)
{
    smtpx_session_t *s = smtpx_new0(smtpx_session_t);
    smtpx_config_t c;
    gsize i;

    if (cfg)
        c = *cfg;
    else
        smtpx_config_init(&c);
    s->cfg.max_header_bytes = c.max_header_bytes ? (guint32)MIN(c.max_header_bytes, G_MAXUINT32)
                                                 : 64 * 1024;
    s->cfg.max_pending = c.max_pending ? c.max_pending : SMTPX_DEFAULT_MAX_PENDING;
    s->cfg.max_records = c.max_records ? c.max_records : SMTPX_DEFAULT_MAX_RECORDS;
    s->cfg.max_transactions = c.max_transactions ? c.max_transactions
                                                 : SMTPX_DEFAULT_MAX_TRANSACTIONS;
    s->cfg.max_line = c.max_line ? (guint32)MIN(c.max_line, G_MAXUINT32) : 65536;
    /* Deep copy of the exceptions, in one block (issue 10): the array,
     * then the strings. */
    if (c.exceptions && c.n_exceptions > 0) {
        const smtpx_exception_t *src = c.exceptions;
        gsize n = MIN(c.n_exceptions, (gsize)G_MAXUINT);
        gsize size = n * sizeof(smtpx_exception_t);
        char *p;

        for (i = 0; i < n; i++)
            size += (src[i].envelope_domain ? strlen(src[i].envelope_domain) + 1 : 0) +
                    (src[i].author_domain ? strlen(src[i].author_domain) + 1 : 0);
        s->exceptions = g_malloc(size);
        p = (char *)(s->exceptions + n);
        for (i = 0; i < n; i++) {
            s->exceptions[i].envelope_domain = copy_string(&p, src[i].envelope_domain);
            s->exceptions[i].author_domain = copy_string(&p, src[i].author_domain);
        }
        s->cfg.n_exceptions = (guint)n;
    }

    streams_new(s);
    /* Issue 10: the lists (events, scratch, released, messages, txns,
     * loose) are made on first use (session_internal.h). */
    g_queue_init(&s->pending);
    g_queue_push_tail(&s->pending,
                      sess_pending_new(P_GREETING, SMTPX_VERB_UNKNOWN, "<greeting>", NULL));
    s->ph.cstate = C_COMMAND;
    s->ph.sstate = S_NORMAL;
    return s;
}

void
smtpx_session_free(smtpx_session_t *s)
{
    if (!s)
        return;
    sess_free_released(s);
    if (s->released)
        g_ptr_array_unref(s->released);
    sess_pending_clear(s);
    smtpx_reply_free(s->ph.reply);
    smtpx_stream_free(s->st[0]);
    smtpx_stream_free(s->st[1]);
    if (s->scratch)
        g_ptr_array_unref(s->scratch);
    if (s->owned_auth)
        g_ptr_array_unref(s->owned_auth);
    if (s->events)
        g_ptr_array_unref(s->events);
    if (s->messages)
        g_ptr_array_unref(s->messages);
    while (s->txns) {
        txn_t *t = s->txns;

        s->txns = t->next;
        sess_txn_free(t);
    }
    sess_free_loose(s);
    g_free(s->exceptions);
    sess_helo_set(s, NULL);
    g_free(s);
}

/* A TLS record header (RFC 8446 5.1: type 20..23, legacy version 3.x). */
static gboolean
looks_like_tls(const guint8 *data, gsize len)
{
    if (len == 0 || data[0] < 0x14 || data[0] > 0x17)
        return FALSE;
    return len < 2 || data[1] == 0x03;
}

static void
flush_injection(smtpx_session_t *s, smtpx_dir_t dir)
{
    inject_t *w = &s->ph.inject[dir];
    gsize from = w->from;

    if (w->active && from < s->feed->len) {
        smtpx_event_t *ev = sess_emit(s, SMTPX_EV_ANOMALY, dir, from, s->feed->len - from,
                                 FALSE);
        if (dir == SMTPX_DIR_CLIENT)
            sess_add_anomaly(ev, SMTPX_ANOM_STARTTLS_INJECTION,
                        "%" G_GSIZE_FORMAT " plaintext octets from the client "
                        "after STARTTLS, before TLS: a server that keeps them "
                        "runs them as commands inside the TLS session "
                        "(CVE-2011-0411, RFC 3207 4)", s->feed->len - from);
        else
            sess_add_anomaly(ev, SMTPX_ANOM_STARTTLS_INJECTION,
                        "%" G_GSIZE_FORMAT " plaintext octets from the server "
                        "after its 220 to STARTTLS, before TLS: a client that "
                        "keeps them reads them as replies inside the TLS "
                        "session (response injection)", s->feed->len - from);
    }
    w->active = FALSE;
}

/*
 * A BDAT refused before any octet of its chunk came (sess_reply_effects): RFC
 * 3030 2 has the server read the chunk anyway, but a client that waited
 * for the reply may send a command instead (seen in the wild: "BDAT 100",
 * "503 5.5.1", "RSET").  When the client's next octets begin with a line
 * that is plainly a command, the chunk was never sent: chunk mode ends and
 * the message it opened is forgotten (it got no octet).  Otherwise the
 * octets are the chunk, as the RFC wants.
 */
void
sess_bdat_refused_check(smtpx_session_t *s, const guint8 *data, gsize len)
{
    const guint8 *lf;
    smtpx_command_t *cmd;
    gsize n;
    gboolean plain;

    if (!s->ph.bdat_refused)
        return;
    s->ph.bdat_refused = FALSE;
    if (s->ph.cstate != C_BDAT ||
        smtpx_stream_bdat_remaining(s->st[SMTPX_DIR_CLIENT]) != s->ph.rx.chunk_size)
        return;
    lf = memchr(data, '\n', MIN(len, (gsize)COMMAND_LINE_LIMIT));
    if (!lf || lf == data || lf[-1] != '\r')
        return;
    n = (gsize)(lf - data) - 1;
    cmd = smtpx_command_parse(data, n);
    plain = sess_plainly_command(cmd, data, n);
    smtpx_command_free(cmd);
    if (!plain)
        return;
    smtpx_stream_end_body(s->st[SMTPX_DIR_CLIENT]);
    if (s->ph.rx.m && !s->ph.rx.body_seen) {
        if (s->ph.rx.txn && s->ph.rx.txn->ev.message == s->ph.rx.m)
            s->ph.rx.txn->ev.message = NULL;
        s->ph.rx.m = NULL;
        s->ph.rx.txn = NULL;
    }
    s->ph.rx.chunk_last = FALSE;
    s->ph.cstate = C_COMMAND;
}

void
smtpx_session_feed(smtpx_session_t *s, smtpx_dir_t dir, guint32 frame,
                   smtpx_time_t ts, const guint8 *data, gsize len,
                   GPtrArray *events)
{
    smtpx_stream_t *st;
    smtpx_stream_item_t it;
    feed_t f;

    if (!s)
        return;
    if (!data)
        len = 0;
    if (len == 0)
        return;
    if (dir != SMTPX_DIR_CLIENT)
        dir = SMTPX_DIR_SERVER;
    memset(&f, 0, sizeof f);
    s->feed = &f;
    f.frame = frame;
    f.ts = ts;
    f.out = events;
    sess_drop_transient(s);
    streams_ensure(s);
    f.data = data;
    f.len = len;
    s->feed_no++;

    if (dir == SMTPX_DIR_CLIENT) {
        if (!s->client_seen) {
            s->client_seen = TRUE;
            /* The client speaks before any server octet: the capture most
             * likely began mid-session (or the client talks early). */
            if (!s->server_seen && s->ph.cstate == C_COMMAND)
                sess_enter_resync(s, FALSE);
        }
    } else {
        s->server_seen = TRUE;
    }

    if (s->tls_phase == TLS_ACCEPTED) {
        /* Once a direction has begun its handshake, later segments are
         * the rest of TLS records: nothing to read in them. */
        if (s->ph.tls_started[dir])
            goto out;
        if (looks_like_tls(data, len)) {
            s->ph.tls_started[dir] = TRUE;
            goto out;
        }
        /* Plaintext where TLS was expected. */
        if (dir == SMTPX_DIR_CLIENT) {
            s->ph.cstate = C_TLS_WAIT;
            s->ph.inject[SMTPX_DIR_CLIENT].active = TRUE;
            s->ph.inject[SMTPX_DIR_CLIENT].from = 0;
        } else {
            s->ph.sstate = S_INJECTED;
            s->ph.inject[SMTPX_DIR_SERVER].active = TRUE;
            s->ph.inject[SMTPX_DIR_SERVER].from = 0;
        }
    } else if (dir == SMTPX_DIR_CLIENT && s->ph.cstate == C_STARTTLS) {
        if (looks_like_tls(data, len)) {
            /* The 220 was not captured; the handshake has begun. */
            s->tls_phase = TLS_ACCEPTED;
            s->ph.tls_started[SMTPX_DIR_CLIENT] = TRUE;
            s->ph.cstate = C_TLS_WAIT;
            goto out;
        }
        s->ph.inject[SMTPX_DIR_CLIENT].active = TRUE;
        s->ph.inject[SMTPX_DIR_CLIENT].from = 0;
    }

    st = s->st[dir];
    if (dir == SMTPX_DIR_CLIENT)
        sess_bdat_refused_check(s, data, len);
    smtpx_stream_begin(st, data, len);
    if (dir == SMTPX_DIR_CLIENT) {
        s->feed->body_feed_start = 0;
        s->body_began_earlier = smtpx_stream_mode(st) != SMTPX_STREAM_LINES;
    }
    while (smtpx_stream_next(st, &it)) {
        if (dir == SMTPX_DIR_CLIENT)
            sess_client_item(s, &it);
        else if (it.kind == SMTPX_SITEM_LINE)
            sess_server_line(s, &it);
    }
    flush_injection(s, dir);
out:
    sess_promote_transient(s);
    sess_settle_txns(s);
    streams_release(s);
    s->feed = NULL;
}

void
smtpx_session_gap(smtpx_session_t *s, smtpx_dir_t dir, guint32 frame,
                  smtpx_time_t ts, guint64 missing, GPtrArray *events)
{
    smtpx_event_t *ev;
    feed_t f;

    if (!s)
        return;
    if (dir != SMTPX_DIR_CLIENT)
        dir = SMTPX_DIR_SERVER;
    memset(&f, 0, sizeof f);
    s->feed = &f;
    f.frame = frame;
    f.ts = ts;
    f.out = events;
    sess_drop_transient(s);
    streams_ensure(s);
    s->feed_no++;

    ev = sess_emit(s, SMTPX_EV_ANOMALY, dir, 0, 0, FALSE);
    if (missing > 0)
        sess_add_anomaly(ev, SMTPX_ANOM_GAP,
                    "%" G_GUINT64_FORMAT " octets missing in the %s stream "
                    "(TCP gap); the analysis resynchronises", missing,
                    sess_dir_name(dir));
    else
        sess_add_anomaly(ev, SMTPX_ANOM_GAP,
                    "octets missing in the %s stream (TCP gap); the analysis "
                    "resynchronises", sess_dir_name(dir));

    if (s->tls_phase == TLS_ACCEPTED)
        goto out;

    if (dir == SMTPX_DIR_CLIENT) {
        smtpx_stream_mode_t mode = smtpx_stream_gap(s->st[dir], missing);

        switch (s->ph.cstate) {
        case C_DATA:
            /* Still inside DATA: the end of data will be found. */
            s->ph.rx.data_gap = TRUE;
            if (s->ph.rx.m) {
                s->ph.rx.m->incomplete = TRUE;
                if (!s->ph.rx.judged)
                    sess_judge_message(s, 0, 0, TRUE, TRUE);
            }
            break;
        case C_BDAT:
            if (s->ph.rx.m) {
                s->ph.rx.m->incomplete = TRUE;
                if (!s->ph.rx.judged)
                    sess_judge_message(s, 0, 0, TRUE, TRUE);
            }
            if (mode != SMTPX_STREAM_BDAT) {
                /* The chunk end is lost. */
                if (s->ph.rx.chunk_last) {
                    s->ph.rx.m = NULL;
                    s->ph.rx.txn = NULL;
                }
                sess_enter_resync(s, TRUE);
            }
            break;
        case C_STARTTLS:
        case C_TLS_WAIT:
            break;
        default:
            sess_enter_resync(s, TRUE);
            break;
        }
    } else {
        smtpx_stream_gap(s->st[dir], missing);
        smtpx_reply_free(s->ph.reply);
        s->ph.reply = NULL;
        if (s->ph.sstate != S_INJECTED)
            s->ph.sstate = S_RESYNC;
        s->ph.gap_compat = TRUE;
        s->ph.bad_run = FALSE;
    }
out:
    sess_promote_transient(s);
    sess_settle_txns(s);
    s->feed = NULL;
}

gboolean
smtpx_session_starttls_accepted(const smtpx_session_t *s)
{
    return s && STARTTLS_WAS_ACCEPTED(s);
}

gboolean
smtpx_session_tls(const smtpx_session_t *s)
{
    return s && TLS_IS_ON(s);
}

/* Everything one phase knew goes (RFC 3207 4.2): the queue, the streams
 * and partial lines, the reply being assembled, the phase state; a
 * transaction open across STARTTLS dies with it (its events stay owned by
 * the session's lists). */
static void
phase_reset(smtpx_session_t *s)
{
    sess_pending_clear(s);
    smtpx_reply_free(s->ph.reply);
    sess_helo_set(s, NULL);
    memset(&s->ph, 0, sizeof s->ph);
    s->ph.cstate = C_COMMAND;
    s->ph.sstate = S_NORMAL;
    streams_new(s);
}

void
smtpx_session_set_tls(smtpx_session_t *s, gboolean tls)
{
    if (!s)
        return;
    if (!tls) {
        if (s->tls_phase == TLS_ON_STARTTLS)
            s->tls_phase = TLS_ACCEPTED;
        else if (s->tls_phase == TLS_ON_IMPLICIT)
            s->tls_phase = TLS_CLEAR;
        return;
    }
    if (TLS_IS_ON(s))
        return;
    if (s->tls_phase == TLS_CLEAR) {
        s->tls_phase = TLS_ON_IMPLICIT;  /* nothing was said in clear */
        return;
    }
    /* RFC 3207 4.2: both sides discard what they learnt before TLS; the
     * client starts again with EHLO. */
    s->tls_phase = TLS_ON_STARTTLS;
    phase_reset(s);
}
