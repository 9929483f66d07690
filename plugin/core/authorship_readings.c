/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * authorship_readings.c - the verdict's ambiguity step: the readings of the
 * From field (address.h; RFC 5322 3.4), its layout (RFC 5322 2.2, 4.5) and
 * an ambiguous MAIL FROM (RFC 5321 4.1.2).
 */
#include "authorship_internal.h"

/* Words for an ambiguous MAIL FROM, or NULL when it is not ambiguous. */
static char *
mail_from_ambiguity(const smtpx_path_t *mf)
{
    GString *w = g_string_new(NULL);

    if (mf->flags & SMTPX_PATH_COMMENT)
        g_string_append(w, ", a comment");
    if ((mf->flags & SMTPX_PATH_QUOTED_LOCAL) && mf->local_part &&
        strchr(mf->local_part, '@'))
        g_string_append(w, ", '@' inside a quoted local part");
    if (mf->flags & SMTPX_PATH_ROUTE)
        g_string_append(w, ", a source route");
    if (mf->flags & SMTPX_PATH_MULTIPLE_AT)
        g_string_append(w, ", several '@'");
    if (mf->flags & SMTPX_PATH_UNBALANCED)
        g_string_append(w, ", an unclosed '<' or quote");
    if (w->len == 0) {
        g_string_free(w, TRUE);
        return NULL;
    }
    g_string_erase(w, 0, 2);
    return g_string_free(w, FALSE);
}

/*
 * The readings of the first From field (address.h): ambiguous when a
 * lenient reading gives an author of an organization that no strict reading
 * names (RFC 5322 3.4; "Composition Kills" 4-5).  Syntax outside RFC 5322
 * that every reading agrees on is a protocol note.
 */
static void
judge_readings(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    /* v->authors is the strict parse of these bytes (judge_fields). */
    GPtrArray *rs = smtpx_address_readings_parsed(j->from->value,
                                                  j->from->value_len,
                                                  v->authors);
    GPtrArray *owners = g_ptr_array_new_with_free_func(g_free);
    const smtpx_reading_t *first = NULL, *odd = NULL;
    guint32 deviant = v->authors->flags & SMTPX_ADDR_DEVIANT_FLAGS;
    guint i, k;

    for (i = 0; i < rs->len; i++) {
        const smtpx_reading_t *r = g_ptr_array_index(rs, i);

        if (r->readers & SMTPX_READER_STRICT) {
            char *o = owner_of(r->domain);

            if (!first)
                first = r;
            g_ptr_array_add(owners, o ? o : g_strdup(r->domain));
        }
    }
    for (i = 0; i < rs->len && !odd; i++) {
        const smtpx_reading_t *r = g_ptr_array_index(rs, i);
        char *o = owner_of(r->domain);
        gboolean known = FALSE;

        if (!o)
            o = g_strdup(r->domain);
        for (k = 0; k < owners->len && !known; k++)
            known = strcmp(o, g_ptr_array_index(owners, k)) == 0;
        if (!known)
            odd = r;
        g_free(o);
    }
    if (odd) {
        char *who = smtpx_reading_describe(odd);
        char *sa = shown_str(first ? first->address : NULL);

        v->ambiguous = TRUE;
        add_reason(j->reasons, "From address is ambiguous: read as %s by "
                   "strict parsers, as %s by %s", sa, odd->address, who);
        g_free(who);
        g_free(sa);
    } else if (deviant & ~(guint32)SMTPX_ADDR_AMBIGUOUS_FLAGS) {
        char *w = smtpx_addr_flags_describe(deviant & ~(guint32)SMTPX_ADDR_AMBIGUOUS_FLAGS);
        char *sa = shown_str(first ? first->address : v->from_domain);

        add_reason(j->notes, "From field syntax outside RFC 5322 (%s), but "
                   "every reading gives the author %s", w, sa);
        g_free(w);
        g_free(sa);
    }
    if (deviant & SMTPX_ADDR_AMBIGUOUS_FLAGS) {
        char *w = smtpx_addr_flags_describe(deviant & SMTPX_ADDR_AMBIGUOUS_FLAGS);

        v->ambiguous = TRUE;
        add_reason(j->reasons, "From address is ambiguous: %s (parsers "
                   "disagree on where the address ends)", w);
        g_free(w);
    }
    g_ptr_array_unref(owners);
    g_ptr_array_unref(rs);
}

/* Layout of the From field and the header section (RFC 5322 2.2, 4.5). */
static void
judge_layout(judge_t *j)
{
    smtpx_verdict_t *v = j->v;
    guint32 ff = j->from ? j->from->flags : 0;
    guint i;

    if (ff & HDR_AMBIGUOUS_FLAGS) {
        char *w = smtpx_header_flags_words(ff & HDR_AMBIGUOUS_FLAGS, ", ");

        v->ambiguous = TRUE;
        add_reason(j->reasons, "From field layout is ambiguous: %s", w);
        g_free(w);
    }
    if (j->h && (smtpx_headers_flags(j->h) & SMTPX_HDR_LEADING_WS)) {
        v->ambiguous = TRUE;
        add_reason(j->reasons, "the header section starts with white space");
    }
    for (i = 0; j->h && j->from && i < smtpx_headers_count(j->h); i++) {
        const smtpx_header_field_t *f = smtpx_headers_nth(j->h, i);

        if (!f || f == j->from)
            break;
        if (f->flags & SMTPX_HDR_BLANK_CONTINUATION) {
            v->ambiguous = TRUE;
            add_reason(j->reasons, "a white-space-only continuation line "
                       "before From ends the header section for some parsers");
            break;
        }
    }
}

/* Ambiguity: the From readings, the layout, the MAIL FROM. */
void
judge_ambiguity(judge_t *j)
{
    if (j->from && j->v->authors)
        judge_readings(j);
    judge_layout(j);
    if (j->mf) {
        char *w = mail_from_ambiguity(j->mf);

        if (w) {
            j->v->ambiguous = TRUE;
            add_reason(j->reasons, "MAIL FROM is ambiguous: %s", w);
            g_free(w);
        }
    }
}
