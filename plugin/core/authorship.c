/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * authorship.c - the forged-From verdict; see authorship.h for the contract
 * and docs/verdict.md for the rule in prose.
 *
 * Everything here works on what the capture shows: the MAIL FROM
 * reverse-path, the EHLO/HELO argument and the header section.  Nothing is
 * looked up in DNS and no signature is verified.  This file holds the
 * judgement's frame (smtpx_authorship_judge) and its first steps: the header
 * fields, the author or Sender to judge (RFC 5322 3.6, 3.6.2).  The other
 * steps: the envelope and DKIM (authorship_align.c), ambiguity
 * (authorship_readings.c), display names (authorship_display.c), look-alike
 * domains (authorship_lookalike.c); domains and owners in
 * authorship_domains.c.
 */
#include "authorship_internal.h"

void
add_reason(GString *reasons, const char *fmt, ...)
{
    va_list ap;

    if (reasons->len > 0)
        g_string_append(reasons, "; ");
    va_start(ap, fmt);
    g_string_append_vprintf(reasons, fmt, ap);
    va_end(ap);
}

static char *
field_printable(const smtpx_headers_t *h, const char *name)
{
    const smtpx_header_field_t *f = h ? smtpx_headers_get(h, name) : NULL;

    return f ? smtpx_printable(f->value, f->value_len) : NULL;
}

/* Printable copy of a possibly NULL string for reasons ("?" when NULL). */
char *
shown_str(const char *s)
{
    return s ? smtpx_printable((const guint8 *)s, strlen(s)) : g_strdup("?");
}

/* DKIM-Signature d= domains of well-formed signatures (RFC 6376 3.5). */
static void
judge_dkim_fields(judge_t *j)
{
    guint i;

    for (i = 0; j->h && i < smtpx_headers_count(j->h); i++) {
        const smtpx_header_field_t *f = smtpx_headers_nth(j->h, i);
        char *d;

        if (!f || !f->name || g_ascii_strcasecmp(f->name, "DKIM-Signature") != 0)
            continue;
        /* A field without the tags RFC 6376 3.5 requires, or one that does
         * not sign From, vouches for no author: not counted. */
        if (!smtpx_dkim_signature_wellformed(f->value, f->value_len)) {
            j->n_dkim_malformed++;
            continue;
        }
        d = smtpx_dkim_signing_domain(f->value, f->value_len);
        if (d) {
            char *p = smtpx_printable((const guint8 *)d, strlen(d));

            g_free(d);
            g_ptr_array_add(j->v->dkim_domains, p);
        }
    }
}

/* The header fields the verdict shows, and the first From parsed. */
static void
judge_fields(judge_t *j)
{
    smtpx_verdict_t *v = j->v;

    if (j->h) {
        j->n_from = smtpx_headers_count_name(j->h, "From");
        j->from = smtpx_headers_get(j->h, "From");
        v->sender = field_printable(j->h, "Sender");
        v->reply_to = field_printable(j->h, "Reply-To");
        v->return_path = field_printable(j->h, "Return-Path");
        judge_dkim_fields(j);
    }
    if (j->from) {
        v->from_field = smtpx_printable(j->from->value, j->from->value_len);
        v->authors = smtpx_address_list_parse(j->from->value, j->from->value_len);
        j->n_mailboxes = v->authors->mailboxes->len;
        if (j->n_mailboxes > 0) {
            const smtpx_mailbox_t *first = g_ptr_array_index(v->authors->mailboxes, 0);

            if (first->domain && *first->domain)
                v->from_domain = g_strdup(first->domain);
        }
    }
    v->org_domain = smtpx_org_domain(v->from_domain);
}

/* The identity the envelope must back: the first author, or with several
 * authors the Sender (RFC 5322 3.6.2: the agent responsible for the actual
 * transmission). */
static void
judge_identity(judge_t *j, const smtpx_mailbox_t *sender)
{
    const char *d = sender ? sender->domain : j->v->from_domain;

    j->judged_role = sender ? "Sender" : "author";
    j->judged_domain = d ? g_strdup(d) : NULL;
    j->judged_norm = normalize_domain(d);
    j->judged_org = org_of_normalized(j->judged_norm);
    j->shown_author = shown_str(d);
    j->author_phrase = d
        ? g_strdup_printf("%s domain %s", j->judged_role, j->shown_author)
        : g_strdup("an author (the From field gives no domain)");
}

