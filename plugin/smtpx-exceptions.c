/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtpx-exceptions.c - the sender exceptions UAT (preference
 * smtpx.exceptions): envelope domains allowed to send for other author
 * domains (mailing lists, mail service providers).  A match is shown in the
 * verdict and does not make From forged (issue 4; authorship.h).
 */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/uat.h>

#include "ws_compat.h"
#include "packet-smtpx.h"

typedef struct {
    char *envelope_domain;
    char *author_domain;
    char *comment;
} exception_uat_t;

static exception_uat_t *exception_uats;
static guint n_exception_uats;
static smtpx_exception_t *exceptions;   /* rebuilt from the UAT */
static gsize n_exceptions;

UAT_CSTRING_CB_DEF(exception_uats, envelope_domain, exception_uat_t)
UAT_CSTRING_CB_DEF(exception_uats, author_domain, exception_uat_t)
UAT_CSTRING_CB_DEF(exception_uats, comment, exception_uat_t)

static void *
exception_uat_copy_cb(void *dest, const void *orig, size_t len _U_)
{
    const exception_uat_t *o = (const exception_uat_t *)orig;
    exception_uat_t *d = (exception_uat_t *)dest;

    d->envelope_domain = g_strdup(o->envelope_domain);
    d->author_domain = g_strdup(o->author_domain);
    d->comment = g_strdup(o->comment);
    return dest;
}

static void
exception_uat_free_cb(void *r)
{
    exception_uat_t *rec = (exception_uat_t *)r;

    g_free(rec->envelope_domain);
    g_free(rec->author_domain);
    g_free(rec->comment);
}

static gboolean
exception_uat_domain_ok(const char *d)
{
    if (!d || !*d)
        return FALSE;
    for (; *d; d++) {
        if (!(g_ascii_isalnum(*d) || *d == '.' || *d == '-' || *d == '*' ||
              (guchar)*d >= 0x80))
            return FALSE;
    }
    return TRUE;
}

static smtpx_ws_bool
exception_uat_update_cb(void *r, char **err)
{
    exception_uat_t *rec = (exception_uat_t *)r;

    if (!exception_uat_domain_ok(rec->envelope_domain)) {
        *err = g_strdup("Envelope domain must be a domain name, \"*\" or \"*.domain\"");
        return FALSE;
    }
    if (!exception_uat_domain_ok(rec->author_domain)) {
        *err = g_strdup("Author domain must be a domain name, \"*\" or \"*.domain\"");
        return FALSE;
    }
    *err = NULL;
    return TRUE;
}

static void
exception_uat_post_update_cb(void)
{
    guint i;

    g_free(exceptions);
    exceptions = NULL;
    n_exceptions = 0;
    if (n_exception_uats == 0)
        return;
    exceptions = g_new0(smtpx_exception_t, n_exception_uats);
    for (i = 0; i < n_exception_uats; i++) {
        exceptions[i].envelope_domain = exception_uats[i].envelope_domain;
        exceptions[i].author_domain = exception_uats[i].author_domain;
    }
    n_exceptions = n_exception_uats;
}

const smtpx_exception_t *
smtpx_exceptions_get(gsize *n)
{
    *n = n_exceptions;
    return exceptions;
}

void
smtpx_exceptions_register(module_t *module)
{
    static uat_field_t exception_fields[] = {
        UAT_FLD_CSTRING(exception_uats, envelope_domain, "Envelope domain",
            "MAIL FROM domain allowed to send for the author domain (\"*.example.net\" for subdomains too)"),
        UAT_FLD_CSTRING(exception_uats, author_domain, "Author domain",
            "From domain it may send for (\"*\" for any)"),
        UAT_FLD_CSTRING(exception_uats, comment, "Comment", "Why (mailing list, mail service provider, ...)"),
        UAT_END_FIELDS
    };
    uat_t *exception_uat;

    exception_uat = uat_new("SMTPX sender exceptions",
        sizeof(exception_uat_t), "smtpx_exceptions", TRUE,
        &exception_uats, &n_exception_uats,
        UAT_AFFECTS_DISSECTION, NULL,
        exception_uat_copy_cb, exception_uat_update_cb, exception_uat_free_cb,
        exception_uat_post_update_cb, NULL, exception_fields);
    prefs_register_uat_preference(module, "exceptions", "Sender exceptions",
        "Envelope domains allowed to send for other author domains (mailing lists, "
        "mail service providers); a match is shown and does not make From forged",
        exception_uat);
}
