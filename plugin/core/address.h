/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address.h - RFC 5322 address lists (section 3.4: mailbox, name-addr,
 * angle-addr, group, addr-spec; obsolete syntax section 4.4), comments
 * (3.2.2), quoted strings (3.2.4), encoded-words in display names (RFC 2047),
 * UTF-8 (RFC 6532).  Besides the mailboxes, it reports every construct that
 * mail parsers are known to read differently (ambiguity flags).
 */
#ifndef SMTPX_CORE_ADDRESS_H
#define SMTPX_CORE_ADDRESS_H

#include "common.h"

G_BEGIN_DECLS

/* Constructs that different parsers read differently. */
typedef enum {
    SMTPX_ADDR_ROUTE              = 1u << 0,  /* obs-route "<@a,@b:u@d>" */
    SMTPX_ADDR_ENCODED_ADDRESS    = 1u << 1,  /* an encoded-word decodes to
                                                 something with '@' or '<'
                                                 (or '>'), or decodes inside
                                                 an addr-spec */
    SMTPX_ADDR_AT_IN_COMMENT      = 1u << 2,  /* '@' inside a comment */
    SMTPX_ADDR_AT_IN_DISPLAY_NAME = 1u << 3,  /* '@' in a display name
                                                 (after RFC 2047 decoding;
                                                 U+FF20, U+FE6B count) */
    SMTPX_ADDR_ANGLE_IN_NAME      = 1u << 4,  /* '<' or '>' in a display name
                                                 or comment (U+FF1C, U+FF1E,
                                                 U+FE64, U+FE65 count) */
    SMTPX_ADDR_CONTROL_CHAR       = 1u << 5,  /* C0 control or DEL */
    SMTPX_ADDR_NUL                = 1u << 6,  /* a NUL byte */
    SMTPX_ADDR_UNBALANCED_QUOTE   = 1u << 7,
    SMTPX_ADDR_UNBALANCED_ANGLE   = 1u << 8,
    SMTPX_ADDR_UNBALANCED_PAREN   = 1u << 9,
    SMTPX_ADDR_MULTIPLE_AT        = 1u << 10, /* several unquoted '@' in one
                                                 addr-spec (the last one
                                                 starts the domain) */
    SMTPX_ADDR_MULTIPLE_ANGLE     = 1u << 11, /* several angle-addrs in one
                                                 mailbox ("a <x@y> <z@w>"):
                                                 each becomes a mailbox */
    SMTPX_ADDR_GROUP              = 1u << 12, /* group syntax used */
    SMTPX_ADDR_SYNTAX_ERROR       = 1u << 13, /* anything else not in 3.4 */
    SMTPX_ADDR_QUOTED_LOCAL_AT    = 1u << 14, /* '@' inside a quoted local
                                                 part ("a@b"@c) */
    SMTPX_ADDR_OBS_SYNTAX         = 1u << 15, /* other obsolete syntax (4.4) */
    SMTPX_ADDR_EMPTY              = 1u << 16, /* no mailbox at all */
    SMTPX_ADDR_INVALID_UTF8       = 1u << 17  /* bytes >= 0x80 that are not
                                                 UTF-8 (RFC 6532 wants UTF-8;
                                                 legacy 8-bit names are
                                                 common, so not ambiguous) */
} smtpx_addr_flag_t;

/* Flags that make the author uncertain (feed smtpx.from.ambiguous). */
#define SMTPX_ADDR_AMBIGUOUS_FLAGS (SMTPX_ADDR_ROUTE | SMTPX_ADDR_ENCODED_ADDRESS | \
    SMTPX_ADDR_AT_IN_COMMENT | SMTPX_ADDR_ANGLE_IN_NAME | SMTPX_ADDR_CONTROL_CHAR | \
    SMTPX_ADDR_NUL | SMTPX_ADDR_UNBALANCED_QUOTE | SMTPX_ADDR_UNBALANCED_ANGLE | \
    SMTPX_ADDR_UNBALANCED_PAREN | SMTPX_ADDR_MULTIPLE_AT | SMTPX_ADDR_MULTIPLE_ANGLE | \
    SMTPX_ADDR_SYNTAX_ERROR | SMTPX_ADDR_QUOTED_LOCAL_AT)

/* One mailbox. */
typedef struct {
    char   *display_name;  /* RFC 2047-decoded UTF-8, quotes and comments
                              removed, whitespace folded; NULL when none */
    char   *display_name_raw; /* as sent (printable), or NULL */
    char   *local_part;    /* quotes removed, printable */
    char   *domain;        /* lower case, printable; NULL when none */
    char   *address;       /* "local@domain" (local quoted again if needed) */
    guint32 flags;         /* smtpx_addr_flag_t seen in this mailbox */
    char   *group;         /* display name of the group this mailbox was
                              listed in (decoded, printable), or NULL */
    char   *comments;      /* text of the comments around this mailbox,
                              RFC 2047-decoded, printable, joined by " ";
                              NULL when none (old mailers put the full name
                              there: "a@b.example (A. B.)") */
} smtpx_mailbox_t;

typedef struct {
    GPtrArray *mailboxes;  /* smtpx_mailbox_t *, groups flattened, in order;
                              never NULL */
    guint32    flags;      /* OR of all flags, list-level ones included */
} smtpx_address_list_t;

/*
 * smtpx_address_list_parse - parse a field body (From, Sender, Reply-To, ...)
 * value/len: unfolded field body, not NUL-terminated, may contain any byte.
 * Never fails: returns a list (maybe empty, with SMTPX_ADDR_EMPTY) with
 * best-effort mailboxes and flags.  Free with smtpx_address_list_free.
 * Work is linear in len; nesting depth of comments is capped.
 */
smtpx_address_list_t *smtpx_address_list_parse(const guint8 *value, gsize len);
void smtpx_address_list_free(smtpx_address_list_t *list);

/*
 * smtpx_rfc2047_decode - decode encoded-words (RFC 2047 section 2, B and Q
 * encodings, any charset GLib's g_convert knows) in a phrase.
 * text/len: not NUL-terminated.  *decoded_any (may be NULL) is set when at
 * least one encoded-word was decoded.  Undecodable words are kept as sent.
 * Like most mail readers, a complete encoded-word is decoded wherever it
 * stands; whitespace between adjacent decoded words is dropped (6.2).
 * Returns new valid UTF-8 (g_free), printable as smtpx_printable() makes it
 * (controls and invalid bytes escaped as "\xNN").
 */
char *smtpx_rfc2047_decode(const guint8 *text, gsize len, gboolean *decoded_any);

/* Words for the set flags ("route in address; '@' in comment"): new string. */
char *smtpx_addr_flags_describe(guint32 flags);

G_END_DECLS

#endif /* SMTPX_CORE_ADDRESS_H */