/* RFC 5322 3.6: From is required. */
static void
judge_missing(judge_t *j)
{
    smtpx_verdict_t *v = j->v;

    if (!j->from) {
        v->missing = TRUE;
        add_reason(j->reasons, "no From field%s",
                   j->h && smtpx_headers_truncated(j->h)
                       ? " (the header section was cut at the size limit)" : "");
    } else if (j->n_mailboxes == 0) {
        v->missing = TRUE;
        add_reason(j->reasons, "the From field names no mailbox");
    } else if (!v->from_domain) {
        v->missing = TRUE;
        add_reason(j->reasons, "the From mailbox has no domain");
    }
}

/* Are all From fields the same text (trailing white space aside)? */
static gboolean
from_fields_identical(const smtpx_headers_t *h, const smtpx_header_field_t *first)
{
    gsize flen = first->value_len;
    guint i;

    while (flen > 0 && (first->value[flen - 1] == ' ' || first->value[flen - 1] == '\t'))
        flen--;
    for (i = 0; i < smtpx_headers_count(h); i++) {
        const smtpx_header_field_t *f = smtpx_headers_nth(h, i);
        gsize len;

        if (!f || !f->name || g_ascii_strcasecmp(f->name, "From") != 0)
            continue;
        len = f->value_len;
        while (len > 0 && (f->value[len - 1] == ' ' || f->value[len - 1] == '\t'))
            len--;
        if (len != flen || memcmp(f->value, first->value, len) != 0 ||
            (f->flags & HDR_AMBIGUOUS_FLAGS) != (first->flags & HDR_AMBIGUOUS_FLAGS))
            return FALSE;
    }
    return TRUE;
}

/* Owner of every author the same as owner (or NULL owner and no domain)?
 * *other gets the first author of another owner. */
static gboolean
authors_of_owner(const smtpx_address_list_t *authors, const char *owner,
                 const smtpx_mailbox_t **other)
{
    guint i;

    for (i = 0; i < authors->mailboxes->len; i++) {
        const smtpx_mailbox_t *mb = g_ptr_array_index(authors->mailboxes, i);
        char *o = owner_of(mb->domain);
        gboolean same = o && owner && strcmp(o, owner) == 0;

        g_free(o);
        if (!same) {
            *other = mb;
            return FALSE;
        }
    }
    return TRUE;
}

/*
 * Several authors (RFC 5322 3.6.2): a Sender field must name the one
 * mailbox responsible for the transmission; the verdict is then made on
 * it.  Authors of an organization other than the Sender's are flagged: some
 * readers show the Sender ("on behalf of"), others the authors, so the
 * reader may see another organization than the one the envelope backs.
 * Returns the Sender mailbox to judge on, or NULL (first author).
 */
static const smtpx_mailbox_t *
judge_several_authors(judge_t *j, smtpx_address_list_t **sender_list)
{
    smtpx_verdict_t *v = j->v;
    const smtpx_header_field_t *sf = j->h ? smtpx_headers_get(j->h, "Sender") : NULL;
    const smtpx_mailbox_t *sender = NULL, *other = NULL;
    char *owner;

    if (!sf) {
        const smtpx_mailbox_t *first = g_ptr_array_index(v->authors->mailboxes, 0);

        v->multiple = TRUE;
        add_reason(j->reasons, "%u author mailboxes and no Sender field "
                   "(RFC 5322 3.6.2 requires one)", j->n_mailboxes);
        owner = owner_of(first->domain);
        if (!authors_of_owner(v->authors, owner, &other)) {
            char *sa = shown_str(other->address), *sf0 = shown_str(first->domain);

            add_reason(j->reasons, "author mailboxes of different "
                       "organizations (%s is not of %s): only the first is "
                       "judged", sa, sf0);
            g_free(sa);
            g_free(sf0);
        }
        g_free(owner);
        return NULL;
    }
    *sender_list = smtpx_address_list_parse(sf->value, sf->value_len);
    if ((*sender_list)->mailboxes->len != 1 ||
        !((const smtpx_mailbox_t *)g_ptr_array_index((*sender_list)->mailboxes, 0))->domain) {
        v->multiple = TRUE;
        add_reason(j->reasons, "%u author mailboxes and a Sender field that "
                   "does not name one mailbox (RFC 5322 3.6.2)", j->n_mailboxes);
        return NULL;
    }
    sender = g_ptr_array_index((*sender_list)->mailboxes, 0);
    owner = owner_of(sender->domain);
    if (!authors_of_owner(v->authors, owner, &other)) {
        char *sa = shown_str(other->address), *ss = shown_str(sender->address);

        v->multiple = TRUE;
        add_reason(j->reasons, "author %s is not of the organization of "
                   "Sender %s: readers that show the Sender and readers "
                   "that show the authors show different organizations; "
                   "the envelope is judged against the Sender (RFC 5322 "
                   "3.6.2)", sa, ss);
        g_free(sa);
        g_free(ss);
    }
    g_free(owner);
    return sender;
}

