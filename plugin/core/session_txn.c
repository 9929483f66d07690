/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session_txn.c - mail transactions and messages of the session engine
 * (see session.h for the public interface, session_internal.h for the
 * shared state).
 *
 * Opening and ending mail transactions (RFC 5321 3.3) with their summary
 * event, the message being received (DATA, RFC 5321 4.1.1.4; BDAT, RFC
 * 3030), judging its author once the header section is complete, and
 * feeding its octets to the DKIM verifier (RFC 6376).
 */
#include <string.h>

#include "session_internal.h"

/* Transactions and messages */

/* A new transaction opened by MAIL (ref: its event); past
 * max_transactions it is loose (sess_take_txn_slot). */
txn_t *
sess_txn_new(smtpx_session_t *s, const smtpx_path_t *mail_from, const smtpx_event_t *ref)
{
    txn_t *t = smtpx_new0(txn_t);

    t->ev.number = ++s->txn_count;
    t->loose = !sess_take_txn_slot(s, ref);
    if (t->loose || !s->ph.helo) {
        t->ev.helo = g_strdup(s->ph.helo);
    } else {
        /* Issue 10: a kept transaction (it lives as long as the session)
         * shares the phase's HELO domain: the first one takes it over. */
        t->ev.helo = s->ph.helo;
        t->helo_borrowed = s->ph.helo_lent;
        s->ph.helo_lent = TRUE;
    }
    if (mail_from)
        t->ev.mail_from = g_strdup(mail_from->null_path ? ""
                                    : (mail_from->mailbox ? mail_from->mailbox : ""));
    t->ev.tls = TLS_IS_ON(s);
    t->ev.auth = s->ph.authenticated;
    t->ev.first_frame = s->feed->frame;
    t->mail_from = mail_from;
    sess_own_txn(s, t);
    return t;
}

void
sess_txn_note_reply(txn_t *t, const smtpx_reply_t *r)
{
    if (!t || t->emitted || !r)
        return;
    if (r->code >= 400) {
        t->neg_code = r->code;
        g_free(t->neg_status);
        t->neg_status = g_strdup(r->status_text);
    }
}

/*
 * Ends a transaction: one TXN event placed like ref.  decisive: r is the
 * reply that decided its fate (end of data, MAIL or DATA rejected);
 * otherwise (aborted by RSET, QUIT, ...) the summary carries the last
 * failure the transaction got (a refused recipient says more than the 250
 * to RSET), else r, the reply to the command that ended it.
 */
void
sess_txn_end(smtpx_session_t *s, txn_t *t, const char *reason,
        const smtpx_reply_t *r, gboolean decisive, const smtpx_event_t *ref)
{
    smtpx_event_t *ev;
    guint16 code = 0;
    const char *status = NULL;

    if (!t || t->emitted)
        return;
    t->emitted = TRUE;
    if (s->ph.cur_txn == t)
        s->ph.cur_txn = NULL;
    if (decisive && r) {
        code = r->code;
        status = r->status_text;
    } else if (t->neg_code) {
        code = t->neg_code;
        status = t->neg_status;
    } else if (r) {
        code = r->code;
        status = r->status_text;
    }
    t->ev.reply_code = code;
    t->ev.status = g_strdup(status);
    t->ev.end_reason = reason;
    g_free(t->neg_status);          /* issue 10: read no more */
    t->neg_status = NULL;
    ev = sess_emit_txn_event(s, t->loose, SMTPX_EV_TXN, ref ? ref->dir : SMTPX_DIR_SERVER,
              ref ? ref->offset : 0, ref ? ref->length : 0,
              ref ? ref->began_earlier : FALSE);
    ev->txn = &t->ev;
}

/* t may still be read: open, its message being received, or a pending
 * command belongs to it or ends it (the only ways to reach a transaction
 * once it is made: sess_begin_message takes cur_txn). */
static gboolean
txn_reachable(const smtpx_session_t *s, const txn_t *t)
{
    GList *l;

    if (!t->emitted || t == s->ph.cur_txn || t == s->ph.rx.txn)
        return TRUE;
    for (l = s->pending.head; l; l = l->next) {
        const pending_t *p = l->data;

        if (p->txn == t || p->txn_abort == t)
            return TRUE;
    }
    return FALSE;
}

/*
 * Issue 10: end of a feed.  A kept transaction that has ended and that
 * nothing can reach any more (txn_reachable) gives back the MAIL path it
 * took over from a released or transient event (only the author's
 * judgement read it); its summary (t->ev) stays.  The kept transactions
 * are settled in order from s->txns_unsettled, so that each feed looks at
 * few of them (at most one that is still reachable).
 */
void
sess_settle_txns(smtpx_session_t *s)
{
    while (s->txns_unsettled) {
        txn_t *t = s->txns_unsettled;

        if (txn_reachable(s, t))
            return;
        if (t->owned_mail_from) {
            smtpx_path_free(t->owned_mail_from);
            t->owned_mail_from = NULL;
            t->mail_from = NULL;
        }
        /* No RCPT reaches it any more: its recipients at their size. */
        if (t->ev.rcpt_to && sess_rcpt_capacity(t->rcpt_octets) != t->rcpt_octets)
            t->ev.rcpt_to = g_realloc(t->ev.rcpt_to, t->rcpt_octets);
        s->txns_unsettled = t->next;
    }
}

