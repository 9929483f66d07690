/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session_replies.c - server replies of the session engine (see session.h
 * for the public interface, session_internal.h for the shared state).
 *
 * Assembling reply lines into replies (RFC 5321 4.2), matching each to the
 * oldest pending command, checking enhanced status codes (RFC 3463), and
 * the effects of each reply on the session (EHLO capabilities, accepted
 * MAIL, DATA and BDAT outcomes, AUTH results, STARTTLS).
 */
#include <string.h>

#include "session_internal.h"
#include "status_registry.h"

/* Replies */

/* Whether code can answer p (used only after a gap in the server stream,
 * to skip commands whose replies were lost). */
static gboolean
reply_fits(const pending_t *p, guint16 code)
{
    guint cls = code / 100;

    if (code == 354)
        return p->kind == P_CMD && p->verb == SMTPX_VERB_DATA;
    if (code == 334)
        return p->kind == P_CMD && p->verb == SMTPX_VERB_AUTH;
    if (p->kind == P_CMD && p->verb == SMTPX_VERB_DATA)
        return cls == 4 || cls == 5;
    if (p->kind == P_CMD && p->verb == SMTPX_VERB_STARTTLS)
        return code == 220 || cls == 4 || cls == 5;
    return TRUE;
}

static pending_t *
match_pending(smtpx_session_t *s, guint16 code)
{
    for (;;) {
        pending_t *p = g_queue_peek_head(&s->pending);
        GList *l;

        if (!p)
            return NULL;
        if (p->kind == P_GREETING) {
            if (code == 220 || code / 100 == 4 || code / 100 == 5)
                return p;
            /* Not a banner: the capture began after it. */
            sess_pending_drop(s, g_queue_pop_head(&s->pending));
            continue;
        }
        if (!s->ph.gap_compat || reply_fits(p, code))
            return p;
        for (l = s->pending.head ? s->pending.head->next : NULL; l; l = l->next)
            if (reply_fits(l->data, code))
                break;
        if (!l)
            return p;
        /* Its reply was lost in the gap. */
        sess_pending_drop(s, g_queue_pop_head(&s->pending));
    }
}

static void
status_checks(smtpx_session_t *s, smtpx_event_t *ev, const smtpx_reply_t *r,
              const pending_t *p)
{
    guint cls = r->code / 100;

    if (r->status.present) {
        if (r->status.klass != cls)
            sess_add_anomaly(ev, SMTPX_ANOM_STATUS_CLASS_MISMATCH,
                        "enhanced status code class %u differs from the "
                        "reply code's first digit %u (RFC 3463 2)",
                        r->status.klass, cls);
        if (!smtpx_status_lookup(r->status.subject, r->status.detail))
            sess_add_anomaly(ev, SMTPX_ANOM_STATUS_UNREGISTERED,
                        "enhanced status code %s: X.%u.%u is not in the IANA "
                        "registry", r->status_text ? r->status_text : "",
                        r->status.subject, r->status.detail);
        return;
    }
    if (!p || p->kind == P_GREETING)
        return;
    if (p->kind == P_CMD && (p->verb == SMTPX_VERB_EHLO ||
                             p->verb == SMTPX_VERB_HELO ||
                             p->verb == SMTPX_VERB_LHLO))
        return;
    if (cls != 2 && cls != 4 && cls != 5)
        return;
    if (s->ph.caps_known && s->ph.caps_ehlo &&
        (s->ph.caps_mask & SMTPX_EXT_ENHANCEDSTATUSCODES))
        sess_add_anomaly(ev, SMTPX_ANOM_STATUS_MISSING,
                    "no enhanced status code although the server advertised "
                    "ENHANCEDSTATUSCODES (RFC 2034 3)");
}

/* An unmatched multi-line 250 whose lines read as EHLO keywords: the EHLO
 * reply of a capture that missed the EHLO command. */
