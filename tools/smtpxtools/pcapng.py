# SPDX-License-Identifier: GPL-2.0-or-later
"""pcapng writing and reading for the SMTPX tools (one module, used by
tools/smtpx-conv and tools/bench).

Only what the tools need: one Ethernet interface with microsecond
timestamps, Enhanced Packet Blocks with an optional comment, little endian.
Format: draft-ietf-opsawg-pcapng (section 4.1 SHB, 4.2 IDB, 4.3 EPB, 3.5
options).
"""
import struct

SHB = 0x0A0D0D0A
IDB = 0x00000001
EPB = 0x00000006
LINKTYPE_ETHERNET = 1
SNAPLEN = 262144


def pad4(b):
    """b padded with NUL octets to a multiple of 4."""
    return b + b"\0" * ((4 - len(b) % 4) % 4)


def option(code, value):
    """One option: code, length, value padded to 32 bits."""
    return struct.pack("<HH", code, len(value)) + pad4(value)


END_OF_OPTIONS = struct.pack("<HH", 0, 0)


def block(btype, body):
    """A block: type, total length, body, total length again."""
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def shb(title, application):
    """Section Header Block with shb_comment (title, if any) and shb_userappl."""
    opts = b""
    if title:
        opts += option(1, title.encode("utf-8"))
    opts += option(4, application.encode("utf-8"))
    opts += END_OF_OPTIONS
    body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + opts
    return block(SHB, body)


def idb():
    """Interface Description Block: Ethernet, if_tsresol 6 (microseconds)."""
    opts = option(9, b"\x06") + END_OF_OPTIONS
    body = struct.pack("<HHI", LINKTYPE_ETHERNET, 0, SNAPLEN) + opts
    return block(IDB, body)


def header(title, application):
    """What a file starts with: SHB then IDB."""
    return shb(title, application) + idb()


def epb(ts_us, frame, comment=None):
    """Enhanced Packet Block of interface 0; ts_us in microseconds."""
    body = struct.pack("<IIIII", 0, ts_us >> 32, ts_us & 0xFFFFFFFF,
                       len(frame), len(frame)) + pad4(frame)
    if comment:
        body += option(1, comment.encode("utf-8")) + END_OF_OPTIONS
    return block(EPB, body)


def read(path):
    """Yield (ts_us, frame) of every EPB in a pcapng file with one
    interface whose timestamps are in powers of ten (smtpx-conv output)."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    scale = 1           # timestamp units per microsecond: 10**(tsresol-6)
    while pos + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, pos)
        if blen < 12 or pos + blen > len(data):
            raise ValueError("%s: bad pcapng block at %d" % (path, pos))
        if btype == IDB:                # look for if_tsresol
            o = pos + 16
            end = pos + blen - 4
            res = 6
            while o + 4 <= end:
                code, ln = struct.unpack_from("<HH", data, o)
                if code == 0:
                    break
                if code == 9 and ln >= 1:
                    res = data[o + 4]
                o += 4 + ln + (-ln % 4)
            if res & 0x80:
                raise ValueError("%s: binary if_tsresol not supported" % path)
            scale = 10 ** (res - 6) if res >= 6 else 1.0 / 10 ** (6 - res)
        elif btype == EPB:
            _, hi, lo, caplen, _ = struct.unpack_from("<IIIII", data, pos + 8)
            ts = (hi << 32) | lo
            yield int(ts / scale), data[pos + 28:pos + 28 + caplen]
        pos += blen
