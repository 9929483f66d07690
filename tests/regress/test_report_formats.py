#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Each report format read back and held against tshark -T fields.

    test_report_formats.py ROOT BUILD captures|public

"captures" runs --json and --csv on test-captures/ (given as a directory:
it is walked), "public" every format on ../shared/captures/public/*.pcap
(exit 77, skipped, when absent); the text of the lab capture is
test_report.py's (the README block).  The report runs once per format over
the whole set (-j 2):

- --json: every line parses (json module) into an object with every key
  of smtpxreport.model.FIELDS, in the stable order (files as given,
  frames ascending);
- --csv: parses (csv module), header row first, one row per transaction;
- text: one "SMTPX report for NAME: N mail transactions" block per capture.

The JSON objects and the CSV rows are then compared field by field with
`tshark -2 -Y smtpx.txn -T fields -E occurrence=a` on each capture (through
tools/smtpx-tshark): the expected values are tshark's, not the report's.
-T fields flattens a frame, so per frame: the fields only the transaction
summary carries (smtpx.txn, .client, .server, .end, .tls, .auth) must be
equal, in order, to the records' concatenated; the fields commands and
replies carry too (smtpx.helo, smtpx.rcpt_to, smtpx.reply.code, ...) must
be equal in a server frame with no reply code of its own besides, and be
found among tshark's values otherwise.  The text blocks are compared with
the JSON objects.
"""
import collections
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reportlib  # noqa: E402

env = reportlib.Env(sys.argv[1], sys.argv[2])
which = sys.argv[3]
from smtpxreport import model, output, values  # noqa: E402

if which == "public":
    files = env.public()
    if not files:
        print("SKIP: ../shared/captures/public/ is absent")
        sys.exit(reportlib.SKIP)
    args = files
    captures = files
else:
    args = [os.path.join(env.root, "test-captures")]
    captures = env.lab_captures()

TXN_ONLY = ["smtpx.txn", "smtpx.txn.client", "smtpx.txn.server", "smtpx.txn.end",
            "smtpx.txn.tls", "smtpx.txn.auth"]
SHARED = ["smtpx.helo", "smtpx.mail_from", "smtpx.rcpt_to", "smtpx.msg.from",
          "smtpx.msg.size", "smtpx.from.forged", "smtpx.from.org_domain",
          "smtpx.from.envelope_domain"] + ["smtpx.from." + f for f in model.FLAGS] + \
         ["smtpx.from.exception_rule", "smtpx.from.reasons", "smtpx.reply.code", "smtpx.status"]
REPLY_TOO = {"smtpx.reply.code", "smtpx.status"}
EXTRA = ["frame.time_epoch", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport"]


def typed(name, s):
    if name in model.BOOL_FIELDS:
        return values.parse_bool(s)
    if name in model.INT_FIELDS:
        return values.parse_int(s)
    return s


def record_values(name, r):
    v = r.get(name)
    if name == "smtpx.rcpt_to":
        return list(v or [])
    if name in model.BOOL_FIELDS and name.startswith("smtpx.from.") and name != "smtpx.from.forged":
        return [True] if v else []          # flags appear only when true
    if name in ("smtpx.txn.tls", "smtpx.txn.auth"):
        return [v]                           # always present
    return [] if v is None else [v]


def compare(label, cap, recs, fields, names):
    """Records of one capture against its -T fields rows, field by field."""
    by_frame = collections.OrderedDict()
    for r in recs:
        by_frame.setdefault(r["frame.number"], []).append(r)
    env.check(sorted(by_frame) == sorted(fields),
              "%s %s: frames %s, tshark's smtpx.txn frames %s"
              % (label, cap, sorted(by_frame), sorted(fields)))
    for frame, rs in by_frame.items():
        row = fields.get(frame)
        if row is None:
            continue
        src = row["ip.src"] or ["[%s]" % x for x in row["ipv6.src"]]
        sender = "%s:%s" % (src[-1] if src else "?", (row["tcp.srcport"] or ["?"])[-1])
        server_frame = all(r.get("smtpx.txn.server") == sender for r in rs)
        if "frame.time_epoch" in names:
            t = values.parse_time(row["frame.time_epoch"][0])
            for r in rs:
                env.check(abs(r["frame.time_epoch"] - t) < 1e-6,
                          "%s %s frame %d: time %r, tshark %r" % (label, cap, frame,
                                                                   r["frame.time_epoch"], t))
        for name in names:
            if name not in TXN_ONLY + SHARED:
                continue
            want = [typed(name, s) for s in row[name]]
            got = [v for r in rs for v in record_values(name, r)]
            # -T fields prints an empty string as nothing: the null
            # reverse-path (smtpx.mail_from "") has no value there.
            got = [v for v in got if v != ""]
            if name in TXN_ONLY or (server_frame and name not in REPLY_TOO):
                env.check(got == want, "%s %s frame %d %s: %r, tshark %r"
                          % (label, cap, frame, name, got, want))
            else:
                left = list(want)
                ok = True
                for v in got:
                    if v in left:
                        left.remove(v)
                    else:
                        ok = False
                env.check(ok, "%s %s frame %d %s: %r not among tshark's %r"
                          % (label, cap, frame, name, got, want))


def csv_as_record(row):
    """A CSV row -> the record keys it carries (as model.transactions gives them)."""
    mf = row["mail_from"]
    reply = row["reply"].split(" ", 1) if row["reply"] else []
    verdict = {"FORGED": True, "UNVERIFIED": True, "not forged": False,
               "no message": None}[row["verdict"]]
    return {"file": row["file"], "frame.number": int(row["frame"]),
            "smtpx.txn.client": row["client"], "smtpx.txn.server": row["server"],
            "smtpx.helo": row["helo"] or None,
            "smtpx.mail_from": "" if mf == "<>" else (mf or None),
            "smtpx.rcpt_to": row["recipients"].split(", ") if row["recipients"] else [],
            "smtpx.msg.from": row["from"] or None, "smtpx.from.forged": verdict,
            "smtpx.from.reasons": row["reasons"] or None,
            "smtpx.reply.code": int(reply[0]) if reply else None,
            "smtpx.status": reply[1] if len(reply) > 1 else None,
            "smtpx.txn.end": row["ended_by"] or None,
            "smtpx.txn.tls": row["tls"] == "yes", "smtpx.txn.auth": row["auth"] == "yes"}


CSV_NAMES = ["smtpx.txn.client", "smtpx.txn.server", "smtpx.helo", "smtpx.mail_from",
             "smtpx.rcpt_to", "smtpx.msg.from", "smtpx.from.forged", "smtpx.from.reasons",
             "smtpx.reply.code", "smtpx.status", "smtpx.txn.end", "smtpx.txn.tls",
             "smtpx.txn.auth"]

# ---- run the report once per format
pj = env.report("--json", "-j", "2", *args)
pc = env.report("--csv", "-j", "2", *args)
runs = [("json", pj), ("csv", pc)]
if which == "public":
    pt = env.report("-j", "2", *args)
    runs.append(("text", pt))
for fmt, p in runs:
    env.check(p.returncode == 0 and p.stderr == "",
              "--%s: exit %d, stderr %r" % (fmt, p.returncode, p.stderr))

records = []
for n, line in enumerate(pj.stdout.split("\n")[:-1], 1):
    try:
        r = json.loads(line)
    except ValueError as e:
        env.check(False, "--json line %d is not JSON: %s" % (n, e))
        continue
    env.check(isinstance(r, dict) and list(r)[:len(model.FIELDS)] == model.FIELDS,
              "--json line %d keys %r" % (n, list(r)))
    records.append(r)
env.check(pj.stdout.endswith("\n") or not pj.stdout, "--json: last line unterminated")
order = [os.path.abspath(r["file"]) for r in records]
file_rank = {os.path.abspath(c): i for i, c in enumerate(captures)}
keys = [(file_rank.get(f, -1), r["frame.number"], r["smtpx.txn"]) for f, r in zip(order, records)]
env.check(keys == sorted(keys) and -1 not in [k[0] for k in keys],
          "--json: records not in file, frame, transaction order")

env.check(pc.stdout.startswith(",".join(output.CSV_COLUMNS) + "\r\n"), "--csv: header row")
rows = list(csv.DictReader(io.StringIO(pc.stdout, newline="")))
env.check(len(rows) == len(records), "--csv: %d rows, --json %d objects" % (len(rows), len(records)))

# ---- tshark -T fields on each capture
names = TXN_ONLY + SHARED + EXTRA
fields = dict(zip(captures, env.map(lambda c: env.fields(c, names), captures)))
by_file = collections.defaultdict(list)
for r in records:
    by_file[os.path.abspath(r["file"])].append(r)
csv_by_file = collections.defaultdict(list)
for row in rows:
    csv_by_file[os.path.abspath(row["file"])].append(csv_as_record(row))
total_fields = 0
for cap in captures:
    f = fields[cap]
    total_fields += sum(len(v["smtpx.txn"]) for v in f.values())
    name = os.path.basename(cap)
    compare("json", name, by_file.get(os.path.abspath(cap), []), f, names)
    compare("csv", name, csv_by_file.get(os.path.abspath(cap), []), f, CSV_NAMES)
env.check(total_fields == len(records),
          "tshark shows %d smtpx.txn, --json %d objects" % (total_fields, len(records)))
env.check(len(records) > 0, "no transactions at all")
# Every reason text of these captures has its code (reasons.py follows
# plugin/core/authorship.c's texts; a changed text shows up here).
for r in records:
    for x in r["reasons"]:
        env.check(x["code"] != "other", "%s frame %d: reason without a code: %r"
                  % (r["file"], r["frame.number"], x["text"]))
    env.check("; ".join(x["text"] for x in r["reasons"]) == (r["smtpx.from.reasons"] or ""),
              "%s frame %d: reasons do not join back to smtpx.from.reasons" % (r["file"], r["frame.number"]))

# ---- the text blocks against the JSON objects
blocks = pt.stdout.split("SMTPX report for ")[1:] if which == "public" else []
captures_text = captures if which == "public" else []
env.check(len(blocks) == len(captures_text),
          "text: %d blocks for %d captures" % (len(blocks), len(captures_text)))
for cap, block in zip(captures_text, blocks):
    mine = by_file.get(os.path.abspath(cap), [])
    head = block.split("\n", 1)[0]
    env.check(head == "%s: %d mail transaction%s" % (os.path.basename(cap), len(mine),
                                                      "" if len(mine) == 1 else "s"),
              "text title %r for %s" % (head, cap))
    expect = io.StringIO()
    output.write_text(expect, cap, mine)
    env.check(("SMTPX report for " + block).rstrip("\n") == expect.getvalue().rstrip("\n"),
              "text block of %s differs from its JSON objects" % cap)
    for i, r in enumerate(mine, 1):
        line = "#%d  %s  client %s  server %s" % (i, values.format_utc(r["frame.time_epoch"]),
                                                  r["smtpx.txn.client"], r["smtpx.txn.server"])
        env.check(line in block, "text of %s lacks %r" % (cap, line))

sys.exit(env.finish("report formats (%s, %d captures, %d transactions)"
                    % (which, len(captures), len(records))))
