#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run one tshark golden test of SMTPX.

A case file (tests/regress/cases/NAME.test) holds:

    # comments
    capture: test-captures/lab5-forged-from.pcapng   (relative to the repo)
    args: -Y smtpx.cmd -T fields -E separator=| -e frame.number -e smtpx.cmd
    variants: plain two-pass no-reassembly            (optional; default plain)
    mode: exact | contains                            (optional; default exact)
    format: tree                                      (optional)
    ({repo} in args is replaced by the repository root, for files such as
    -o smtpx.dkim_keys:{repo}/test-captures/keys/dkim-keys.txt)
    expect:
    <expected output lines, to the end of the file>

With "format: tree" the output compared is the SMTPX tree of every frame
that has one, from two runs of tshark with args: -O smtpx -V gives each
item's label as the GUI shows it (generated items in [brackets]), -T pdml
its bytes; one line per item, indented by depth, "label  @offset+length"
(offsets in the item's data source).  Expert infos show as one
"[Expert Info ...]" line without their children.  So a changed label,
generated mark, offset or length fails the case.

In args, @SMTPX_EXPERTS@ stands for a filter matching every expert info
the plugin registers (smtpx.analysis.*, read from tshark -G fields, so a
new anomaly is in every such test without editing it), and
@SMTPX_EXPERTS_EXCEPT(a,b)@ for the same without smtpx.analysis.a and .b.

Every variant must print the expected output: "plain" runs as is,
"two-pass" adds -2, "no-reassembly" turns TCP reassembly off.
Golden lines hold what Wireshark 4.0 prints; the output of later versions is
brought to that form first (tshark_compat.py: booleans, string escapes, time units).  In "contains"
mode each expected line must appear in the output, in order.
The plugin just built is used (tools/smtpx-tshark); the test first checks
that tshark loaded it.  A capture under ../shared that is absent makes the
test skip (exit 77) with a message.
"""
import os
import re
import shlex
import subprocess
import sys

import tshark_compat

VARIANTS = {
    "plain": [],
    "two-pass": ["-2"],
    "no-reassembly": ["-o", "tcp.desegment_tcp_streams:FALSE"],
    "no-smtp-desegment": ["-o", "smtp.desegment_lines:FALSE",
                          "-o", "smtp.desegment_data:FALSE"],
}


def parse_case(path):
    spec = {"variants": "plain", "mode": "exact"}
    expect = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("#") or not line.strip():
            continue
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "expect":
            expect = lines[i:]
            break
        spec[key] = value.strip()
    while expect and expect[-1] == "":
        expect.pop()
    return spec, expect


def expand_experts(args, root, build):
    """Replaces @SMTPX_EXPERTS@ and @SMTPX_EXPERTS_EXCEPT(...)@ in args."""
    if "@SMTPX_EXPERTS" not in args:
        return args
    sys.path.insert(0, os.path.join(root, "tools"))
    from smtpxtools import fields  # pylint: disable=import-outside-toplevel
    _, experts = fields.registered(build, root)
    if not experts:
        raise RuntimeError("the plugin registers no expert info")

    def except_(m):
        drop = {fields.EXPERT_PREFIX + n.strip() for n in m.group(1).split(",")}
        unknown = drop - set(experts)
        if unknown:
            raise RuntimeError("not registered: " + ", ".join(sorted(unknown)))
        return fields.expert_filter([e for e in experts if e not in drop])

    args = re.sub(r"@SMTPX_EXPERTS_EXCEPT\(([^)]*)\)@", except_, args)
    return args.replace("@SMTPX_EXPERTS@", fields.expert_filter(experts))


def vtree_items(text):
    """(depth, label) of every SMTPX item of tshark -O smtpx -V output, by
    frame: {frame: [...]}; expert infos without their children."""
    frames, frame, inside, skip_below = {}, None, False, None
    for line in text.split("\n"):
        m = re.match(r"^Frame (\d+):", line)
        if m:
            frame, inside = int(m.group(1)), False
            continue
        if not line.startswith(" "):
            inside = line == "SMTP Extended Analysis"
            if inside:
                frames.setdefault(frame, []).append((0, line))
            skip_below = None
            continue
        if not inside:
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 4
        if skip_below is not None and depth > skip_below:
            continue
        label = line.lstrip(" ")
        skip_below = depth if label.startswith("[Expert Info") else None
        frames[frame].append((depth, label))
    return frames


def pdml_items(text):
    """(showname, pos, size) of every SMTPX item of tshark -T pdml output,
    in tree order, by frame; expert infos without their children."""
    import xml.etree.ElementTree as ET  # pylint: disable=import-outside-toplevel
    frames = {}

    def walk(node, out):
        for child in node:
            if child.tag not in ("field", "proto"):
                continue
            out.append((child.get("showname", ""), child.get("pos"), child.get("size")))
            if child.get("name", "").startswith("_ws.expert"):
                continue
            walk(child, out)

    for packet in ET.fromstring(text).iter("packet"):
        num = None
        for proto in packet.findall("proto"):
            if proto.get("name") == "geninfo":
                for f in proto.iter("field"):
                    if f.get("name") == "num":
                        num = int(f.get("show"))
            if proto.get("name") == "smtpx":
                out = frames.setdefault(num, [])
                out.append((proto.get("showname"), proto.get("pos"), proto.get("size")))
                walk(proto, out)
    return frames


def tree_lines(tshark, build, args, version):
    """The "format: tree" output of args, or raises RuntimeError."""
    rc, vout, err = run(tshark, build, args + ["-O", "smtpx", "-V"])
    if rc != 0:
        raise RuntimeError("tshark -V exited %d\n%s" % (rc, err))
    rc, pout, err = run(tshark, build, args + ["-T", "pdml"])
    if rc != 0:
        raise RuntimeError("tshark -T pdml exited %d\n%s" % (rc, err))
    vt, pt = vtree_items(vout), pdml_items(pout)
    lines = []
    for frame in sorted(vt):
        v, p = vt[frame], pt.get(frame, [])
        if len(v) != len(p):
            raise RuntimeError("frame %d: %d items in -V, %d in PDML" % (frame, len(v), len(p)))
        lines.append("frame %d" % frame)
        for (depth, label), (showname, pos, size) in zip(v, p):
            bare = label[1:-1] if label.startswith("[") and label.endswith("]") else label
            if showname not in (label, bare):
                raise RuntimeError("frame %d: -V item %r is PDML item %r" % (frame, label, showname))
            label = tshark_compat.normalise_tree_label(label, version)
            lines.append("%s%s  @%s+%s" % ("  " * depth, label, pos, size))
    return lines


def run(tshark, build, args):
    cmd = [tshark, "--build", build] + args
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    if len(sys.argv) != 4:
        print("usage: run_case.py CASE REPO_ROOT BUILD_DIR", file=sys.stderr)
        return 2
    case, root, build = sys.argv[1:]
    tshark = os.path.join(root, "tools", "smtpx-tshark")
    spec, expect = parse_case(case)

    capture = os.path.normpath(os.path.join(root, spec["capture"]))
    if not os.path.exists(capture):
        if "shared" in spec["capture"].split("/"):
            print("SKIP: %s is absent (public captures not available here)" % capture)
            return 77
        print("FAIL: capture %s is missing" % capture)
        return 1

    rc, out, err = run(tshark, build, ["-G", "plugins"])
    if rc != 0 or "smtpx.so" not in out:
        print("FAIL: tshark did not load the SMTPX plugin just built\n" + out + err)
        return 1

    version, types = tshark_compat.field_types(
        lambda a: run(tshark, build, a), build)

    failed = False
    case_args = shlex.split(expand_experts(spec["args"].replace("{repo}", root), root, build))
    for variant in spec["variants"].split():
        args = ["-r", capture] + VARIANTS[variant] + case_args
        if spec.get("format") == "tree":
            try:
                got, rc, out, err = tree_lines(tshark, build, args, version), 0, "", ""
                out = "\n".join(got)
            except RuntimeError as e:
                got, rc, err = [], 1, str(e)
        else:
            rc, out, err = run(tshark, build, args)
            got = out.rstrip("\n").split("\n") if out.strip() else []
            got = tshark_compat.normalise_fields(got, args, version, types)
        if rc != 0:
            print("FAIL [%s]: tshark exited %d\n%s" % (variant, rc, err))
            failed = True
            continue
        if spec["mode"] == "contains":
            pos = 0
            missing = []
            for want in expect:
                while pos < len(got) and got[pos] != want:
                    pos += 1
                if pos == len(got):
                    missing.append(want)
                    pos = 0
                else:
                    pos += 1
            if missing:
                failed = True
                print("FAIL [%s]: lines not found (in order):" % variant)
                for m in missing:
                    print("  " + m)
                print("--- output ---\n" + out)
        elif got != expect:
            failed = True
            print("FAIL [%s]: output differs from the golden lines" % variant)
            import difflib
            for d in difflib.unified_diff(expect, got, "expected", "got", lineterm=""):
                print(d)
        else:
            print("ok [%s]" % variant)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
