/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session_commands.c - client commands of the session engine (see
 * session.h for the public interface, session_internal.h for the shared
 * state).
 *
 * Parsing each command line (RFC 5321 4.1.1) into a COMMAND event and
 * applying it: HELO/EHLO, MAIL, RCPT, DATA, BDAT (RFC 3030), AUTH (RFC
 * 4954), STARTTLS (RFC 3207), unknown commands and resynchronisation, with
 * extension use checked against the EHLO reply.
 */
#include <string.h>

#include "session_internal.h"

/* Commands */

static gboolean
is_blank(guint8 c)
{
    return c == ' ' || c == '\t';
}

/* Trims blanks at both ends of [*p, *p + *len). */
static void
trim(const guint8 **p, gsize *len)
{
    while (*len > 0 && is_blank((*p)[0])) {
        (*p)++;
        (*len)--;
    }
    while (*len > 0 && is_blank((*p)[*len - 1]))
        (*len)--;
}

/*
 * A line that is plainly a command: a known verb with the argument shape
 * RFC 5321 4.1.1 gives it, no control octets.  Used to resynchronise.
 */
gboolean
sess_plainly_command(const smtpx_command_t *cmd, const guint8 *line, gsize len)
{
    const guint8 *a;
    gsize alen, i;

    if (cmd->verb == SMTPX_VERB_UNKNOWN || len > 1000)
        return FALSE;
    for (i = 0; i < len; i++)
        if ((line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
            return FALSE;
    a = line + cmd->args_offset;
    alen = len - cmd->args_offset;
    trim(&a, &alen);
    switch (cmd->verb) {
    case SMTPX_VERB_MAIL:
        return alen >= 5 && g_ascii_strncasecmp((const char *)a, "FROM:", 5) == 0;
    case SMTPX_VERB_RCPT:
        return alen >= 3 && g_ascii_strncasecmp((const char *)a, "TO:", 3) == 0;
    case SMTPX_VERB_DATA:
    case SMTPX_VERB_RSET:
    case SMTPX_VERB_QUIT:
    case SMTPX_VERB_STARTTLS:
    case SMTPX_VERB_TURN:
        return alen == 0;
    case SMTPX_VERB_HELO:
    case SMTPX_VERB_EHLO:
    case SMTPX_VERB_LHLO:
        if (alen == 0)
            return FALSE;
        for (i = 0; i < alen; i++)
            if (is_blank(a[i]))
                return FALSE;
        return TRUE;
    case SMTPX_VERB_BDAT:
        return TRUE;      /* even with a bad size: it is a BDAT */
    case SMTPX_VERB_AUTH:
        return alen > 0 && g_ascii_isalnum(a[0]);
    case SMTPX_VERB_NOOP:
    case SMTPX_VERB_HELP:
        return TRUE;
    default:
        return alen > 0;
    }
}

static const char *
helo_kind_words(smtpx_helo_kind_t k)
{
    switch (k) {
    case SMTPX_HELO_BARE_IP:
        return "a bare IP address";
    case SMTPX_HELO_EMPTY:
        return "empty";
    case SMTPX_HELO_INVALID:
        return "not a valid domain";
    default:
        return "valid";
    }
}

/* mech is among the AUTH mechanisms the server advertised (as
 * smtpx_ehlo_has_auth_mechanism, on the session's copy). */
static gboolean
auth_listed(const GPtrArray *mechs, const char *mech)
{
    guint i;

    for (i = 0; mechs && i < mechs->len; i++)
        if (g_ascii_strcasecmp(g_ptr_array_index(mechs, i), mech) == 0)
            return TRUE;
    return FALSE;
}

static void
need_ext(smtpx_session_t *s, smtpx_event_t *ev, guint32 ext,
         const char *what, const char *keyword, const char *rfc)
{
    guint32 mask = s->ph.caps_ehlo ? s->ph.caps_mask : 0;

    if (!s->ph.caps_known || (mask & ext))
        return;
    sess_add_anomaly(ev, SMTPX_ANOM_UNADVERTISED,
                "%s, but the server's %s reply did not advertise %s (%s)",
                what, s->ph.caps_ehlo ? "EHLO" : "HELO", keyword, rfc);
}

/* Extra command line length that ESMTP parameters bring (RFC 5321
 * 4.5.3.1.4: extensions raise the 512-octet limit for what they add). */
static gsize
param_allowance(const smtpx_path_t *path)
{
    gsize n = 0;
    guint i;

    if (!path || !path->params)
        return 0;
    for (i = 0; i < path->params->len; i++) {
        const smtpx_param_t *p = g_ptr_array_index(path->params, i);
        n += (p->raw ? strlen(p->raw) : 0) + 1;
    }
    return n;
}

static void
check_mail_params(smtpx_session_t *s, smtpx_event_t *ev,
                  const smtpx_path_t *path, gboolean is_mail)
{
    guint64 limit = sess_size_limit(s);

    if (is_mail) {
        if (path->body && strcmp(path->body, "8BITMIME") == 0)
            need_ext(s, ev, SMTPX_EXT_8BITMIME, "BODY=8BITMIME used",
                     "8BITMIME", "RFC 6152");
        if (path->body && strcmp(path->body, "BINARYMIME") == 0)
            need_ext(s, ev, SMTPX_EXT_BINARYMIME, "BODY=BINARYMIME used",
                     "BINARYMIME", "RFC 3030");
        if (path->smtputf8)
            need_ext(s, ev, SMTPX_EXT_SMTPUTF8, "SMTPUTF8 parameter used",
                     "SMTPUTF8", "RFC 6531");
        if (path->size_present)
            need_ext(s, ev, SMTPX_EXT_SIZE, "SIZE= parameter used", "SIZE",
                     "RFC 1870");
        if (path->requiretls)
            need_ext(s, ev, SMTPX_EXT_REQUIRETLS, "REQUIRETLS parameter used",
                     "REQUIRETLS", "RFC 8689");
        if (path->size_present && limit > 0 && path->size > limit)
            sess_add_anomaly(ev, SMTPX_ANOM_SIZE_EXCEEDED,
                        "declared SIZE=%" G_GUINT64_FORMAT " exceeds the "
                        "advertised SIZE %" G_GUINT64_FORMAT " (RFC 1870)",
                        path->size, limit);
    }
    if (path->dsn)
        need_ext(s, ev, SMTPX_EXT_DSN, "DSN parameters used", "DSN", "RFC 3461");
}

void
sess_enter_resync(smtpx_session_t *s, gboolean flagged)
{
    s->ph.cstate = C_RESYNC;
    s->ph.resync_flagged = flagged != FALSE;
}

static void
start_bdat(smtpx_session_t *s, const smtpx_stream_item_t *it, pending_t *p,
           const smtpx_bdat_arg_t *b)
{
    gboolean new_message = FALSE;

    if (s->ph.rx.m && s->ph.rx.txn != s->ph.cur_txn)
        sess_abandon_message(s, NULL);
    if (!s->ph.rx.m) {
        sess_begin_message(s, s->ph.cur_txn, NULL);
        new_message = TRUE;
    }
    smtpx_stream_begin_bdat(s->st[SMTPX_DIR_CLIENT], b->chunk_size, new_message);
    if (!new_message && s->ph.rx.judged)
        smtpx_stream_set_want_lines(s->st[SMTPX_DIR_CLIENT], FALSE);
    s->ph.rx.chunk_last = b->last != FALSE;
    s->ph.cstate = C_BDAT;
    s->feed->body_feed_start = it->offset + it->length;
    s->body_began_earlier = FALSE;
    p->txn = s->ph.cur_txn;
    p->bdat_last = b->last;
    s->ph.bdat_pending = p;
    s->ph.bdat_refused = FALSE;
    s->ph.rx.chunk_size = b->chunk_size;
    if (b->last)
        sess_detach_cur_txn(s);
}

/* An EHLO/HELO/LHLO was accepted (or nobody answers): its argument is the
 * HELO domain from now on, and the transaction it interrupts ends (RFC
 * 5321 4.1.4: the effect of a RSET). */
void
sess_helo_accepted(smtpx_session_t *s, pending_t *p, const smtpx_event_t *ev)
{
    txn_t *t = p->txn_abort;

    sess_helo_set(s, g_strdup(p->cmd ? p->cmd->helo : NULL));
    if (t && s->ph.rx.m && s->ph.rx.txn == t)
        sess_abandon_message(s, ev);
    if (t && s->ph.cur_txn == t)
        sess_detach_cur_txn(s);
    if (t && !s->server_seen)
        sess_txn_end(s, t, p->name, NULL, FALSE, ev);
}

/* A MAIL was refused: the transaction it would have opened ends ("MAIL
 * rejected"); one that was open before it goes on (RFC 5321 4.1.4: a
 * rejected command changes no state; 3.3: a MAIL inside a transaction is a
 * sequence error and the first envelope stays). */
void
sess_mail_refused(smtpx_session_t *s, pending_t *p)
{
    txn_t *prev = p->txn_abort;

    p->txn_abort = NULL;
    if (s->ph.cur_txn == p->txn)
        s->ph.cur_txn = (prev && !prev->emitted) ? prev : NULL;
}

/* EHLO/HELO/LHLO argument and its syntax (RFC 5321 4.1.1.1). */
static void
parse_helo(smtpx_event_t *ev, smtpx_command_event_t *ce, const guint8 *args,
           gsize alen, gboolean injected)
{
    const guint8 *h = args;
    gsize hl = alen;

    trim(&h, &hl);
    ce->helo = smtpx_printable(h, hl);
    ce->helo_kind = smtpx_helo_classify(args, alen);
    if (!injected && ce->helo_kind != SMTPX_HELO_DOMAIN &&
        ce->helo_kind != SMTPX_HELO_ADDRESS_LITERAL)
        sess_add_anomaly(ev, SMTPX_ANOM_HELO_SYNTAX,
                    "%s argument \"%s\" is %s: RFC 5321 4.1.1.1 wants a "
                    "domain or an address literal such as [192.0.2.1]",
                    ce->verb_text, ce->helo, helo_kind_words(ce->helo_kind));
}

/* MAIL/RCPT path and its syntax (RFC 5321 4.1.2); *limit grows by the
 * ESMTP parameters (4.5.3.1.4). */
static void
parse_mail_rcpt(smtpx_event_t *ev, smtpx_command_event_t *ce,
                const guint8 *args, gsize alen, gboolean injected,
                gsize *limit)
{
    gboolean is_mail = ce->verb == SMTPX_VERB_MAIL;

    ce->path = smtpx_path_parse(args, alen, is_mail);
    if (!injected && (ce->path->flags & SMTPX_PATH_SYNTAX_FLAGS)) {
        char *d = smtpx_path_flags_describe(ce->path->flags &
                                            SMTPX_PATH_SYNTAX_FLAGS);
        sess_add_anomaly(ev, SMTPX_ANOM_PATH_SYNTAX,
                    "%s not in RFC 5321 4.1.2 form: %s",
                    is_mail ? "reverse-path" : "forward-path", d);
        g_free(d);
    }
    *limit += param_allowance(ce->path);
}

/*
 * The first step of a command line: the COMMAND event with what its
 * arguments say, parsed per verb (nothing in the session changes yet).
 * *limit gets the longest line RFC 5321 4.5.3.1.4 allows it.
 */
smtpx_command_event_t *
sess_command_event_build(const guint8 *line, gsize line_len, const smtpx_command_t *cmd,
                         smtpx_event_t *ev, gboolean injected, gsize *limit)
{
    const guint8 *args = line + MIN(cmd->args_offset, line_len);
    gsize alen = line_len - MIN(cmd->args_offset, line_len);
    smtpx_command_event_t *ce = smtpx_new0(smtpx_command_event_t);

    ev->command = ce;
    ce->verb = cmd->verb;
    ce->verb_text = g_strdup(cmd->verb_text);
    ce->injected = injected;
    if (cmd->verb != SMTPX_VERB_AUTH && alen > 0)
        ce->args = smtpx_printable(args, alen);
    *limit = COMMAND_LINE_LIMIT;

    switch (cmd->verb) {
    case SMTPX_VERB_HELO:
    case SMTPX_VERB_EHLO:
    case SMTPX_VERB_LHLO:
        parse_helo(ev, ce, args, alen, injected);
        break;
    case SMTPX_VERB_MAIL:
    case SMTPX_VERB_RCPT:
        parse_mail_rcpt(ev, ce, args, alen, injected, limit);
        break;
    case SMTPX_VERB_BDAT:
        ce->bdat = smtpx_bdat_parse(args, alen);
        break;
    case SMTPX_VERB_AUTH: {
        smtpx_auth_arg_t a = smtpx_auth_parse(args, alen);

        ce->auth_mechanism = a.mechanism;
        ce->args = g_strdup(a.mechanism);
        ce->auth_initial_response = a.initial_response;
        break;
    }
    default:
        break;
    }
    return ce;
}

/* Line length, pipelining and the queue after a server gap: what any
 * command says about the sequence (RFC 5321 4.5.3.1.4; RFC 2920). */
static void
command_sequence(smtpx_session_t *s, const smtpx_stream_item_t *it,
                 smtpx_event_t *ev, smtpx_command_event_t *ce, gsize limit)
{
    if (it->raw_len > limit)
        sess_add_anomaly(ev, SMTPX_ANOM_LINE_TOO_LONG,
                    "command line of %" G_GUINT64_FORMAT " octets with its "
                    "line ending: RFC 5321 4.5.3.1.4 allows %" G_GSIZE_FORMAT,
                    it->raw_len, limit);

    /*
     * After bytes of the server stream were lost, a client that may not
     * pipeline (PIPELINING not advertised or not known, RFC 2920) sends a
     * command only once it has read the replies to the earlier ones: those
     * replies were in the lost bytes.  Forget the commands still waiting,
     * so that the next reply is matched to this command and not, one
     * behind, to an old one.
     */
    if (s->ph.gap_compat && !(s->ph.caps_known && s->ph.caps_ehlo &&
                           (s->ph.caps_mask & SMTPX_EXT_PIPELINING)))
        sess_pending_clear(s);

    ce->pipelined = s->server_seen && !g_queue_is_empty(&s->pending);
    if (ce->pipelined)
        need_ext(s, ev, SMTPX_EXT_PIPELINING,
                 "command sent before the reply to the previous one",
                 "PIPELINING", "RFC 2920");
}

/* EHLO/HELO/LHLO: RFC 5321 4.1.4: a refused one leaves the server in the
 * state it was in; only an accepted one resets the session (the reply
 * applies it: sess_helo_accepted).  With no server octet ever seen nobody
 * answers: applied now. */
static void
apply_helo(smtpx_session_t *s, smtpx_event_t *ev, pending_t *p)
{
    /* Until a HELO is accepted, the one sent is all that is known (its
     * reply may be lost in a gap). */
    if (!s->ph.helo && p->cmd && p->cmd->helo)
        sess_helo_set(s, g_strdup(p->cmd->helo));
    p->txn_abort = s->ph.cur_txn;
    if (!s->server_seen)
        sess_helo_accepted(s, p, ev);
}

/* MAIL: a MAIL inside a transaction is refused (503, RFC 5321 4.1.4, 3.3)
 * and keeps the first envelope: the reply restores it (sess_mail_refused); an
 * accepted one ends the old transaction.  Returns the transaction to end
 * now when nobody will answer. */
static txn_t *
apply_mail(smtpx_session_t *s, smtpx_event_t *ev, smtpx_command_event_t *ce,
           pending_t *p)
{
    txn_t *abort_now = NULL;

    p->txn_abort = sess_detach_cur_txn(s);
    if (!s->server_seen) {
        sess_abandon_message(s, ev);
        abort_now = p->txn_abort;
    }
    check_mail_params(s, ev, ce->path, TRUE);
    s->ph.cur_txn = p->txn = sess_txn_new(s, ce->path, ev);
    return abort_now;
}

/* RCPT: one more forward-path for the summary (at most MAX_RCPTS). */
static void
apply_rcpt(smtpx_session_t *s, smtpx_event_t *ev, smtpx_command_event_t *ce,
           pending_t *p)
{
    smtpx_txn_event_t *t;

    check_mail_params(s, ev, ce->path, FALSE);
    p->txn = s->ph.cur_txn;
    if (!s->ph.cur_txn)
        return;
    t = &s->ph.cur_txn->ev;
    if (!t->rcpt_frame)
        t->rcpt_frame = s->feed->frame;       /* the summary links it */
    if (t->n_rcpt < MAX_RCPTS) {
        sess_txn_add_rcpt(s->ph.cur_txn, ce->path->mailbox ? ce->path->mailbox : "");
    } else if (!t->rcpt_truncated) {
        t->rcpt_truncated = TRUE;
        if (!s->rcpt_limit_flagged)
            sess_add_anomaly(ev, SMTPX_ANOM_RCPT_LIMIT,
                             "more than %d recipients in this transaction: the "
                             "summary lists the first %d", MAX_RCPTS, MAX_RCPTS);
        s->rcpt_limit_flagged = TRUE;
    }
}

/* DATA: the body follows the 354; clients that do not wait send it right
 * away.  Either way the next client octets are message. */
static void
apply_data(smtpx_session_t *s, const smtpx_stream_item_t *it,
           smtpx_event_t *ev, pending_t *p)
{
    p->txn = s->ph.cur_txn;
    if (s->ph.cur_txn && !s->ph.cur_txn->ev.data_frame)
        s->ph.cur_txn->ev.data_frame = s->feed->frame;   /* the summary links it */
    if (s->ph.rx.m)
        sess_abandon_message(s, ev);
    sess_begin_message(s, s->ph.cur_txn, ev);
    smtpx_stream_begin_data(s->st[SMTPX_DIR_CLIENT]);
    s->ph.cstate = C_DATA;
    s->feed->body_feed_start = it->offset + it->length;
    s->body_began_earlier = FALSE;
}

/* BDAT: a chunk of exactly the size given (RFC 3030 2), or a resync when
 * the size is unusable. */
static void
apply_bdat(smtpx_session_t *s, const smtpx_stream_item_t *it,
           smtpx_event_t *ev, smtpx_command_event_t *ce, pending_t *p)
{
    static const char *const why[] = {
        "valid", "missing", "not a number", "too large",
        "followed by a word other than LAST"
    };
    guint e = (guint)ce->bdat.error;

    need_ext(s, ev, SMTPX_EXT_CHUNKING, "BDAT used", "CHUNKING", "RFC 3030");
    if (ce->bdat.error == SMTPX_BDAT_OK) {
        if (s->ph.cur_txn && !s->ph.cur_txn->ev.data_frame)
            s->ph.cur_txn->ev.data_frame = s->feed->frame;   /* the summary links it */
        start_bdat(s, it, p, &ce->bdat);
        return;
    }
    sess_add_anomaly(ev, SMTPX_ANOM_BDAT_SIZE,
                "BDAT chunk size %s (RFC 3030 3): the chunk cannot be "
                "delimited; resynchronising on the next command line",
                e < G_N_ELEMENTS(why) ? why[e] : "invalid");
    p->txn = s->ph.cur_txn;
    sess_enter_resync(s, TRUE);
}

/* AUTH: cleartext and mechanism checks (RFC 4954 4); SASL lines follow. */
static void
apply_auth(smtpx_session_t *s, smtpx_event_t *ev, smtpx_command_event_t *ce,
           pending_t *p)
{
    if (!TLS_IS_ON(s))
        sess_add_anomaly(ev, SMTPX_ANOM_CLEARTEXT_AUTH,
                    "AUTH %s without TLS: the credentials cross the network "
                    "in clear", ce->auth_mechanism ? ce->auth_mechanism
                                                   : "(no mechanism)");
    if (s->ph.caps_known && s->ph.caps_ehlo && (s->ph.caps_mask & SMTPX_EXT_AUTH) &&
        ce->auth_mechanism && !auth_listed(s->ph.caps_auth, ce->auth_mechanism))
        sess_add_anomaly(ev, SMTPX_ANOM_UNADVERTISED,
                    "AUTH mechanism %s is not among those the server "
                    "advertised (RFC 4954 4)", ce->auth_mechanism);
    else
        need_ext(s, ev, SMTPX_EXT_AUTH, "AUTH used", "AUTH", "RFC 4954");
    s->ph.cstate = C_AUTH;
    s->ph.auth_continued = FALSE;
    s->ph.auth_pending = p;
}

/* An unknown verb (or an empty line): a note, and a resync after
 * UNKNOWN_RUN_LIMIT of them in a row. */
static void
apply_unknown(smtpx_session_t *s, const smtpx_stream_item_t *it,
              smtpx_event_t *ev, smtpx_command_event_t *ce)
{
    s->ph.unknown_run++;
    if (s->ph.unknown_run >= UNKNOWN_RUN_LIMIT) {
        sess_add_anomaly(ev, SMTPX_ANOM_UNKNOWN_COMMAND,
                    "%s: %u unknown commands in a row; lines are skipped "
                    "until a known command", it->line_len ?
                    "unknown command verb" : "empty command line",
                    s->ph.unknown_run);
        sess_enter_resync(s, TRUE);
        s->ph.unknown_run = 0;
    } else if (it->line_len == 0) {
        sess_add_anomaly(ev, SMTPX_ANOM_UNKNOWN_COMMAND, "empty command line");
    } else {
        sess_add_anomaly(ev, SMTPX_ANOM_UNKNOWN_COMMAND,
                    "unknown command verb \"%.64s\"", ce->verb_text);
    }
}

/*
 * The second step of a command line: what it does to the session as it is
 * sent (the reply may confirm or undo it: sess_reply_effects).  Returns a
 * transaction to end now because no server octet was ever seen, or NULL.
 */
static txn_t *
apply_command(smtpx_session_t *s, const smtpx_stream_item_t *it,
              smtpx_event_t *ev, smtpx_command_event_t *ce, pending_t *p)
{
    if (ce->verb != SMTPX_VERB_UNKNOWN)
        s->ph.unknown_run = 0;

    switch (ce->verb) {
    case SMTPX_VERB_HELO:
    case SMTPX_VERB_EHLO:
    case SMTPX_VERB_LHLO:
        apply_helo(s, ev, p);
        return NULL;
    case SMTPX_VERB_MAIL:
        return apply_mail(s, ev, ce, p);
    case SMTPX_VERB_RCPT:
        apply_rcpt(s, ev, ce, p);
        return NULL;
    case SMTPX_VERB_DATA:
        apply_data(s, it, ev, p);
        return NULL;
    case SMTPX_VERB_BDAT:
        apply_bdat(s, it, ev, ce, p);
        return NULL;
    case SMTPX_VERB_RSET:
    case SMTPX_VERB_QUIT:
        sess_abandon_message(s, ev);
        p->txn_abort = sess_detach_cur_txn(s);
        return p->txn_abort;
    case SMTPX_VERB_STARTTLS:
        need_ext(s, ev, SMTPX_EXT_STARTTLS, "STARTTLS used", "STARTTLS",
                 "RFC 3207");
        s->ph.cstate = C_STARTTLS;
        s->ph.inject[SMTPX_DIR_CLIENT].active = TRUE;
        s->ph.inject[SMTPX_DIR_CLIENT].from = it->offset + it->length;
        return NULL;
    case SMTPX_VERB_AUTH:
        apply_auth(s, ev, ce, p);
        return NULL;
    case SMTPX_VERB_UNKNOWN:
        apply_unknown(s, it, ev, ce);
        return NULL;
    default:
        return NULL;
    }
}

/* A command line: parsed (command_event), checked against the sequence
 * (command_sequence), applied (apply_command) and queued for its reply.
 * An injected line (after STARTTLS, before TLS) is shown and changes
 * nothing. */
void
sess_client_command(smtpx_session_t *s, const smtpx_stream_item_t *it,
               gboolean injected)
{
    smtpx_command_t *cmd = smtpx_command_parse(it->line, it->line_len);
    smtpx_event_t *ev = sess_emit(s, SMTPX_EV_COMMAND, SMTPX_DIR_CLIENT,
                             it->offset, it->length, it->began_earlier);
    gsize limit;
    smtpx_command_event_t *ce = sess_command_event_build(it->line, it->line_len, cmd, ev,
                                                         injected, &limit);
    pending_t *p;
    txn_t *abort_now;

    ev->rebuildable = sess_line_rebuildable(s, it);
    smtpx_command_free(cmd);
    if (injected)
        return;
    command_sequence(s, it, ev, ce, limit);
    /* A known verb's name is static (verb_text is the same string), so
     * what names the command outlives its event (a transaction's end
     * reason, a reply's cmd_name). */
    p = sess_pending_new(P_CMD, ce->verb,
                         ce->verb != SMTPX_VERB_UNKNOWN ? smtpx_verb_name(ce->verb) : ce->verb_text,
                         s);
    p->cmd = ce;
    if (ev->transient) {
        /* Past max_records (issue 14): the command lives as long as its
         * queue entry, and names that outlive it (a transaction's end
         * reason) are the static verb names. */
        ev->command = NULL;
        p->owns_cmd = TRUE;
        p->name = ce->verb != SMTPX_VERB_UNKNOWN ? smtpx_verb_name(ce->verb) : "<command>";
    }
    abort_now = apply_command(s, it, ev, ce, p);
    if (p->owns_cmd && ce->verb == SMTPX_VERB_MAIL && p->txn && p->txn->mail_from == ce->path) {
        p->txn->owned_mail_from = ce->path;     /* the transaction keeps it */
        ce->path = NULL;
    }
    sess_pending_push(s, p, ev);

    /* No server octet ever seen: nobody will answer, end what this ends. */
    if (!s->server_seen && abort_now)
        sess_txn_end(s, abort_now, p->name, NULL, FALSE, ev);
}

/* ------------------------------------------------------------------ */
