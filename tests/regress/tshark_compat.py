# SPDX-License-Identifier: GPL-2.0-or-later
"""What tshark versions print differently, brought back to one form.

Golden files hold what Wireshark 4.0 prints.  Later tshark versions print the
same values differently in `-T fields` output:

- booleans: 4.0 prints 1/0, 4.4 and 4.6 print True/False;
- strings: 4.4 and 4.6 escape a backslash as two backslashes (and control
  characters as C escapes); 4.0 prints the bytes as they are;
- relative times in tree labels (`-V`, PDML shownames): 4.0 and 4.4 print
  "0.032000000 seconds", 4.6 scales to the largest unit of at least 1
  ("32.000000 milliseconds", "82.393 microseconds").

normalise_fields() undoes both, field by field, using each column's field
type from `tshark -G fields`, so a string that happens to read "True" is left
alone.  This is the one place that knows about these differences; the C API
differences live in plugin/ws_compat.h.

Checked by hand on 4.0.17 (Debian 12), 4.4.19 (Debian 13) and 4.6.9 (Debian
unstable) with tools/compat-matrix.  4.2 is not built here; it is put on the
new side with 4.4, as the cut below says.
"""
import os
import re
import tempfile

# First version that prints True/False and escapes strings in -T fields.
ESCAPING_FROM = (4, 3)
# First version that prints relative times in scaled units in the tree
# (4.4.19 prints seconds, 4.6.9 milliseconds etc.).
TIME_UNITS_FROM = (4, 5)
_TIME_SCALE = {"seconds": 0, "milliseconds": 3, "microseconds": 6,
               "nanoseconds": 9}
_TIME_LABEL_RE = re.compile(
    r"^(\[.*: )(-?)(\d+)(?:\.(\d+))? (seconds|milliseconds|microseconds|nanoseconds)(\])$")

_STRING_TYPES = {"FT_STRING", "FT_STRINGZ", "FT_UINT_STRING",
                 "FT_STRINGZPAD", "FT_STRINGZTRUNC"}
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "r": "\r", "t": "\t",
            "a": "\a", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_ESCAPE_RE = re.compile(r"\\(x[0-9A-Fa-f]{2}|.)", re.S)


def tshark_version(run):
    """(major, minor, micro) of the tshark that run(args) starts."""
    rc, out, _err = run(["-v"])
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", out)
    if rc != 0 or not m:
        raise RuntimeError("cannot read the tshark version from 'tshark -v'")
    return tuple(int(x) for x in m.groups())


def field_types(run, cache_dir):
    """{abbrev: FT_TYPE} of every field tshark knows, with the plugin loaded.

    `tshark -G fields` takes about a second, so the table is kept in
    cache_dir (the build directory), written atomically so that parallel
    test processes can share it.  The cache is keyed by the tshark version
    and the plugin file's modification time.
    """
    version = tshark_version(run)
    plugin_stamp = _plugin_stamp(cache_dir)
    cache = os.path.join(cache_dir, "tshark-fields-%d.%d.%d-%s.tsv"
                         % (version + (plugin_stamp,)))
    if not os.path.exists(cache):
        rc, out, err = run(["-G", "fields"])
        if rc != 0:
            raise RuntimeError("tshark -G fields failed: " + err)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".fields.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(out)
        os.replace(tmp, cache)
    types = {}
    with open(cache, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 4 and cols[0] == "F":
                types[cols[2]] = cols[3]
    return version, types


def _plugin_stamp(build):
    newest = 0
    for dirpath, _dirs, files in os.walk(os.path.join(build, "plugins")):
        for name in files:
            if name == "smtpx.so":
                newest = max(newest, int(os.stat(os.path.join(dirpath, name)).st_mtime))
    return str(newest)


def unescape(value):
    """Undo the C-style escapes that 4.4+ puts into string values."""
    def repl(m):
        e = m.group(1)
        if e[0] == "x" and len(e) == 3:
            return chr(int(e[1:], 16))
        return _ESCAPES.get(e, "\\" + e)
    return _ESCAPE_RE.sub(repl, value)


def _fields_options(args):
    """The -e fields and the -E separator/aggregator of a -T fields call."""
    fields, sep, agg = [], "\t", ","
    for i, a in enumerate(args[:-1]):
        v = args[i + 1]
        if a == "-e":
            fields.append(v)
        elif a == "-E" and v.startswith("separator="):
            sep = {"/t": "\t", "/s": " "}.get(v[10:], v[10:])
        elif a == "-E" and v.startswith("aggregator="):
            agg = {"/t": "\t", "/s": " "}.get(v[11:], v[11:])
    return fields, sep, agg


def _normalise_value(value, ftype, agg, escaping):
    if ftype == "FT_BOOLEAN":
        return agg.join({"True": "1", "False": "0"}.get(v, v) for v in value.split(agg))
    if escaping and ftype in _STRING_TYPES:
        return unescape(value)
    return value


def normalise_fields(lines, args, version, types):
    """Lines of `tshark -T fields` output in the form Wireshark 4.0 prints.

    lines: the output split at newlines; args: the tshark arguments (list);
    version: tshark_version(); types: field_types().  Output of other -T
    modes, or of -z statistics, is returned unchanged.
    """
    if "fields" not in [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-T"]:
        return lines
    fields, sep, agg = _fields_options(args)
    escaping = version[:2] >= ESCAPING_FROM
    out = []
    for line in lines:
        cols = line.split(sep)
        if len(cols) != len(fields):
            out.append(line)
            continue
        out.append(sep.join(_normalise_value(c, types.get(f, ""), agg, escaping)
                            for c, f in zip(cols, fields)))
    return out


def normalise_tree_label(label, version):
    """A tree label (as -V prints it) in 4.0's form: on 4.6 and later a
    generated relative time ("[Response time: <n> milliseconds]", etc.;
    only bracketed labels, so reply text is never touched) becomes
    "<s>.<9 digits> seconds".
    Exact: the digits are shifted as integers of nanoseconds, never rounded
    through a float; a label finer than a nanosecond is left alone."""
    if tuple(version[:2]) < TIME_UNITS_FROM:
        return label
    m = _TIME_LABEL_RE.match(label)
    if not m:
        return label
    head, sign, whole, frac, unit, tail = m.groups()
    per_unit = 9 - _TIME_SCALE[unit]           # nanosecond digits per unit
    frac = frac or ""
    if len(frac) > per_unit:
        return label
    ns = int(whole) * 10 ** per_unit + int(frac.ljust(per_unit, "0") or "0")
    return "%s%s%d.%09d seconds%s" % (head, sign, ns // 10 ** 9, ns % 10 ** 9, tail)
