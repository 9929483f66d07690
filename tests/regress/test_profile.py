#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks the shipped Wireshark configuration profile, profile/SMTPX/.

tshark loads it as Wireshark does (tools/smtpx-tshark copies it into the
stage's personal configuration folder, SMTPX_TSHARK_PROFILE, and -C SMTPX
selects it), with the plugin just built:

1. The folder holds only files this test checks (preferences, colorfilters,
   dfilter_buttons).
2. Loading it with --color prints nothing on stderr: an unknown preference,
   a colour rule that does not compile, or a malformed dfilter_buttons line
   is a warning there (Wireshark 4.0, epan/prefs.c, color_filters.c, uat).
3. Every field named by a custom column, a colour rule or a filter button
   exists (tshark -G fields): a custom column on an unknown field and a
   button's expression are not checked by tshark when it loads them.
   Every button's expression compiles (tshark -Y).
4. The columns were read: the lab capture's summary frame (frame 31) shows,
   in column order, transaction 1, MAIL FROM 203.0.113.25, From
   "Ilon Mask <mask@tesla.com>", forged, reply 250, 0.052 s (the 250 at
   123.072 s answers the end of data at 123.020 s; test-captures/README.md).
5. The buttons are the five the issue names, and select what they say on
   captures whose content test-captures/README.md documents:
   "Forged From" the lab's forged message; "Cleartext AUTH" the two AUTH
   commands of session-auth-login-cleartext (no TLS); "Failed transactions"
   transactions 2 (RSET), 3 (MAIL 554), 4 (DATA 554) and 5 (550 at end of
   data) of session-multi-transaction and not 1 (delivered 250 2.0.0);
   "Anomalies" names every smtpx.analysis.* expert info.
6. The colour rules colour those frames: every forged frame of the lab with
   "SMTPX forged From", the cleartext AUTH commands with "SMTPX security
   expert info", failed transaction summaries with "SMTPX failed transaction".
"""
import os
import re
import subprocess
import sys

root, build = sys.argv[1], sys.argv[2]
profile = os.path.join(root, "profile", "SMTPX")
captures = os.path.join(root, "test-captures")
lab = os.path.join(captures, "lab5-forged-from.pcapng")
env = dict(os.environ, SMTPX_BUILD_DIR=build, SMTPX_TSHARK_PROFILE=profile)
tshark = os.path.join(root, "tools", "smtpx-tshark")
failed = []


def run(*args):
    return subprocess.run([tshark, *args], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)


def fields_of(filt):
    """Names a display filter uses as fields: dotted words outside strings."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', filt)
    return set(re.findall(r'(?<![\w.])([A-Za-z_][\w-]*(?:\.[\w-]+)+)', bare))


def uat_rows(path):
    """Rows of a UAT file: quoted, comma-separated, \\xHH escapes."""
    rows = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        cells = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
        cells = [re.sub(r'\\x([0-9A-Fa-f]{2})', lambda m: chr(int(m.group(1), 16)),
                        c) for c in cells]
        rows.append((n, cells))
    return rows


# 1. files
expected_files = {"preferences", "colorfilters", "dfilter_buttons"}
got_files = set(os.listdir(profile))
if got_files != expected_files:
    failed.append("profile/SMTPX holds %s, this test checks %s"
                  % (sorted(got_files), sorted(expected_files)))

# 2. load without a warning
p = run("-C", "SMTPX", "--color", "-r", lab, "-2", "-T", "fields",
        "-e", "frame.number", "-e", "frame.coloring_rule.name",
        "-e", "smtpx.from.forged")
if p.returncode != 0 or p.stderr.strip():
    failed.append("tshark -C SMTPX --color: exit %d, stderr:\n%s" % (p.returncode, p.stderr))
lab_rows = [line.split("\t") for line in p.stdout.splitlines()]

# 3. fields exist
p = run("-G", "fields")
known = set()
for line in p.stdout.splitlines():
    cols = line.split("\t")
    if cols[0] in ("F", "P") and len(cols) > 2:
        known.add(cols[2])
if "smtpx.from.forged" not in known:
    failed.append("tshark -G fields does not list smtpx fields (plugin not loaded?)")

prefs = open(os.path.join(profile, "preferences"), encoding="utf-8").read()
m = re.search(r'^gui\.column\.format:\s*((?:\s*"[^"]*",\s*"[^"]*",?)+)', prefs, re.M)
columns = re.findall(r'"([^"]*)",\s*"([^"]*)"', m.group(1)) if m else []
if not columns:
    failed.append("preferences: no gui.column.format")
for title, fmt in columns:
    if fmt.startswith("%Cus:"):
        for field in fmt.split(":")[1].split("||"):
            if field.strip() not in known:
                failed.append("column %r: unknown field %r" % (title, field))

