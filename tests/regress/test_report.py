#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks tools/smtpx-report against what the README promises.

1. The report on the bundled lab capture is the block the README shows,
   line for line (so the README's first command stays true).
2. --csv on a client-only capture names client and server the right way
   round (the summary sits in a client frame there).
3. An unreadable capture gives exit status 2 and a message naming it.
4. The report never prints the SASL credentials of the cleartext AUTH capture.
5. The README's JSON object (indented there) is what --json prints for the
   lab capture, key for key and value for value.
"""
import csv
import io
import json
import os
import subprocess
import sys

root, build = sys.argv[1], sys.argv[2]
env = dict(os.environ, SMTPX_BUILD_DIR=build)
report = os.path.join(root, "tools", "smtpx-report")
failed = []


def run(*args, cwd=None):
    return subprocess.run([report, *args], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, cwd=cwd)


# 1. README block
readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
start = readme.index("SMTPX report for lab5-forged-from.pcapng")
block = readme[start:readme.index("```", start)].rstrip("\n").split("\n")
p = run()
got = p.stdout.rstrip("\n").split("\n")
if p.returncode != 0 or got != block:
    failed.append("lab report differs from the README block:\n%s\n--- README:\n%s"
                  % ("\n".join(got), "\n".join(block)))

# 2. client-only capture
p = run("--csv", os.path.join(root, "test-captures", "session-client-only.pcapng"))
rows = list(csv.DictReader(io.StringIO(p.stdout)))
if p.returncode != 0 or len(rows) != 1 or rows[0]["client"] != "192.0.2.10:49214" \
        or rows[0]["server"] != "198.51.100.25:25":
    failed.append("client-only capture: wrong rows %r" % rows)

# 3. unreadable capture
p = run(os.path.join(root, "no-such-capture.pcapng"))
if p.returncode != 2 or "no-such-capture.pcapng" not in p.stderr:
    failed.append("missing capture: exit %d, stderr %r" % (p.returncode, p.stderr))

# 4. no credentials (base64 strings of session-auth-login-cleartext.conv)
p = run("--csv", os.path.join(root, "test-captures", "session-auth-login-cleartext.pcapng"))
for secret in ("YWxpY2VAZXhhbXBsZS5vcmc=", "VHIwdWI0ZG9yJjMtbm90LXJlYWw=", "Tr0ub4dor"):
    if secret in p.stdout or secret in p.stderr:
        failed.append("report printed a credential: %s" % secret)
if p.returncode != 0:
    failed.append("auth capture: exit %d %s" % (p.returncode, p.stderr))

# 5. README JSON example
start = readme.index("```json\n", readme.index("## Reports over many captures")) + 8
shown = json.loads(readme[start:readme.index("```", start)])
p = run("--json", "test-captures/lab5-forged-from.pcapng", cwd=root)
got = [json.loads(x) for x in p.stdout.splitlines()]
if p.returncode != 0 or got != [shown] or list(got[0]) != list(shown):
    failed.append("README JSON example differs from --json:\n%s" % p.stdout)

for f in failed:
    print("FAIL: " + f)
print("%d passed, %d failed" % (5 - min(5, len(failed)), len(failed)))
sys.exit(1 if failed else 0)
