/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reply.c - SMTP reply lines (RFC 5321 section 4.2), multi-line replies
 * (section 4.2.1) and enhanced status codes (RFC 3463 section 2, RFC 2034
 * sections 3 and 4).  Pure parsers: no state beyond the reply being built,
 * no I/O.  See reply.h for the contract.
 */
#include <string.h>

#include "reply.h"

/*
 * Reads 1 to 3 decimal digits at text[*pos] (bounded by len).  On success
 * stores the value in *value, advances *pos and returns TRUE.  Returns FALSE
 * when there is no digit or a fourth digit follows (RFC 3463: 1*3digit).
 */
static gboolean
read_1to3_digits(const guint8 *text, gsize len, gsize *pos, guint16 *value)
{
    gsize i = *pos;
    guint v = 0;
    gsize n = 0;

    while (i < len && g_ascii_isdigit(text[i]) && n < 4) {
        v = v * 10 + (guint)(text[i] - '0');
        i++;
        n++;
    }
    if (n == 0 || n > 3)
        return FALSE;
    *value = (guint16)v;
    *pos = i;
    return TRUE;
}

/*
 * smtpx_enhanced_status_parse - see reply.h.
 *
 * Grammar (RFC 3463 section 2, RFC 2034 section 4):
 *   status-code = class "." subject "." detail
 *   class = "2" / "4" / "5";  subject = 1*3digit;  detail = 1*3digit
 * RFC 2034 section 3 says the code is followed by one or more spaces; the
 * end of the text is accepted too ("451 4.7.0").  Accepted terminators are
 * SP, HTAB and CR (a stray CR of a bare-LF line); anything else ("2.1.0x",
 * "2.1.0.5", "2.1.1000") means there is no code.  Bytes are only read
 * inside text[0..len).
 */
gboolean
smtpx_enhanced_status_parse(const guint8 *text, gsize len,
                            smtpx_enhanced_status_t *out)
{
    gsize start = 0;
    gsize pos;
    guint16 subject = 0, detail = 0;
    guint8 klass;

    if (out == NULL)
        return FALSE;
    memset(out, 0, sizeof(*out));
    if (text == NULL)
        return FALSE;

    while (start < len && text[start] == ' ')
        start++;
    pos = start;

    if (pos >= len || (text[pos] != '2' && text[pos] != '4' && text[pos] != '5'))
        return FALSE;
    klass = (guint8)(text[pos] - '0');
    pos++;
    if (pos >= len || text[pos] != '.')
        return FALSE;
    pos++;
    if (!read_1to3_digits(text, len, &pos, &subject))
        return FALSE;
    if (pos >= len || text[pos] != '.')
        return FALSE;
    pos++;
    if (!read_1to3_digits(text, len, &pos, &detail))
        return FALSE;
    if (pos < len && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\r')
        return FALSE;

    out->present = TRUE;
    out->klass = klass;
    out->subject = subject;
    out->detail = detail;
    out->offset = start;
    out->length = pos - start;
    return TRUE;
}

/*
 * smtpx_reply_line_parse - see reply.h.
 *
 * RFC 5321 section 4.2:
 *   Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 *                Reply-code [ SP textstring ] CRLF
 *   Reply-code = %x32-35 %x30-35 %x30-39
 * A code followed by nothing ("250") is a valid last line.  Any other byte
 * after the three digits (HTAB, a fourth digit, a letter) makes the line
 * invalid: valid = FALSE, code 0, continued FALSE, text_offset 0 (the whole
 * line is text).
 */
gboolean
smtpx_reply_line_parse(const guint8 *line, gsize len, smtpx_reply_line_t *out)
{
    if (out == NULL)
        return FALSE;
    memset(out, 0, sizeof(*out));
    if (line == NULL || len < 3)
        return FALSE;
    if (line[0] < '2' || line[0] > '5' ||
        line[1] < '0' || line[1] > '5' ||
        !g_ascii_isdigit(line[2]))
        return FALSE;
    if (len > 3 && line[3] != ' ' && line[3] != '-')
        return FALSE;

    out->valid = TRUE;
    out->code = (guint16)((line[0] - '0') * 100 + (line[1] - '0') * 10 +
                          (line[2] - '0'));
    out->continued = (len > 3 && line[3] == '-');
    out->text_offset = len > 3 ? 4 : 3;
    return TRUE;
}

smtpx_reply_t *
smtpx_reply_new(void)
{
    smtpx_reply_t *r = smtpx_new0(smtpx_reply_t);

    r->lines = g_ptr_array_new_with_free_func(g_free);
    return r;
}

/* Keeps the text of one line unless SMTPX_REPLY_MAX_LINES are kept. */
static void
keep_line_text(smtpx_reply_t *r, const guint8 *text, gsize len)
{
    r->n_lines++;
    if (r->lines->len < SMTPX_REPLY_MAX_LINES)
        g_ptr_array_add(r->lines, smtpx_printable(text, len));
}

/*
 * smtpx_reply_add_line - see reply.h.
 *
 * line/len: one line without CRLF, not NUL-terminated; line may be NULL
 * when len is 0.  The first line sets r->code and, from its text, r->status
 * and r->status_text.  A later valid line with another code sets
 * r->code_mismatch (RFC 5321 4.2.1: every line carries the same code) and
 * the reply goes on; its separator still decides whether more follow.
 * An invalid line sets r->bad_line, keeps the whole line as text and ends
 * the reply with r->complete FALSE.  Adding a line to a reply that already
 * ended (complete or bad_line) changes nothing and returns TRUE.
 */
gboolean
smtpx_reply_add_line(smtpx_reply_t *r, const guint8 *line, gsize len)
{
    smtpx_reply_line_t rl;
    gboolean first;

    if (r == NULL)
        return TRUE;
    if (r->complete || r->bad_line)
        return TRUE;
    if (line == NULL)
        len = 0;

    first = (r->n_lines == 0);
    if (!smtpx_reply_line_parse(line, len, &rl)) {
        r->bad_line = TRUE;
        keep_line_text(r, line, len);
        return TRUE;
    }

    if (first) {
        r->code = rl.code;
        if (smtpx_enhanced_status_parse(line + rl.text_offset,
                                        len - rl.text_offset, &r->status)) {
            r->status_text = g_strndup((const char *)line + rl.text_offset +
                                       r->status.offset, r->status.length);
        }
    } else if (rl.code != r->code) {
        r->code_mismatch = TRUE;
    }

    keep_line_text(r, line + rl.text_offset, len - rl.text_offset);
    if (!rl.continued)
        r->complete = TRUE;
    return r->complete;
}

void
smtpx_reply_free(smtpx_reply_t *r)
{
    if (r == NULL)
        return;
    if (r->lines != NULL)
        g_ptr_array_free(r->lines, TRUE);
    g_free(r->status_text);
    g_free(r);
}
