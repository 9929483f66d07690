/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session_release.c - events the caller hands back (issue 10: a finished
 * transaction should keep almost nothing).  A command or reply the caller
 * can make again from its bytes (smtpx_event_rebuild, session_rebuild.c),
 * and an AUTH line, body, message, end-of-data or transaction event (which
 * only point at what the session keeps), is released after the feed that
 * made it and freed at the start of the next one.  What the session itself
 * still reads of it moves first: a pending command's content to its queue
 * entry, a MAIL path to its transaction, the AUTH mechanisms of an EHLO
 * reply to the session (the rest of what it reads of the capabilities,
 * the extension mask and SIZE, is copied when the reply comes:
 * sess_caps_take).
 */
#include "session_internal.h"

gboolean
sess_line_rebuildable(const smtpx_session_t *s, const smtpx_stream_item_t *it)
{
    gsize eol = it->eol == SMTPX_EOL_CRLF ? 2 : 1;

    return !it->began_earlier && !it->cut && s->feed->data && it->offset <= s->feed->len &&
           it->line == s->feed->data + it->offset && it->length == it->line_len + eol &&
           it->raw_len == it->length;
}

/* The queue entry of command c, searched from the newest (c came in the
 * last feed, so it is among the last entries); NULL when none. */
static pending_t *
pending_of(smtpx_session_t *s, const smtpx_command_event_t *c)
{
    GList *l;

    for (l = s->pending.tail; l; l = l->prev) {
        pending_t *p = l->data;

        if (p->cmd == c)
            return p;
    }
    return NULL;
}

gboolean
smtpx_session_release(smtpx_session_t *s, smtpx_event_t *ev)
{
    guint i;

    if (!s || !ev || ev->released || ev->transient ||
        (ev->anomalies && ev->anomalies->len > 0))
        return FALSE;
    switch (ev->kind) {
    case SMTPX_EV_COMMAND:
        if (!ev->rebuildable || !ev->command)
            return FALSE;
        /* A MAIL's transaction reads its path: it must be findable (through
         * the queue) when the event goes. */
        if (ev->command->verb == SMTPX_VERB_MAIL && !ev->command->injected &&
            !pending_of(s, ev->command))
            return FALSE;
        break;
    case SMTPX_EV_REPLY:
        if (!ev->rebuildable || !ev->reply)
            return FALSE;
        break;
    case SMTPX_EV_AUTH_LINE:
    case SMTPX_EV_DATA:
    case SMTPX_EV_MESSAGE:      /* messages and transactions stay with */
    case SMTPX_EV_END_OF_DATA:  /* the session's lists: only the event */
    case SMTPX_EV_TXN:          /* that points at them goes */
        break;
    default:
        return FALSE;
    }
    /* Events of the last feed are the last ones kept. */
    for (i = s->events ? s->events->len : 0; i > 0; i--) {
        if (g_ptr_array_index(s->events, i - 1) == ev) {
            g_ptr_array_steal_index(s->events, i - 1);
            ev->released = TRUE;
            if (!s->released)
                s->released = g_ptr_array_new();
            g_ptr_array_add(s->released, ev);
            return TRUE;
        }
    }
    return FALSE;
}

/* A released command: what the queue and the transaction still read. */
static void
hand_over_command(smtpx_session_t *s, smtpx_event_t *ev)
{
    smtpx_command_event_t *c = ev->command;
    pending_t *p = pending_of(s, c);

    if (!p)
        return;                 /* nobody refers to it: it goes with ev */
    if (c->verb == SMTPX_VERB_MAIL && c->path && p->txn && p->txn->mail_from == c->path &&
        !p->txn->owned_mail_from) {
        p->txn->owned_mail_from = c->path;
        c->path = NULL;
    }
    p->owns_cmd = TRUE;
    ev->command = NULL;
}

void
smtpx_session_feed_done(smtpx_session_t *s)
{
    if (s)
        sess_free_released(s);
}

void
sess_free_released(smtpx_session_t *s)
{
    guint i;

    if (!s->released)
        return;
    for (i = 0; i < s->released->len; i++) {
        smtpx_event_t *ev = g_ptr_array_index(s->released, i);

        if (ev->command)
            hand_over_command(s, ev);
        if (ev->reply)
            sess_caps_keep(s, ev->reply);   /* the AUTH mechanisms it lent */
        sess_event_free(ev);
    }
    /* Issue 10: a finished session (a 221 answered QUIT) keeps no empty
     * list; a later release makes a new one. */
    if (s->quit_answered) {
        g_ptr_array_unref(s->released);
        s->released = NULL;
        if (s->events && s->events->len == 0) {
            g_ptr_array_unref(s->events);
            s->events = NULL;
        }
    } else {
        g_ptr_array_set_size(s->released, 0);
    }
}

void
smtpx_event_free(smtpx_event_t *ev)
{
    sess_event_free(ev);
}
