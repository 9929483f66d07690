/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_release.c - events handed back to the session and made again from
 * their bytes (session.h: smtpx_session_release, smtpx_event_rebuild;
 * issue 10).  Each conversation runs twice: once keeping every event, once
 * releasing every event the session lets go, right after its feed, and
 * making it again from the bytes it covered.  Every event of the second
 * run, rebuilt or kept, must read as the same event of the first, response
 * frames included (those of released commands come back through
 * answered_user), with the feeds cut at every split point.
 */
#include <string.h>
#include <glib.h>

#include "session.h"

#define C SMTPX_DIR_CLIENT
#define S SMTPX_DIR_SERVER

/* One step of a conversation. */
typedef struct {
    smtpx_dir_t dir;
    const char *text;
} step_t;

static void
describe_path(GString *g, const smtpx_path_t *p)
{
    guint i;

    if (!p) {
        g_string_append(g, " path=none");
        return;
    }
    g_string_append_printf(g, " path=[%d|%s|%s|%s|%s|%u|%d:%" G_GUINT64_FORMAT "|%s|%d%d%d|%"
                           G_GSIZE_FORMAT "+%" G_GSIZE_FORMAT,
                           p->null_path, p->mailbox ? p->mailbox : "-",
                           p->local_part ? p->local_part : "-", p->domain ? p->domain : "-",
                           p->route ? p->route : "-", p->flags, p->size_present, p->size,
                           p->body ? p->body : "-", p->smtputf8, p->dsn, p->requiretls,
                           p->path_offset, p->path_length);
    for (i = 0; p->params && i < p->params->len; i++) {
        const smtpx_param_t *q = g_ptr_array_index(p->params, i);
        g_string_append_printf(g, " %s=%s(%s)@%" G_GSIZE_FORMAT "+%" G_GSIZE_FORMAT, q->keyword,
                               q->value ? q->value : "-", q->raw, q->offset, q->length);
    }
    g_string_append_c(g, ']');
}

static void
describe_ehlo(GString *g, const smtpx_ehlo_t *e)
{
    guint i;

    if (!e) {
        g_string_append(g, " ehlo=none");
        return;
    }
    g_string_append_printf(g, " ehlo=[%s|%s|%s|%x|%d%d:%" G_GUINT64_FORMAT "|%u", e->domain ? e->domain : "-",
                           e->greeting ? e->greeting : "-", e->keywords ? e->keywords : "-",
                           e->ext_mask, e->size_present, e->size_has_value, e->size_limit,
                           e->keywords_dropped);
    for (i = 0; i < e->capabilities->len; i++) {
        const smtpx_ehlo_capability_t *c = g_ptr_array_index(e->capabilities, i);
        g_string_append_printf(g, " %s(%s)%x%d%d@%u", c->keyword, c->params ? c->params : "-",
                               c->ext, c->valid, c->obsolete_form, c->line);
    }
    g_string_append_c(g, ']');
}

