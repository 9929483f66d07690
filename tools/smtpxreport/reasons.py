# SPDX-License-Identifier: GPL-2.0-or-later
"""The verdict's reasons as (code, text) pairs.

The plugin gives the reasons as one string, smtpx.from.reasons, the texts
of plugin/core/authorship.c joined with "; ".  This module splits it and
names each text with a code.  A code that is also a verdict flag is the
flag's name (envelope_invalid is smtpx.from.envelope_invalid); the others
name what the text says about DKIM or the exception.

Quoted values inside a reason (a MAIL FROM, a display name) may hold "; ":
a piece that does not start like a known reason belongs to the one before.
The patterns follow authorship.c's texts; a text none of them knows gets
the code "other", so a new text shows up instead of being dropped.
"""
import re

# (code, pattern matched at the start of one reason text), first match wins.
PATTERNS = [
    ("missing", r"no From field|the From field names no mailbox|"
                r"the From mailbox has no domain"),
    ("multiple", r"\d+ (different )?From fields |\d+ author mailboxes and no Sender|"
                 r"author mailboxes of different organizational domains|"
                 r"author .* is not of the organization of Sender "),
    ("ambiguous", r"MAIL FROM is ambiguous: |From address is ambiguous: |"
                  r"From field layout is ambiguous: |"
                  r"the header section starts with white space|"
                  r"a white-space-only continuation line before From"),
    ("envelope_invalid", r"no MAIL FROM seen: |null reverse-path and |"
                         r"MAIL FROM (gives no domain|is malformed|"
                         r"names a domain with no organizational domain) \("),
    ("envelope_mismatch", r"(MAIL FROM|HELO \(null reverse-path\)) domain .* "
                          r"is not aligned with (author|Sender) domain |"
                          r"author domain .* has no organizational domain: "
                          r"the (HELO|MAIL FROM) domain "),
    ("exception", r"user exception .* lets the envelope back the author"),
    ("dkim_aligned", r"DKIM-Signature d=.* is aligned with author domain "),
    ("dkim_unaligned", r"DKIM-Signature d=.* not aligned with author domain "),
    ("dkim_unusable", r"no usable DKIM signature \("),
    ("dkim_none", r"no DKIM signature$"),
    ("display_name_spoof", r"(display name|comment in the From address) shows "),
    ("lookalike", r"author domain .*: "),
]
_COMPILED = [(code, re.compile(p)) for code, p in PATTERNS]

CODES = [code for code, _p in PATTERNS] + ["other"]


def code_of(text):
    """The code of one reason text ("other" when no pattern knows it)."""
    for code, rx in _COMPILED:
        if rx.match(text):
            return code
    return "other"


def split_reasons(reasons):
    """smtpx.from.reasons -> [{"code": ..., "text": ...}, ...] in order.

    None or "" gives [].  Pieces that start like no known reason are glued
    back onto the piece before (they were "; " inside a quoted value).
    """
    if not reasons:
        return []
    out = []
    for piece in reasons.split("; "):
        code = code_of(piece)
        if out and code == "other":
            merged = out[-1]["text"] + "; " + piece
            out[-1] = {"code": code_of(merged), "text": merged}
            continue
        out.append({"code": code, "text": piece})
    return out
