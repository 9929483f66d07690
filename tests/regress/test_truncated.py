#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""No SMTPX item is cut at the label limit (issue 11): tshark -V, one pass
(what a single tshark run prints: pending verdicts, first-pass texts) and
two passes (-2: what the GUI shows), over every shipped capture (test-captures/*.pcap*) and, when present, every public
one (../shared/captures/public), and no line under an "SMTP Extended
Analysis" root reads "[truncated]" (Wireshark marks a label longer than
ITEM_LABEL_LENGTH, 240 bytes, that way).

The scan can fail: a capture whose From reasons run past the limit (the
mailing-list and ESP captures did before the reasons were kept short) gives
"[Reasons [truncated]: ..." and the test names the capture and line.

usage: test_truncated.py REPO_ROOT BUILD_DIR
"""
import glob
import os
import subprocess
import sys


def smtpx_lines(text):
    """Lines of the SMTPX trees of -V output (the root and its children)."""
    inside = False
    for line in text.split("\n"):
        if not line.startswith(" "):
            inside = line.startswith("SMTP Extended Analysis")
            if inside:
                yield line
            continue
        if inside:
            yield line


def main():
    root, build = sys.argv[1:3]
    tshark = os.path.join(root, "tools", "smtpx-tshark")
    caps = sorted(glob.glob(os.path.join(root, "test-captures", "*.pcap*")))
    public = os.path.join(root, "..", "shared", "captures", "public")
    if os.path.isdir(public):
        caps += sorted(glob.glob(os.path.join(public, "*.pcap*")))
    if not caps:
        print("no captures found")
        return 1
    failures = []
    scanned = 0
    for cap in caps:
        n = 0
        for passes in (["-2"], []):
            p = subprocess.run([tshark, "--build", build, "-r", os.path.abspath(cap), *passes,
                                "-V"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               check=False)
            if p.returncode != 0:
                failures.append("%s: tshark exited %d: %s" % (
                    cap, p.returncode, p.stderr.decode("utf-8", "replace")[-300:]))
                continue
            for line in smtpx_lines(p.stdout.decode("utf-8", "replace")):
                n += 1
                if "[truncated]" in line:
                    failures.append("%s%s: %s" % (os.path.basename(cap),
                                                  " (one pass)" if not passes else "",
                                                  line.strip()[:160]))
        if n:
            scanned += 1
    for f in failures:
        print("FAIL", f)
    print("%d captures, %d with SMTPX items, %d truncated labels or errors"
          % (len(caps), scanned, len(failures)))
    # A scan that saw no SMTPX tree proves nothing.
    if scanned == 0:
        print("FAIL no SMTPX item in any capture")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
