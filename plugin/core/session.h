/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session.h - the SMTP session engine: both directions of one SMTP session
 * are fed in capture order; it frames lines (stream.h), follows the RFC 5321
 * state machine (section 4.1.4 command order, 4.3 sequencing), matches every
 * reply to the command it answers through a bounded pending-command queue
 * (pipelining, RFC 2920), follows DATA and BDAT bodies (RFC 3030), AUTH
 * exchanges (RFC 4954) and STARTTLS (RFC 3207), and emits events that the
 * epan glue turns into tree items.
 *
 * Ownership: every event handed out, and everything it points to, belongs
 * to the session and lives until smtpx_session_free(), unless the caller
 * hands it back with smtpx_session_release() (then it lives until the next
 * feed).  Events are never moved, so a pointer kept by the caller stays
 * valid; a few members of an event (command->response_frame,
 * message->size...) are filled in by later feeds.
 *
 * Event semantics (implemented in session.c, framing in stream.h):
 * - Replies are matched in order to the oldest unanswered entry: the banner
 *   to "<greeting>" (request_frame 0), the reply to the end of a DATA body
 *   to "<end-of-data>" (cmd_verb SMTPX_VERB_DATA, request_frame = frame of
 *   the "." line), each BDAT (LAST included) to itself, the rest to their
 *   command.  A 334 is matched to AUTH with intermediate = TRUE and AUTH
 *   stays pending; after a SASL line the next reply's request_frame is that
 *   line's frame.  A reply with nothing pending has cmd_name NULL.
 * - command->pipelined: sent while an earlier entry (the banner included)
 *   was unanswered; never set before any server octet was seen (a capture
 *   of one direction only).
 * - SMTPX_EV_TXN is emitted right after the SMTPX_EV_REPLY that ended the
 *   transaction, with that reply's frame/offset/length; with no server
 *   octet ever seen, right after the client event that ended it (reply_code
 *   0).  One per transaction: delivered or refused at the end of data, MAIL
 *   rejected, DATA rejected, or abandoned by RSET, QUIT, a new MAIL, EHLO/HELO.
 * - SMTPX_EV_MESSAGE: client frame where the header section ended (or the
 *   end of data, the header limit, a gap, an abandoned BDAT message);
 *   SMTPX_EV_END_OF_DATA: frame of the "." line (DATA) or of the end of
 *   the LAST chunk (BDAT, offset there, length 0); its message is NULL when
 *   the start of the body was not captured.
 * - SMTPX_EV_DATA: the body octets of one feed (DATA body or BDAT chunk).
 * - STARTTLS: client octets after the STARTTLS line (same feed or later,
 *   before the 220) and server octets after the 220 in the same feed give
 *   one SMTPX_EV_ANOMALY (starttls_injection) per feed covering them; the
 *   lines in them are COMMAND/REPLY events with injected = TRUE that change
 *   nothing.  Octets fed after the 220 and before smtpx_session_set_tls
 *   that begin a TLS record (and everything after that in that direction)
 *   are ignored; other plaintext there is injection too.
 * - Resynchronisation (capture starting mid-session, gaps, bad BDAT
 *   sizes): skipped client lines give at most one anomaly per resync; a
 *   lone "." line while skipping is taken as the end of a DATA body whose
 *   start was not seen (SMTPX_EV_END_OF_DATA, "<end-of-data>" pending).
 */
#ifndef SMTPX_CORE_SESSION_H
#define SMTPX_CORE_SESSION_H

#include "common.h"
#include "reply.h"
#include "ehlo.h"
#include "command.h"
#include "headers.h"
#include "authorship.h"

G_BEGIN_DECLS

/* Named anomalies, from the one table anomalies.def; one expert info each
 * in the glue (smtpx.analysis.<name>). */
typedef enum {
#define SMTPX_ANOMALY(id, name, group, severity, tag, label, summary) SMTPX_ANOM_##id,
#include "anomalies.def"
#undef SMTPX_ANOMALY
    SMTPX_ANOM_COUNT
} smtpx_anomaly_kind_t;

typedef struct {
    smtpx_anomaly_kind_t kind;
    char *text;          /* clear words for the expert info, printable */
} smtpx_anomaly_t;

typedef enum {
    SMTPX_EV_COMMAND = 0, /* a command line (client) */
    SMTPX_EV_REPLY,       /* a complete reply, single or multi-line (server) */
    SMTPX_EV_AUTH_LINE,   /* a SASL response line (client), never a command */
    SMTPX_EV_DATA,        /* message bytes in this frame (DATA body or BDAT
                             chunk), after the command that opened them */
    SMTPX_EV_MESSAGE,     /* header section complete: fields and verdict */
    SMTPX_EV_END_OF_DATA, /* end of the message: size known */
    SMTPX_EV_TXN,         /* mail transaction summary (server frame of the
                             reply that ended it) */
    SMTPX_EV_ANOMALY      /* an anomaly tied to bytes, not to an item */
} smtpx_event_kind_t;

