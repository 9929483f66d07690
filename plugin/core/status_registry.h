/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * status_registry.h - the IANA "SMTP Enhanced Status Codes" registry
 * (RFC 3463, RFC 5248 and the later registrations), compiled in.
 */
#ifndef SMTPX_CORE_STATUS_REGISTRY_H
#define SMTPX_CORE_STATUS_REGISTRY_H

#include "common.h"

G_BEGIN_DECLS

/* One registry entry for a class-independent code X.subject.detail. */
typedef struct {
    guint16     subject;
    guint16     detail;
    const char *title;        /* registry "Sample Text"/title, static */
    const char *description;  /* one-sentence explanation, static */
    const char *reference;    /* e.g. "RFC 3463", static */
    guint8      classes;      /* bit (1<<2), (1<<4), (1<<5): classes the
                                 registry lists this code as used with
                                 (how this is derived: status_registry.c) */
    /* Added by the registry implementation (members at the end only): */
    const char *basic_codes;  /* the registry's "Associated basic status
                                 code" column as listed ("451, 550",
                                 "Not given", "Any", "5XX", ...); static,
                                 never NULL, "" where the registry is empty */
} smtpx_status_entry_t;

/* Name of a class (2 "Success", 4 "Persistent Transient Failure",
 * 5 "Permanent Failure"; RFC 3463 section 2, registry "Class Sub-Codes");
 * NULL for any other value.  Static string, never to be freed. */
const char *smtpx_status_class_name(guint8 klass);

/* Name of a subject (0 "Other or Undefined Status" ... 7 "Security or
 * Policy Status"; RFC 3463 section 2, registry "Subject Sub-Codes");
 * NULL when not registered (8 and above).  Static string. */
const char *smtpx_status_subject_name(guint16 subject);

/* Looks up X.subject.detail (numbers as parsed from the reply, any value
 * 0..65535 accepted); NULL when the pair is not registered.  Static entry,
 * never to be freed.  Binary search, O(log n), no allocation. */
const smtpx_status_entry_t *smtpx_status_lookup(guint16 subject, guint16 detail);

/* The whole table, sorted by (subject, detail) without duplicates, for tests
 * and value_string building: sets *count (count may be NULL) and returns
 * the static array. */
const smtpx_status_entry_t *smtpx_status_table(gsize *count);

G_END_DECLS

#endif /* SMTPX_CORE_STATUS_REGISTRY_H */
