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
#include <stdarg.h>
#include <string.h>

#include "session.h"
#include "stream.h"
#include "status_registry.h"
#include "dkim.h"

static void dkim_content(void *user, const guint8 *p, gsize n);

#define MAX_ANOMALIES       16     /* per event */
#define MAX_RCPTS           1000   /* listed per transaction */
#define MAX_SMUGGLING       16     /* smuggling events per message */
#define UNKNOWN_RUN_LIMIT   8      /* unknown commands in a row: resync */
#define COMMAND_LINE_LIMIT  512    /* RFC 5321 4.5.3.1.4, CRLF included */
#define REPLY_LINE_LIMIT    512    /* RFC 5321 4.5.3.1.5, CRLF included */
#define PREVIEW_MAX         80     /* octets of a smuggled command shown */
#define PREVIEW_LINES       4      /* lines of smuggled commands shown */

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

void
smtpx_config_init(smtpx_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_header_bytes = 64 * 1024;
    cfg->max_pending = 1000;
    cfg->max_line = 65536;
}

/* ------------------------------------------------------------------ */
/* Types */

typedef enum {
    P_CMD = 0,        /* a command line */
    P_GREETING,       /* the banner, pending from the start */
    P_END_OF_DATA     /* the end of a DATA body */
} pending_kind_t;

typedef struct txn txn_t;

typedef struct {
    pending_kind_t kind;
    smtpx_verb_t verb;
    const char *name;            /* the command's verb_text, or static */
    guint32 frame;               /* 0 when not seen */
    smtpx_time_t time;
    smtpx_command_event_t *cmd;  /* NULL for greeting and end of data */
    txn_t *txn;                  /* transaction this belongs to */
    txn_t *txn_abort;            /* transaction this command ends */
    gboolean bdat_last;
} pending_t;

struct txn {
    smtpx_txn_event_t *ev;       /* owned here, shown by a TXN event */
    gboolean emitted;
    const smtpx_path_t *mail_from;   /* the MAIL command event's path */
    guint16 neg_code;
    char *neg_status;
};

typedef enum {
    C_COMMAND = 0,   /* command lines */
    C_RESYNC,        /* skipping until a line that is plainly a command */
    C_DATA,          /* DATA body (stream in DATA mode) */
    C_BDAT,          /* BDAT chunk (stream in BDAT mode) */
    C_AUTH,          /* AUTH exchange: lines are SASL responses */
    C_STARTTLS,      /* STARTTLS sent, no reply: later octets are injected */
    C_TLS_WAIT       /* 220 to STARTTLS: only the TLS handshake is expected */
} client_state_t;

typedef enum {
    S_NORMAL = 0,
    S_RESYNC,        /* skipping until a valid reply line */
    S_INJECTED       /* after the 220 to STARTTLS: replies are injected */
} server_state_t;

/* Where TLS stands (RFC 3207; implicit TLS on port 465). */
typedef enum {
    TLS_CLEAR = 0,     /* plaintext, no STARTTLS accepted */
    TLS_ACCEPTED,      /* a 220 answered STARTTLS (or the client began its
                          handshake): plaintext is no longer expected */
    TLS_ON_STARTTLS,   /* decrypted application data after STARTTLS */
    TLS_ON_IMPLICIT    /* decrypted application data from the start */
} tls_phase_t;

#define TLS_IS_ON(s) ((s)->tls_phase >= TLS_ON_STARTTLS)
#define STARTTLS_WAS_ACCEPTED(s) ((s)->tls_phase == TLS_ACCEPTED || \
                                  (s)->tls_phase == TLS_ON_STARTTLS)

/* Plaintext in one direction that the TLS layer will swallow. */
typedef struct {
    gboolean active;
    gsize from;                  /* first octet of it in this feed */
} inject_t;

/* The message being received; begin_message resets it as one. */
typedef struct {
    smtpx_message_event_t *m;    /* NULL when none */
    txn_t *txn;                  /* the transaction it belongs to */
    gboolean judged;
    gboolean body_seen;          /* a BODY item of it was seen */
    guint64 body_first_feed;
    guint smuggling_count;
    gboolean data_gap;           /* a gap inside its DATA body */
    gboolean chunk_last;         /* the current BDAT chunk is LAST */
    guint64 chunk_size;          /* the size of the current BDAT chunk */
} rx_t;

/*
 * What one phase of the session knows and where it stands: everything
 * learnt in clear, which RFC 3207 4.2 has both sides discard when TLS
 * starts.  smtpx_session_set_tls resets it as one (phase_reset).
 */
typedef struct {
    /* Knowledge. */
    const smtpx_ehlo_t *caps;    /* borrowed from a reply event */
    gboolean caps_known;         /* an EHLO/HELO reply was seen */
    char *helo;
    gboolean authenticated;
    txn_t *cur_txn;              /* MAIL seen, end of data not yet */

    /* Client side. */
    client_state_t cstate;
    gboolean resync_flagged;     /* the resync already has its anomaly */
    guint unknown_run;
    gboolean queue_limit_flagged;
    gboolean auth_continued;     /* a 334 was seen in this AUTH exchange */
    pending_t *auth_pending;
    pending_t *bdat_pending;     /* the BDAT whose chunk is being read,
                                    while it waits for its reply */
    gboolean bdat_refused;       /* that BDAT was refused before any octet
                                    of its chunk came */
    rx_t rx;                     /* the message being received */

    /* Server side. */
    server_state_t sstate;
    smtpx_reply_t *reply;        /* reply being assembled */
    guint64 reply_feed;
    gsize reply_start;
    gboolean reply_began_earlier;
    guint64 reply_longest;       /* longest line, line ending included */
    gboolean reply_injected;
    gboolean bad_run;
    gboolean unexpected_run;
    gboolean gap_compat;

    /* STARTTLS: plaintext windows and handshakes per direction. */
    inject_t inject[2];
    gboolean tls_started[2];     /* a TLS record was seen after STARTTLS */
} phase_t;

struct smtpx_session {
    smtpx_config_t cfg;
    smtpx_exception_t *exceptions;
    GPtrArray *exception_strings;

    smtpx_stream_t *st[2];
    GPtrArray *events;           /* smtpx_event_t *, owned */
    GPtrArray *messages;         /* smtpx_message_event_t *, owned */
    GPtrArray *txns;             /* txn_t *, owned */
    GQueue pending;              /* pending_t * */
    guint64 feed_no;

    /* The current feed. */
    guint32 frame;
    smtpx_time_t ts;
    GPtrArray *out;
    gsize len;
    gsize body_feed_start;       /* where the body began in this feed */
    gboolean body_began_earlier;