/* Everything the tree reads of a COMMAND or REPLY, response_frame apart. */
static char *
describe(const smtpx_event_t *ev)
{
    GString *g = g_string_new(NULL);
    guint i;

    g_string_append_printf(g, "k%d d%d f%u @%" G_GSIZE_FORMAT "+%" G_GSIZE_FORMAT " e%d",
                           ev->kind, ev->dir, ev->frame, ev->offset, ev->length,
                           ev->began_earlier);
    if (ev->command) {
        const smtpx_command_event_t *c = ev->command;
        g_string_append_printf(g, " cmd %d %s [%s] p%d h=%s/%d bdat=%" G_GUINT64_FORMAT "/%d/%d "
                               "auth=%s/%d inj%d", c->verb, c->verb_text, c->args ? c->args : "-",
                               c->pipelined, c->helo ? c->helo : "-", c->helo_kind,
                               c->bdat.chunk_size, c->bdat.last, c->bdat.error,
                               c->auth_mechanism ? c->auth_mechanism : "-",
                               c->auth_initial_response, c->injected);
        describe_path(g, c->path);
    }
    if (ev->reply) {
        const smtpx_reply_event_t *r = ev->reply;
        g_string_append_printf(g, " reply %u st=%s/%d.%d.%d@%" G_GSIZE_FORMAT " mm%d c%d n%u b%d "
                               "to=%s/%d req=%u t=%" G_GINT64_FORMAT ".%d/%" G_GINT64_FORMAT ".%d "
                               "inj%d int%d",
                               r->reply->code, r->reply->status_text ? r->reply->status_text : "-",
                               r->reply->status.present, r->reply->status.subject,
                               r->reply->status.detail, r->reply->status.offset,
                               r->reply->code_mismatch, r->reply->complete, r->reply->n_lines,
                               r->reply->bad_line, r->cmd_name ? r->cmd_name : "-", r->cmd_verb,
                               r->request_frame, r->request_time.secs, r->request_time.nsecs,
                               r->reply_time.secs, r->reply_time.nsecs, r->injected,
                               r->intermediate);
        for (i = 0; i < r->reply->lines->len; i++)
            g_string_append_printf(g, " |%s", (const char *)g_ptr_array_index(r->reply->lines, i));
        describe_ehlo(g, r->ehlo);
    }
    for (i = 0; ev->anomalies && i < ev->anomalies->len; i++) {
        const smtpx_anomaly_t *a = g_ptr_array_index(ev->anomalies, i);
        g_string_append_printf(g, " anomaly %s: %s", smtpx_anomaly_name(a->kind), a->text);
    }
    g_string_append_printf(g, " msg%d txn%d", ev->message != NULL, ev->txn != NULL);
    return g_string_free(g, FALSE);
}

/* A released command's stand-in for its compact copy: the caller's
 * response frame. */
typedef struct {
    guint32 response_frame;
} shadow_t;

typedef struct {
    GPtrArray *desc;        /* char *, per event in order */
    GArray *responses;      /* guint32 per COMMAND event, in order */
    GPtrArray *live;        /* per COMMAND: the kept event, or NULL */
    GPtrArray *shadows;     /* per COMMAND: shadow_t * when released */
    GPtrArray *payloads;    /* messages and transactions events pointed at */
    guint released;
} result_t;

/* What a MESSAGE, END_OF_DATA or TXN event pointed at, read at the end
 * of the run (after its event, if released, is gone). */
typedef struct {
    smtpx_event_kind_t kind;
    gconstpointer p;
} payload_t;

static char *
describe_payload(const payload_t *pl)
{
    if (pl->kind == SMTPX_EV_TXN) {
        const smtpx_txn_event_t *t = pl->p;
        return g_strdup_printf("txn %u %s %s %u %u %s %s f%u", t->number, t->helo ? t->helo : "-",
                               t->mail_from ? t->mail_from : "-", t->n_rcpt, t->reply_code,
                               t->status ? t->status : "-", t->end_reason ? t->end_reason : "-",
                               t->first_frame);
    } else {
        const smtpx_message_event_t *m = pl->p;
        return g_strdup_printf("msg k%d %" G_GUINT64_FORMAT "/%d end%u inc%d v%d/%d f%u", pl->kind,
                               m->size, m->size_final, m->end_frame, m->incomplete,
                               m->verdict != NULL, m->verdict ? m->verdict->forged : -1,
                               m->verdict_frame);
    }
}

static void
result_free(result_t *r)
{
    g_ptr_array_unref(r->desc);
    g_array_unref(r->responses);
    g_ptr_array_unref(r->live);
    g_ptr_array_unref(r->shadows);
    g_ptr_array_unref(r->payloads);
}

/*
 * Runs steps, each step's text fed in pieces of at most `piece` octets
 * (0: whole); release: hand events back and rebuild them.
 */
