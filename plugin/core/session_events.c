/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session_events.c - events, anomalies and the pending-command queue of
 * the session engine (see session.h for the public interface,
 * session_internal.h for the shared state).
 *
 * Allocation and freeing of the events the engine emits (smtpx_event_t and
 * what hangs from them), anomaly texts, and the queue of commands waiting
 * for a reply (RFC 5321 4.5.3.1.10, RFC 2920 pipelining), bounded by
 * max_pending.
 */
#include <stdarg.h>
#include <string.h>

#include "session_internal.h"

static const char *const anomaly_names[] = {
#define SMTPX_ANOMALY(id, name, group, severity, tag, label, summary) name,
#include "anomalies.def"
#undef SMTPX_ANOMALY
};
G_STATIC_ASSERT(G_N_ELEMENTS(anomaly_names) == SMTPX_ANOM_COUNT);

const char *
smtpx_anomaly_name(smtpx_anomaly_kind_t kind)
{
    if ((guint)kind < SMTPX_ANOM_COUNT)
        return anomaly_names[kind];
    return "unknown";
}

/* Events and anomalies */

static void
anomaly_free(gpointer p)
{
    smtpx_anomaly_t *a = p;

    g_free(a->text);
    g_free(a);
}

void
sess_command_event_free(smtpx_command_event_t *c)
{
    if (!c)
        return;
    g_free(c->verb_text);
    g_free(c->args);
    smtpx_path_free(c->path);
    g_free(c->helo);
    g_free(c->auth_mechanism);
    g_free(c);
}

void
sess_reply_event_free(smtpx_reply_event_t *r)
{
    if (!r)
        return;
    g_free(r->owned_name);
    smtpx_reply_free(r->reply);
    smtpx_ehlo_free(r->ehlo);
    g_free(r);
}

void
sess_event_free(gpointer p)
{
    smtpx_event_t *ev = p;

    if (!ev)
        return;
    if (ev->anomalies)
        g_ptr_array_unref(ev->anomalies);
    /* Messages and transactions are owned by the session's lists. */
    sess_command_event_free(ev->command);
    sess_reply_event_free(ev->reply);
    g_free(ev);
}

void
sess_message_free(gpointer p)
{
    smtpx_message_event_t *m = p;

    smtpx_headers_free(m->headers);
    smtpx_verdict_free(m->verdict);
    smtpx_dkim_msg_free(m->dkim);
    g_free(m);
}

void
sess_txn_free(gpointer p)
{
    txn_t *t = p;

    if (!t->helo_borrowed)
        g_free(t->ev.helo);
    g_free(t->ev.mail_from);
    g_free(t->ev.rcpt_to);
    g_free(t->ev.status);
    g_free(t->neg_status);
    smtpx_path_free(t->owned_mail_from);
    if (t->own_msg)
        sess_message_free(t->own_msg);
    g_free(t);
}

/* Kinds that count against max_records: one or more per line or segment.
 * MESSAGE, END_OF_DATA and TXN are one per message or transaction. */
static gboolean
is_record(smtpx_event_kind_t kind)
{
    return kind == SMTPX_EV_COMMAND || kind == SMTPX_EV_REPLY ||
           kind == SMTPX_EV_AUTH_LINE || kind == SMTPX_EV_DATA ||
           kind == SMTPX_EV_ANOMALY;
}

/* Issue 10: the lists only some sessions need are made on first use. */
void
sess_scratch_add(smtpx_session_t *s, smtpx_event_t *ev)
{
    if (!s->scratch)
        s->scratch = g_ptr_array_new_with_free_func(sess_event_free);
    g_ptr_array_add(s->scratch, ev);
}

static loose_t *
loose_of(smtpx_session_t *s)
{
    if (!s->loose) {
        s->loose = smtpx_new0(loose_t);
        s->loose->txns = g_ptr_array_new_with_free_func(sess_txn_free);
        s->loose->msgs = g_array_new(FALSE, FALSE, sizeof(loose_msg_t));
    }
    return s->loose;
}

