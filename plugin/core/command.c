/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * command.c - SMTP command lines and their arguments: verbs (RFC 5321
 * section 4.1), the EHLO/HELO argument (section 4.1.1.1), BDAT (RFC 3030
 * section 3) and AUTH (RFC 4954 section 4).  Reverse-path and forward-path
 * (section 4.1.2) are in command_path.c with the address and domain checks
 * in command_addr.c, ESMTP parameters (RFC 1869/5321 esmtp-param, SIZE RFC
 * 1870, BODY RFC 6152 and RFC 3030, SMTPUTF8 RFC 6531, DSN RFC 3461,
 * REQUIRETLS RFC 8689) in command_param.c.  See command.h for the contract.
 *
 * Every parser reads only inside the span it is given, never fails, and
 * puts only smtpx_printable() strings into the structures it returns.
 */
#include "command_internal.h"

/* ------------------------------------------------------------------ */
/* Verbs                                                                */
/* ------------------------------------------------------------------ */

static const struct {
    smtpx_verb_t verb;
    const char *name;
    const char *lookalike;
} verb_table[] = {
#define SMTPX_VERB(id, name, lookalike) { SMTPX_VERB_##id, name, lookalike },
#include "verbs.def"
#undef SMTPX_VERB
};
G_STATIC_ASSERT(G_N_ELEMENTS(verb_table) == SMTPX_VERB_COUNT - 1);

/* See command.h.  Unknown or out-of-range values give "". */
const char *
smtpx_verb_name(smtpx_verb_t verb)
{
    if (verb > SMTPX_VERB_UNKNOWN && verb < SMTPX_VERB_COUNT)
        return verb_table[verb - 1].name;
    return "";
}

/* See command.h. */
const char *
smtpx_verb_lookalike(smtpx_verb_t verb)
{
    if (verb > SMTPX_VERB_UNKNOWN && verb < SMTPX_VERB_COUNT)
        return verb_table[verb - 1].lookalike;
    return NULL;
}

/*
 * smtpx_command_parse - see command.h.
 *
 * The verb is everything up to the first SP or HTAB (RFC 5321 4.1.1 puts a
 * single SP there; HTAB is accepted for recognising the verb, but then
 * looks_like_command is FALSE).  Verbs compare case-insensitively (RFC 5321
 * section 2.4).  args_offset is just after that one separator, or len when
 * there is none; extra blanks stay in the arguments.  line may be NULL when
 * len is 0.
 */
smtpx_command_t *
smtpx_command_parse(const guint8 *line, gsize len)
{
    smtpx_command_t *cmd = smtpx_new0(smtpx_command_t);
    gsize i = 0, k;
    gboolean alnum = TRUE;

    if (line == NULL)
        len = 0;
    while (i < len && !is_blank(line[i]))
        i++;
    cmd->verb_len = i;
    cmd->verb_text = smtpx_printable_upper(line, i);
    cmd->args_offset = i < len ? i + 1 : len;

    for (k = 0; k < i; k++) {
        if (!g_ascii_isalnum(line[k])) {
            alnum = FALSE;
            break;
        }
    }
    cmd->looks_like_command = alnum && i >= 1 && i <= 12 &&
                              (i == len || line[i] == ' ');

    cmd->verb = SMTPX_VERB_UNKNOWN;
    for (k = 0; k < G_N_ELEMENTS(verb_table); k++) {
        if (span_ieq(line, i, verb_table[k].name)) {
            cmd->verb = verb_table[k].verb;
            break;
        }
    }
    return cmd;
}

void
smtpx_command_free(smtpx_command_t *cmd)
{
    if (cmd == NULL)
        return;
    g_free(cmd->verb_text);
    g_free(cmd);
}

/* ------------------------------------------------------------------ */
/* EHLO / HELO argument                                                 */
/* ------------------------------------------------------------------ */

/*
 * smtpx_helo_classify - see command.h.  Leading blanks are ignored as well
 * as trailing ones (SP, HTAB).  Order: empty; "[...]" address literal
 * (ADDRESS_LITERAL when its content is valid, else INVALID); bare IPv4 or
 * IPv6 (BARE_IP, even though "192.0.2.1" also fits the domain grammar);
 * domain (RFC 5321 Domain, U-labels allowed by RFC 6531 3.3); else INVALID
 * (several words, underscores, trailing dot, control bytes...).
 */