static void
run(const step_t *steps, gsize n_steps, gsize piece, gboolean release, const smtpx_config_t *cfg,
    result_t *out)
{
    smtpx_session_t *s = smtpx_session_new(cfg);
    guint32 frame = 0;
    gsize i, at, j;

    out->desc = g_ptr_array_new_with_free_func(g_free);
    out->responses = g_array_new(FALSE, FALSE, sizeof(guint32));
    out->live = g_ptr_array_new();
    out->shadows = g_ptr_array_new_with_free_func(g_free);
    out->payloads = g_ptr_array_new_with_free_func(g_free);
    out->released = 0;
    for (i = 0; i < n_steps; i++) {
        gsize len = strlen(steps[i].text);

        for (at = 0; at < len; at += piece ? piece : len) {
            gsize n = piece ? MIN(piece, len - at) : len;
            const guint8 *data = (const guint8 *)steps[i].text + at;
            GPtrArray *evs = g_ptr_array_new();
            smtpx_time_t ts = { 1000 + (gint64)frame, (gint32)(frame * 1000) };

            frame++;
            ts.secs = 1000 + frame;
            smtpx_session_feed(s, steps[i].dir, frame, ts, data, n, evs);
            for (j = 0; j < evs->len; j++) {
                smtpx_event_t *ev = evs->pdata[j];
                shadow_t *sh = NULL;

                if (ev->kind == SMTPX_EV_REPLY && ev->reply->answered_user)
                    ((shadow_t *)ev->reply->answered_user)->response_frame = ev->frame;
                if (ev->kind != SMTPX_EV_COMMAND && ev->kind != SMTPX_EV_REPLY) {
                    /* Released or not, what it points at stays with the
                     * session: read it at the end. */
                    if (ev->message || ev->txn) {
                        payload_t *pl = g_new0(payload_t, 1);
                        pl->kind = ev->kind;
                        pl->p = ev->message ? (gconstpointer)ev->message
                                            : (gconstpointer)ev->txn;
                        g_ptr_array_add(out->payloads, pl);
                    }
                    if (release && smtpx_session_release(s, ev))
                        out->released++;
                    continue;
                }
                if (release && ev->rebuildable && smtpx_session_release(s, ev)) {
                    smtpx_rebuild_context_t ctx;
                    smtpx_event_t *again;

                    memset(&ctx, 0, sizeof ctx);
                    ctx.kind = ev->kind;
                    ctx.dir = ev->dir;
                    ctx.frame = ev->frame;
                    ctx.offset = ev->offset;
                    if (ev->command) {
                        ctx.injected = ev->command->injected;
                        ctx.pipelined = ev->command->pipelined;
                        ctx.linked_frame = ev->command->response_frame;
                        sh = g_new0(shadow_t, 1);
                        ev->command->user = sh;
                    } else {
                        ctx.injected = ev->reply->injected;
                        ctx.linked_frame = ev->reply->request_frame;
                        ctx.cmd_name = ev->reply->cmd_name;
                        ctx.cmd_verb = ev->reply->cmd_verb;
                        ctx.request_time = ev->reply->request_time;
                        ctx.reply_time = ev->reply->reply_time;
                        ctx.intermediate = ev->reply->intermediate;
                        ctx.has_ehlo = ev->reply->ehlo != NULL;
                    }
                    again = smtpx_event_rebuild(&ctx, data + ev->offset, ev->length);
                    g_assert_nonnull(again);
                    g_assert_null(again->anomalies);
                    g_ptr_array_add(out->desc, describe(again));
                    smtpx_event_free(again);
                    out->released++;
                } else {
                    g_ptr_array_add(out->desc, describe(ev));
                }
                if (ev->kind == SMTPX_EV_COMMAND) {
                    g_ptr_array_add(out->live, sh ? NULL : ev);
                    g_ptr_array_add(out->shadows, sh);
                }
            }
            g_ptr_array_unref(evs);
            /* As the glue does: what was released goes right away. */
            if (release)
                smtpx_session_feed_done(s);
        }
    }
    for (j = 0; j < out->payloads->len; j++)
        g_ptr_array_add(out->desc, describe_payload(out->payloads->pdata[j]));
    for (j = 0; j < out->live->len; j++) {
        const smtpx_event_t *ev = out->live->pdata[j];
        guint32 rf = ev ? ev->command->response_frame
                        : ((shadow_t *)out->shadows->pdata[j])->response_frame;
        g_array_append_val(out->responses, rf);
    }
    smtpx_session_free(s);
}