void
sess_own_txn(smtpx_session_t *s, txn_t *t)
{
    if (t->loose) {
        g_ptr_array_add(loose_of(s)->txns, t);
        return;
    }
    if (s->txns)
        s->txns_last->next = t;
    else
        s->txns = t;
    s->txns_last = t;
    if (!s->txns_unsettled)
        s->txns_unsettled = t;
}

void
sess_own_message(smtpx_session_t *s, smtpx_message_event_t *m, gboolean loose, txn_t *owner,
                 gboolean first_of_kept)
{
    if (first_of_kept && owner && !loose) {
        owner->own_msg = m;
        return;
    }
    if (loose) {
        loose_msg_t lm = { m, owner };

        g_array_append_val(loose_of(s)->msgs, lm);
        return;
    }
    if (!s->messages)
        s->messages = g_ptr_array_new_with_free_func(sess_message_free);
    g_ptr_array_add(s->messages, m);
}

static smtpx_event_t *
new_event(smtpx_session_t *s, smtpx_event_kind_t kind, smtpx_dir_t dir,
          gsize offset, gsize length, gboolean began_earlier)
{
    smtpx_event_t *ev = smtpx_new0(smtpx_event_t);

    ev->kind = kind;
    ev->dir = dir;
    ev->frame = s->feed->frame;
    ev->offset = MIN(offset, s->feed->len);
    ev->length = MIN(length, s->feed->len - ev->offset);
    ev->began_earlier = began_earlier;
    return ev;
}

static void
keep_event(smtpx_session_t *s, smtpx_event_t *ev)
{
    if (!s->events)
        s->events = g_ptr_array_new_with_free_func(sess_event_free);
    g_ptr_array_add(s->events, ev);
    if (s->feed->out)
        g_ptr_array_add(s->feed->out, ev);
}

/* A new event of this feed.  Past max_records (issue 14) a record event is
 * transient: callers fill it as usual, nobody outside sees it, and it is
 * freed at the next feed (sess_drop_transient); the first one past the cap
 * leaves one kept ANOMALY event (record_limit) in its place. */
smtpx_event_t *
sess_emit(smtpx_session_t *s, smtpx_event_kind_t kind, smtpx_dir_t dir,
     gsize offset, gsize length, gboolean began_earlier)
{
    smtpx_event_t *ev = new_event(s, kind, dir, offset, length, began_earlier);

    if (is_record(kind)) {
        if (s->n_records >= s->cfg.max_records) {
            if (!s->record_limit_flagged) {
                smtpx_event_t *note = new_event(s, SMTPX_EV_ANOMALY, dir, offset, length,
                                                began_earlier);

                s->record_limit_flagged = TRUE;
                sess_add_anomaly(note, SMTPX_ANOM_RECORD_LIMIT,
                                 "more than %u records in this session (smtpx.max_records): "
                                 "later commands, replies and message data are followed but "
                                 "not shown", s->cfg.max_records);
                keep_event(s, note);
            }
            ev->transient = TRUE;
            sess_scratch_add(s, ev);
            return ev;
        }
        s->n_records++;
    }
    keep_event(s, ev);
    return ev;
}

/*
 * Transactions and messages past max_transactions (issue 14).  Each mail
 * transaction, each message and each end of data of a message whose start
 * was not seen takes one slot; past the cap the state machine follows them
 * as usual, but their MESSAGE, END_OF_DATA and TXN events are transient
 * (sess_emit_txn_event), DATA events do not point at their message, and
 * sess_reclaim_loose frees them once nothing refers to them.  The first
 * one past the cap leaves one kept txn_limit anomaly at ref (or at the
 * start of the feed when ref is NULL).  Returns TRUE when kept.
 */
gboolean
sess_take_txn_slot(smtpx_session_t *s, const smtpx_event_t *ref)
{
    smtpx_event_t *note;

    if (s->n_txn_slots < s->cfg.max_transactions) {
        s->n_txn_slots++;
        return TRUE;
    }
    if (!s->txn_limit_flagged) {
        s->txn_limit_flagged = TRUE;
        note = new_event(s, SMTPX_EV_ANOMALY, ref ? ref->dir : SMTPX_DIR_CLIENT,
                         ref ? ref->offset : 0, ref ? ref->length : 0,
                         ref ? ref->began_earlier : FALSE);
        sess_add_anomaly(note, SMTPX_ANOM_TXN_LIMIT,
                         "more than %u mail transactions in this session "
                         "(smtpx.max_transactions): later ones get no summary or "
                         "message items", s->cfg.max_transactions);
        keep_event(s, note);
    }
    return FALSE;
}

