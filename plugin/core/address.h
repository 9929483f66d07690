/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * address.h - RFC 5322 address lists (section 3.4: mailbox, name-addr,
 * angle-addr, group, addr-spec; obsolete syntax section 4.4), comments
 * (3.2.2), quoted strings (3.2.4), encoded-words in display names (RFC 2047),
 * UTF-8 (RFC 6532).  Besides the mailboxes, it reports every construct that
 * mail parsers are known to read differently (syntax flags), and the
 * readings: the author mailboxes that strict and lenient parsers take out of
 * the same field body (smtpx_address_readings).  Flags say what the syntax
 * is; readings say whether it matters.
 */
#ifndef SMTPX_CORE_ADDRESS_H
#define SMTPX_CORE_ADDRESS_H

#include "common.h"

G_BEGIN_DECLS

/* Constructs that different parsers read differently. */
typedef enum {
    SMTPX_ADDR_ROUTE              = 1u << 0,  /* obs-route "<@a,@b:u@d>" */
    SMTPX_ADDR_ENCODED_ADDRESS    = 1u << 1,  /* an encoded-word decodes to
                                                 something with '@', '<' or
                                                 '>' */
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
    SMTPX_ADDR_INVALID_UTF8       = 1u << 17, /* bytes >= 0x80 that are not
                                                 UTF-8 (RFC 6532 wants UTF-8;
                                                 legacy 8-bit names are
                                                 common, so not ambiguous) */
    SMTPX_ADDR_ENCODED_IN_ADDR_SPEC = 1u << 18 /* an encoded-word that decodes
                                                 stands inside an addr-spec,
                                                 where RFC 2047 section 5
                                                 forbids it */
} smtpx_addr_flag_t;

/* Syntax outside RFC 5322 3.4 that parsers are known to read differently.
 * Whether it changes the author is for the readings to say: when every
 * reading gives the same owner it is a protocol note, not an ambiguity. */
#define SMTPX_ADDR_DEVIANT_FLAGS (SMTPX_ADDR_ROUTE | SMTPX_ADDR_ENCODED_ADDRESS | \
    SMTPX_ADDR_AT_IN_COMMENT | SMTPX_ADDR_ANGLE_IN_NAME | SMTPX_ADDR_CONTROL_CHAR | \
    SMTPX_ADDR_NUL | SMTPX_ADDR_UNBALANCED_QUOTE | SMTPX_ADDR_UNBALANCED_ANGLE | \
    SMTPX_ADDR_UNBALANCED_PAREN | SMTPX_ADDR_MULTIPLE_AT | SMTPX_ADDR_MULTIPLE_ANGLE | \
    SMTPX_ADDR_SYNTAX_ERROR | SMTPX_ADDR_QUOTED_LOCAL_AT | \
    SMTPX_ADDR_ENCODED_IN_ADDR_SPEC)

/* Of those, what makes the author uncertain whatever the readings say:
 * where a NUL or a control byte cuts the text, or where an unclosed quote,
 * bracket or comment ends, differs from program to program in ways no
 * finite set of readings covers. */
#define SMTPX_ADDR_AMBIGUOUS_FLAGS (SMTPX_ADDR_CONTROL_CHAR | SMTPX_ADDR_NUL | \
    SMTPX_ADDR_UNBALANCED_QUOTE | SMTPX_ADDR_UNBALANCED_ANGLE | \
    SMTPX_ADDR_UNBALANCED_PAREN)