static void
compare_runs(const step_t *steps, gsize n_steps, const smtpx_config_t *cfg, guint min_released)
{
    gsize piece;

    for (piece = 0; piece <= 24; piece++) {
        result_t keep, rel;
        guint i;

        run(steps, n_steps, piece, FALSE, cfg, &keep);
        run(steps, n_steps, piece, TRUE, cfg, &rel);
        g_assert_cmpuint(keep.desc->len, ==, rel.desc->len);
        for (i = 0; i < keep.desc->len; i++)
            g_assert_cmpstr(keep.desc->pdata[i], ==, rel.desc->pdata[i]);
        g_assert_cmpuint(keep.responses->len, ==, rel.responses->len);
        for (i = 0; i < keep.responses->len; i++)
            g_assert_cmpuint(g_array_index(keep.responses, guint32, i), ==,
                             g_array_index(rel.responses, guint32, i));
        /* Whole feeds: every clean line goes back to the session. */
        if (piece == 0)
            g_assert_cmpuint(rel.released, >=, min_released);
        g_assert_cmpuint(keep.released, ==, 0);
        result_free(&keep);
        result_free(&rel);
    }
}

static const step_t LAB5[] = {
    { S, "220 mx.example.net ESMTP ready\r\n" },
    { C, "EHLO lab.example.edu\r\n" },
    { S, "250-mx.example.net hello\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n"
         "250-AUTH PLAIN LOGIN\r\n250-LIMITS RCPTMAX=10 MAILMAX=5\r\n250 ENHANCEDSTATUSCODES\r\n" },
    { C, "AUTH PLAIN AHN0dWRlbnQAc2VjcmV0\r\n" },
    { S, "235 2.7.0 Authentication successful\r\n" },
    { C, "AUTH CRAM-MD5\r\n" },
    { S, "503 5.5.1 Already authenticated\r\n" },
    { C, "MAIL FROM:<student@lab.example.edu> SIZE=300 BODY=8BITMIME\r\n" },
    { S, "250 2.1.0 Ok\r\n" },
    { C, "RCPT TO:<victim@example.com> NOTIFY=NEVER\r\n" },
    { S, "250 2.1.5 Ok\r\n" },
    { C, "DATA\r\n" },
    { S, "354 End data with <CR><LF>.<CR><LF>\r\n" },
    { C, "From: CEO <ceo@bigcorp.example>\r\nTo: victim@example.com\r\nSubject: hi\r\n\r\n"
         "body\r\n.\r\n" },
    { S, "250 2.0.0 Ok: queued as 12345\r\n" },
    { C, "QUIT\r\n" },
    { S, "221 2.0.0 Bye\r\n" },
};

static void
test_lab5(void)
{
    /* Of the 7 commands and 9 replies, all but MAIL and RCPT (their
     * BODY= and NOTIFY= were not advertised), the first AUTH (cleartext)
     * and the second (CRAM-MD5 was not advertised), each with an anomaly
     * that reads the capabilities after the EHLO reply went back. */
    compare_runs(LAB5, G_N_ELEMENTS(LAB5), NULL, 12);
}

static const step_t PIPELINED[] = {
    { S, "220 mx ESMTP\r\n" },
    { C, "EHLO a.example\r\n" },
    { S, "250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n" },
    { C, "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nRCPT TO:<c@c.example>\r\n"
         "BDAT 13 LAST\r\nFrom: a@a\r\n\r\n" },
    { S, "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n250 2.0.0 queued\r\n" },
    { C, "MAIL FROM:<>\r\nRSET\r\nXFOO bar baz\r\nNOOP\n" },
    { S, "250 ok\r\n250 flushed\r\n500 5.5.1 what?\r\n250 ok\r\n" },
    { C, "AUTH LOGIN\r\n" },
    { S, "334 VXNlcm5hbWU6\r\n" },
    { C, "dXNlcg==\r\n" },
    { S, "334 UGFzc3dvcmQ6\r\n" },
    { C, "cGFzcw==\r\n" },
    { S, "235 2.7.0 ok\r\n" },
    { C, "HELO [192.0.2.1]\r\nQUIT\r\n" },
    { S, "250 mx\r\n221 bye\r\n" },
};