smtpx_helo_kind_t
smtpx_helo_classify(const guint8 *arg, gsize len)
{
    gsize s = 0;

    if (arg == NULL)
        len = 0;
    while (len > 0 && is_blank(arg[len - 1]))
        len--;
    while (s < len && is_blank(arg[s]))
        s++;
    if (s >= len)
        return SMTPX_HELO_EMPTY;
    arg += s;
    len -= s;
    if (arg[0] == '[')
        return address_literal_ok(arg, len) ? SMTPX_HELO_ADDRESS_LITERAL
                                            : SMTPX_HELO_INVALID;
    if (is_ipv4(arg, len) || is_ipv6(arg, len))
        return SMTPX_HELO_BARE_IP;
    if (domain_ok(arg, len, NULL))
        return SMTPX_HELO_DOMAIN;
    return SMTPX_HELO_INVALID;
}

/* ------------------------------------------------------------------ */
/* BDAT and AUTH                                                        */
/* ------------------------------------------------------------------ */

/*
 * smtpx_bdat_parse - see command.h.  RFC 3030 section 3:
 *   bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CR LF
 *   chunk-size = 1*DIGIT;  end-marker = "LAST"
 * Blanks around the words are tolerated.  The size is checked before the
 * end marker: "-5" is NOT_A_NUMBER, 20 digits or a value above 2^63-1 is
 * OVERFLOW (the most a signed 64-bit length can hold, as Zeek checks).
 * LAST compares case-insensitively; any other word or a third word gives
 * BAD_LAST.  On any error chunk_size is 0 and last FALSE.
 */
smtpx_bdat_arg_t
smtpx_bdat_parse(const guint8 *args, gsize len)
{
    smtpx_bdat_arg_t r = { 0, FALSE, SMTPX_BDAT_OK };
    gsize i = 0, s, k;
    guint64 v = 0;

    if (args == NULL)
        len = 0;
    while (i < len && is_blank(args[i]))
        i++;
    if (i >= len) {
        r.error = SMTPX_BDAT_MISSING_SIZE;
        return r;
    }
    s = i;
    while (i < len && !is_blank(args[i]))
        i++;
    for (k = s; k < i; k++) {
        if (!g_ascii_isdigit(args[k])) {
            r.error = SMTPX_BDAT_NOT_A_NUMBER;
            return r;
        }
    }
    if (i - s > 19) {
        r.error = SMTPX_BDAT_OVERFLOW;
        return r;
    }
    for (k = s; k < i; k++)
        v = v * 10 + (guint64)(args[k] - '0');     /* < 10^19 < 2^64 */
    if (v > (guint64)G_MAXINT64) {
        r.error = SMTPX_BDAT_OVERFLOW;
        return r;
    }

    while (i < len && is_blank(args[i]))
        i++;
    if (i < len) {
        s = i;
        while (i < len && !is_blank(args[i]))
            i++;
        k = i;
        while (k < len && is_blank(args[k]))
            k++;
        if (!span_ieq(args + s, i - s, "LAST") || k < len) {
            r.error = SMTPX_BDAT_BAD_LAST;
            return r;
        }
        r.last = TRUE;
    }
    r.chunk_size = v;
    return r;
}

/*
 * smtpx_auth_parse - see command.h.  RFC 4954 section 4:
 *   "AUTH" SP sasl-mech [SP initial-response]
 * mechanism is the first word, upper-cased and printable, or NULL when
 * there is none; initial_response is TRUE when any further word follows
 * ("=" for an empty response counts).  The response itself is never kept.
 */
smtpx_auth_arg_t
smtpx_auth_parse(const guint8 *args, gsize len)
{
    smtpx_auth_arg_t r = { NULL, FALSE };
    gsize i = 0, s;

    if (args == NULL)
        len = 0;
    while (i < len && is_blank(args[i]))
        i++;
    if (i >= len)
        return r;
    s = i;
    while (i < len && !is_blank(args[i]))
        i++;
    r.mechanism = smtpx_printable_upper(args + s, i - s);
    while (i < len && is_blank(args[i]))
        i++;
    r.initial_response = i < len;
    return r;
}