typedef struct {
    smtpx_verb_t verb;
    char     *verb_text;     /* upper case, printable */
    char     *args;          /* arguments, printable; for AUTH only the
                                mechanism (credentials are never kept) */
    gboolean  pipelined;     /* sent while an earlier command was unanswered */
    guint32   response_frame;/* frame of the reply; 0 until it is seen */
    smtpx_path_t *path;      /* MAIL/RCPT, else NULL */
    char     *helo;          /* EHLO/HELO/LHLO argument, printable, else NULL */
    smtpx_helo_kind_t helo_kind;
    smtpx_bdat_arg_t bdat;   /* BDAT */
    char     *auth_mechanism;/* AUTH, upper case, else NULL */
    gboolean  injected;      /* sent after STARTTLS before TLS (see anomaly) */
    gboolean  auth_initial_response; /* AUTH carried an initial response
                                (RFC 4954 4); the response is never kept */
    gpointer  user;          /* the caller's, NULL at first; given back as
                                answered_user by the reply that sets
                                response_frame (smtpx_session_release) */
} smtpx_command_event_t;

typedef struct {
    smtpx_reply_t *reply;
    const char *cmd_name;    /* verb of the answered command, "<greeting>"
                                for the banner, "<end-of-data>" (cmd_verb
                                DATA) for the reply to a DATA body's end,
                                or NULL when nothing was pending */
    smtpx_verb_t cmd_verb;
    guint32   request_frame; /* 0 when unmatched */
    smtpx_time_t request_time;
    smtpx_time_t reply_time;
    smtpx_ehlo_t *ehlo;      /* a positive EHLO reply, parsed; else NULL */
    gboolean  injected;
    gboolean  intermediate;  /* a 334 to AUTH: the command is still pending
                                and the next reply answers it again */
    gpointer  answered_user; /* when this reply set the response_frame of
                                its command: that command's user, else NULL */
    char     *owned_name;    /* internal: cmd_name when it is a copy */
} smtpx_reply_event_t;

typedef struct {
    /* Issue 10: ordered so that no padding is kept per message; the flags
     * are bits (0 or 1). */
    smtpx_headers_t *headers;   /* the header section while it is being
                                   accumulated; freed (NULL) once the
                                   verdict is made */
    smtpx_verdict_t *verdict;   /* the authorship verdict; NULL when the
                                   message is incomplete and no From field
                                   was seen (nothing to judge) */
    guint64   size;             /* octets after dot-unstuffing; final once
                                   size_final */
    /* DKIM (issue 8): the verifier fed this message's octets as they
     * passed (dkim.h); ended at the end of data.  Evaluate it against
     * keys with smtpx_dkim_msg_evaluate.  Owned by the session. */
    struct smtpx_dkim_msg *dkim;
    smtpx_time_t end_time;      /* capture time of the end of data */
    guint32   end_frame;        /* frame with the end of data, 0 until then */
    /* issue 11: frame of the SMTPX_EV_MESSAGE event (the verdict), 0 until
     * the header section is judged. */
    guint32   verdict_frame;
    guint     size_final : 1;
    guint     incomplete : 1;   /* octets of it were lost (gap) or it was
                                   abandoned before its end; the verdict
                                   rests on what was seen */
} smtpx_message_event_t;

typedef struct {
    /* Issue 10: ordered so that no padding is kept per transaction; the
     * flags are bits (0 or 1). */
    guint32   number;        /* 1, 2, ... within the session */
    guint16   reply_code;    /* the reply that decided the transaction: the
                                final reply to the end of data (or to BDAT
                                LAST), or the rejection of MAIL or DATA;
                                when RSET, QUIT, a new MAIL or EHLO/HELO
                                ended it, its last failure reply (a refused
                                RCPT), else the reply to that command; 0
                                when no reply was seen */
    guint16   tls : 1;       /* protected by TLS */
    guint16   auth : 1;      /* a 235 was seen in this session before */
    guint16   rcpt_truncated : 1; /* more recipients than rcpt_to lists
                                (1000) */
    char     *helo;
    char     *mail_from;     /* reverse-path mailbox, "" for <>, NULL none */
    char     *rcpt_to;       /* the forward-path mailboxes, accepted or
                                not, in order: n_rcpt NUL-terminated
                                strings one after the other in one block
                                ("" for a path without one; issue 10: no
                                array and no block per recipient); NULL
                                when n_rcpt is 0.  smtpx_txn_rcpt_next
                                steps through them. */
    smtpx_message_event_t *message; /* NULL when no message was sent */
    char     *status;        /* that reply's enhanced status code, or NULL */
    const char *end_reason;  /* owned by the session: "end of data",
                                "MAIL rejected", "DATA rejected", or the
                                verb that ended it: "RSET", "QUIT", "MAIL"
                                (a new MAIL), "EHLO", "HELO", "LHLO" */
    guint32   first_frame;   /* frame of MAIL */
    guint32   rcpt_frame;    /* issue 11: frame of the first RCPT, 0 none */
    guint32   data_frame;    /* issue 11: frame of DATA or of the first
                                BDAT, 0 none */
    guint32   n_rcpt;        /* strings in rcpt_to (at most 1000) */
} smtpx_txn_event_t;