static void
test_pipelined(void)
{
    /* Of the 12 commands and 15 replies, all but XFOO (unknown command)
     * and AUTH (cleartext AUTH): 25. */
    compare_runs(PIPELINED, G_N_ELEMENTS(PIPELINED), NULL, 25);
}

/*
 * Issue 10: a finished session (a 221 answered QUIT) gives back what it
 * idles with (framing state, the released list), and kept transactions
 * give back their MAIL path once nothing reaches them and share the HELO
 * domain; octets after the close are still analysed as before.  The
 * session below goes on after its 221 with a second transaction, an AUTH
 * and a second QUIT; SIZE 60 and AUTH PLAIN are advertised (the EHLO reply
 * is released long before they are checked).
 */
static const step_t AFTER_QUIT[] = {
    { S, "220 mx.example.net ESMTP\r\n" },
    { C, "EHLO lab.example.edu\r\n" },
    { S, "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 60\r\n250-AUTH PLAIN\r\n"
         "250 ENHANCEDSTATUSCODES\r\n" },
    { C, "MAIL FROM:<student@lab.example.edu>\r\n" },
    { S, "250 2.1.0 Ok\r\n" },
    { C, "RCPT TO:<a@example.com>\r\n" },
    { S, "250 2.1.5 Ok\r\n" },
    { C, "DATA\r\n" },
    { S, "354 go\r\n" },
    { C, "From: CEO <ceo@bigcorp.example>\r\n\r\nhi\r\n.\r\n" },
    { S, "250 2.0.0 queued\r\n" },
    { C, "QUIT\r\n" },
    { S, "221 2.0.0 Bye\r\n" },
    /* After the close. */
    { C, "MAIL FROM:<ceo@bigcorp.example>\r\n" },
    { S, "250 2.1.0 Ok\r\n" },
    { C, "RCPT TO:<b@example.com>\r\n" },
    { S, "250 2.1.5 Ok\r\n" },
    { C, "DATA\r\n" },
    { S, "354 go\r\n" },
    { C, "From: CEO <ceo@bigcorp.example>\r\nSubject: a body longer than SIZE\r\n\r\n"
         "0123456789\r\n.\r\n" },
    { S, "250 2.0.0 queued\r\n" },
    { C, "AUTH CRAM-MD5\r\n" },
    { S, "504 5.5.4 no\r\n" },
    { C, "QUIT\r\n" },
    { S, "221 2.0.0 Bye\r\n" },
};

/* Every event of AFTER_QUIT fed whole, released when release and the
 * session lets it go: "kind:anomaly,anomaly" per event in *log, and the
 * TXN and MESSAGE payloads read after the last feed (their events gone). */