static smtpx_ehlo_t *
guess_ehlo(const smtpx_reply_t *r)
{
    smtpx_ehlo_t *e;
    guint valid = 0, i;

    if (r->code != 250 || r->lines->len < 2 || r->code_mismatch || r->bad_line)
        return NULL;
    e = smtpx_ehlo_parse(r);
    if (!e)
        return NULL;
    for (i = 0; i < e->capabilities->len; i++) {
        const smtpx_ehlo_capability_t *c = g_ptr_array_index(e->capabilities, i);
        if (c->valid && c->ext)
            valid++;
    }
    if (valid == 0 || valid * 2 < e->capabilities->len) {
        smtpx_ehlo_free(e);
        return NULL;
    }
    return e;
}

/* The 220 to STARTTLS: from here plaintext is not expected. */
static void
starttls_accepted(smtpx_session_t *s, const smtpx_event_t *ev)
{
    s->tls_phase = TLS_ACCEPTED;
    s->ph.cstate = C_TLS_WAIT;
    s->ph.sstate = S_INJECTED;
    s->ph.inject[SMTPX_DIR_SERVER].active = TRUE;
    s->ph.inject[SMTPX_DIR_SERVER].from = ev->offset + ev->length;
}

/* The reply to EHLO/LHLO/HELO: capabilities, and the reset an accepted one
 * brings (RFC 5321 4.1.4; a refused one changes nothing). */
static void
reply_helo(smtpx_session_t *s, smtpx_event_t *ev, smtpx_reply_event_t *re,
           pending_t *p)
{
    const smtpx_reply_t *r = re->reply;

    if (r->code == 250 && p->verb != SMTPX_VERB_HELO && !re->ehlo) {
        re->ehlo = smtpx_ehlo_parse(r);
        sess_caps_take(s, re->ehlo);
        s->ph.caps_known = TRUE;
    } else if (r->code == 250 && p->verb == SMTPX_VERB_HELO) {
        sess_caps_take(s, NULL);
        s->ph.caps_known = TRUE;
    }
    if (r->code / 100 == 2)
        sess_helo_accepted(s, p, ev);
    else
        p->txn_abort = NULL;
}

/* The reply to MAIL: a refusal ends the attempt and keeps the transaction
 * open before it (sess_mail_refused); an acceptance ends that one's message. */
static void
reply_mail(smtpx_session_t *s, smtpx_event_t *ev, const smtpx_reply_t *r,
           pending_t *p, gboolean negative)
{
    sess_txn_note_reply(p->txn, r);
    if (negative) {
        sess_mail_refused(s, p);
        sess_txn_end(s, p->txn, "MAIL rejected", r, TRUE, ev);
    } else if (p->txn_abort && s->ph.rx.m && s->ph.rx.txn == p->txn_abort) {
        sess_abandon_message(s, ev);
    }
}

/* The final reply to DATA (not 354): a refusal means the body begun at the
 * DATA command was not one (RFC 5321 3.3). */
static void
reply_data(smtpx_session_t *s, smtpx_event_t *ev, const smtpx_reply_t *r,
           pending_t *p, gboolean negative)
{
    if (r->code == 354)
        return;
    sess_txn_note_reply(p->txn, r);
    if (!negative)
        return;
    if (s->ph.cstate == C_DATA && s->ph.rx.m && s->ph.rx.txn == p->txn) {
        smtpx_stream_end_body(s->st[SMTPX_DIR_CLIENT]);
        if (!s->ph.rx.body_seen) {
            if (p->txn && p->txn->ev.message == s->ph.rx.m)
                p->txn->ev.message = NULL;
            s->ph.rx.m = NULL;
            s->ph.rx.txn = NULL;
            s->ph.cstate = C_COMMAND;
        } else {
            sess_abandon_message(s, ev);
            sess_enter_resync(s, FALSE);
        }
    }
    sess_txn_end(s, p->txn, "DATA rejected", r, TRUE, ev);
}

/* The reply to BDAT.  Refused before any octet of its chunk came: the
 * client waited for this reply and may send a command instead of the chunk
 * (checked on its next octets, sess_bdat_refused_check). */