    /* The whole session. */
    tls_phase_t tls_phase;
    guint32 txn_count;
    gboolean client_seen;
    gboolean server_seen;

    phase_t ph;                  /* reset when TLS starts */
};

/* ------------------------------------------------------------------ */
/* Events and anomalies */

static void
anomaly_free(gpointer p)
{
    smtpx_anomaly_t *a = p;

    g_free(a->text);
    g_free(a);
}

static void
command_event_free(smtpx_command_event_t *c)
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

static void
reply_event_free(smtpx_reply_event_t *r)
{
    if (!r)
        return;
    smtpx_reply_free(r->reply);
    smtpx_ehlo_free(r->ehlo);
    g_free(r);
}

static void
event_free(gpointer p)
{
    smtpx_event_t *ev = p;

    if (ev->anomalies)
        g_ptr_array_unref(ev->anomalies);
    /* Messages and transactions are owned by the session's lists. */
    command_event_free(ev->command);
    reply_event_free(ev->reply);
    g_free(ev);
}

static void
message_free(gpointer p)
{
    smtpx_message_event_t *m = p;

    smtpx_headers_free(m->headers);
    smtpx_verdict_free(m->verdict);
    smtpx_dkim_msg_free(m->dkim);
    g_free(m);
}

static void
txn_free(gpointer p)
{
    txn_t *t = p;

    if (t->ev) {
        g_free(t->ev->helo);
        g_free(t->ev->mail_from);
        g_ptr_array_unref(t->ev->rcpt_to);
        g_free(t->ev->status);
        g_free(t->ev);
    }
    g_free(t->neg_status);
    g_free(t);
}

static smtpx_event_t *
emit(smtpx_session_t *s, smtpx_event_kind_t kind, smtpx_dir_t dir,
     gsize offset, gsize length, gboolean began_earlier)
{
    smtpx_event_t *ev = g_new0(smtpx_event_t, 1);

    ev->kind = kind;
    ev->dir = dir;
    ev->frame = s->frame;
    ev->offset = MIN(offset, s->len);
    ev->length = MIN(length, s->len - ev->offset);
    ev->began_earlier = began_earlier;
    g_ptr_array_add(s->events, ev);
    if (s->out)
        g_ptr_array_add(s->out, ev);
    return ev;
}

static void G_GNUC_PRINTF(3, 4)
add_anomaly(smtpx_event_t *ev, smtpx_anomaly_kind_t kind, const char *fmt, ...)
{
    smtpx_anomaly_t *a;
    va_list ap;

    if (!ev->anomalies)
        ev->anomalies = g_ptr_array_new_with_free_func(anomaly_free);
    if (ev->anomalies->len >= MAX_ANOMALIES)
        return;
    a = g_new0(smtpx_anomaly_t, 1);
    a->kind = kind;
    va_start(ap, fmt);
    a->text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(ev->anomalies, a);
}

static const char *
dir_name(smtpx_dir_t dir)
{
    return dir == SMTPX_DIR_CLIENT ? "client" : "server";
}

/* ------------------------------------------------------------------ */
/* The pending-command queue */

static pending_t *
pending_new(pending_kind_t kind, smtpx_verb_t verb, const char *name,
            smtpx_session_t *s)
{
    pending_t *p = g_new0(pending_t, 1);

    p->kind = kind;
    p->verb = verb;
    p->name = name;
    p->frame = s ? s->frame : 0;
    if (s)
        p->time = s->ts;
    return p;
}

static void
pending_drop(smtpx_session_t *s, pending_t *p)
{
    if (s->ph.auth_pending == p)
        s->ph.auth_pending = NULL;
    if (s->ph.bdat_pending == p)
        s->ph.bdat_pending = NULL;
    g_free(p);
}

static void
pending_clear(smtpx_session_t *s)
{
    pending_t *p;

    while ((p = g_queue_pop_head(&s->pending)) != NULL)
        pending_drop(s, p);
}

/* Appends p; when the queue is full the oldest entry is dropped and ev
 * (the event that asked) gets one queue_limit anomaly per overflow run. */
static void
pending_push(smtpx_session_t *s, pending_t *p, smtpx_event_t *ev)
{
    guint cap = s->cfg.max_pending ? s->cfg.max_pending : 1;

    while (g_queue_get_length(&s->pending) >= cap) {
        pending_drop(s, g_queue_pop_head(&s->pending));
        if (!s->ph.queue_limit_flagged && ev) {
            add_anomaly(ev, SMTPX_ANOM_QUEUE_LIMIT,
                        "more than %u commands without a reply: the oldest is "
                        "no longer matched to its reply", cap);
            s->ph.queue_limit_flagged = TRUE;
        }
    }
    g_queue_push_tail(&s->pending, p);
}

/* ------------------------------------------------------------------ */
/* Transactions and messages */

static txn_t *
txn_new(smtpx_session_t *s, const smtpx_path_t *mail_from)
{
    txn_t *t = g_new0(txn_t, 1);

    t->ev = g_new0(smtpx_txn_event_t, 1);
    t->ev->number = ++s->txn_count;
    t->ev->helo = g_strdup(s->ph.helo);
    if (mail_from)
        t->ev->mail_from = g_strdup(mail_from->null_path ? ""
                                    : (mail_from->mailbox ? mail_from->mailbox : ""));
    t->ev->rcpt_to = g_ptr_array_new_with_free_func(g_free);
    t->ev->tls = TLS_IS_ON(s);
    t->ev->auth = s->ph.authenticated;
    t->ev->first_frame = s->frame;
    t->mail_from = mail_from;
    g_ptr_array_add(s->txns, t);
    return t;
}

static void
txn_note_reply(txn_t *t, const smtpx_reply_t *r)
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
static void
txn_end(smtpx_session_t *s, txn_t *t, const char *reason,
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
    t->ev->reply_code = code;
    t->ev->status = g_strdup(status);
    t->ev->end_reason = reason;
    ev = emit(s, SMTPX_EV_TXN, ref ? ref->dir : SMTPX_DIR_SERVER,
              ref ? ref->offset : 0, ref ? ref->length : 0,
              ref ? ref->began_earlier : FALSE);
    ev->txn = t->ev;
}

static txn_t *
detach_cur_txn(smtpx_session_t *s)
{
    txn_t *t = s->ph.cur_txn;

    s->ph.cur_txn = NULL;
    return t;
}