static void
after_quit_run(gboolean release, GString *log, GPtrArray *txns, GPtrArray *msgs)
{
    smtpx_session_t *s = smtpx_session_new(NULL);
    gsize i, j, k;

    for (i = 0; i < G_N_ELEMENTS(AFTER_QUIT); i++) {
        GPtrArray *evs = g_ptr_array_new();
        smtpx_time_t ts = { 1000 + (gint64)i, 0 };

        smtpx_session_feed(s, AFTER_QUIT[i].dir, (guint32)i + 1, ts,
                           (const guint8 *)AFTER_QUIT[i].text, strlen(AFTER_QUIT[i].text), evs);
        for (j = 0; j < evs->len; j++) {
            smtpx_event_t *ev = evs->pdata[j];

            g_string_append_printf(log, "f%u k%d:", ev->frame, ev->kind);
            for (k = 0; ev->anomalies && k < ev->anomalies->len; k++) {
                const smtpx_anomaly_t *a = g_ptr_array_index(ev->anomalies, k);
                g_string_append_printf(log, " %s(%s)", smtpx_anomaly_name(a->kind), a->text);
            }
            g_string_append_c(log, '\n');
            if (ev->kind == SMTPX_EV_TXN)
                g_ptr_array_add(txns, ev->txn);
            if (ev->kind == SMTPX_EV_MESSAGE)
                g_ptr_array_add(msgs, ev->message);
            if (release)
                smtpx_session_release(s, ev);
        }
        g_ptr_array_unref(evs);
    }
    /* Read after the last feed, as the tree does on later passes. */
    g_assert_cmpuint(txns->len, ==, 2);
    g_assert_cmpuint(msgs->len, ==, 2);
    for (i = 0; i < 2; i++) {
        const smtpx_txn_event_t *t = txns->pdata[i];
        const smtpx_message_event_t *m = msgs->pdata[i];

        g_assert_cmpuint(t->number, ==, i + 1);
        /* Both under the one EHLO (RFC 5321 4.1.1.1): the second shares
         * the domain the first took over. */
        g_assert_cmpstr(t->helo, ==, "lab.example.edu");
        g_assert_cmpuint(t->reply_code, ==, 250);
        g_assert_cmpstr(t->status, ==, "2.0.0");
        g_assert_cmpstr(t->end_reason, ==, "end of data");
        g_assert_cmpuint(t->n_rcpt, ==, 1);
        g_assert_true(t->message == m);
        g_assert_nonnull(m->verdict);
        g_assert_true(m->size_final);
    }
    g_assert_cmpstr(((smtpx_txn_event_t *)txns->pdata[0])->mail_from, ==,
                    "student@lab.example.edu");
    g_assert_cmpstr(((smtpx_txn_event_t *)txns->pdata[1])->mail_from, ==, "ceo@bigcorp.example");
    /* From bigcorp.example over a lab.example.edu reverse-path: forged;
     * over a bigcorp.example one (read after the close, when the first
     * transaction's path is gone): backed by the envelope. */
    g_assert_true(((smtpx_message_event_t *)msgs->pdata[0])->verdict->forged);
    g_assert_false(((smtpx_message_event_t *)msgs->pdata[1])->verdict->forged);
    /* The octets of each message after dot-unstuffing, line endings
     * included: 33 + 2 + 4, and 33 + 34 + 2 + 12. */
    g_assert_cmpuint(((smtpx_message_event_t *)msgs->pdata[0])->size, ==, 39);
    g_assert_cmpuint(((smtpx_message_event_t *)msgs->pdata[1])->size, ==, 81);
    smtpx_session_free(s);
}

static void
test_after_quit(void)
{
    GString *keep = g_string_new(NULL), *rel = g_string_new(NULL);
    GPtrArray *t1 = g_ptr_array_new(), *m1 = g_ptr_array_new();
    GPtrArray *t2 = g_ptr_array_new(), *m2 = g_ptr_array_new();

    after_quit_run(FALSE, keep, t1, m1);
    after_quit_run(TRUE, rel, t2, m2);
    g_assert_cmpstr(keep->str, ==, rel->str);
    /* What the capabilities say after the close, the EHLO reply gone:
     * SIZE 60 (RFC 1870) is exceeded by the 81-octet message; CRAM-MD5 is
     * not among the advertised mechanisms (RFC 4954 4). */
    g_assert_nonnull(strstr(rel->str, "size_exceeded(message of 81 octets exceeds the "
                                      "advertised SIZE 60 (RFC 1870))"));
    g_assert_nonnull(strstr(rel->str, "unadvertised(AUTH mechanism CRAM-MD5 is not among "
                                      "those the server advertised (RFC 4954 4))"));
    g_assert_nonnull(strstr(rel->str, "cleartext_auth("));
    /* One forged From, the first message's. */
    g_assert_nonnull(strstr(rel->str, "forged_from("));
    g_assert_null(strstr(strstr(rel->str, "forged_from(") + 1, "forged_from("));
    /* And every event the same, rebuilt or kept, at every split point. */
    compare_runs(AFTER_QUIT, G_N_ELEMENTS(AFTER_QUIT), NULL, 20);
    g_string_free(keep, TRUE);
    g_string_free(rel, TRUE);
    g_ptr_array_unref(t1);
    g_ptr_array_unref(m1);
    g_ptr_array_unref(t2);
    g_ptr_array_unref(m2);
}

