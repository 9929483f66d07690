/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench_core.c - speed and memory of the SMTPX core alone: feeds the TCP
 * payloads of a benchmark capture through smtpx_session_feed() (session.h),
 * one smtpx_session_t per TCP conversation, in capture order, one call per
 * segment, as the epan glue does on the first pass; prints key=value lines.
 * It never judges the numbers: tools/bench prints them.
 *
 * Usage: bench_core FEED [--runs N] [--sessions K] [--only S] [--keep-events]
 *        bench_core --header-sweep
 *        bench_core --dkim-sweep
 *   FEED        the file tools/bench writes (build-bench/bench.feed):
 *               16-byte magic "SMTPXBENCHFEED1\n", then records of
 *               <u32 session, u32 frame, u8 direction (0 client, 1 server),
 *               3 padding bytes, i64 seconds, i32 nanoseconds, u32 length>
 *               followed by length payload bytes, all little endian.
 *   --runs N    feed everything N times, fresh sessions each time, and
 *               report the best (default 1)
 *   --sessions K  only sessions numbered below K
 *   --only S    only session S (memory of one session)
 *   --keep-events  keep every event with its session, as the glue did
 *               before issue 10; by default each event is handed back
 *               (smtpx_session_release) after its feed and the feed is
 *               closed (smtpx_session_feed_done), as smtpx-dissect.c does
 *   --header-sweep  no feed file: one synthetic session per header-section
 *               size (16 KiB to 4 MiB); prints "header_sweep_<KiB> = <heap
 *               bytes the session holds> <events>" and max_header_bytes
 *   --dkim-sweep  no feed file: one synthetic DATA message per body size
 *               (64 KiB to 8 MiB, dot-stuffed lines among them), without and
 *               with a DKIM-Signature (rsa-sha256 relaxed/relaxed, so the
 *               body is canonicalized and hashed as it passes); prints
 *               "dkim_sweep_<KiB> = <s without> <s with> <heap without>
 *               <heap with>" (best of 3; heap the session holds after the
 *               end of data): the cost of DKIM, and that no copy of the
 *               message is kept (issue 8)
 * A truncated or malformed feed file stops with a message and exit code 1.
 *
 * Output (stdout, one "key = value" per line): sessions, segments, bytes,
 * best_seconds, best_cpu_seconds (the same runs' least CPU time of the
 * process, user + system), run_seconds, events, messages, forged, transactions,
 * heap_retained (bytes of malloc heap held by the live sessions after the
 * last run's feeding; glibc only, else 0, and 0 under valgrind),
 * rss_growth_kb (peak resident set growth from before the first feed, KiB;
 * page-granular), peak_rss_kb (peak resident set of the process, KiB).
 * A small warm-up conversation runs before anything is measured, so
 * one-time initialisation (Public Suffix List, registries) is not counted.
 *
 * Built by CMake with the project's warnings (BUILD/tests/bench_core) and
 * run by tools/bench; not a test.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "session.h"

#define FEED_MAGIC "SMTPXBENCHFEED1\n"
#define FEED_MAGIC_LEN 16
#define FEED_HEADER_LEN 28
#define MAX_SESSIONS (1u << 24)   /* session numbers must stay below */

typedef struct {
    guint32 session;
    guint32 frame;
    smtpx_dir_t dir;
    smtpx_time_t ts;
    guint8 *data;
    gsize len;
} record_t;

static guint32
get_u32(const guint8 *p)
{
    return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) |
           ((guint32)p[3] << 24);
}

static guint64
get_u64(const guint8 *p)
{
    return (guint64)get_u32(p) | ((guint64)get_u32(p + 4) << 32);
}

/* Reads the selected records of the feed file; only their payloads are
 * kept in memory.  Exits on a malformed file. */
