/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_vocabulary.c - the one-table vocabularies of plugin/core:
 * anomalies.def (names for smtpx.analysis.<name>) and verbs.def (verb
 * names, parsing, smuggling look-alikes; RFC 5321 2.4: verbs are
 * case-insensitive).
 */
#include <string.h>

#include "session.h"
#include "command.h"
#include "stream.h"

static void
test_anomaly_names(void)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    guint k;

    for (k = 0; k < SMTPX_ANOM_COUNT; k++) {
        const char *name = smtpx_anomaly_name((smtpx_anomaly_kind_t)k);
        const char *p;

        g_assert_nonnull(name);
        g_assert_cmpstr(name, !=, "unknown");
        for (p = name; *p; p++)
            g_assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
        g_assert_false(g_hash_table_contains(seen, name));
        g_hash_table_add(seen, g_strdup(name));
    }
    g_assert_cmpuint(g_hash_table_size(seen), ==, SMTPX_ANOM_COUNT);
    /* The table's order is the enum's. */
    g_assert_cmpstr(smtpx_anomaly_name(SMTPX_ANOM_FORGED_FROM), ==, "forged_from");
    g_assert_cmpstr(smtpx_anomaly_name(SMTPX_ANOM_GAP), ==, "gap");
    g_assert_cmpstr(smtpx_anomaly_name(SMTPX_ANOM_QUEUE_LIMIT), ==, "queue_limit");
    g_hash_table_destroy(seen);
}

static void
test_verbs(void)
{
    guint v;

    g_assert_cmpstr(smtpx_verb_name(SMTPX_VERB_UNKNOWN), ==, "");
    g_assert_null(smtpx_verb_lookalike(SMTPX_VERB_UNKNOWN));
    g_assert_null(smtpx_verb_lookalike(SMTPX_VERB_COUNT));
    for (v = SMTPX_VERB_UNKNOWN + 1; v < SMTPX_VERB_COUNT; v++) {
        const char *name = smtpx_verb_name((smtpx_verb_t)v);
        const char *look = smtpx_verb_lookalike((smtpx_verb_t)v);
        char *lower = g_ascii_strdown(name, -1);
        char *line = g_strdup_printf("%s x", lower);
        smtpx_command_t *cmd = smtpx_command_parse((const guint8 *)line, strlen(line));

        /* The name parses back to its verb, in any case. */
        g_assert_cmpint(cmd->verb, ==, v);
        g_assert_cmpstr(cmd->verb_text, ==, name);
        /* The look-alike starts with the verb and is one. */
        g_assert_nonnull(look);
        g_assert_true(g_str_has_prefix(look, name));
        g_assert_true(smtpx_stream_looks_like_command((const guint8 *)look, strlen(look)));
        smtpx_command_free(cmd);
        g_free(line);
        g_free(lower);
    }
    /* MAIL and RCPT look like commands only with their keyword. */
    g_assert_false(smtpx_stream_looks_like_command((const guint8 *)"MAIL x", 6));
    g_assert_true(smtpx_stream_looks_like_command((const guint8 *)"mail from:<a@b>", 15));
    g_assert_false(smtpx_stream_looks_like_command((const guint8 *)"DATAX", 5));
    g_assert_true(smtpx_stream_looks_like_command((const guint8 *)"DATA\r\n", 6));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vocabulary/anomaly_names", test_anomaly_names);
    g_test_add_func("/vocabulary/verbs", test_verbs);
    return g_test_run();
}
