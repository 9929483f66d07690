#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run one tshark golden test of SMTPX.

A case file (tests/regress/cases/NAME.test) holds:

    # comments
    capture: test-captures/lab5-forged-from.pcapng   (relative to the repo)
    args: -Y smtpx.cmd -T fields -E separator=| -e frame.number -e smtpx.cmd
    variants: plain two-pass no-reassembly            (optional; default plain)
    mode: exact | contains                            (optional; default exact)
    ({repo} in args is replaced by the repository root, for files such as
    -o smtpx.dkim_keys:{repo}/test-captures/keys/dkim-keys.txt)
    expect:
    <expected output lines, to the end of the file>

Every variant must print the expected output: "plain" runs as is,
"two-pass" adds -2, "no-reassembly" turns TCP reassembly off.  In "contains"
mode each expected line must appear in the output, in order.
The plugin just built is used (tools/smtpx-tshark); the test first checks
that tshark loaded it.  A capture under ../shared that is absent makes the
test skip (exit 77) with a message.
"""
import os
import shlex
import subprocess
import sys

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

    failed = False
    for variant in spec["variants"].split():
        # {repo} in args names the repository root (key files, ...).
        args = ["-r", capture] + VARIANTS[variant] + \
            shlex.split(spec["args"].replace("{repo}", root))
        rc, out, err = run(tshark, build, args)
        got = out.rstrip("\n").split("\n") if out.strip() else []
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
