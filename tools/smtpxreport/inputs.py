# SPDX-License-Identifier: GPL-2.0-or-later
"""Which files to read: arguments, directories walked, captures sniffed.

A capture here is pcap (any of its four magic numbers), pcapng, or either
one compressed with gzip.  Wireshark also reads other formats, and guesses
hard (4.0 reads a six-byte text file as "MP4 media"), so the report sniffs
the first bytes itself and names a file that is none of these as not a
capture instead of reporting "0 mail transactions" for it.
"""
import gzip
import os
import zlib

PCAP_MAGICS = {
    bytes.fromhex("a1b2c3d4"), bytes.fromhex("d4c3b2a1"),   # microseconds
    bytes.fromhex("a1b23c4d"), bytes.fromhex("4d3cb2a1"),   # nanoseconds
}
PCAPNG_MAGIC = bytes.fromhex("0a0d0d0a")                    # Section Header Block
GZIP_MAGIC = bytes.fromhex("1f8b")
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz", ".cap.gz")


class InputError(Exception):
    """A file that cannot be reported; str() is the reason, without the name."""


def _kind_of(head):
    if head[:4] in PCAP_MAGICS:
        return "pcap"
    if head[:4] == PCAPNG_MAGIC:
        return "pcapng"
    return None


def sniff(path):
    """"pcap", "pcapng", "pcap.gz" or "pcapng.gz" for PATH.

    Raises InputError when the file cannot be opened or read, or its first
    bytes are no capture's.  A gzip file whose start cannot be decompressed
    is returned as "gz" (tshark then says what is wrong with it).
    """
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except IsADirectoryError:
        raise InputError("is a directory")
    except OSError as e:
        raise InputError("cannot read: %s" % (e.strerror or e))
    if not head:
        raise InputError("empty file, not a capture")
    kind = _kind_of(head)
    if kind:
        return kind
    if head[:2] == GZIP_MAGIC:
        try:
            with gzip.open(path, "rb") as g:
                inner = g.read(4)
        except (OSError, EOFError, zlib.error):
            return "gz"
        kind = _kind_of(inner)
        if kind:
            return kind + ".gz"
        raise InputError("not a capture: gzip-compressed, but not pcap or pcapng inside")
    raise InputError("not a capture (neither pcap nor pcapng, nor either gzip-compressed)")


def looks_like_capture(path):
    """True when PATH is named like a capture or starts like one."""
    if path.lower().endswith(CAPTURE_SUFFIXES):
        return True
    try:
        sniff(path)
        return True
    except InputError:
        return False


def expand(args):
    """Arguments -> [path, ...] in a stable order.

    Files stay in the order given, as given.  A directory gives every
    capture below it (named like one or starting like one; hidden files and
    folders skipped), sorted by path, walked without following links.
    A path that does not exist is kept, so that it is reported as an error.
    """
    out = []
    for a in args:
        if not os.path.isdir(a):
            out.append(a)
            continue
        found = []
        for dirpath, dirs, files in os.walk(a):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for f in files:
                p = os.path.join(dirpath, f)
                if not f.startswith(".") and os.path.isfile(p) and looks_like_capture(p):
                    found.append(p)
        out.extend(sorted(found))
    return out