static void
reply_bdat(smtpx_session_t *s, smtpx_event_t *ev, const smtpx_reply_t *r,
           pending_t *p, gboolean negative)
{
    sess_txn_note_reply(p->txn, r);
    if (negative && s->ph.bdat_pending == p && s->ph.cstate == C_BDAT &&
        s->ph.rx.chunk_size > 0 &&
        smtpx_stream_bdat_remaining(s->st[SMTPX_DIR_CLIENT]) == s->ph.rx.chunk_size)
        s->ph.bdat_refused = TRUE;
    if (p->bdat_last)
        sess_txn_end(s, p->txn, "end of data", r, TRUE, ev);
}

/* The reply to AUTH: a 334 keeps AUTH pending (RFC 4954 4); returns
 * whether the entry is answered. */
static gboolean
reply_auth(smtpx_session_t *s, smtpx_reply_event_t *re)
{
    const smtpx_reply_t *r = re->reply;

    if (r->code == 334) {
        re->intermediate = TRUE;
        s->ph.auth_continued = TRUE;
        if (s->ph.cstate == C_COMMAND)
            s->ph.cstate = C_AUTH;
        return FALSE;
    }
    if (r->code / 100 == 2)
        s->ph.authenticated = TRUE;
    if (s->ph.cstate == C_AUTH)
        s->ph.cstate = C_COMMAND;
    return TRUE;
}

/* What a reply does to the session, by the entry it answers; the entry
 * leaves the queue unless it is still waiting (a 334 to AUTH). */
void
sess_reply_effects(smtpx_session_t *s, smtpx_event_t *ev, smtpx_reply_event_t *re,
              pending_t *p)
{
    smtpx_reply_t *r = re->reply;
    gboolean negative = r->code / 100 == 4 || r->code / 100 == 5;
    gboolean pop = TRUE;

    if (p->kind == P_END_OF_DATA) {
        sess_txn_note_reply(p->txn, r);
        sess_txn_end(s, p->txn, "end of data", r, TRUE, ev);
    } else if (p->kind == P_CMD) {
        switch (p->verb) {
        case SMTPX_VERB_EHLO:
        case SMTPX_VERB_LHLO:
        case SMTPX_VERB_HELO:
            reply_helo(s, ev, re, p);
            break;
        case SMTPX_VERB_MAIL:
            reply_mail(s, ev, r, p, negative);
            break;
        case SMTPX_VERB_RCPT:
            sess_txn_note_reply(p->txn, r);
            break;
        case SMTPX_VERB_DATA:
            reply_data(s, ev, r, p, negative);
            break;
        case SMTPX_VERB_BDAT:
            reply_bdat(s, ev, r, p, negative);
            break;
        case SMTPX_VERB_AUTH:
            pop = reply_auth(s, re);
            break;
        case SMTPX_VERB_QUIT:
            if (r->code == 221)
                s->quit_answered = TRUE;
            break;
        case SMTPX_VERB_STARTTLS:
            if (r->code == 220)
                starttls_accepted(s, ev);
            else if (s->ph.cstate == C_STARTTLS)
                s->ph.cstate = C_COMMAND;
            break;
        default:
            break;
        }
        if (p->txn_abort)
            sess_txn_end(s, p->txn_abort, p->name, r, FALSE, ev);
    }
    if (pop) {
        g_queue_remove(&s->pending, p);
        sess_pending_drop(s, p);
    }
    if (g_queue_is_empty(&s->pending))
        s->ph.queue_limit_flagged = FALSE;
}