/* RFC 5322 3.6: at most one From field. */
static void
judge_from_fields(judge_t *j)
{
    if (j->n_from <= 1)
        return;
    if (from_fields_identical(j->h, j->from)) {
        add_reason(j->notes, "%u identical From fields (RFC 5322 3.6 allows "
                   "one); every reader sees the same author", j->n_from);
        return;
    }
    j->v->multiple = TRUE;
    add_reason(j->reasons, "%u different From fields (RFC 5322 allows one); "
               "only the first is judged, readers may show another", j->n_from);
}

/*
 * Issue 10: a verdict lives until the file closes.  Its strings are put
 * behind the structure in one block (smtpx_pack_strings), equal ones once
 * (the organizational domain is often the domain itself), instead of a
 * dozen small blocks.  Takes v and its strings; returns the new verdict.
 */
static smtpx_verdict_t *
verdict_pack(smtpx_verdict_t *v)
{
    static const gsize members[] = {
        offsetof(smtpx_verdict_t, from_field), offsetof(smtpx_verdict_t, from_domain),
        offsetof(smtpx_verdict_t, org_domain), offsetof(smtpx_verdict_t, envelope_domain),
        offsetof(smtpx_verdict_t, envelope_org_domain), offsetof(smtpx_verdict_t, sender),
        offsetof(smtpx_verdict_t, reply_to), offsetof(smtpx_verdict_t, return_path),
        offsetof(smtpx_verdict_t, exception_rule), offsetof(smtpx_verdict_t, reasons),
        offsetof(smtpx_verdict_t, notes),
    };

    return smtpx_pack_strings(v, sizeof *v, members, G_N_ELEMENTS(members));
}

smtpx_verdict_t *
smtpx_authorship_judge(const smtpx_authorship_input_t *in)
{
    static const smtpx_authorship_input_t none;
    smtpx_address_list_t *sender_list = NULL;
    const smtpx_mailbox_t *sender = NULL;
    smtpx_verdict_t *v = smtpx_new0(smtpx_verdict_t);
    judge_t j;

    memset(&j, 0, sizeof j);
    j.in = in ? in : &none;
    j.h = j.in->headers;
    j.mf = j.in->mail_from;
    j.v = v;
    j.reasons = g_string_new(NULL);
    j.notes = g_string_new(NULL);
    v->decided = TRUE;
    v->dkim_domains = g_ptr_array_new_with_free_func(g_free);

    judge_fields(&j);
    judge_missing(&j);
    judge_from_fields(&j);
    if (j.n_mailboxes > 1)
        sender = judge_several_authors(&j, &sender_list);
    judge_identity(&j, sender);
    judge_envelope(&j);
    judge_exceptions(&j);
    judge_dkim(&j);
    judge_ambiguity(&j);
    judge_display_names(&j);
    judge_lookalike(&j);

    v->forged = !(j.env_aligned || v->exception || v->dkim_aligned) ||
                v->ambiguous || v->missing || v->multiple ||
                v->display_name_spoof || v->lookalike;
    v->reasons = g_string_free(j.reasons, FALSE);
    v->notes = g_string_free(j.notes, FALSE);
    if (v->dkim_domains->len == 0) {
        g_ptr_array_unref(v->dkim_domains);
        v->dkim_domains = NULL;
    }
    /* Kept while the file is open: one block, and one per author. */
    smtpx_address_list_compact(v->authors);
    v = verdict_pack(v);

    smtpx_address_list_free(sender_list);
    g_free(j.judged_domain);
    g_free(j.judged_norm);
    g_free(j.judged_org);
    g_free(j.env_norm);
    g_free(j.shown_author);
    g_free(j.author_phrase);
    return v;
}

void
smtpx_verdict_free(smtpx_verdict_t *v)
{
    if (!v)
        return;
    /* The strings are in v's block (verdict_pack). */
    if (v->authors)
        smtpx_address_list_free(v->authors);
    if (v->dkim_domains)
        g_ptr_array_unref(v->dkim_domains);
    g_free(v);
}