/* Octets of the block that holds used octets of recipients while the
 * transaction is open: 0 for none, else a power of two of at least 32, so
 * that adding recipients one by one copies each octet a bounded number of
 * times. */
gsize
sess_rcpt_capacity(gsize used)
{
    gsize cap = 32;

    if (used == 0)
        return 0;
    while (cap < used)
        cap <<= 1;
    return cap;
}

void
sess_txn_add_rcpt(txn_t *t, const char *mailbox)
{
    gsize n = strlen(mailbox) + 1, used = t->rcpt_octets;

    if (used + n > sess_rcpt_capacity(used))
        t->ev.rcpt_to = g_realloc(t->ev.rcpt_to, sess_rcpt_capacity(used + n));
    memcpy(t->ev.rcpt_to + used, mailbox, n);
    t->rcpt_octets = (guint32)(used + n);
    t->ev.n_rcpt++;
}

void
sess_helo_set(smtpx_session_t *s, char *helo)
{
    if (!s->ph.helo_lent)
        g_free(s->ph.helo);
    s->ph.helo = helo;
    s->ph.helo_lent = FALSE;
}

txn_t *
sess_detach_cur_txn(smtpx_session_t *s)
{
    txn_t *t = s->ph.cur_txn;

    s->ph.cur_txn = NULL;
    return t;
}

/* A new message of transaction t (NULL: none seen); ref places the
 * txn_limit anomaly.  The first message of a kept transaction is kept
 * with it; one with no transaction, or a second one in a transaction,
 * takes a slot of its own (max_transactions).  A loose message (past the
 * cap, or of a loose transaction) is owned by s->loose. */
void
sess_begin_message(smtpx_session_t *s, txn_t *t, const smtpx_event_t *ref)
{
    smtpx_message_event_t *m = smtpx_new0(smtpx_message_event_t);
    gboolean loose, first_of_kept = FALSE;

    if (t && t->loose) {
        loose = TRUE;
    } else if (t && t->n_messages == 0) {
        loose = FALSE;
        first_of_kept = TRUE;     /* owned by t (issue 10) */
    } else {
        loose = !sess_take_txn_slot(s, ref);
    }
    if (t)
        t->n_messages++;

    m->headers = smtpx_headers_new(s->cfg.max_header_bytes ?
                                   s->cfg.max_header_bytes : 1);
    /* DKIM (issue 8): the message octets are hashed as they pass. */
    m->dkim = smtpx_dkim_msg_new(s->cfg.max_header_bytes ?
                                 s->cfg.max_header_bytes : 1);
    if (first_of_kept)
        sess_own_message(s, m, FALSE, t, TRUE);
    else
        sess_own_message(s, m, loose, (t && t->loose) ? t : NULL, FALSE);
    memset(&s->ph.rx, 0, sizeof s->ph.rx);
    s->ph.rx.m = m;
    s->ph.rx.txn = t;
    s->ph.rx.loose = loose != FALSE;
    if (t && !t->emitted && (t->loose || !loose))
        t->ev.message = m;
}

static const char *
verdict_text(const smtpx_verdict_t *v)
{
    return (v->reasons && *v->reasons) ? v->reasons : "the From domain is not backed by the envelope";
}

/* The header section of the current message is complete (or will not
 * grow): judge the author and emit the MESSAGE event over
 * [offset, offset + length) of this feed. */
void
sess_judge_message(smtpx_session_t *s, gsize offset, gsize length,
              gboolean began_earlier, gboolean incomplete)
{
    smtpx_message_event_t *m = s->ph.rx.m;
    smtpx_authorship_input_t in;
    smtpx_event_t *ev;

    if (!m || s->ph.rx.judged)
        return;
    s->ph.rx.judged = TRUE;
    smtpx_stream_set_want_lines(s->st[SMTPX_DIR_CLIENT], FALSE);
    smtpx_headers_finish(m->headers);
    if (incomplete)
        m->incomplete = TRUE;

    /* Octets of the header section were lost and no From field was seen:
     * nothing can be said about the author (not even "missing"). */
    if (!(m->incomplete && smtpx_headers_count_name(m->headers, "From") == 0)) {
        memset(&in, 0, sizeof(in));
        in.mail_from = s->ph.rx.txn ? s->ph.rx.txn->mail_from : NULL;
        in.helo = s->ph.rx.txn ? s->ph.rx.txn->ev.helo : s->ph.helo;
        in.headers = m->headers;
        in.exceptions = s->exceptions;
        in.n_exceptions = s->cfg.n_exceptions;
        m->verdict = smtpx_authorship_judge(&in);
    }

    ev = sess_emit_txn_event(s, s->ph.rx.loose, SMTPX_EV_MESSAGE, SMTPX_DIR_CLIENT,
                             offset, length, began_earlier);
    ev->message = m;
    m->verdict_frame = s->feed->frame;    /* the glue links the From frame to it */
    if (m->verdict && m->verdict->forged)
        sess_add_anomaly(ev, SMTPX_ANOM_FORGED_FROM, "%s", verdict_text(m->verdict));
    if (m->verdict && m->verdict->notes && *m->verdict->notes)
        sess_add_anomaly(ev, SMTPX_ANOM_FROM_SYNTAX, "%s", m->verdict->notes);
    if (smtpx_headers_field_limit(m->headers)) {
        if (!s->field_limit_flagged)
            sess_add_anomaly(ev, SMTPX_ANOM_FIELD_LIMIT,
                             "header section of more than %d fields: the rest is not analysed",
                             SMTPX_HEADERS_MAX_FIELDS);
        s->field_limit_flagged = TRUE;
    } else if (smtpx_headers_truncated(m->headers)) {
        sess_add_anomaly(ev, SMTPX_ANOM_HEADER_LIMIT,
                    "header section longer than %" G_GSIZE_FORMAT
                    " octets: the rest is not analysed",
                    (gsize)s->cfg.max_header_bytes);
    }
    /* Only the verdict is kept: the header section goes once it is made
     * (DESIGN.md, Invariants: no whole-message copies). */
    smtpx_headers_free(m->headers);
    m->headers = NULL;
}

