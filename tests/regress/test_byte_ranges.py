#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""SMTPX items highlight their own bytes (issue 11, "Done when").

Reads tshark -T pdml, where each item has its offset (pos), its length
(size) and the bytes it covers (value, hex, taken by tshark from the packet,
not from SMTPX), and checks against bytes written here from the capture
(test-captures/README.md, lab5-forged-from.pcapng; tshark -x shows them):

1. Lab capture, single pass and two passes: the frame whose payload carries
   "From: Ilon Mask <mask@tesla.com>" has the SMTPX item "From field: ..."
   on exactly those 32 bytes; on two passes it carries
   smtpx.msg.from_forged = 1 (the verdict of frame 22, where the header
   section ends) and a link smtpx.msg.verdict_frame = 22, and the SMTPX
   profile colours the frame "SMTPX forged From".
2. Lab capture: the SIZE capability of the EHLO reply covers exactly
   "SIZE 2097152" (RFC 1870 4: "SIZE" SP number), and so does smtpx.ehlo.size.
3. On several captures, every SMTPX item read from the bytes (not
   generated: size > 0) whose value is text as sent covers exactly that
   text: smtpx.helo, smtpx.mail_from, smtpx.rcpt_to, smtpx.param,
   smtpx.reply.code (its three digits, RFC 5321 4.2), smtpx.status
   (RFC 3463 2), smtpx.ehlo.auth_mechanism, smtpx.dkim.domain and
   .selector (RFC 6376 3.5 d= and s= tag values, compared case-insensitively:
   the field keeps them in lower case).  A coarse range (the whole line)
   fails.

usage: test_byte_ranges.py REPO_ROOT BUILD_DIR
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

root, build = sys.argv[1], sys.argv[2]
tshark = os.path.join(root, "tools", "smtpx-tshark")
captures = os.path.join(root, "test-captures")
lab = os.path.join(captures, "lab5-forged-from.pcapng")
failed = []

FROM = b"From: Ilon Mask <mask@tesla.com>"
SIZE = b"SIZE 2097152"


def run(*args, profile=False):
    env = dict(os.environ, SMTPX_BUILD_DIR=build)
    if profile:
        env["SMTPX_TSHARK_PROFILE"] = os.path.join(root, "profile", "SMTPX")
    p = subprocess.run([tshark, *args], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=False)
    if p.returncode != 0:
        failed.append("tshark %s exited %d: %s" % (" ".join(args), p.returncode,
                                                   p.stderr.decode("utf-8", "replace")))
    return p.stdout.decode("utf-8", "replace")


def packets(capture, *extra):
    """{frame number: [smtpx field elements]} of tshark -T pdml."""
    out = {}
    text = run("-r", capture, *extra, "-T", "pdml")
    if not text.strip():
        return out
    for pkt in ET.fromstring(text).iter("packet"):
        num = None
        items = []
        for proto in pkt.findall("proto"):
            if proto.get("name") == "geninfo":
                for f in proto.iter("field"):
                    if f.get("name") == "num":
                        num = int(f.get("show"))
            if proto.get("name") == "smtpx":
                items.extend(proto.iter("field"))
        if items:
            out[num] = items
    return out


def covered(f):
    """The bytes item f covers, from PDML's value (hex), or None."""
    v = f.get("value")
    if v is None or int(f.get("size", "0")) == 0:
        return None
    return bytes.fromhex(v)


# 1. the From field's frame
for extra in ([], ["-2"]):
    what = "two passes" if extra else "single pass"
    pk = packets(lab, *extra)
    hits = [(n, f) for n, items in pk.items() for f in items
            if f.get("show", "").startswith("From field: ")]
    if len(hits) != 1:
        failed.append("%s: want one 'From field' item in the lab, got %d" % (what, len(hits)))
        continue
    n, f = hits[0]
    if covered(f) != FROM:
        failed.append("%s: frame %d 'From field' covers %r (pos %s size %s), want %r"
                      % (what, n, covered(f), f.get("pos"), f.get("size"), FROM))
    kids = {c.get("name"): c.get("show") for c in f.iter("field")}
    if extra:
        # PDML shows a boolean as 1 (4.0) or True (4.4 and later).
        if kids.get("smtpx.msg.from_forged") not in ("1", "True") or \
                kids.get("smtpx.msg.verdict_frame") != "22":
            failed.append("two passes: frame %d From field children %r, want from_forged 1 "
                          "and verdict_frame 22" % (n, kids))
        row = run("-C", "SMTPX", "--color", "-r", lab, "-2", "-Y", "frame.number == %d" % n,
                  "-T", "fields", "-e", "frame.coloring_rule.name", profile=True).strip()
        if row != "SMTPX forged From":
            failed.append("frame %d with the From field coloured %r, want 'SMTPX forged From'"
                          % (n, row))
    elif "smtpx.msg.from_forged" in kids:
        failed.append("single pass: frame %d shows a verdict before the header section ends"
                      % n)

# 2. the SIZE capability
pk = packets(lab, "-2")
size_items = [(n, f) for n, items in pk.items() for f in items
              if (f.get("name") == "smtpx.ehlo.capability" and f.get("show") == "SIZE")
              or f.get("name") == "smtpx.ehlo.size"]
if len(size_items) != 2:
    failed.append("lab: want the SIZE capability and smtpx.ehlo.size, got %d items"
                  % len(size_items))
for n, f in size_items:
    if covered(f) != SIZE:
        failed.append("lab frame %d %s covers %r, want %r" % (n, f.get("name"), covered(f), SIZE))

# 3. every text item as sent, on several captures
TEXT = {"smtpx.helo", "smtpx.mail_from", "smtpx.rcpt_to", "smtpx.param", "smtpx.status",
        "smtpx.ehlo.auth_mechanism"}
LOWER = {"smtpx.dkim.domain", "smtpx.dkim.selector"}
checked = 0
for name in ("lab5-forged-from", "exim-bdat-pipelining", "postfix-pipelining",
             "dkim-two-sigs", "session-auth-login-cleartext"):
    pk = packets(os.path.join(captures, name + ".pcapng"), "-2")
    for n, items in pk.items():
        for f in items:
            fname, b = f.get("name"), covered(f)
            if b is None:
                continue
            show = f.get("show", "")
            if fname in TEXT:
                want = show.encode("utf-8")
            elif fname in LOWER:
                want, b = show.encode("utf-8"), b.lower()
            elif fname == "smtpx.reply.code":
                want = show.encode("ascii")
            else:
                continue
            checked += 1
            if b != want:
                failed.append("%s frame %d %s %r covers %r" % (name, n, fname, show, b))
if checked < 50:
    failed.append("only %d items checked: the captures lost their SMTPX items?" % checked)

for f in failed:
    print("FAIL: " + f)
if failed:
    sys.exit(1)
print("byte ranges: From field, SIZE capability and %d items cover exactly their bytes"
      % checked)