/* The reply s->ph.reply is complete: its event, matching and effects. */
static void
complete_reply_work(smtpx_session_t *s, const smtpx_stream_item_t *last,
                    smtpx_event_t **out)
{
    smtpx_reply_t *r = s->ph.reply;
    smtpx_reply_event_t *re = smtpx_new0(smtpx_reply_event_t);
    gboolean earlier = s->ph.reply_began_earlier || s->ph.reply_feed != s->feed_no;
    gsize start = earlier ? 0 : s->ph.reply_start;
    gsize end = last->offset + last->length;
    smtpx_event_t *ev;
    pending_t *p;

    s->ph.reply = NULL;
    *out = ev = sess_emit(s, SMTPX_EV_REPLY, SMTPX_DIR_SERVER, start,
              end > start ? end - start : 0, earlier);
    ev->rebuildable = !earlier && s->ph.reply_rebuildable;
    ev->reply = re;
    re->reply = r;
    re->cmd_verb = SMTPX_VERB_UNKNOWN;
    re->reply_time = s->feed->ts;
    re->injected = s->ph.reply_injected;

    if (s->ph.reply_longest > REPLY_LINE_LIMIT)
        sess_add_anomaly(ev, SMTPX_ANOM_LINE_TOO_LONG,
                    "reply line of %" G_GUINT64_FORMAT " octets with its line "
                    "ending: RFC 5321 4.5.3.1.5 allows %d",
                    s->ph.reply_longest, REPLY_LINE_LIMIT);
    if (r->bad_line)
        sess_add_anomaly(ev, SMTPX_ANOM_BAD_REPLY,
                    "a line without a reply code ended this multi-line reply "
                    "(RFC 5321 4.2.1)");
    if (r->code_mismatch)
        sess_add_anomaly(ev, SMTPX_ANOM_BAD_REPLY,
                    "the lines of this reply carry different reply codes "
                    "(RFC 5321 4.2.1)");
    if (re->injected)
        return;

    p = match_pending(s, r->code);
    if (!p && s->ph.cstate == C_DATA && s->ph.rx.data_gap && r->code / 100 != 3) {
        /* The end of data was lost in the gap: this answers it. */
        txn_t *t = s->ph.rx.txn;

        smtpx_stream_end_body(s->st[SMTPX_DIR_CLIENT]);
        sess_abandon_message(s, ev);
        sess_enter_resync(s, TRUE);
        s->ph.rx.data_gap = FALSE;
        p = sess_pending_new(P_END_OF_DATA, SMTPX_VERB_DATA, "<end-of-data>", NULL);
        p->txn = t;
        if (t == s->ph.cur_txn)
            sess_detach_cur_txn(s);
        g_queue_push_head(&s->pending, p);
    }
    if (!p) {
        status_checks(s, ev, r, NULL);
        if (!s->ph.unexpected_run)
            sess_add_anomaly(ev, SMTPX_ANOM_UNEXPECTED_REPLY,
                        "no command is waiting for this reply (capture started "
                        "mid-session, or segments were lost)");
        s->ph.unexpected_run = TRUE;
        if (r->code == 354 && (s->ph.cstate == C_COMMAND || s->ph.cstate == C_RESYNC)) {
            /* The DATA was not captured; its body follows. */
            sess_begin_message(s, s->ph.cur_txn, ev);
            smtpx_stream_begin_data(s->st[SMTPX_DIR_CLIENT]);
            s->ph.cstate = C_DATA;
            s->feed->body_feed_start = 0;
            s->body_began_earlier = FALSE;
        } else if ((re->ehlo = guess_ehlo(r)) != NULL) {
            sess_caps_take(s, re->ehlo);
            s->ph.caps_known = TRUE;
        }
        return;
    }
    s->ph.unexpected_run = FALSE;
    s->ph.gap_compat = FALSE;
    s->ph.sstate = S_NORMAL;

    re->cmd_name = p->name;
    if (p->cmd && p->name == p->cmd->verb_text)
        re->cmd_name = re->owned_name = g_strdup(p->name);  /* outlives p */
    re->cmd_verb = p->verb;
    re->request_frame = p->frame;
    re->request_time = p->time;
    if (p->cmd && p->cmd->response_frame == 0) {
        p->cmd->response_frame = s->feed->frame;
        re->answered_user = p->cmd->user;
    }
    status_checks(s, ev, r, p);
    sess_reply_effects(s, ev, re, p);
}

/* A complete reply, then the caps it may reach (issue 14: reply lines,
 * EHLO keywords, once per session each); a transient reply whose EHLO
 * became the session's capabilities leaves them to the session. */