static GArray *
load_feed(const char *path, gint64 below, gint64 only, guint32 *n_sessions)
{
    FILE *f = fopen(path, "rb");
    guint8 hdr[FEED_HEADER_LEN];
    GArray *recs = g_array_new(FALSE, FALSE, sizeof(record_t));
    guint32 max_session = 0;
    long file_size;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (file_size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "bench_core: cannot read %s\n", path);
        exit(1);
    }
    if (fread(hdr, 1, FEED_MAGIC_LEN, f) != FEED_MAGIC_LEN ||
        memcmp(hdr, FEED_MAGIC, FEED_MAGIC_LEN) != 0) {
        fprintf(stderr, "bench_core: %s is not a bench feed file\n", path);
        exit(1);
    }
    for (;;) {
        size_t got = fread(hdr, 1, FEED_HEADER_LEN, f);
        record_t r;

        if (got == 0)
            break;
        if (got != FEED_HEADER_LEN) {
            fprintf(stderr, "bench_core: truncated record header\n");
            exit(1);
        }
        r.session = get_u32(hdr);
        r.frame = get_u32(hdr + 4);
        r.dir = hdr[8] ? SMTPX_DIR_SERVER : SMTPX_DIR_CLIENT;
        r.ts.secs = (gint64)get_u64(hdr + 12);
        r.ts.nsecs = (gint32)get_u32(hdr + 20);
        r.len = get_u32(hdr + 24);
        if (r.len > (gsize)(file_size - ftell(f))) {
            fprintf(stderr, "bench_core: truncated payload\n");
            exit(1);
        }
        if (r.session >= MAX_SESSIONS) {
            fprintf(stderr, "bench_core: session number %u too large\n", r.session);
            exit(1);
        }
        if ((below >= 0 && r.session >= below) ||
            (only >= 0 && r.session != only)) {
            if (fseek(f, (long)r.len, SEEK_CUR) != 0) {
                fprintf(stderr, "bench_core: truncated payload\n");
                exit(1);
            }
            continue;
        }
        r.data = g_malloc(r.len ? r.len : 1);
        if (fread(r.data, 1, r.len, f) != r.len) {
            fprintf(stderr, "bench_core: truncated payload\n");
            exit(1);
        }
        if (r.session + 1 > max_session)
            max_session = r.session + 1;
        g_array_append_val(recs, r);
    }
    fclose(f);
    *n_sessions = max_session;
    return recs;
}

static gsize
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

/*
 * One small conversation fed once before anything is measured, so that
 * one-time initialisation (the Public Suffix List, registries, GLib) is not
 * counted as the memory of the sessions measured.
 */
static void
warm_up(const smtpx_config_t *cfg)
{
    static const char *const lines[][2] = {
        { "S", "220 mx.example.net ESMTP\r\n" },
        { "C", "EHLO client.example.org\r\n" },
        { "S", "250-mx.example.net\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n" },
        { "C", "MAIL FROM:<a@mail.example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" },
        { "S", "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 Go ahead\r\n" },
        { "C", "From: A <a@example.org>\r\nTo: b@example.net\r\nSubject: x\r\n\r\nHello\r\n.\r\n" },
        { "S", "250 2.0.0 Ok\r\n" },
        { "C", "QUIT\r\n" },
        { "S", "221 2.0.0 Bye\r\n" },
    };
    smtpx_session_t *s = smtpx_session_new(cfg);
    GPtrArray *events = g_ptr_array_new();
    smtpx_time_t ts = { 1709546400, 0 };
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(lines); i++) {
        g_ptr_array_set_size(events, 0);
        smtpx_session_feed(s, lines[i][0][0] == 'S' ? SMTPX_DIR_SERVER : SMTPX_DIR_CLIENT,
                           (guint32)i + 1, ts, (const guint8 *)lines[i][1],
                           strlen(lines[i][1]), events);
    }
    smtpx_session_free(s);
    g_ptr_array_free(events, TRUE);
}

/*
 * One session whose message has a header section of hdr_bytes octets (a
 * From field, then 92-octet filler fields), fed in 1460-octet segments.
 * Returns the heap bytes the live session holds after it; *n_events gets
 * the number of events.  Shows that the header cap (max_header_bytes)
 * bounds what a session keeps, whatever the size of the header section.
 */
