#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""--summary counts against the stats tree and tshark -T fields.

    test_report_summary.py ROOT BUILD

On the issue's command line (../shared/captures/public/*.pcap, when
present, and test-captures/):

- transactions by verdict and anomalies by kind equal the sums over the
  files of the stats tree (`tshark -z smtpx,tree`, the plugin's own tap:
  "Mail transactions" and "Anomalies" with their children);
- per server, the EHLO capabilities (keyword: how many EHLO replies gave
  it) and EHLO domains equal tshark -T fields' on the EHLO reply frames
  (server = the reply's sender);
- final replies by class and code, reasons, and per-server transactions
  and TLS counts equal what the --json objects of the same captures say
  (those are held against -T fields by test_report_formats.py);
- the text summary shows the same numbers as the JSON one (on two captures).
"""
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reportlib  # noqa: E402

env = reportlib.Env(sys.argv[1], sys.argv[2])
check = env.check
public = env.public()
if not public:
    print("note: ../shared/captures/public/ is absent: test-captures/ only")
args = public + [os.path.join(env.root, "test-captures")]
captures = public + env.lab_captures()


def stats_and_ehlo(capture):
    """One tshark run: EHLO reply fields (-Y) and the stats tree (-z; the
    tap sees every frame whatever -Y).  Two passes, as the report runs: a
    DKIM key answered after the final reply counts only on the second."""
    p = env.tshark("-r", capture, "-2", "-Y", "smtpx.ehlo.capability", "-T", "fields",
                   "-E", "occurrence=a", "-E", "aggregator=\x1f", "-e", "ip.src",
                   "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "smtpx.ehlo.domain",
                   "-e", "smtpx.ehlo.capability", "-z", "smtpx,tree")
    fields_part, _sep, tree_part = p.stdout.partition("\n=====")
    ehlo = []
    for line in fields_part.split("\n"):
        if not line.strip():
            continue
        ip4, ip6, port, domains, caps = line.split("\t")
        server = "%s:%s" % (ip4 or "[%s]" % ip6, port)
        ehlo.append((server, [d for d in domains.split("\x1f") if d],
                     [c for c in caps.split("\x1f") if c]))
    return parse_tree(tree_part), ehlo


def parse_tree(text):
    counts, top = {}, None
    for line in text.split("\n"):
        m = re.match(r"^( ?)(\S.*?)\s{2,}(\d+)\s", line)
        if not m:
            continue
        if not m.group(1):
            top = m.group(2)
            counts[(top,)] = int(m.group(3))
        else:
            counts[(top, m.group(2))] = int(m.group(3))
    return counts


p = env.report("--summary", "--json", *args)
check(p.returncode == 0 and p.stderr == "", "--summary --json: exit %d %r" % (p.returncode, p.stderr))
s = json.loads(p.stdout)
check(s["captures"] == len(captures), "captures %d, want %d" % (s["captures"], len(captures)))

tree = collections.Counter()
ehlo = []
for counts, e in env.map(stats_and_ehlo, captures):
    tree.update(counts)
    ehlo.extend(e)
# The same tap alone, as the README runs it, on the lab capture.
lab = os.path.join(env.root, "test-captures", "lab5-forged-from.pcapng")
alone = parse_tree(env.tshark("-r", lab, "-2", "-q", "-z", "smtpx,tree").stdout)
check(alone == stats_and_ehlo(lab)[0], "the stats tree changes with -Y")

t = s["transactions"]
check(t["total"] == tree[("Mail transactions",)],
      "transactions %d, stats tree %d" % (t["total"], tree[("Mail transactions",)]))
for verdict, label in (("forged", "From forged"), ("not forged", "From not forged"),
                       ("no message", "No message")):
    check(t["by_verdict"][verdict] == tree[("Mail transactions", label)],
          "%s: %d, stats tree %d" % (verdict, t["by_verdict"][verdict],
                                     tree[("Mail transactions", label)]))
a = s["anomalies"]
# Anomaly nodes read "Words (key)" since issue 11: compare by key.
want = {re.sub(r"^.*\((\w+)\)$", r"\1", k[1]): n for k, n in tree.items()
        if len(k) == 2 and k[0] == "Anomalies" and n}
check(a["total"] == tree[("Anomalies",)] and a["by_kind"] == want,
      "anomalies %r (%d), stats tree %r (%d)" % (a["by_kind"], a["total"], want,
                                                  tree[("Anomalies",)]))
check(len(want) >= 5, "too few anomaly kinds to mean much: %r" % want)

servers = {sv["server"]: sv for sv in s["servers"]}
caps = collections.defaultdict(collections.Counter)
domains = collections.defaultdict(set)
for server, ds, cs in ehlo:
    caps[server].update(cs)
    domains[server].update(ds)
for server in set(caps) | {k for k, v in servers.items() if v["ehlo_replies"]}:
    sv = servers.get(server, {"capabilities": {}, "ehlo_domains": []})
    check(sv["capabilities"] == dict(caps[server]),
          "%s capabilities %r, tshark %r" % (server, sv["capabilities"], dict(caps[server])))
    check(set(sv["ehlo_domains"]) == domains[server],
          "%s EHLO domains %r, tshark %r" % (server, sv["ehlo_domains"], domains[server]))

records = [json.loads(x) for x in env.report("--json", *args).stdout.split("\n") if x]
check(len(records) == t["total"], "--json %d objects, summary %d" % (len(records), t["total"]))
codes = collections.Counter(str(r["smtpx.reply.code"]) for r in records if r["smtpx.reply.code"])
classes = collections.Counter("%dxx" % (r["smtpx.reply.code"] // 100) if r["smtpx.reply.code"]
                              else "no reply" for r in records)
check(s["final_reply"]["by_code"] == dict(codes) and s["final_reply"]["by_class"] == dict(classes),
      "final replies %r, --json %r %r" % (s["final_reply"], codes, classes))
reasons = collections.Counter(c for r in records for c in {x["code"] for x in r["reasons"]})
check(s["reasons"] == dict(reasons), "reasons %r, --json %r" % (s["reasons"], reasons))
for server in {r["smtpx.txn.server"] for r in records}:
    mine = [r for r in records if r["smtpx.txn.server"] == server]
    sv = servers.get(server, {})
    n_tls = sum(1 for r in mine if r["smtpx.txn.tls"])
    check(sv.get("transactions") == len(mine) and sv.get("tls") == n_tls
          and sv.get("tls_share") == round(n_tls / len(mine), 4),
          "%s: %r, --json %d transactions %d TLS" % (server, sv, len(mine), n_tls))

# Text and JSON summaries agree (on two captures, to keep the test quick).
two = [lab, os.path.join(env.root, "test-captures", "session-multi-transaction.pcapng")]
s2 = json.loads(env.report("--summary", "--json", *two).stdout)
text = env.report("--summary", *two).stdout
t2, a2 = s2["transactions"], s2["anomalies"]
for label, n in [("Mail transactions", t2["total"]), (" From forged", t2["by_verdict"]["forged"]),
                 (" No message", t2["by_verdict"]["no message"]), ("Anomalies", a2["total"])] + \
        [(" " + k, v) for k, v in a2["by_kind"].items()] + \
        [("  " + k, v) for k, v in s2["final_reply"]["by_code"].items()]:
    check(re.search(r"^%s\s+%d$" % (re.escape(label), n), text, re.M) is not None,
          "text summary lacks %r %d" % (label, n))
check(text.startswith("SMTPX summary of 2 captures: %d mail transactions\n" % t2["total"]),
      "text summary title: %r" % text[:80])

sys.exit(env.finish("report summary (%d captures, %d transactions)" % (len(captures), t["total"])))
