/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_address.c - libFuzzer target for the RFC 5322 address-list parser,
 * its readings, RFC 2047 decoding, the header accumulator and the verdict.
 */
#include "address.h"
#include "authorship.h"
#include "headers.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    smtpx_address_list_t *list = smtpx_address_list_parse(data, size);
    GPtrArray *readings = smtpx_address_readings(data, size);
    char *dec = smtpx_rfc2047_decode(data, size, NULL);
    smtpx_headers_t *h = smtpx_headers_new(2048);
    smtpx_authorship_input_t in = { 0 };
    smtpx_verdict_t *v;
    size_t start = 0, i;

    for (i = 0; i < size; i++) {
        if (data[i] == '\n') {
            smtpx_headers_add_line(h, data + start, i - start, FALSE);
            start = i + 1;
        }
    }
    smtpx_headers_add_line(h, data + start, size - start, FALSE);
    smtpx_headers_finish(h);
    in.headers = h;
    in.helo = "fuzz.example";
    v = smtpx_authorship_judge(&in);

    smtpx_verdict_free(v);
    smtpx_headers_free(h);
    g_free(dec);
    smtpx_address_list_free(list);
    g_ptr_array_unref(readings);
    return 0;
}