static gsize
header_sweep_one(const smtpx_config_t *cfg, gsize hdr_bytes, guint *n_events)
{
    static const char *const before[][2] = {
        { "S", "220 mx.example.net ESMTP\r\n" },
        { "C", "EHLO client.example.org\r\n" },
        { "S", "250-mx.example.net\r\n250 PIPELINING\r\n" },
        { "C", "MAIL FROM:<a@mail.example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" },
        { "S", "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 Go ahead\r\n" },
    };
    GString *msg = g_string_new("From: A <a@example.org>\r\n");
    GPtrArray *events = g_ptr_array_new();
    smtpx_time_t ts = { 1709546400, 0 };
    smtpx_session_t *s;
    guint32 frame = 0;
    guint k = 0;
    gsize i, h0, h1;

    while (msg->len < hdr_bytes)
        g_string_append_printf(msg, "X-Filler-%05u: %070u\r\n", k++, 0u);
    g_string_append(msg, "\r\nbody\r\n.\r\n");

    h0 = heap_in_use();
    s = smtpx_session_new(cfg);
    *n_events = 0;
    for (i = 0; i < G_N_ELEMENTS(before); i++) {
        g_ptr_array_set_size(events, 0);
        smtpx_session_feed(s, before[i][0][0] == 'S' ? SMTPX_DIR_SERVER : SMTPX_DIR_CLIENT,
                           ++frame, ts, (const guint8 *)before[i][1],
                           strlen(before[i][1]), events);
        *n_events += events->len;
    }
    for (i = 0; i < msg->len; i += 1460) {
        gsize n = MIN(1460, msg->len - i);

        g_ptr_array_set_size(events, 0);
        smtpx_session_feed(s, SMTPX_DIR_CLIENT, ++frame, ts,
                           (const guint8 *)msg->str + i, n, events);
        *n_events += events->len;
    }
    g_ptr_array_set_size(events, 0);
    smtpx_session_feed(s, SMTPX_DIR_SERVER, ++frame, ts,
                       (const guint8 *)"250 2.0.0 Ok\r\n", 14, events);
    *n_events += events->len;
    h1 = heap_in_use();
    smtpx_session_free(s);
    g_ptr_array_free(events, TRUE);
    g_string_free(msg, TRUE);
    return h1 > h0 ? h1 - h0 : 0;
}

/* One DATA message of body_bytes octets (dkim: with a DKIM-Signature),
 * fed in 1460-octet segments; *seconds: the feeding time; returns the heap
 * the session holds after the final reply. */
static gsize
dkim_sweep_one(const smtpx_config_t *cfg, gsize body_bytes, gboolean dkim, double *seconds)
{
    static const char *const before[][2] = {
        { "S", "220 mx.example.net ESMTP\r\n" },
        { "C", "EHLO lists.example.org\r\n" },
        { "S", "250-mx.example.net\r\n250 PIPELINING\r\n" },
        { "C", "MAIL FROM:<l@lists.example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" },
        { "S", "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 Go ahead\r\n" },
    };
    GString *msg = g_string_new(NULL);
    GPtrArray *events = g_ptr_array_new();
    smtpx_time_t ts = { 1709546400, 0 };
    smtpx_session_t *s;
    guint32 frame = 0;
    guint k = 0;
    gsize i, h0, h1;
    gint64 t0;

    if (dkim)
        g_string_append(msg, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\r\n"
                        " s=sel2024; h=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
                        " b=AAAA\r\n");
    g_string_append(msg, "From: A <a@example.com>\r\nTo: b@example.net\r\nSubject: s\r\n\r\n");
    while (msg->len < body_bytes)
        g_string_append_printf(msg, "%sline %07u of the body,  with  some   white space \t\r\n",
                               (k % 50) == 0 ? ".." : "", k), k++;
    g_string_append(msg, ".\r\n");

    h0 = heap_in_use();
    s = smtpx_session_new(cfg);
    for (i = 0; i < G_N_ELEMENTS(before); i++) {
        g_ptr_array_set_size(events, 0);
        smtpx_session_feed(s, before[i][0][0] == 'S' ? SMTPX_DIR_SERVER : SMTPX_DIR_CLIENT,
                           ++frame, ts, (const guint8 *)before[i][1],
                           strlen(before[i][1]), events);
    }
    t0 = g_get_monotonic_time();
    for (i = 0; i < msg->len; i += 1460) {
        g_ptr_array_set_size(events, 0);
        smtpx_session_feed(s, SMTPX_DIR_CLIENT, ++frame, ts,
                           (const guint8 *)msg->str + i, MIN(1460, msg->len - i), events);
    }
    *seconds = (double)(g_get_monotonic_time() - t0) / 1e6;
    g_ptr_array_set_size(events, 0);
    smtpx_session_feed(s, SMTPX_DIR_SERVER, ++frame, ts,
                       (const guint8 *)"250 2.0.0 Ok\r\n", 14, events);
    h1 = heap_in_use();
    smtpx_session_free(s);
    g_ptr_array_free(events, TRUE);
    g_string_free(msg, TRUE);
    return h1 > h0 ? h1 - h0 : 0;
}