/* A MESSAGE, END_OF_DATA or TXN event: transient when its transaction or
 * message is loose, else kept (not counted against max_records). */
smtpx_event_t *
sess_emit_txn_event(smtpx_session_t *s, gboolean loose, smtpx_event_kind_t kind,
                    smtpx_dir_t dir, gsize offset, gsize length, gboolean began_earlier)
{
    smtpx_event_t *ev;

    if (!loose)
        return sess_emit(s, kind, dir, offset, length, began_earlier);
    ev = new_event(s, kind, dir, offset, length, began_earlier);
    ev->transient = TRUE;
    sess_scratch_add(s, ev);
    return ev;
}

static void
mark_txn(smtpx_session_t *s, txn_t *t)
{
    if (t && t->loose)
        t->mark = s->loose->epoch;   /* t is in s->loose */
}

/*
 * Start of a feed, after the transient events went: frees the loose
 * transactions no pending command, no current transaction and no message
 * being received refers to, and their messages (and loose messages with no
 * loose owner) that are not being received.  Runs when the loose ones have
 * doubled since the last sweep, so that its walk of the pending queue
 * (at most max_pending) stays linear in the input.
 */
void
sess_reclaim_loose(smtpx_session_t *s)
{
    loose_t *lo = s->loose;
    GList *l;
    guint i;

    if (!lo || lo->txns->len + lo->msgs->len == 0 ||
        lo->txns->len + lo->msgs->len < lo->sweep_at)
        return;
    lo->epoch++;
    for (l = s->pending.head; l; l = l->next) {
        pending_t *p = l->data;

        mark_txn(s, p->txn);
        mark_txn(s, p->txn_abort);
    }
    mark_txn(s, s->ph.cur_txn);
    mark_txn(s, s->ph.rx.txn);
    /* Messages first: their owners are still allocated here. */
    for (i = lo->msgs->len; i-- > 0;) {
        loose_msg_t *lm = &g_array_index(lo->msgs, loose_msg_t, i);

        if (lm->m == s->ph.rx.m || (lm->owner && lm->owner->mark == lo->epoch))
            continue;
        sess_message_free(lm->m);
        g_array_remove_index_fast(lo->msgs, i);
    }
    for (i = lo->txns->len; i-- > 0;) {
        txn_t *t = g_ptr_array_index(lo->txns, i);

        if (t->mark != lo->epoch)
            g_ptr_array_remove_index_fast(lo->txns, i);   /* frees t */
    }
    lo->sweep_at = 2 * (lo->txns->len + lo->msgs->len) + 16;
}

/* Session end: every loose transaction and message. */
void
sess_free_loose(smtpx_session_t *s)
{
    guint i;

    if (!s->loose)
        return;
    for (i = 0; i < s->loose->msgs->len; i++)
        sess_message_free(g_array_index(s->loose->msgs, loose_msg_t, i).m);
    g_array_unref(s->loose->msgs);
    g_ptr_array_unref(s->loose->txns);
    g_free(s->loose);
    s->loose = NULL;
}

/* Anomalies that are not lost past max_records: the security ones, gaps,
 * and the once-per-session cap anomalies. */
static gboolean
must_keep(smtpx_anomaly_kind_t kind)
{
    switch (kind) {
    case SMTPX_ANOM_CLEARTEXT_AUTH:
    case SMTPX_ANOM_STARTTLS_INJECTION:
    case SMTPX_ANOM_SMUGGLING:
    case SMTPX_ANOM_FORGED_FROM:
    case SMTPX_ANOM_GAP:
    case SMTPX_ANOM_QUEUE_LIMIT:
    case SMTPX_ANOM_RCPT_LIMIT:
    case SMTPX_ANOM_REPLY_LIMIT:
    case SMTPX_ANOM_EHLO_LIMIT:
        return TRUE;
    default:
        return FALSE;
    }
}