static void
begin_message(smtpx_session_t *s, txn_t *t)
{
    smtpx_message_event_t *m = g_new0(smtpx_message_event_t, 1);

    m->headers = smtpx_headers_new(s->cfg.max_header_bytes ?
                                   s->cfg.max_header_bytes : 1);
    /* DKIM (issue 8): the message octets are hashed as they pass. */
    m->dkim = smtpx_dkim_msg_new(s->cfg.max_header_bytes ?
                                 s->cfg.max_header_bytes : 1);
    g_ptr_array_add(s->messages, m);
    memset(&s->ph.rx, 0, sizeof s->ph.rx);
    s->ph.rx.m = m;
    s->ph.rx.txn = t;
    if (t && !t->emitted)
        t->ev->message = m;
}

static const char *
verdict_text(const smtpx_verdict_t *v)
{
    return (v->reasons && *v->reasons) ? v->reasons : "the From domain is not backed by the envelope";
}

/* The header section of the current message is complete (or will not
 * grow): judge the author and emit the MESSAGE event over
 * [offset, offset + length) of this feed. */
static void
judge_message(smtpx_session_t *s, gsize offset, gsize length,
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
        in.helo = s->ph.rx.txn ? s->ph.rx.txn->ev->helo : s->ph.helo;
        in.headers = m->headers;
        in.exceptions = s->exceptions;
        in.n_exceptions = s->cfg.n_exceptions;
        m->verdict = smtpx_authorship_judge(&in);
    }

    ev = emit(s, SMTPX_EV_MESSAGE, SMTPX_DIR_CLIENT, offset, length,
              began_earlier);
    ev->message = m;
    m->verdict_frame = s->frame;    /* issue 11: the glue links to it */
    if (m->verdict && m->verdict->forged)
        add_anomaly(ev, SMTPX_ANOM_FORGED_FROM, "%s", verdict_text(m->verdict));
    if (m->verdict && m->verdict->notes && *m->verdict->notes)
        add_anomaly(ev, SMTPX_ANOM_FROM_SYNTAX, "%s", m->verdict->notes);
    if (smtpx_headers_truncated(m->headers))
        add_anomaly(ev, SMTPX_ANOM_HEADER_LIMIT,
                    "header section longer than %" G_GSIZE_FORMAT
                    " octets: the rest is not analysed",
                    s->cfg.max_header_bytes);
    /* Only the verdict is kept: the header section goes once it is made
     * (DESIGN.md, Invariants: no whole-message copies). */
    smtpx_headers_free(m->headers);
    m->headers = NULL;
}

/* Offsets of the header part of this feed, up to end_excl. */
static void
judge_here(smtpx_session_t *s, gsize end_excl, gboolean incomplete)
{
    gsize start = s->body_began_earlier ? 0 : s->body_feed_start;

    if (end_excl < start)
        end_excl = start;
    judge_message(s, start, end_excl - start, s->body_began_earlier, incomplete);
}

/* A message that will get no more octets (BDAT message abandoned by RSET,
 * MAIL, ...; DATA rejected): judged as incomplete if not yet, forgotten. */
static void
abandon_message(smtpx_session_t *s, const smtpx_event_t *ref)
{
    if (!s->ph.rx.m)
        return;
    s->ph.rx.m->incomplete = TRUE;
    if (!s->ph.rx.judged)
        judge_message(s, ref ? ref->offset : 0, 0,
                      ref ? ref->began_earlier : TRUE, TRUE);
    smtpx_dkim_msg_end(s->ph.rx.m->dkim, FALSE, s->ts.secs);   /* DKIM */
    s->ph.rx.m = NULL;
    s->ph.rx.txn = NULL;
}

static guint64
size_limit(const smtpx_session_t *s)
{
    if (s->ph.caps_known && s->ph.caps && s->ph.caps->size_present &&
        s->ph.caps->size_has_value)
        return s->ph.caps->size_limit;
    return 0;
}

/* DKIM (issue 8): every message octet after unstuffing, from the client
 * stream, goes to the verifier of the message being received. */
static void
dkim_content(void *user, const guint8 *p, gsize n)
{
    smtpx_session_t *s = user;

    if (s->ph.rx.m)
        smtpx_dkim_msg_feed(s->ph.rx.m->dkim, p, n);
}

/* The whole message is in (end of DATA or of the LAST chunk). */
static void
message_complete(smtpx_session_t *s, guint64 size, gsize offset, gsize length,
                 gboolean began_earlier, smtpx_event_t **end_ev)
{
    smtpx_message_event_t *m = s->ph.rx.m;
    smtpx_event_t *ev;
    guint64 limit = size_limit(s);

    if (m && !s->ph.rx.judged)
        judge_here(s, offset, s->ph.rx.data_gap);
    if (m) {
        m->size = size;
        m->size_final = TRUE;
        m->end_frame = s->frame;
        /* DKIM: the body hashes are final now. */
        m->end_time = s->ts;
        smtpx_dkim_msg_end(m->dkim, !m->incomplete && !s->ph.rx.data_gap, s->ts.secs);
    }
    ev = emit(s, SMTPX_EV_END_OF_DATA, SMTPX_DIR_CLIENT, offset, length,
              began_earlier);
    ev->message = m;
    if (m && limit > 0 && size > limit)
        add_anomaly(ev, SMTPX_ANOM_SIZE_EXCEEDED,
                    "message of %" G_GUINT64_FORMAT " octets exceeds the "
                    "advertised SIZE %" G_GUINT64_FORMAT " (RFC 1870)",
                    size, limit);
    *end_ev = ev;
}

/* ------------------------------------------------------------------ */
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
static gboolean
plainly_command(const smtpx_command_t *cmd, const guint8 *line, gsize len)
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

static void
need_ext(smtpx_session_t *s, smtpx_event_t *ev, guint32 ext,
         const char *what, const char *keyword, const char *rfc)
{
    guint32 mask = s->ph.caps ? s->ph.caps->ext_mask : 0;

    if (!s->ph.caps_known || (mask & ext))
        return;
    add_anomaly(ev, SMTPX_ANOM_UNADVERTISED,
                "%s, but the server's %s reply did not advertise %s (%s)",
                what, s->ph.caps ? "EHLO" : "HELO", keyword, rfc);
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
    guint64 limit = size_limit(s);

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
            add_anomaly(ev, SMTPX_ANOM_SIZE_EXCEEDED,
                        "declared SIZE=%" G_GUINT64_FORMAT " exceeds the "
                        "advertised SIZE %" G_GUINT64_FORMAT " (RFC 1870)",
                        path->size, limit);
    }
    if (path->dsn)
        need_ext(s, ev, SMTPX_EXT_DSN, "DSN parameters used", "DSN", "RFC 3461");
}

static void
enter_resync(smtpx_session_t *s, gboolean flagged)
{
    s->ph.cstate = C_RESYNC;
    s->ph.resync_flagged = flagged;
}

