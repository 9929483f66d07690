/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_dkim.c - libFuzzer target for the DKIM parsers (plugin/core/
 * dkim_tags.c): tag lists, DKIM-Signature tags, key records, the RSA key
 * DER reader, key-file lines and Authentication-Results; and the verifier
 * fed the input as a message with a key record made of the input too.
 */
#include "dkim.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    GPtrArray *tags = smtpx_dkim_tags_parse(data, size, NULL);
    smtpx_dkim_sig_t *sig = smtpx_dkim_sig_parse(data, size);
    smtpx_dkim_key_t *key = smtpx_dkim_key_parse(data, size);
    smtpx_authres_t *ar = smtpx_authres_parse(data, size, size & 1);
    smtpx_dkim_msg_t *m = smtpx_dkim_msg_new(4096);
    smtpx_dkim_keys_t *keys = smtpx_dkim_keys_new();
    const guint8 *n, *e;
    gsize nl, el, tl;
    char *name;
    guint8 *txt;
    GPtrArray *res;

    (void)smtpx_dkim_rsa_der(data, size, &n, &nl, &e, &el);
    if (smtpx_dkim_keyfile_line(data, size, &name, &txt, &tl)) {
        g_free(name);
        g_free(txt);
    }
    if (sig->ok && sig->selector && sig->domain) {
        char *kn = g_strdup_printf("%s._domainkey.%s", sig->selector, sig->domain);

        smtpx_dkim_keys_add(keys, kn, SMTPX_DKIM_SRC_CAPTURE, 1, data, size, FALSE);
        g_free(kn);
    }
    smtpx_dkim_msg_feed(m, (const guint8 *)"DKIM-Signature:", 15);
    smtpx_dkim_msg_feed(m, data, size);
    smtpx_dkim_msg_feed(m, (const guint8 *)"\r\n\r\nbody\r\n", 10);
    smtpx_dkim_msg_end(m, TRUE, 0);
    res = smtpx_dkim_msg_evaluate(m, keys);

    g_ptr_array_unref(res);
    smtpx_dkim_msg_free(m);
    smtpx_dkim_keys_free(keys);
    smtpx_authres_free(ar);
    smtpx_dkim_key_free(key);
    smtpx_dkim_sig_free(sig);
    if (tags)
        g_ptr_array_unref(tags);
    return 0;
}