/* Offsets of the header part of this feed, up to end_excl. */
void
sess_judge_here(smtpx_session_t *s, gsize end_excl, gboolean incomplete)
{
    gsize start = s->body_began_earlier ? 0 : s->feed->body_feed_start;

    if (end_excl < start)
        end_excl = start;
    sess_judge_message(s, start, end_excl - start, s->body_began_earlier, incomplete);
}

/* A message that will get no more octets (BDAT message abandoned by RSET,
 * MAIL, ...; DATA rejected): judged as incomplete if not yet, forgotten. */
void
sess_abandon_message(smtpx_session_t *s, const smtpx_event_t *ref)
{
    if (!s->ph.rx.m)
        return;
    s->ph.rx.m->incomplete = TRUE;
    if (!s->ph.rx.judged)
        sess_judge_message(s, ref ? ref->offset : 0, 0,
                      ref ? ref->began_earlier : TRUE, TRUE);
    smtpx_dkim_msg_end(s->ph.rx.m->dkim, FALSE, s->feed->ts.secs);   /* DKIM */
    s->ph.rx.m->dkim = smtpx_dkim_msg_settle(s->ph.rx.m->dkim);
    s->ph.rx.m = NULL;
    s->ph.rx.txn = NULL;
}

guint64
sess_size_limit(const smtpx_session_t *s)
{
    return s->ph.caps_known && s->ph.caps_ehlo ? s->ph.caps_size : 0;
}

/* DKIM (issue 8): every message octet after unstuffing, from the client
 * stream, goes to the verifier of the message being received. */
void
sess_dkim_content(void *user, const guint8 *p, gsize n)
{
    smtpx_session_t *s = user;

    if (s->ph.rx.m)
        smtpx_dkim_msg_feed(s->ph.rx.m->dkim, p, n);
}

/* The whole message is in (end of DATA or of the LAST chunk). */
void
sess_message_complete(smtpx_session_t *s, guint64 size, gsize offset, gsize length,
                 gboolean began_earlier, smtpx_event_t **end_ev)
{
    smtpx_message_event_t *m = s->ph.rx.m;
    smtpx_event_t *ev;
    guint64 limit = sess_size_limit(s);

    if (m && !s->ph.rx.judged)
        sess_judge_here(s, offset, s->ph.rx.data_gap);
    if (m) {
        m->size = size;
        m->size_final = TRUE;
        m->end_frame = s->feed->frame;
        /* DKIM: the body hashes are final now. */
        m->end_time = s->feed->ts;
        smtpx_dkim_msg_end(m->dkim, !m->incomplete && !s->ph.rx.data_gap, s->feed->ts.secs);
        m->dkim = smtpx_dkim_msg_settle(m->dkim);
    }
    ev = sess_emit_txn_event(s, m ? s->ph.rx.loose : !sess_take_txn_slot(s, NULL),
                             SMTPX_EV_END_OF_DATA, SMTPX_DIR_CLIENT, offset, length,
                             began_earlier);
    ev->message = m;
    if (m && smtpx_dkim_msg_n_fields(m->dkim) > SMTPX_DKIM_MAX_SIGS) {
        if (!s->dkim_limit_flagged)
            sess_add_anomaly(ev, SMTPX_ANOM_DKIM_LIMIT,
                             "%u DKIM-Signature fields: the first %d are verified",
                             smtpx_dkim_msg_n_fields(m->dkim), SMTPX_DKIM_MAX_SIGS);
        s->dkim_limit_flagged = TRUE;
    }
    if (m && limit > 0 && size > limit)
        sess_add_anomaly(ev, SMTPX_ANOM_SIZE_EXCEEDED,
                    "message of %" G_GUINT64_FORMAT " octets exceeds the "
                    "advertised SIZE %" G_GUINT64_FORMAT " (RFC 1870)",
                    size, limit);
    *end_ev = ev;
}

/* ------------------------------------------------------------------ */