static void
start_bdat(smtpx_session_t *s, const smtpx_stream_item_t *it, pending_t *p,
           const smtpx_bdat_arg_t *b)
{
    gboolean new_message = FALSE;

    if (s->ph.rx.m && s->ph.rx.txn != s->ph.cur_txn)
        abandon_message(s, NULL);
    if (!s->ph.rx.m) {
        begin_message(s, s->ph.cur_txn);
        new_message = TRUE;
    }
    smtpx_stream_begin_bdat(s->st[SMTPX_DIR_CLIENT], b->chunk_size, new_message);
    if (!new_message && s->ph.rx.judged)
        smtpx_stream_set_want_lines(s->st[SMTPX_DIR_CLIENT], FALSE);
    s->ph.rx.chunk_last = b->last;
    s->ph.cstate = C_BDAT;
    s->body_feed_start = it->offset + it->length;
    s->body_began_earlier = FALSE;
    p->txn = s->ph.cur_txn;
    p->bdat_last = b->last;
    s->ph.bdat_pending = p;
    s->ph.bdat_refused = FALSE;
    s->ph.rx.chunk_size = b->chunk_size;
    if (b->last)
        detach_cur_txn(s);
}

/* An EHLO/HELO/LHLO was accepted (or nobody answers): its argument is the
 * HELO domain from now on, and the transaction it interrupts ends (RFC
 * 5321 4.1.4: the effect of a RSET). */
static void
helo_accepted(smtpx_session_t *s, pending_t *p, const smtpx_event_t *ev)
{
    txn_t *t = p->txn_abort;

    g_free(s->ph.helo);
    s->ph.helo = g_strdup(p->cmd ? p->cmd->helo : NULL);
    if (t && s->ph.rx.m && s->ph.rx.txn == t)
        abandon_message(s, ev);
    if (t && s->ph.cur_txn == t)
        detach_cur_txn(s);
    if (t && !s->server_seen)
        txn_end(s, t, p->name, NULL, FALSE, ev);
}

/* A MAIL was refused: the transaction it would have opened ends ("MAIL
 * rejected"); one that was open before it goes on (RFC 5321 4.1.4: a
 * rejected command changes no state; 3.3: a MAIL inside a transaction is a
 * sequence error and the first envelope stays). */