/* The recipient after r in a smtpx_txn_event_t's rcpt_to (r: one of its
 * n_rcpt strings; the first is rcpt_to itself).  Only call it for the
 * first n_rcpt - 1 of them: past the last is not a string. */
static inline const char *
smtpx_txn_rcpt_next(const char *r)
{
    return r + strlen(r) + 1;
}

typedef struct {
    smtpx_event_kind_t kind;
    smtpx_dir_t dir;
    guint32   frame;         /* frame the event belongs to */
    gboolean  began_earlier; /* the line/item began in an earlier frame */
    gsize     offset;        /* first byte in the span fed for that frame */
    gsize     length;        /* bytes of the span it covers (may be 0) */
    GPtrArray *anomalies;    /* smtpx_anomaly_t *, or NULL */
    smtpx_command_event_t *command;   /* exactly one of these is set, */
    smtpx_reply_event_t   *reply;     /* matching kind; AUTH_LINE, DATA and */
    smtpx_message_event_t *message;   /* ANOMALY events have none (DATA: */
    smtpx_txn_event_t     *txn;       /* offset/length; END_OF_DATA: message) */
    /* A DATA event's message is also set (the message its bytes belong
     * to, NULL when its start was not seen); read it, never free it. */
    gboolean  transient;     /* internal: past smtpx.max_records or
                                smtpx.max_transactions, never handed
                                out, freed at the next feed */
    gboolean  rebuildable;   /* COMMAND, REPLY: its line(s) lie whole and
                                unchanged at offset/length of the data fed,
                                none cut at max_line, so smtpx_event_rebuild
                                gives the same command or reply back */
    gboolean  released;      /* internal: smtpx_session_release took it */
} smtpx_event_t;

/* Defaults of the caps a user may move (README, "Caps on what a peer
 * controls"; preferences smtpx.max_pending, smtpx.max_records and
 * smtpx.max_transactions). */
#define SMTPX_DEFAULT_MAX_PENDING 1000
#define SMTPX_DEFAULT_MAX_RECORDS 20000
#define SMTPX_DEFAULT_MAX_TRANSACTIONS 2000

typedef struct {
    gsize max_header_bytes;   /* header bytes kept per message (64 KiB) */
    guint max_pending;        /* pending-command queue cap (default 1000) */
    guint max_records;        /* COMMAND, REPLY, AUTH_LINE, DATA and ANOMALY
                                 events kept per session (default 20000);
                                 past it they are not emitted (one
                                 record_limit anomaly says so; security and
                                 cap anomalies still come, as ANOMALY
                                 events, up to 64 more), while the session
                                 is still followed: MESSAGE, END_OF_DATA and
                                 TXN events keep coming */
    guint max_transactions;   /* mail transactions kept per session
                                 (default 2000; a message outside a
                                 transaction or the second of one, and an
                                 end of data whose message start was not
                                 seen, take one too):
                                 past it they are followed but their
                                 MESSAGE, END_OF_DATA and TXN events are
                                 not emitted, DATA events point at no
                                 message, and they are freed once done
                                 (one txn_limit anomaly says so; a forged
                                 From still gives an ANOMALY event, within
                                 the 64 kept past the caps) */
    gsize max_line;           /* longest line kept whole (default 65536);
                                 longer lines are cut and flagged */
    const smtpx_exception_t *exceptions; /* copied by smtpx_session_new */
    gsize n_exceptions;
} smtpx_config_t;

/* Defaults for every member. */
void smtpx_config_init(smtpx_config_t *cfg);

typedef struct smtpx_session smtpx_session_t;

/* A new session in the "waiting for greeting" state.  cfg may be NULL
 * (defaults); it is copied.  Free with smtpx_session_free. */
smtpx_session_t *smtpx_session_new(const smtpx_config_t *cfg);
void smtpx_session_free(smtpx_session_t *s);

/*
 * smtpx_session_feed - feed the next bytes of one direction.
 * data/len: the bytes in stream order, any length, any content; no byte is
 *   fed twice (the caller drops retransmissions).
 * frame/ts: the frame the bytes are in and its time.
 * events: if not NULL, every event for this frame produced by this call is
 *   appended (borrowed pointers, owned by s).  Offsets are relative to data.
 */