typedef struct {
    guint64 events, messages, forged, txns;
} counts_t;

/*
 * The measured work: every record fed, in order, to its session (created
 * on its first record), events counted.  Not inlined, so that callgrind
 * can collect exactly this (--toggle-collect=feed_records).
 */
static G_GNUC_NO_INLINE void
feed_records(const GArray *recs, smtpx_session_t **sessions,
             const smtpx_config_t *cfg, GPtrArray *events, counts_t *c,
             gboolean keep_events)
{
    guint r, e;

    for (r = 0; r < recs->len; r++) {
        const record_t *rec = &g_array_index(recs, record_t, r);
        smtpx_session_t *s = sessions[rec->session];

        if (s == NULL)
            s = sessions[rec->session] = smtpx_session_new(cfg);
        g_ptr_array_set_size(events, 0);
        smtpx_session_feed(s, rec->dir, rec->frame, rec->ts, rec->data,
                           rec->len, events);
        c->events += events->len;
        for (e = 0; e < events->len; e++) {
            const smtpx_event_t *ev = g_ptr_array_index(events, e);

            if (ev->kind == SMTPX_EV_MESSAGE && ev->message) {
                c->messages++;
                if (ev->message->verdict && ev->message->verdict->forged)
                    c->forged++;
            } else if (ev->kind == SMTPX_EV_TXN) {
                c->txns++;
            }
        }
        if (keep_events)
            continue;
        /* What the glue does once a record is stored: every event the
         * session can make again is handed back (it takes what it can),
         * and the feed is closed. */
        for (e = 0; e < events->len; e++)
            smtpx_session_release(s, g_ptr_array_index(events, e));
        smtpx_session_feed_done(s);
    }
}