/* End of a feed: a transient event carrying an anomaly that must be kept
 * becomes a kept ANOMALY event over the same bytes (its command or reply
 * goes: what they point to may be gone), at most MAX_PROMOTED per
 * session. */
void
sess_promote_transient(smtpx_session_t *s)
{
    guint i, j;

    for (i = 0; s->scratch && i < s->scratch->len && s->n_promoted < MAX_PROMOTED; i++) {
        smtpx_event_t *ev = g_ptr_array_index(s->scratch, i);
        gboolean keep = FALSE;

        for (j = 0; ev && ev->anomalies && j < ev->anomalies->len; j++)
            if (must_keep(((smtpx_anomaly_t *)g_ptr_array_index(ev->anomalies, j))->kind))
                keep = TRUE;
        if (!keep)
            continue;
        s->n_promoted++;
        g_ptr_array_index(s->scratch, i) = NULL;
        sess_command_event_free(ev->command);
        ev->command = NULL;
        sess_reply_event_free(ev->reply);
        ev->reply = NULL;
        ev->message = NULL;     /* a loose message (past max_transactions) */
        ev->txn = NULL;
        ev->kind = SMTPX_EV_ANOMALY;
        ev->transient = FALSE;
        keep_event(s, ev);
    }
}

/* Start of a feed: the transient events of the last one go, and the
 * loose transactions and messages nothing refers to any more. */
void
sess_drop_transient(smtpx_session_t *s)
{
    if (s->scratch)
        g_ptr_array_set_size(s->scratch, 0);
    sess_free_released(s);
    sess_reclaim_loose(s);
}

void G_GNUC_PRINTF(3, 4)
sess_add_anomaly(smtpx_event_t *ev, smtpx_anomaly_kind_t kind, const char *fmt, ...)
{
    smtpx_anomaly_t *a;
    va_list ap;

    if (!ev->anomalies)
        ev->anomalies = g_ptr_array_new_with_free_func(anomaly_free);
    if (ev->anomalies->len >= MAX_ANOMALIES)
        return;
    a = smtpx_new0(smtpx_anomaly_t);
    a->kind = kind;
    va_start(ap, fmt);
    a->text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(ev->anomalies, a);
}

const char *
sess_dir_name(smtpx_dir_t dir)
{
    return dir == SMTPX_DIR_CLIENT ? "client" : "server";
}

/* ------------------------------------------------------------------ */
/* The pending-command queue */

pending_t *
sess_pending_new(pending_kind_t kind, smtpx_verb_t verb, const char *name,
            smtpx_session_t *s)
{
    pending_t *p = smtpx_new0(pending_t);

    p->kind = kind;
    p->verb = verb;
    p->name = name;
    p->frame = s ? s->feed->frame : 0;
    if (s)
        p->time = s->feed->ts;
    return p;
}

void
sess_pending_drop(smtpx_session_t *s, pending_t *p)
{
    if (s->ph.auth_pending == p)
        s->ph.auth_pending = NULL;
    if (s->ph.bdat_pending == p)
        s->ph.bdat_pending = NULL;
    if (p->owns_cmd)
        sess_command_event_free(p->cmd);
    g_free(p);
}

void
sess_pending_clear(smtpx_session_t *s)
{
    pending_t *p;

    while ((p = g_queue_pop_head(&s->pending)) != NULL)
        sess_pending_drop(s, p);
}

/* Appends p; when the queue is full the oldest entry is dropped and ev
 * (the event that asked) gets one queue_limit anomaly per overflow run. */
void
sess_pending_push(smtpx_session_t *s, pending_t *p, smtpx_event_t *ev)
{
    guint cap = s->cfg.max_pending ? s->cfg.max_pending : 1;

    while (g_queue_get_length(&s->pending) >= cap) {
        sess_pending_drop(s, g_queue_pop_head(&s->pending));
        if (!s->ph.queue_limit_flagged && ev) {
            sess_add_anomaly(ev, SMTPX_ANOM_QUEUE_LIMIT,
                        "more than %u commands without a reply: the oldest is "
                        "no longer matched to its reply", cap);
            s->ph.queue_limit_flagged = TRUE;
        }
    }
    g_queue_push_tail(&s->pending, p);
}

/* ------------------------------------------------------------------ */