/*
 * Issue 10: the HELO domain a kept transaction took over from the phase
 * stays its own when the phase's changes: a new EHLO, STARTTLS (RFC 3207
 * 4.2: the phase is reset, the HELO forgotten) and a transaction without
 * any HELO.
 */
static void
test_helo_shared(void)
{
    static const step_t steps[] = {
        { S, "220 mx\r\n" },
        { C, "EHLO one.example\r\n" },
        { S, "250-mx\r\n250 STARTTLS\r\n" },
        { C, "MAIL FROM:<a@one.example>\r\n" },
        { S, "250 ok\r\n" },
        { C, "RSET\r\n" },
        { S, "250 ok\r\n" },
        { C, "MAIL FROM:<b@one.example>\r\n" },
        { S, "250 ok\r\n" },
        { C, "EHLO two.example\r\n" },
        { S, "250-mx\r\n250 STARTTLS\r\n" },
        { C, "MAIL FROM:<c@two.example>\r\n" },
        { S, "250 ok\r\n" },
        { C, "STARTTLS\r\n" },
        { S, "220 go ahead\r\n" },
    };
    static const step_t tls_steps[] = {
        { C, "MAIL FROM:<d@two.example>\r\n" },
        { S, "250 ok\r\n" },
        { C, "EHLO three.example\r\n" },
        { S, "250 mx\r\n" },
        { C, "MAIL FROM:<e@three.example>\r\n" },
        { S, "250 ok\r\n" },
        { C, "QUIT\r\n" },
        { S, "221 bye\r\n" },
    };
    /* The transaction open at STARTTLS (c@two.example, which took the
     * phase's "two.example" over) dies with the phase, without a summary
     * (session.h: RSET, QUIT, a new MAIL or EHLO/HELO end one); the one
     * after TLS has no HELO domain until the next EHLO. */
    static const char *const helo[] = { "one.example", "one.example", NULL, "three.example" };
    smtpx_session_t *s = smtpx_session_new(NULL);
    GPtrArray *txns = g_ptr_array_new();
    guint32 frame = 0;
    gsize i, j, pass;

    for (pass = 0; pass < 2; pass++) {
        const step_t *st = pass ? tls_steps : steps;
        gsize n = pass ? G_N_ELEMENTS(tls_steps) : G_N_ELEMENTS(steps);

        if (pass)
            smtpx_session_set_tls(s, TRUE);
        for (i = 0; i < n; i++) {
            GPtrArray *evs = g_ptr_array_new();
            smtpx_time_t ts = { 1000 + (gint64)frame, 0 };

            smtpx_session_feed(s, st[i].dir, ++frame, ts, (const guint8 *)st[i].text,
                               strlen(st[i].text), evs);
            for (j = 0; j < evs->len; j++) {
                smtpx_event_t *ev = evs->pdata[j];

                if (ev->kind == SMTPX_EV_TXN)
                    g_ptr_array_add(txns, ev->txn);
                smtpx_session_release(s, ev);
            }
            g_ptr_array_unref(evs);
        }
    }
    /* Four summaries, each transaction ended by the command after it
     * (RSET, EHLO, EHLO, QUIT: RFC 5321 4.1.4). */
    g_assert_cmpuint(txns->len, ==, G_N_ELEMENTS(helo));
    for (i = 0; i < txns->len; i++)
        g_assert_cmpstr(((smtpx_txn_event_t *)txns->pdata[i])->helo, ==, helo[i]);
    g_ptr_array_unref(txns);
    smtpx_session_free(s);
}