static double
now_seconds(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU time of this process (user + system), seconds: on a shared machine
 * the time the feeding really took, whatever else runs. */
static double
cpu_seconds(void)
{
    struct timespec t;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A "VmRSS:"/"VmHWM:" value of /proc/self/status in KiB (Linux), 0 when
 * unknown.  VmHWM is the peak of this process image only: unlike
 * getrusage()'s ru_maxrss it is not inherited across exec. */
static long
proc_status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = 0;
    size_t klen = strlen(key);

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, klen) == 0) {
            v = strtol(line + klen, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

int
main(int argc, char **argv)
{
    const char *path = NULL;
    int runs = 1, run, i;
    gint64 below = -1, only = -1;
    guint32 n_sessions = 0, used_sessions = 0;
    GArray *recs;
    GPtrArray *events = g_ptr_array_new();
    smtpx_session_t **sessions;
    smtpx_config_t cfg;
    double best = -1, best_cpu = -1;
    GString *run_times = g_string_new(NULL);
    guint64 bytes = 0;
    counts_t c;
    gsize heap_before, heap_retained = 0;
    long rss_before;
    gboolean sweep = FALSE, dkim_sweep = FALSE, keep_events = FALSE;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--sessions") == 0 && i + 1 < argc)
            below = g_ascii_strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = g_ascii_strtoll(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--keep-events") == 0)
            keep_events = TRUE;
        else if (strcmp(argv[i], "--header-sweep") == 0)
            sweep = TRUE;
        else if (strcmp(argv[i], "--dkim-sweep") == 0)
            dkim_sweep = TRUE;
        else if (argv[i][0] != '-' && path == NULL)
            path = argv[i];
        else {
            fprintf(stderr, "usage: bench_core FEED [--runs N] [--sessions K] [--only S] [--keep-events] | --header-sweep | --dkim-sweep\n");
            return 2;
        }
    }
    if (dkim_sweep) {
        static const gsize sizes[] = { 64, 1024, 8192 };
        gsize j;

        smtpx_config_init(&cfg);
        warm_up(&cfg);
        for (j = 0; j < G_N_ELEMENTS(sizes); j++) {
            double best_off = -1, best_on = -1, t;
            gsize heap_off = 0, heap_on = 0;
            int r;

            for (r = 0; r < 3; r++) {
                heap_off = dkim_sweep_one(&cfg, sizes[j] * 1024, FALSE, &t);
                if (best_off < 0 || t < best_off)
                    best_off = t;
                heap_on = dkim_sweep_one(&cfg, sizes[j] * 1024, TRUE, &t);
                if (best_on < 0 || t < best_on)
                    best_on = t;
            }
            printf("dkim_sweep_%" G_GSIZE_FORMAT " = %.6f %.6f %" G_GSIZE_FORMAT " %" G_GSIZE_FORMAT "\n",
                   sizes[j], best_off, best_on, heap_off, heap_on);
        }
        return 0;
    }
    if (sweep) {
        static const gsize sizes[] = { 16, 64, 256, 1024, 4096 };
        gsize j;

        smtpx_config_init(&cfg);
        warm_up(&cfg);
        for (j = 0; j < G_N_ELEMENTS(sizes); j++) {
            guint n_ev;
            gsize held = header_sweep_one(&cfg, sizes[j] * 1024, &n_ev);

            printf("header_sweep_%" G_GSIZE_FORMAT " = %" G_GSIZE_FORMAT " %u\n",
                   sizes[j], held, n_ev);
        }
        printf("max_header_bytes = %" G_GSIZE_FORMAT "\n", cfg.max_header_bytes);
        return 0;
    }
    if (path == NULL || runs < 1) {
        fprintf(stderr, "usage: bench_core FEED [--runs N] [--sessions K] [--only S] [--keep-events] | --header-sweep | --dkim-sweep\n");
        return 2;
    }

    recs = load_feed(path, below, only, &n_sessions);
    for (i = 0; i < (int)recs->len; i++)
        bytes += g_array_index(recs, record_t, i).len;
    sessions = g_new0(smtpx_session_t *, n_sessions ? n_sessions : 1);
    smtpx_config_init(&cfg);

    warm_up(&cfg);
    rss_before = proc_status_kb("VmRSS:");
    heap_before = heap_in_use();
    for (run = 0; run < runs; run++) {
        double t0, t1, c0, c1;
        guint r;

        memset(&c, 0, sizeof c);

        c0 = cpu_seconds();
        t0 = now_seconds();
        feed_records(recs, sessions, &cfg, events, &c, keep_events);
        t1 = now_seconds();
        c1 = cpu_seconds();
        if (best < 0 || t1 - t0 < best)
            best = t1 - t0;
        if (best_cpu < 0 || c1 - c0 < best_cpu)
            best_cpu = c1 - c0;
        g_string_append_printf(run_times, "%s%.3f", run ? " " : "", t1 - t0);
        if (run == runs - 1) {
            gsize h = heap_in_use();
            heap_retained = h > heap_before ? h - heap_before : 0;
        }
        used_sessions = 0;
        for (r = 0; r < n_sessions; r++) {
            if (sessions[r]) {
                used_sessions++;
                smtpx_session_free(sessions[r]);
                sessions[r] = NULL;
            }
        }
    }

    printf("sessions = %u\n", used_sessions);
    printf("segments = %u\n", recs->len);
    printf("bytes = %" G_GUINT64_FORMAT "\n", bytes);
    printf("best_seconds = %.6f\n", best);
    printf("best_cpu_seconds = %.6f\n", best_cpu);
    printf("run_seconds = %s\n", run_times->str);
    printf("events = %" G_GUINT64_FORMAT "\n", c.events);
    printf("messages = %" G_GUINT64_FORMAT "\n", c.messages);
    printf("forged = %" G_GUINT64_FORMAT "\n", c.forged);
    printf("transactions = %" G_GUINT64_FORMAT "\n", c.txns);
    printf("heap_retained = %" G_GSIZE_FORMAT "\n", heap_retained);
    printf("rss_growth_kb = %ld\n", proc_status_kb("VmHWM:") > rss_before ?
           proc_status_kb("VmHWM:") - rss_before : 0);
    printf("peak_rss_kb = %ld\n", proc_status_kb("VmHWM:"));

    for (i = 0; i < (int)recs->len; i++)
        g_free(g_array_index(recs, record_t, i).data);
    g_array_free(recs, TRUE);
    g_free(sessions);
    g_ptr_array_free(events, TRUE);
    g_string_free(run_times, TRUE);
    return 0;
}