color_rules = []
for n, line in enumerate(open(os.path.join(profile, "colorfilters"), encoding="utf-8"), 1):
    if line.startswith("@"):
        parts = line.rstrip("\n").split("@")
        color_rules.append((parts[1], parts[2]))
    elif line.strip() and not line.startswith("#"):
        failed.append("colorfilters:%d: not a rule: %r" % (n, line))
buttons = {}
for n, cells in uat_rows(os.path.join(profile, "dfilter_buttons")):
    if len(cells) != 4 or cells[0] not in ("TRUE", "FALSE"):
        failed.append("dfilter_buttons:%d: want \"enabled\",\"label\",\"expr\",\"comment\"" % n)
        continue
    buttons[cells[1]] = cells[2]

for what, filt in [("colour rule %r" % name, f) for name, f in color_rules] + \
                  [("button %r" % label, f) for label, f in buttons.items()]:
    for field in fields_of(filt) - known:
        failed.append("%s: unknown field %r" % (what, field))
if buttons:
    combined = " || ".join("(%s)" % f for f in buttons.values())
    p = run("-r", lab, "-c", "1", "-Y", combined)
    if p.returncode != 0:
        failed.append("a button's filter does not compile: %s" % p.stderr.strip())

# 4. columns read, in order, on the lab's summary frame
p = run("-C", "SMTPX", "-r", lab, "-2", "-Y", "frame.number == 31")
want = re.compile(r"\b1 203\.0\.113\.25 Ilon Mask <mask@tesla\.com> (True|1) "
                  r"(\d+,)*250(,\d+)* 0\.052\d* S: 250 ")
if not want.search(p.stdout):
    failed.append("columns not as the profile sets them on frame 31:\n%s" % p.stdout)

# 5. buttons
want_buttons = ["Forged From", "Cleartext AUTH", "Failed transactions",
                "Slow replies", "Anomalies"]
if list(buttons) != want_buttons:
    failed.append("buttons %r, want %r" % (list(buttons), want_buttons))


def frames(capture, filt, field="frame.number"):
    p = run("-r", os.path.join(captures, capture), "-2", "-Y", filt,
            "-T", "fields", "-e", field)
    if p.returncode != 0:
        failed.append("%s -Y %r: %s" % (capture, filt, p.stderr.strip()))
    return [line for line in p.stdout.splitlines() if line]


def coloured(capture, rule, filt):
    p = run("-C", "SMTPX", "--color", "-r", os.path.join(captures, capture), "-2",
            "-Y", filt, "-T", "fields", "-e", "frame.number",
            "-e", "frame.coloring_rule.name")
    rows = [line.split("\t") for line in p.stdout.splitlines() if line]
    wrong = [r for r in rows if len(r) < 2 or r[1] != rule]
    if p.returncode != 0 or not rows or wrong:
        failed.append("%s: frames matching %r not coloured %r: %r %s"
                      % (capture, filt, rule, wrong or rows, p.stderr.strip()))


if len(buttons) == 5:
    forged = [r[0] for r in lab_rows if len(r) > 2 and r[2] in ("1", "True")]
    if not forged or frames("lab5-forged-from.pcapng", buttons["Forged From"]) != forged:
        failed.append("Forged From: want lab frames %r" % forged)
    if len(frames("session-auth-login-cleartext.pcapng", buttons["Cleartext AUTH"]
                  + " && smtpx.cmd == \"AUTH\"")) != 2:
        failed.append("Cleartext AUTH: want the two AUTH commands")
    txns = frames("session-multi-transaction.pcapng", buttons["Failed transactions"],
                  "smtpx.txn")
    if txns != ["2", "3", "4", "5"]:
        failed.append("Failed transactions: transactions %r, want 2 3 4 5" % txns)
    analysis = {f for f in known if f.startswith("smtpx.analysis.")}
    missing = analysis - fields_of(buttons["Anomalies"])
    if missing:
        failed.append("Anomalies misses %s" % sorted(missing))

    # 6. colouring
    forged_rows = [r for r in lab_rows if len(r) > 2 and r[2] in ("1", "True")]
    if not forged_rows or any(r[1] != "SMTPX forged From" for r in forged_rows):
        failed.append("lab: forged frames not coloured: %r" % forged_rows)
    coloured("session-auth-login-cleartext.pcapng", "SMTPX security expert info",
             "smtpx.analysis.cleartext_auth")
    coloured("session-multi-transaction.pcapng", "SMTPX failed transaction",
             buttons["Failed transactions"])

for f in failed:
    print("FAIL: " + f)
if failed:
    sys.exit(1)
print("profile/SMTPX: %d columns, %d colour rules, %d buttons: all checked"
      % (len(columns), len(color_rules), len(buttons)))