static void
mail_refused(smtpx_session_t *s, pending_t *p)
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
        add_anomaly(ev, SMTPX_ANOM_HELO_SYNTAX,
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
        add_anomaly(ev, SMTPX_ANOM_PATH_SYNTAX,
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
static smtpx_command_event_t *
command_event(const smtpx_stream_item_t *it, const smtpx_command_t *cmd,
              smtpx_event_t *ev, gboolean injected, gsize *limit)
{
    const guint8 *args = it->line + MIN(cmd->args_offset, it->line_len);
    gsize alen = it->line_len - MIN(cmd->args_offset, it->line_len);
    smtpx_command_event_t *ce = g_new0(smtpx_command_event_t, 1);

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
        add_anomaly(ev, SMTPX_ANOM_LINE_TOO_LONG,
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
    if (s->ph.gap_compat && !(s->ph.caps_known && s->ph.caps &&
                           (s->ph.caps->ext_mask & SMTPX_EXT_PIPELINING)))
        pending_clear(s);

    ce->pipelined = s->server_seen && !g_queue_is_empty(&s->pending);
    if (ce->pipelined)
        need_ext(s, ev, SMTPX_EXT_PIPELINING,
                 "command sent before the reply to the previous one",
                 "PIPELINING", "RFC 2920");
}

/* EHLO/HELO/LHLO: RFC 5321 4.1.4: a refused one leaves the server in the
 * state it was in; only an accepted one resets the session (the reply
 * applies it: helo_accepted).  With no server octet ever seen nobody
 * answers: applied now. */
static void
apply_helo(smtpx_session_t *s, smtpx_event_t *ev, pending_t *p)
{
    /* Until a HELO is accepted, the one sent is all that is known (its
     * reply may be lost in a gap). */
    if (!s->ph.helo && p->cmd && p->cmd->helo)
        s->ph.helo = g_strdup(p->cmd->helo);
    p->txn_abort = s->ph.cur_txn;
    if (!s->server_seen)
        helo_accepted(s, p, ev);
}

/* MAIL: a MAIL inside a transaction is refused (503, RFC 5321 4.1.4, 3.3)
 * and keeps the first envelope: the reply restores it (mail_refused); an
 * accepted one ends the old transaction.  Returns the transaction to end
 * now when nobody will answer. */
static txn_t *
apply_mail(smtpx_session_t *s, smtpx_event_t *ev, smtpx_command_event_t *ce,
           pending_t *p)
{
    txn_t *abort_now = NULL;

    p->txn_abort = detach_cur_txn(s);
    if (!s->server_seen) {
        abandon_message(s, ev);
        abort_now = p->txn_abort;
    }
    check_mail_params(s, ev, ce->path, TRUE);
    s->ph.cur_txn = p->txn = txn_new(s, ce->path);
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
    t = s->ph.cur_txn->ev;
    if (!t->rcpt_frame)
        t->rcpt_frame = s->frame;       /* issue 11: the summary links it */
    if (t->rcpt_to->len < MAX_RCPTS) {
        g_ptr_array_add(t->rcpt_to, g_strdup(ce->path->mailbox ?
                                             ce->path->mailbox : ""));
    } else if (!t->rcpt_truncated) {
        t->rcpt_truncated = TRUE;
        add_anomaly(ev, SMTPX_ANOM_QUEUE_LIMIT,
                    "more than %d recipients in this transaction: the "
                    "summary lists the first %d", MAX_RCPTS, MAX_RCPTS);
    }
}

/* DATA: the body follows the 354; clients that do not wait send it right
 * away.  Either way the next client octets are message. */
static void
apply_data(smtpx_session_t *s, const smtpx_stream_item_t *it,
           smtpx_event_t *ev, pending_t *p)
{
    p->txn = s->ph.cur_txn;
    if (s->ph.cur_txn && !s->ph.cur_txn->ev->data_frame)
        s->ph.cur_txn->ev->data_frame = s->frame;   /* issue 11: linked */
    if (s->ph.rx.m)
        abandon_message(s, ev);
    begin_message(s, s->ph.cur_txn);
    smtpx_stream_begin_data(s->st[SMTPX_DIR_CLIENT]);
    s->ph.cstate = C_DATA;
    s->body_feed_start = it->offset + it->length;
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
        if (s->ph.cur_txn && !s->ph.cur_txn->ev->data_frame)
            s->ph.cur_txn->ev->data_frame = s->frame;   /* issue 11: linked */
        start_bdat(s, it, p, &ce->bdat);
        return;
    }
    add_anomaly(ev, SMTPX_ANOM_BDAT_SIZE,
                "BDAT chunk size %s (RFC 3030 3): the chunk cannot be "
                "delimited; resynchronising on the next command line",
                e < G_N_ELEMENTS(why) ? why[e] : "invalid");
    p->txn = s->ph.cur_txn;
    enter_resync(s, TRUE);
}

/* AUTH: cleartext and mechanism checks (RFC 4954 4); SASL lines follow. */
static void
apply_auth(smtpx_session_t *s, smtpx_event_t *ev, smtpx_command_event_t *ce,
           pending_t *p)
{
    if (!TLS_IS_ON(s))
        add_anomaly(ev, SMTPX_ANOM_CLEARTEXT_AUTH,
                    "AUTH %s without TLS: the credentials cross the network "
                    "in clear", ce->auth_mechanism ? ce->auth_mechanism
                                                   : "(no mechanism)");
    if (s->ph.caps_known && s->ph.caps && (s->ph.caps->ext_mask & SMTPX_EXT_AUTH) &&
        ce->auth_mechanism &&
        !smtpx_ehlo_has_auth_mechanism(s->ph.caps, ce->auth_mechanism))
        add_anomaly(ev, SMTPX_ANOM_UNADVERTISED,
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
        add_anomaly(ev, SMTPX_ANOM_UNKNOWN_COMMAND,
                    "%s: %u unknown commands in a row; lines are skipped "
                    "until a known command", it->line_len ?
                    "unknown command verb" : "empty command line",
                    s->ph.unknown_run);
        enter_resync(s, TRUE);
        s->ph.unknown_run = 0;
    } else if (it->line_len == 0) {
        add_anomaly(ev, SMTPX_ANOM_UNKNOWN_COMMAND, "empty command line");
    } else {
        add_anomaly(ev, SMTPX_ANOM_UNKNOWN_COMMAND,
                    "unknown command verb \"%.64s\"", ce->verb_text);
    }
}

/*
 * The second step of a command line: what it does to the session as it is
 * sent (the reply may confirm or undo it: reply_effects).  Returns a
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
        abandon_message(s, ev);
        p->txn_abort = detach_cur_txn(s);
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
static void
client_command(smtpx_session_t *s, const smtpx_stream_item_t *it,
               gboolean injected)
{
    smtpx_command_t *cmd = smtpx_command_parse(it->line, it->line_len);
    smtpx_event_t *ev = emit(s, SMTPX_EV_COMMAND, SMTPX_DIR_CLIENT,
                             it->offset, it->length, it->began_earlier);
    gsize limit;
    smtpx_command_event_t *ce = command_event(it, cmd, ev, injected, &limit);
    pending_t *p;
    txn_t *abort_now;

    smtpx_command_free(cmd);
    if (injected)
        return;
    command_sequence(s, it, ev, ce, limit);
    p = pending_new(P_CMD, ce->verb, ce->verb_text, s);
    p->cmd = ce;
    abort_now = apply_command(s, it, ev, ce, p);
    pending_push(s, p, ev);

    /* No server octet ever seen: nobody will answer, end what this ends. */
    if (!s->server_seen && abort_now)
        txn_end(s, abort_now, ce->verb_text, NULL, FALSE, ev);
}

/* ------------------------------------------------------------------ */
/* Client items */

static void
auth_line(smtpx_session_t *s, const smtpx_stream_item_t *it)
{
    /* Never kept: offsets only. */
    emit(s, SMTPX_EV_AUTH_LINE, SMTPX_DIR_CLIENT, it->offset, it->length,
         it->began_earlier);
    if (s->ph.auth_continued && s->ph.auth_pending) {
        s->ph.auth_pending->frame = s->frame;
        s->ph.auth_pending->time = s->ts;
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
        message_complete(s, smtpx_stream_size(s->st[SMTPX_DIR_CLIENT]),
                         it->offset, it->length, it->began_earlier, &ev);
        s->ph.rx.m = NULL;
        s->ph.rx.txn = NULL;
    } else {
        ev = emit(s, SMTPX_EV_END_OF_DATA, SMTPX_DIR_CLIENT, it->offset,
                  it->length, it->began_earlier);
    }
    p = pending_new(P_END_OF_DATA, SMTPX_VERB_DATA, "<end-of-data>", s);
    p->txn = t;
    if (t == s->ph.cur_txn)
        detach_cur_txn(s);
    pending_push(s, p, ev);
    s->ph.cstate = C_COMMAND;
    s->ph.unknown_run = 0;
}

static void
client_line(smtpx_session_t *s, const smtpx_stream_item_t *it)
{
    switch (s->ph.cstate) {
    case C_STARTTLS:
    case C_TLS_WAIT:
        client_command(s, it, TRUE);
        return;
    case C_AUTH:
        if (!s->ph.auth_continued) {
            smtpx_command_t *cmd = smtpx_command_parse(it->line, it->line_len);
            gboolean plain = plainly_command(cmd, it->line, it->line_len);

            smtpx_command_free(cmd);
            if (plain) {
                /* A command after AUTH with an initial response. */
                s->ph.cstate = C_COMMAND;
                client_command(s, it, FALSE);
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
        plain = plainly_command(cmd, it->line, it->line_len);
        smtpx_command_free(cmd);
        if (plain) {
            s->ph.cstate = C_COMMAND;
            s->ph.unknown_run = 0;
            client_command(s, it, FALSE);
            return;
        }
        if (!s->ph.resync_flagged) {
            smtpx_event_t *ev = emit(s, SMTPX_EV_ANOMALY, SMTPX_DIR_CLIENT,
                                     it->offset, it->length, it->began_earlier);
            add_anomaly(ev, SMTPX_ANOM_UNKNOWN_COMMAND,
                        "client line that is not a command: client lines are "
                        "skipped until a recognisable command (the capture "
                        "may have started mid-session)");
            s->ph.resync_flagged = TRUE;
        }
        return;
    }
    default:
        client_command(s, it, FALSE);
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
    ev = emit(s, SMTPX_EV_ANOMALY, SMTPX_DIR_CLIENT, it->offset, it->length,
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
    add_anomaly(ev, kind, "%s", t->str);
    g_string_free(t, TRUE);
}

static void
client_item(smtpx_session_t *s, const smtpx_stream_item_t *it)
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
        /* issue 11: the message the bytes belong to (the glue shows the
         * verdict where the From field lies). */
        emit(s, SMTPX_EV_DATA, SMTPX_DIR_CLIENT, it->offset, it->length,
             earlier && it->offset == 0)->message = s->ph.rx.m;
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
            judge_here(s, it->offset + it->length, FALSE);
        break;
    }
    case SMTPX_SITEM_LONG_TEXT_LINE: {
        smtpx_event_t *ev = emit(s, SMTPX_EV_ANOMALY, SMTPX_DIR_CLIENT,
                                 it->offset, it->length, it->began_earlier);
        add_anomaly(ev, SMTPX_ANOM_LINE_TOO_LONG,
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

        message_complete(s, it->size, it->offset, it->length,
                         it->began_earlier, &ev);
        s->ph.rx.m = NULL;
        s->ph.rx.txn = NULL;
        s->ph.rx.data_gap = FALSE;
        s->ph.cstate = C_COMMAND;
        if (t == s->ph.cur_txn)
            detach_cur_txn(s);
        p = pending_new(P_END_OF_DATA, SMTPX_VERB_DATA, "<end-of-data>", s);
        p->txn = t;
        pending_push(s, p, ev);
        if (!s->server_seen)
            txn_end(s, t, "end of data", NULL, TRUE, ev);
        break;
    }
    case SMTPX_SITEM_CHUNK_END:
        s->ph.cstate = C_COMMAND;
        if (s->ph.rx.chunk_last) {
            smtpx_event_t *ev = NULL;
            txn_t *t = s->ph.rx.txn;

            message_complete(s, it->size, it->offset, it->length,
                             it->began_earlier, &ev);
            s->ph.rx.m = NULL;
            s->ph.rx.txn = NULL;
            s->ph.rx.chunk_last = FALSE;
            if (!s->server_seen)
                txn_end(s, t, "end of data", NULL, TRUE, ev);
        }
        break;
    }
}

/* ------------------------------------------------------------------ */
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
            pending_drop(s, g_queue_pop_head(&s->pending));
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
        pending_drop(s, g_queue_pop_head(&s->pending));
    }
}