static void
complete_reply(smtpx_session_t *s, const smtpx_stream_item_t *last)
{
    smtpx_event_t *ev = NULL;
    smtpx_reply_event_t *re;

    complete_reply_work(s, last, &ev);
    if (!ev || !(re = ev->reply))
        return;
    if (re->reply->n_lines > re->reply->lines->len && !s->reply_limit_flagged) {
        s->reply_limit_flagged = TRUE;
        sess_add_anomaly(ev, SMTPX_ANOM_REPLY_LIMIT,
                         "reply of %u lines: the first %d are kept", re->reply->n_lines,
                         SMTPX_REPLY_MAX_LINES);
    }
    if (re->ehlo && re->ehlo->keywords_dropped > 0 && !s->ehlo_limit_flagged) {
        s->ehlo_limit_flagged = TRUE;
        sess_add_anomaly(ev, SMTPX_ANOM_EHLO_LIMIT,
                         "EHLO reply of %u keywords: the first %d are listed (the "
                         "extensions of all count)",
                         re->ehlo->capabilities->len + re->ehlo->keywords_dropped,
                         SMTPX_EHLO_MAX_KEYWORDS);
    }
    if (ev->transient)
        sess_caps_keep(s, re);
}

void
sess_caps_take(smtpx_session_t *s, const smtpx_ehlo_t *e)
{
    s->ph.caps_ehlo = e != NULL;
    s->ph.caps_mask = e ? e->ext_mask : 0;
    s->ph.caps_size = (e && e->size_present && e->size_has_value) ? e->size_limit : 0;
    s->ph.caps_auth = (e && e->auth_mechanisms && e->auth_mechanisms->len > 0)
                      ? e->auth_mechanisms : NULL;
}

void
sess_caps_keep(smtpx_session_t *s, smtpx_reply_event_t *re)
{
    if (!re->ehlo || !re->ehlo->auth_mechanisms ||
        s->ph.caps_auth != re->ehlo->auth_mechanisms)
        return;
    if (s->owned_auth)
        g_ptr_array_unref(s->owned_auth);
    s->owned_auth = re->ehlo->auth_mechanisms;
    re->ehlo->auth_mechanisms = NULL;
}

void
sess_server_line(smtpx_session_t *s, const smtpx_stream_item_t *it)
{
    if (!s->ph.reply) {
        smtpx_reply_line_t rl;

        if (!smtpx_reply_line_parse(it->line, it->line_len, &rl)) {
            if (s->ph.sstate == S_RESYNC || s->ph.bad_run)
                return;
            {
                smtpx_event_t *ev = sess_emit(s, SMTPX_EV_ANOMALY, SMTPX_DIR_SERVER,
                                         it->offset, it->length,
                                         it->began_earlier);
                sess_add_anomaly(ev, SMTPX_ANOM_BAD_REPLY,
                            "server line that is not a reply (RFC 5321 4.2: "
                            "three digits, then SP, '-' or the line end); "
                            "lines are skipped until a reply");
            }
            s->ph.bad_run = TRUE;
            return;
        }
        s->ph.bad_run = FALSE;
        if (s->ph.sstate == S_RESYNC)
            s->ph.sstate = S_NORMAL;
        s->ph.reply = smtpx_reply_new();
        s->ph.reply_feed = s->feed_no;
        s->ph.reply_start = it->offset;
        s->ph.reply_began_earlier = it->began_earlier != FALSE;
        s->ph.reply_longest = 0;
        s->ph.reply_injected = s->ph.sstate == S_INJECTED;
        s->ph.reply_rebuildable = TRUE;
    }
    if (!sess_line_rebuildable(s, it))
        s->ph.reply_rebuildable = FALSE;
    if (it->raw_len > s->ph.reply_longest)
        s->ph.reply_longest = it->raw_len;
    if (smtpx_reply_add_line(s->ph.reply, it->line, it->line_len))
        complete_reply(s, it);
}

/* ------------------------------------------------------------------ */