void smtpx_session_feed(smtpx_session_t *s, smtpx_dir_t dir, guint32 frame,
                        smtpx_time_t ts, const guint8 *data, gsize len,
                        GPtrArray *events);

/*
 * smtpx_session_gap - missing bytes in one direction (missing may be 0 when
 * unknown).  Emits a GAP anomaly event for frame and resynchronises: the
 * direction waits for the next line that is plainly a command (client) or a
 * reply (server); a message in progress is closed as incomplete.
 */
void smtpx_session_gap(smtpx_session_t *s, smtpx_dir_t dir, guint32 frame,
                       smtpx_time_t ts, guint64 missing, GPtrArray *events);

/*
 * TLS: after a feed, smtpx_session_starttls_accepted() is TRUE once a 220
 * answered STARTTLS (it stays TRUE); from then on plaintext is not expected.
 * smtpx_session_set_tls(s, TRUE) tells the engine that the bytes now fed are
 * decrypted TLS application data (also for implicit TLS on port 465): the
 * state resets to "EHLO expected" (RFC 3207 4.2) and later transactions are
 * marked tls.
 */
gboolean smtpx_session_starttls_accepted(const smtpx_session_t *s);
void smtpx_session_set_tls(smtpx_session_t *s, gboolean tls);
gboolean smtpx_session_tls(const smtpx_session_t *s);

/*
 * Handing events over (issue 10: what a finished transaction keeps).
 *
 * smtpx_session_release - the caller will not read ev after this feed.
 * ev: an event the last smtpx_session_feed/gap call handed out.  Only an
 *   event that can be rebuilt from its bytes and context is taken: kind
 *   COMMAND or REPLY with rebuildable set, AUTH_LINE, DATA, MESSAGE,
 *   END_OF_DATA or TXN (their message and transaction stay with the
 *   session), no anomalies, not yet released; a MAIL command whose
 *   transaction still needs its path from the event is kept too.
 * Returns TRUE when ev is taken: it stays valid, unchanged, until the next
 *   feed, gap or free of s, which frees it (its command stays with the
 *   pending queue as long as a reply may answer it; a reply to such a
 *   command then carries the command's user pointer in answered_user).
 *   FALSE: ev stays owned by s as before.
 */
gboolean smtpx_session_release(smtpx_session_t *s, smtpx_event_t *ev);

/*
 * smtpx_session_feed_done - the caller has read the events of the last
 * feed or gap for the last time: the released ones are freed now, not at
 * the next feed (issue 10: a finished session gets no next feed, so its
 * last events would stay until it is freed).  Events not released stay
 * valid as before.  Does nothing when none are released; s NULL: nothing.
 */
void smtpx_session_feed_done(smtpx_session_t *s);

/* What smtpx_event_rebuild needs besides the bytes: the event's own
 * members that its bytes do not give (copied from the event the session
 * handed out, or kept by the caller). */
typedef struct {
    smtpx_event_kind_t kind;     /* COMMAND or REPLY */
    smtpx_dir_t dir;
    guint32   frame;
    gsize     offset;
    gboolean  injected;
    gboolean  pipelined;         /* COMMAND */
    guint32   linked_frame;      /* COMMAND: response_frame; REPLY:
                                    request_frame */
    const char *cmd_name;        /* REPLY: borrowed, kept by the caller */
    smtpx_verb_t cmd_verb;       /* REPLY */
    smtpx_time_t request_time;   /* REPLY */
    smtpx_time_t reply_time;     /* REPLY */
    gboolean  intermediate;      /* REPLY */
    gboolean  has_ehlo;          /* REPLY: the session parsed it as EHLO */
} smtpx_rebuild_context_t;

/*
 * smtpx_event_rebuild - the COMMAND or REPLY event of a rebuildable event,
 * made again from the bytes it covered: bytes/len are the event's whole
 * span (the line or lines with their line endings, not NUL-terminated).
 * The command is parsed as session_commands.c parses it (RFC 5321 4.1),
 * the reply line by line (4.2), and EHLO keywords when has_ehlo (RFC 5321
 * 4.1.1.1); anomalies are not made again (a released event had none).
 * Bytes that do not end in LF, or a reply whose lines do not complete it,
 * give NULL.  Returns a new event owned by the caller: free it with
 * smtpx_event_free (cmd_name stays borrowed).
 */
smtpx_event_t *smtpx_event_rebuild(const smtpx_rebuild_context_t *ctx,
                                   const guint8 *bytes, gsize len);
/* Frees an event from smtpx_event_rebuild (NULL: nothing). */
void smtpx_event_free(smtpx_event_t *ev);

/* Name of an anomaly for the filter "smtpx.analysis.<name>" (static). */
const char *smtpx_anomaly_name(smtpx_anomaly_kind_t kind);

G_END_DECLS

#endif /* SMTPX_CORE_SESSION_H */