/* Lines longer than max_line are cut: such an event is kept whole. */
static void
test_cut_lines(void)
{
    static const step_t steps[] = {
        { S, "220 a greeting longer than forty octets for sure\r\n" },
        { C, "EHLO a-client-name-that-is-rather-long.example.org\r\n" },
        { S, "250-mx\r\n250 SIZE\r\n" },
        { C, "QUIT\r\n" },
        { S, "221 bye\r\n" },
    };
    smtpx_config_t cfg;

    smtpx_config_init(&cfg);
    cfg.max_line = 40;
    /* The greeting and the EHLO are cut; the 250, QUIT and 221 go. */
    compare_runs(steps, G_N_ELEMENTS(steps), &cfg, 3);
}

/* An event with an anomaly, and one whose line began in an earlier feed,
 * stay with the session. */
static void
test_refused(void)
{
    smtpx_session_t *s = smtpx_session_new(NULL);
    GPtrArray *evs = g_ptr_array_new();
    smtpx_time_t ts = { 1, 0 };
    smtpx_event_t *ev;

    smtpx_session_feed(s, S, 1, ts, (const guint8 *)"220 mx\r\n", 8, evs);
    g_assert_cmpuint(evs->len, ==, 1);
    g_assert_true(smtpx_session_release(s, evs->pdata[0]));
    g_assert_false(smtpx_session_release(s, evs->pdata[0]));    /* once */
    g_ptr_array_set_size(evs, 0);
    /* HELO with no domain: helo_syntax. */
    smtpx_session_feed(s, C, 2, ts, (const guint8 *)"HELO\r\n", 6, evs);
    ev = evs->pdata[0];
    g_assert_nonnull(ev->anomalies);
    g_assert_false(smtpx_session_release(s, ev));
    g_ptr_array_set_size(evs, 0);
    smtpx_session_feed(s, S, 3, ts, (const guint8 *)"250 ", 4, evs);
    smtpx_session_feed(s, S, 4, ts, (const guint8 *)"mx\r\n", 4, evs);
    g_assert_cmpuint(evs->len, ==, 1);
    ev = evs->pdata[0];
    g_assert_true(ev->began_earlier);
    g_assert_false(ev->rebuildable);
    g_assert_false(smtpx_session_release(s, ev));
    g_ptr_array_unref(evs);
    smtpx_session_free(s);
}

/* Bytes that are not what was parsed give NULL, never a wrong event. */
static void
test_rebuild_bad(void)
{
    smtpx_rebuild_context_t ctx;

    memset(&ctx, 0, sizeof ctx);
    ctx.kind = SMTPX_EV_COMMAND;
    g_assert_null(smtpx_event_rebuild(&ctx, (const guint8 *)"NOOP", 4));   /* no LF */
    g_assert_null(smtpx_event_rebuild(&ctx, (const guint8 *)"NOOP\r\nX\r\n", 9));
    ctx.kind = SMTPX_EV_REPLY;
    g_assert_null(smtpx_event_rebuild(&ctx, (const guint8 *)"250-more\r\n", 10));
    g_assert_null(smtpx_event_rebuild(&ctx, (const guint8 *)"250 a\r\n250 b\r\n", 14));
    ctx.kind = SMTPX_EV_DATA;
    g_assert_null(smtpx_event_rebuild(&ctx, (const guint8 *)"x\r\n", 3));
    g_assert_null(smtpx_event_rebuild(NULL, (const guint8 *)"x\r\n", 3));
    smtpx_event_free(NULL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/release/lab5", test_lab5);
    g_test_add_func("/release/pipelined", test_pipelined);
    g_test_add_func("/release/cut-lines", test_cut_lines);
    g_test_add_func("/release/refused", test_refused);
    g_test_add_func("/release/rebuild-bad", test_rebuild_bad);
    g_test_add_func("/release/after-quit", test_after_quit);
    g_test_add_func("/release/helo-shared", test_helo_shared);
    return g_test_run();
}