/* One mailbox. */
typedef struct {
    char   *display_name;  /* RFC 2047-decoded UTF-8, quotes and comments
                              removed, whitespace folded; NULL when none */
    char   *display_name_raw; /* as sent (printable), or NULL */
    char   *local_part;    /* quotes removed, printable */
    char   *domain;        /* lower case, printable; NULL when none */
    char   *address;       /* "local@domain" (local quoted again if needed) */
    guint32 flags;         /* smtpx_addr_flag_t seen in this mailbox */
    guint32 one_block;     /* internal: the strings lie in the mailbox's
                              own block (smtpx_address_list_compact) */
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
    gpointer   lex;        /* internal: the parse's tokens, which
                              smtpx_address_readings_parsed reads again
                              (issue 10: one lexing of the From field);
                              freed by smtpx_address_list_compact and
                              smtpx_address_list_free */
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
 * smtpx_address_list_compact - for a list kept long (issue 10: a verdict's
 * authors live until the file closes): each mailbox and its strings are
 * moved into one block, equal strings once.  The values do not change;
 * the mailbox and string pointers do.  NULL: nothing.
 */
void smtpx_address_list_compact(smtpx_address_list_t *list);

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

/* Who takes an author mailbox out of a From field in a given way (bits: one
 * reading may be made by several kinds of reader).  The lenient kinds are
 * those of common parsers and mail clients ("Composition Kills", USENIX
 * Security 2020, sections 4-5; RFC 2047 section 5 for decoding). */
typedef enum {
    SMTPX_READER_STRICT        = 1u << 0, /* RFC 5322 3.4 with the obsolete
                                             syntax of 4.4: this parser's
                                             mailboxes */
    SMTPX_READER_FIRST_ADDRESS = 1u << 1, /* the first local@domain outside
                                             quotes and comments (an
                                             unquoted address used as a
                                             display name, words before a
                                             bare address, several '@') */
    SMTPX_READER_LAST_ANGLE    = 1u << 2, /* the last angle-addr */
    SMTPX_READER_NAIVE         = 1u << 3, /* naive scanners: the first
                                             "<...@...>" of the raw text
                                             (quotes and comments not
                                             understood), or the first
                                             local@domain outside quoted
                                             strings (comments not
                                             understood) */
    SMTPX_READER_ROUTE         = 1u << 4  /* the first domain of a source
                                             route (obs-route, 4.4) */
} smtpx_reader_t;

/* One reading: an author mailbox some reader takes out of the field. */
typedef struct {
    char   *address;   /* "local@domain" as that reader gets it, printable;
                          for SMTPX_READER_ROUTE alone the route domain */
    char   *domain;    /* lower case, printable, never NULL */
    guint32 readers;   /* smtpx_reader_t bits: who reads it so in the field
                          as sent */
    guint32 readers_decoded; /* the same after decoding every encoded-word
                          of the field first (RFC 2047 section 5 forbids
                          encoded-words in addresses; many readers decode
                          them anyway) */
} smtpx_reading_t;

/*
 * smtpx_address_readings - the author mailboxes that the readings of
 * smtpx_reader_t take out of a field body (From, Sender).
 * value/len: unfolded field body, not NUL-terminated, any bytes.
 * Returns a new array of smtpx_reading_t * (g_ptr_array_unref frees all):
 * the strict readings first, in mailbox order, then the others; a mailbox
 * found by several readers is listed once with their bits ORed (domains
 * compared case-insensitively, local parts exactly).  Readings without a
 * domain are left out.  At most SMTPX_MAX_READINGS entries; linear work.
 */
#define SMTPX_MAX_READINGS 64
GPtrArray *smtpx_address_readings(const guint8 *value, gsize len);

/* The same, for a caller that has parsed the field body already: parsed is
 * what smtpx_address_list_parse(value, len) returned for these very bytes
 * (borrowed, not kept), or NULL.  Saves the second parse; the result is
 * the same as smtpx_address_readings(value, len). */
GPtrArray *smtpx_address_readings_parsed(const guint8 *value, gsize len,
                                         const smtpx_address_list_t *parsed);

/* Words for who reads a field so ("strict RFC 5322 parsers", "parsers that
 * take the first address in the field", ..., "and, after decoding its
 * encoded-words, ..."); r may not be NULL.  New string (g_free). */
char *smtpx_reading_describe(const smtpx_reading_t *r);

G_END_DECLS

#endif /* SMTPX_CORE_ADDRESS_H */