static void
status_checks(smtpx_session_t *s, smtpx_event_t *ev, const smtpx_reply_t *r,
              const pending_t *p)
{
    guint cls = r->code / 100;

    if (r->status.present) {
        if (r->status.klass != cls)
            add_anomaly(ev, SMTPX_ANOM_STATUS_CLASS_MISMATCH,
                        "enhanced status code class %u differs from the "
                        "reply code's first digit %u (RFC 3463 2)",
                        r->status.klass, cls);
        if (!smtpx_status_lookup(r->status.subject, r->status.detail))
            add_anomaly(ev, SMTPX_ANOM_STATUS_UNREGISTERED,
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
    if (s->ph.caps_known && s->ph.caps &&
        (s->ph.caps->ext_mask & SMTPX_EXT_ENHANCEDSTATUSCODES))
        add_anomaly(ev, SMTPX_ANOM_STATUS_MISSING,
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
        s->ph.caps = re->ehlo;
        s->ph.caps_known = TRUE;
    } else if (r->code == 250 && p->verb == SMTPX_VERB_HELO) {
        s->ph.caps = NULL;
        s->ph.caps_known = TRUE;
    }
    if (r->code / 100 == 2)
        helo_accepted(s, p, ev);
    else
        p->txn_abort = NULL;
}

/* The reply to MAIL: a refusal ends the attempt and keeps the transaction
 * open before it (mail_refused); an acceptance ends that one's message. */
static void
reply_mail(smtpx_session_t *s, smtpx_event_t *ev, const smtpx_reply_t *r,
           pending_t *p, gboolean negative)
{
    txn_note_reply(p->txn, r);
    if (negative) {
        mail_refused(s, p);
        txn_end(s, p->txn, "MAIL rejected", r, TRUE, ev);
    } else if (p->txn_abort && s->ph.rx.m && s->ph.rx.txn == p->txn_abort) {
        abandon_message(s, ev);
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
    txn_note_reply(p->txn, r);
    if (!negative)
        return;
    if (s->ph.cstate == C_DATA && s->ph.rx.m && s->ph.rx.txn == p->txn) {
        smtpx_stream_end_body(s->st[SMTPX_DIR_CLIENT]);
        if (!s->ph.rx.body_seen) {
            if (p->txn && p->txn->ev->message == s->ph.rx.m)
                p->txn->ev->message = NULL;
            s->ph.rx.m = NULL;
            s->ph.rx.txn = NULL;
            s->ph.cstate = C_COMMAND;
        } else {
            abandon_message(s, ev);
            enter_resync(s, FALSE);
        }
    }
    txn_end(s, p->txn, "DATA rejected", r, TRUE, ev);
}

/* The reply to BDAT.  Refused before any octet of its chunk came: the
 * client waited for this reply and may send a command instead of the chunk
 * (checked on its next octets, bdat_refused_check). */
static void
reply_bdat(smtpx_session_t *s, smtpx_event_t *ev, const smtpx_reply_t *r,
           pending_t *p, gboolean negative)
{
    txn_note_reply(p->txn, r);
    if (negative && s->ph.bdat_pending == p && s->ph.cstate == C_BDAT &&
        s->ph.rx.chunk_size > 0 &&
        smtpx_stream_bdat_remaining(s->st[SMTPX_DIR_CLIENT]) == s->ph.rx.chunk_size)
        s->ph.bdat_refused = TRUE;
    if (p->bdat_last)
        txn_end(s, p->txn, "end of data", r, TRUE, ev);
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
static void
reply_effects(smtpx_session_t *s, smtpx_event_t *ev, smtpx_reply_event_t *re,
              pending_t *p)
{
    smtpx_reply_t *r = re->reply;
    gboolean negative = r->code / 100 == 4 || r->code / 100 == 5;
    gboolean pop = TRUE;

    if (p->kind == P_END_OF_DATA) {
        txn_note_reply(p->txn, r);
        txn_end(s, p->txn, "end of data", r, TRUE, ev);
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
            txn_note_reply(p->txn, r);
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
            txn_end(s, p->txn_abort, p->name, r, FALSE, ev);
    }
    if (pop) {
        g_queue_remove(&s->pending, p);
        pending_drop(s, p);
    }
    if (g_queue_is_empty(&s->pending))
        s->ph.queue_limit_flagged = FALSE;
}

static void
complete_reply(smtpx_session_t *s, const smtpx_stream_item_t *last)
{
    smtpx_reply_t *r = s->ph.reply;
    smtpx_reply_event_t *re = g_new0(smtpx_reply_event_t, 1);
    gboolean earlier = s->ph.reply_began_earlier || s->ph.reply_feed != s->feed_no;
    gsize start = earlier ? 0 : s->ph.reply_start;
    gsize end = last->offset + last->length;
    smtpx_event_t *ev;
    pending_t *p;

    s->ph.reply = NULL;
    ev = emit(s, SMTPX_EV_REPLY, SMTPX_DIR_SERVER, start,
              end > start ? end - start : 0, earlier);
    ev->reply = re;
    re->reply = r;
    re->cmd_verb = SMTPX_VERB_UNKNOWN;
    re->reply_time = s->ts;
    re->injected = s->ph.reply_injected;

    if (s->ph.reply_longest > REPLY_LINE_LIMIT)
        add_anomaly(ev, SMTPX_ANOM_LINE_TOO_LONG,
                    "reply line of %" G_GUINT64_FORMAT " octets with its line "
                    "ending: RFC 5321 4.5.3.1.5 allows %d",
                    s->ph.reply_longest, REPLY_LINE_LIMIT);
    if (r->bad_line)
        add_anomaly(ev, SMTPX_ANOM_BAD_REPLY,
                    "a line without a reply code ended this multi-line reply "
                    "(RFC 5321 4.2.1)");
    if (r->code_mismatch)
        add_anomaly(ev, SMTPX_ANOM_BAD_REPLY,
                    "the lines of this reply carry different reply codes "
                    "(RFC 5321 4.2.1)");
    if (re->injected)
        return;

    p = match_pending(s, r->code);
    if (!p && s->ph.cstate == C_DATA && s->ph.rx.data_gap && r->code / 100 != 3) {
        /* The end of data was lost in the gap: this answers it. */
        txn_t *t = s->ph.rx.txn;

        smtpx_stream_end_body(s->st[SMTPX_DIR_CLIENT]);
        abandon_message(s, ev);
        enter_resync(s, TRUE);
        s->ph.rx.data_gap = FALSE;
        p = pending_new(P_END_OF_DATA, SMTPX_VERB_DATA, "<end-of-data>", NULL);
        p->txn = t;
        if (t == s->ph.cur_txn)
            detach_cur_txn(s);
        g_queue_push_head(&s->pending, p);
    }
    if (!p) {
        status_checks(s, ev, r, NULL);
        if (!s->ph.unexpected_run)
            add_anomaly(ev, SMTPX_ANOM_UNEXPECTED_REPLY,
                        "no command is waiting for this reply (capture started "
                        "mid-session, or segments were lost)");
        s->ph.unexpected_run = TRUE;
        if (r->code == 354 && (s->ph.cstate == C_COMMAND || s->ph.cstate == C_RESYNC)) {
            /* The DATA was not captured; its body follows. */
            begin_message(s, s->ph.cur_txn);
            smtpx_stream_begin_data(s->st[SMTPX_DIR_CLIENT]);
            s->ph.cstate = C_DATA;
            s->body_feed_start = 0;
            s->body_began_earlier = FALSE;
        } else if ((re->ehlo = guess_ehlo(r)) != NULL) {
            s->ph.caps = re->ehlo;
            s->ph.caps_known = TRUE;
        }
        return;
    }
    s->ph.unexpected_run = FALSE;
    s->ph.gap_compat = FALSE;
    s->ph.sstate = S_NORMAL;

    re->cmd_name = p->name;
    re->cmd_verb = p->verb;
    re->request_frame = p->frame;
    re->request_time = p->time;
    if (p->cmd && p->cmd->response_frame == 0)
        p->cmd->response_frame = s->frame;
    status_checks(s, ev, r, p);
    reply_effects(s, ev, re, p);
}

static void
server_line(smtpx_session_t *s, const smtpx_stream_item_t *it)
{
    if (!s->ph.reply) {
        smtpx_reply_line_t rl;

        if (!smtpx_reply_line_parse(it->line, it->line_len, &rl)) {
            if (s->ph.sstate == S_RESYNC || s->ph.bad_run)
                return;
            {
                smtpx_event_t *ev = emit(s, SMTPX_EV_ANOMALY, SMTPX_DIR_SERVER,
                                         it->offset, it->length,
                                         it->began_earlier);
                add_anomaly(ev, SMTPX_ANOM_BAD_REPLY,
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
        s->ph.reply_began_earlier = it->began_earlier;
        s->ph.reply_longest = 0;
        s->ph.reply_injected = s->ph.sstate == S_INJECTED;
    }
    if (it->raw_len > s->ph.reply_longest)
        s->ph.reply_longest = it->raw_len;
    if (smtpx_reply_add_line(s->ph.reply, it->line, it->line_len))
        complete_reply(s, it);
}

/* ------------------------------------------------------------------ */
/* Life cycle */

smtpx_session_t *
smtpx_session_new(const smtpx_config_t *cfg)
{
    smtpx_session_t *s = g_new0(smtpx_session_t, 1);
    gsize i;

    if (cfg)
        s->cfg = *cfg;
    else
        smtpx_config_init(&s->cfg);
    if (s->cfg.max_header_bytes == 0)
        s->cfg.max_header_bytes = 64 * 1024;
    if (s->cfg.max_pending == 0)
        s->cfg.max_pending = 1000;
    if (s->cfg.max_line == 0)
        s->cfg.max_line = 65536;
    /* Deep copy of the exceptions. */
    s->exception_strings = g_ptr_array_new_with_free_func(g_free);
    if (s->cfg.exceptions && s->cfg.n_exceptions > 0) {
        s->exceptions = g_new0(smtpx_exception_t, s->cfg.n_exceptions);
        for (i = 0; i < s->cfg.n_exceptions; i++) {
            char *e = g_strdup(s->cfg.exceptions[i].envelope_domain);
            char *a = g_strdup(s->cfg.exceptions[i].author_domain);
            g_ptr_array_add(s->exception_strings, e);
            g_ptr_array_add(s->exception_strings, a);
            s->exceptions[i].envelope_domain = e;
            s->exceptions[i].author_domain = a;
        }
    } else {
        s->cfg.n_exceptions = 0;
    }
    s->cfg.exceptions = s->exceptions;

    s->st[SMTPX_DIR_CLIENT] = smtpx_stream_new(s->cfg.max_line);
    s->st[SMTPX_DIR_SERVER] = smtpx_stream_new(s->cfg.max_line);
    smtpx_stream_set_content_cb(s->st[SMTPX_DIR_CLIENT], dkim_content, s);
    s->events = g_ptr_array_new_with_free_func(event_free);
    s->messages = g_ptr_array_new_with_free_func(message_free);
    s->txns = g_ptr_array_new_with_free_func(txn_free);
    g_queue_init(&s->pending);
    g_queue_push_tail(&s->pending,
                      pending_new(P_GREETING, SMTPX_VERB_UNKNOWN, "<greeting>", NULL));
    s->ph.cstate = C_COMMAND;
    s->ph.sstate = S_NORMAL;
    return s;
}

void
smtpx_session_free(smtpx_session_t *s)
{
    if (!s)
        return;
    pending_clear(s);
    smtpx_reply_free(s->ph.reply);
    smtpx_stream_free(s->st[0]);
    smtpx_stream_free(s->st[1]);
    g_ptr_array_unref(s->events);
    g_ptr_array_unref(s->messages);
    g_ptr_array_unref(s->txns);
    g_free(s->exceptions);
    g_ptr_array_unref(s->exception_strings);
    g_free(s->ph.helo);
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

    if (w->active && from < s->len) {
        smtpx_event_t *ev = emit(s, SMTPX_EV_ANOMALY, dir, from, s->len - from,
                                 FALSE);
        if (dir == SMTPX_DIR_CLIENT)
            add_anomaly(ev, SMTPX_ANOM_STARTTLS_INJECTION,
                        "%" G_GSIZE_FORMAT " plaintext octets from the client "
                        "after STARTTLS, before TLS: a server that keeps them "
                        "runs them as commands inside the TLS session "
                        "(CVE-2011-0411, RFC 3207 4)", s->len - from);
        else
            add_anomaly(ev, SMTPX_ANOM_STARTTLS_INJECTION,
                        "%" G_GSIZE_FORMAT " plaintext octets from the server "
                        "after its 220 to STARTTLS, before TLS: a client that "
                        "keeps them reads them as replies inside the TLS "
                        "session (response injection)", s->len - from);
    }
    w->active = FALSE;
}

/*
 * A BDAT refused before any octet of its chunk came (reply_effects): RFC
 * 3030 2 has the server read the chunk anyway, but a client that waited
 * for the reply may send a command instead (seen in the wild: "BDAT 100",
 * "503 5.5.1", "RSET").  When the client's next octets begin with a line
 * that is plainly a command, the chunk was never sent: chunk mode ends and
 * the message it opened is forgotten (it got no octet).  Otherwise the
 * octets are the chunk, as the RFC wants.
 */
static void
bdat_refused_check(smtpx_session_t *s, const guint8 *data, gsize len)
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
    plain = plainly_command(cmd, data, n);
    smtpx_command_free(cmd);
    if (!plain)
        return;
    smtpx_stream_end_body(s->st[SMTPX_DIR_CLIENT]);
    if (s->ph.rx.m && !s->ph.rx.body_seen) {
        if (s->ph.rx.txn && s->ph.rx.txn->ev->message == s->ph.rx.m)
            s->ph.rx.txn->ev->message = NULL;
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

    if (!s)
        return;
    if (!data)
        len = 0;
    if (len == 0)
        return;
    if (dir != SMTPX_DIR_CLIENT)
        dir = SMTPX_DIR_SERVER;
    s->frame = frame;
    s->ts = ts;
    s->out = events;
    s->len = len;
    s->feed_no++;

    if (dir == SMTPX_DIR_CLIENT) {
        if (!s->client_seen) {
            s->client_seen = TRUE;
            /* The client speaks before any server octet: the capture most
             * likely began mid-session (or the client talks early). */
            if (!s->server_seen && s->ph.cstate == C_COMMAND)
                enter_resync(s, FALSE);
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
        bdat_refused_check(s, data, len);
    smtpx_stream_begin(st, data, len);
    if (dir == SMTPX_DIR_CLIENT) {
        s->body_feed_start = 0;
        s->body_began_earlier = smtpx_stream_mode(st) != SMTPX_STREAM_LINES;
    }
    while (smtpx_stream_next(st, &it)) {
        if (dir == SMTPX_DIR_CLIENT)
            client_item(s, &it);
        else if (it.kind == SMTPX_SITEM_LINE)
            server_line(s, &it);
    }
    flush_injection(s, dir);
out:
    s->out = NULL;
}

void
smtpx_session_gap(smtpx_session_t *s, smtpx_dir_t dir, guint32 frame,
                  smtpx_time_t ts, guint64 missing, GPtrArray *events)
{
    smtpx_event_t *ev;

    if (!s)
        return;
    if (dir != SMTPX_DIR_CLIENT)
        dir = SMTPX_DIR_SERVER;
    s->frame = frame;
    s->ts = ts;
    s->out = events;
    s->len = 0;
    s->feed_no++;

    ev = emit(s, SMTPX_EV_ANOMALY, dir, 0, 0, FALSE);
    if (missing > 0)
        add_anomaly(ev, SMTPX_ANOM_GAP,
                    "%" G_GUINT64_FORMAT " octets missing in the %s stream "
                    "(TCP gap); the analysis resynchronises", missing,
                    dir_name(dir));
    else
        add_anomaly(ev, SMTPX_ANOM_GAP,
                    "octets missing in the %s stream (TCP gap); the analysis "
                    "resynchronises", dir_name(dir));

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
                    judge_message(s, 0, 0, TRUE, TRUE);
            }
            break;
        case C_BDAT:
            if (s->ph.rx.m) {
                s->ph.rx.m->incomplete = TRUE;
                if (!s->ph.rx.judged)
                    judge_message(s, 0, 0, TRUE, TRUE);
            }
            if (mode != SMTPX_STREAM_BDAT) {
                /* The chunk end is lost. */
                if (s->ph.rx.chunk_last) {
                    s->ph.rx.m = NULL;
                    s->ph.rx.txn = NULL;
                }
                enter_resync(s, TRUE);
            }
            break;
        case C_STARTTLS:
        case C_TLS_WAIT:
            break;
        default:
            enter_resync(s, TRUE);
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
    s->out = NULL;
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
    pending_clear(s);
    smtpx_reply_free(s->ph.reply);
    g_free(s->ph.helo);
    memset(&s->ph, 0, sizeof s->ph);
    s->ph.cstate = C_COMMAND;
    s->ph.sstate = S_NORMAL;
    smtpx_stream_free(s->st[SMTPX_DIR_CLIENT]);
    smtpx_stream_free(s->st[SMTPX_DIR_SERVER]);
    s->st[SMTPX_DIR_CLIENT] = smtpx_stream_new(s->cfg.max_line);
    s->st[SMTPX_DIR_SERVER] = smtpx_stream_new(s->cfg.max_line);
    smtpx_stream_set_content_cb(s->st[SMTPX_DIR_CLIENT], dkim_content, s);
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
