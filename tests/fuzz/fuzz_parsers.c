/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_parsers.c - libFuzzer target for the line parsers: command lines,
 * paths, BDAT and AUTH arguments, reply lines, EHLO keywords.
 */
#include "command.h"
#include "ehlo.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    smtpx_command_t *cmd = smtpx_command_parse(data, size);
    smtpx_path_t *mail = smtpx_path_parse(data, size, TRUE);
    smtpx_path_t *rcpt = smtpx_path_parse(data, size, FALSE);
    smtpx_auth_arg_t auth = smtpx_auth_parse(data, size);
    smtpx_reply_t *r = smtpx_reply_new();
    smtpx_ehlo_capability_t *cap = smtpx_ehlo_capability_parse(data, size);
    smtpx_ehlo_t *ehlo;
    char *flags = smtpx_path_flags_describe(mail->flags);

    (void)smtpx_bdat_parse(data, size);
    (void)smtpx_helo_classify(data, size);
    smtpx_reply_add_line(r, (const guint8 *)"250-x.example", 13);
    smtpx_reply_add_line(r, data, size);
    smtpx_reply_add_line(r, (const guint8 *)"250 OK", 6);
    ehlo = smtpx_ehlo_parse(r);

    smtpx_ehlo_free(ehlo);
    smtpx_ehlo_capability_free(cap);
    smtpx_reply_free(r);
    g_free(auth.mechanism);
    g_free(flags);
    smtpx_path_free(rcpt);
    smtpx_path_free(mail);
    smtpx_command_free(cmd);
    return 0;
}
