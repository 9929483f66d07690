# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark values, read the same whatever Wireshark 4.x printed them.

The forms that differ between versions (all handled here, nowhere else):

- booleans: 4.0 prints 1/0 (-T fields and -T json); 4.4+ prints True/False
  in -T fields; a JSON producer may also give real true/false;
- times: frame.time_epoch is seconds ("1613210249.053000000") on 4.0 and
  4.4, ISO 8601 in UTC ("2021-02-13T09:57:29.053000000Z") in 4.6's -T json;
- strings in -T fields: 4.4+ escapes backslashes (and control characters)
  with a backslash, 4.0 prints them raw.  -T json strings are JSON-escaped
  on every version and need nothing here.

Every function takes what json.loads or a split -T fields line gives (str,
or int/float/bool) and raises ValueError on a value that is none of the
known forms, so a new form fails loudly instead of being misread.
"""
import datetime
import re

_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}


def parse_bool(v):
    """1/0, True/False (any case), yes/no, or a JSON bool -> bool."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        if v in (0, 1):
            return bool(v)
        raise ValueError("not a boolean: %r" % (v,))
    s = str(v).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError("not a boolean: %r" % (v,))


def parse_int(v):
    """Decimal text ("250"), hexadecimal text ("0x1f") or an int -> int."""
    if isinstance(v, bool):
        raise ValueError("not an integer: %r" % (v,))
    if isinstance(v, int):
        return v
    s = str(v).strip()
    if s.lower().startswith("0x"):
        return int(s, 16)
    return int(s, 10)


_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?"
                  r"\s*(Z|UTC|[+-]\d\d:?\d\d)?$")


def parse_time(v):
    """frame.time_epoch in any version's form -> seconds since 1970 (float, UTC;
    a float keeps microseconds, not nanoseconds).

    Accepts epoch seconds as text or number ("1613210249.053000000") and
    ISO 8601 ("2021-02-13T09:57:29.053000000Z", any number of fraction
    digits, Z or +hh:mm; no zone means UTC, as tshark prints UTC).
    """
    if isinstance(v, bool):
        raise ValueError("not a time: %r" % (v,))
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).strip()
    if re.match(r"^-?\d+(\.\d+)?$", s):
        return float(s)
    m = _ISO.match(s)
    if not m:
        raise ValueError("not a time: %r" % (v,))
    y, mo, d, h, mi, sec = (int(x) for x in m.group(1, 2, 3, 4, 5, 6))
    frac = m.group(7) or "0"
    zone = m.group(8) or "Z"
    tz = datetime.timezone.utc
    if zone not in ("Z", "UTC"):
        sign = -1 if zone[0] == "-" else 1
        hh, mm = int(zone[1:3]), int(zone[-2:])
        tz = datetime.timezone(sign * datetime.timedelta(hours=hh, minutes=mm))
    whole = datetime.datetime(y, mo, d, h, mi, sec, tzinfo=tz).timestamp()
    return whole + float("0." + frac)


def format_utc(seconds):
    """Seconds since 1970 -> "2021-02-13 09:57:29 UTC" (whole seconds, cut)."""
    when = datetime.datetime.fromtimestamp(int(seconds // 1), datetime.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


_ESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "\"": "\"", "'": "'",
            "a": "\a", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_ESCAPE_RE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|.)", re.S)


def fields_escape_backslashes(version):
    """Whether -T fields of tshark VERSION ((major, minor) tuple) escapes
    backslashes: 4.4 and later do, 4.0 does not."""
    return tuple(version[:2]) >= (4, 4)


def unescape_field(s, escaped):
    """One -T fields value as tshark printed it -> the field's string.

    ESCAPED says whether that tshark escapes (fields_escape_backslashes):
    then \\\\, \\t, \\n, \\r, \\", \\xHH and \\uHHHH are undone and an
    unknown escape keeps its character; otherwise the text is the value.
    """
    if not escaped:
        return s

    def one(m):
        e = m.group(1)
        if e[0] in "xu" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _ESCAPES.get(e, e)
    return _ESCAPE_RE.sub(one, s)
