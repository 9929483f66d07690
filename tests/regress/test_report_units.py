#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Unit tests of tools/smtpxreport (no tshark needed).

    test_report_units.py ROOT

Where the expected values come from: the version forms of values.py are
the ones each Wireshark prints (4.0 here; 4.4 and 4.6 as their -T fields
and -T json print the same lab frame 31: time 2021-02-13 09:57:29.053 UTC,
epoch 1613210249.053); the reason texts are plugin/core/authorship.c's
add_reason() formats; the capture magic numbers are the pcap and pcapng
specifications' (draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng).
"""
import copy
import csv
import gzip
import io
import json
import os
import sys
import tempfile
import unittest

ROOT = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools"))

from smtpxreport import inputs, model, output, reasons, values  # noqa: E402
from smtpxreport import cli, tshark  # noqa: E402

LAB_EPOCH = 1613210249.053


class Values(unittest.TestCase):
    def test_bool_every_version(self):
        for v in ("1", "True", "true", True, 1, " 1 "):
            self.assertIs(values.parse_bool(v), True, v)
        for v in ("0", "False", "false", False, 0):
            self.assertIs(values.parse_bool(v), False, v)
        for v in ("2", "", "maybe", 2, None):
            with self.assertRaises(ValueError):
                values.parse_bool(v)

    def test_int(self):
        self.assertEqual(values.parse_int("250"), 250)
        self.assertEqual(values.parse_int(250), 250)
        self.assertEqual(values.parse_int("0x1f"), 31)
        for v in ("", "2.5", True):
            with self.assertRaises(ValueError):
                values.parse_int(v)

    def test_time_40_seconds(self):
        self.assertAlmostEqual(values.parse_time("1613210249.053000000"), LAB_EPOCH, places=6)
        self.assertAlmostEqual(values.parse_time(1613210249.053), LAB_EPOCH, places=6)
        self.assertEqual(values.parse_time("1613210249"), 1613210249.0)

    def test_time_46_iso(self):
        self.assertAlmostEqual(values.parse_time("2021-02-13T09:57:29.053000000Z"),
                               LAB_EPOCH, places=6)
        self.assertAlmostEqual(values.parse_time("2021-02-13T09:57:29.053Z"), LAB_EPOCH, places=6)
        self.assertEqual(values.parse_time("2021-02-13T09:57:29Z"), 1613210249.0)
        self.assertEqual(values.parse_time("2021-02-13T10:57:29+01:00"), 1613210249.0)
        self.assertEqual(values.parse_time("2021-02-13 09:57:29 UTC"), 1613210249.0)
        for v in ("Feb 13, 2021 09:57:29", "", "2021-02-13", True):
            with self.assertRaises(ValueError):
                values.parse_time(v)

    def test_format_utc(self):
        self.assertEqual(values.format_utc(LAB_EPOCH), "2021-02-13 09:57:29 UTC")
        self.assertEqual(values.format_utc(values.parse_time("2021-02-13T09:57:29.999999Z")),
                         "2021-02-13 09:57:29 UTC")

    def test_unescape(self):
        self.assertFalse(values.fields_escape_backslashes((4, 0, 17)))
        self.assertTrue(values.fields_escape_backslashes((4, 4, 0)))
        self.assertTrue(values.fields_escape_backslashes((4, 6, 1)))
        # 4.0 prints the string as it is, backslash included.
        self.assertEqual(values.unescape_field("a\\b", False), "a\\b")
        # 4.4+ doubles backslashes and writes control characters as escapes.
        self.assertEqual(values.unescape_field("a\\\\b", True), "a\\b")
        self.assertEqual(values.unescape_field("x\\ty\\nz\\r", True), "x\ty\nz\r")
        self.assertEqual(values.unescape_field("\\x41\\u00e9\\\"", True), "A\u00e9\"")
        self.assertEqual(values.unescape_field("plain", True), "plain")


# One text per add_reason() format of plugin/core/authorship.c.
REASON_TEXTS = [
    ("missing", "no From field"),
    ("missing", "no From field (the header section was cut at the size limit)"),
    ("missing", "the From field names no mailbox"),
    ("missing", "the From mailbox has no domain"),
    ("multiple", "2 From fields (RFC 5322 allows one); only the first is judged, readers may show another"),
    ("multiple", "2 author mailboxes and no Sender field (RFC 5322 3.6.2 requires one)"),
    ("multiple", "author mailboxes of different organizational domains: only the first (a.example) is judged"),
    ("envelope_invalid", "no MAIL FROM seen: the envelope cannot back author domain tesla.com"),
    ("envelope_invalid", "null reverse-path and no HELO seen: the envelope cannot back author domain x.org"),
    ("envelope_invalid", "null reverse-path and HELO localhost has no organizational domain: the envelope cannot back author domain x.org"),
    ("envelope_invalid", "MAIL FROM gives no domain (203.0.113.25): the envelope cannot back author domain tesla.com"),
    ("envelope_invalid", "MAIL FROM is malformed (a@@b.example): the envelope cannot back author domain b.example"),
    ("envelope_invalid", "MAIL FROM names a domain with no organizational domain (a@localhost): the envelope cannot back author domain x.org"),
    ("envelope_mismatch", "MAIL FROM domain x.co.uk (organizational domain x.co.uk) is not aligned with author domain y.co.uk (organizational domain y.co.uk)"),
    ("envelope_mismatch", "HELO (null reverse-path) domain mx.example (organizational domain mx.example) is not aligned with author domain paypal.com (organizational domain paypal.com)"),
    ("envelope_mismatch", "author domain localhost has no organizational domain: the MAIL FROM domain example.com cannot be aligned with it"),
    ("exception", "user exception lists.example -> example.org lets the envelope back the author"),
    ("dkim_aligned", "DKIM-Signature d=example.org is aligned with author domain example.org (claimed: the signature is not verified)"),
    ("dkim_unaligned", "DKIM-Signature d=esp.example, other.example not aligned with author domain shop.example"),
    ("dkim_unusable", "no usable DKIM signature (1 DKIM-Signature field without the tags RFC 6376 3.5 requires or not signing From)"),
    ("dkim_none", "no DKIM signature"),
    ("ambiguous", "From address is ambiguous: a comment containing '@'"),
    ("ambiguous", "From field layout is ambiguous: white space before the colon"),
    ("ambiguous", "the header section starts with white space"),
    ("ambiguous", "a white-space-only continuation line before From ends the header section for some parsers"),
    ("ambiguous", "MAIL FROM is ambiguous: a comment, several '@'"),
    ("display_name_spoof", "display name shows \"support@paypal.com\" (paypal.com) but the mailbox is x@evil.example"),
    ("display_name_spoof", "comment in the From address shows \"ceo@bank.example\" (bank.example) but the mailbox is a@b.example"),
    ("lookalike", "author domain xn--pple-43d.com: a label mixes Cyrillic and Latin"),
]


class Reasons(unittest.TestCase):
    def test_each_text(self):
        for code, text in REASON_TEXTS:
            self.assertEqual(reasons.code_of(text), code, text)
            self.assertEqual(reasons.split_reasons(text), [{"code": code, "text": text}])

    def test_every_code_covered(self):
        self.assertEqual(sorted({c for c, _t in REASON_TEXTS} | {"other"}), sorted(reasons.CODES))

    def test_joined_and_quoted_semicolon(self):
        joined = "; ".join(t for _c, t in REASON_TEXTS)
        self.assertEqual([(x["code"], x["text"]) for x in reasons.split_reasons(joined)],
                         REASON_TEXTS)
        # "; " inside a quoted display name belongs to its reason.
        t = "display name shows \"a; b@paypal.com\" (paypal.com) but the mailbox is x@evil.example"
        got = reasons.split_reasons(t + "; no DKIM signature")
        self.assertEqual(got, [{"code": "display_name_spoof", "text": t},
                               {"code": "dkim_none", "text": "no DKIM signature"}])

    def test_empty_and_unknown(self):
        self.assertEqual(reasons.split_reasons(None), [])
        self.assertEqual(reasons.split_reasons(""), [])
        self.assertEqual(reasons.split_reasons("something new"),
                         [{"code": "other", "text": "something new"}])


PCAPNG_HEAD = bytes.fromhex("0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000")


class Inputs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        p = os.path.join(self.d, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def test_sniff(self):
        for magic in ("a1b2c3d4", "d4c3b2a1", "a1b23c4d", "4d3cb2a1"):
            self.assertEqual(inputs.sniff(self.write("p" + magic, bytes.fromhex(magic) + b"\0" * 20)),
                             "pcap")
        self.assertEqual(inputs.sniff(self.write("a.pcapng", PCAPNG_HEAD)), "pcapng")
        self.assertEqual(inputs.sniff(self.write("a.pcapng.gz", gzip.compress(PCAPNG_HEAD))),
                         "pcapng.gz")
        self.assertEqual(inputs.sniff(self.write("cut.gz", gzip.compress(PCAPNG_HEAD)[:12])), "gz")
        for name, data, words in (("x", b"hello\n", "not a capture"),
                                  ("empty", b"", "empty file"),
                                  ("t.gz", gzip.compress(b"hello world\n"), "gzip")):
            with self.assertRaises(inputs.InputError) as cm:
                inputs.sniff(self.write(name, data))
            self.assertIn(words, str(cm.exception))
        with self.assertRaises(inputs.InputError) as cm:
            inputs.sniff(os.path.join(self.d, "absent"))
        self.assertIn("cannot read", str(cm.exception))

    def test_expand(self):
        self.write("b/2.pcapng", PCAPNG_HEAD)
        self.write("b/1.pcap", b"junk named like a capture")
        self.write("a/z/3", PCAPNG_HEAD)                # no suffix, sniffed
        self.write("a/README.md", b"# not a capture\n")
        self.write("a/.hidden.pcapng", PCAPNG_HEAD)
        self.write(".git/x.pcapng", PCAPNG_HEAD)
        got = inputs.expand([self.d, "given-first"])
        rel = [os.path.relpath(p, self.d) if p.startswith(self.d) else p for p in got]
        self.assertEqual(rel, ["a/z/3", "b/1.pcap", "b/2.pcapng", "given-first"])


def packet(frame, epoch, txns, tls="0"):
    """A -T json packet as tshark 4.0 prints it (two transactions possible)."""
    trees = []
    for n, rcpts, forged in txns:
        tree = {"smtpx.txn.client": "192.0.2.1:1025", "smtpx.txn.server": "198.51.100.2:25",
                "smtpx.helo": "client.example", "smtpx.mail_from": "a@example.org",
                "smtpx.rcpt_to": rcpts if len(rcpts) != 1 else rcpts[0],
                "smtpx.reply.code": "250", "smtpx.txn.end": "end of data",
                "smtpx.txn.tls": tls, "smtpx.txn.auth": "0"}
        if forged is not None:
            tree["smtpx.msg.from"] = "A <a@example.org>"
            tree["smtpx.from.forged"] = forged
            tree["smtpx.from.forged_tree"] = {"smtpx.from.org_domain": "example.org",
                                              "smtpx.from.reasons": "no DKIM signature"}
        trees.append((str(n), tree))
    sx = {"smtpx.reply.code": "250"}
    if len(trees) == 1:
        sx["smtpx.txn"], sx["smtpx.txn_tree"] = trees[0]
    else:
        sx["smtpx.txn"] = [n for n, _t in trees]
        sx["smtpx.txn_tree"] = [t for _n, t in trees]
    return {"_source": {"layers": {"frame": {"frame.number": str(frame), "frame.time_epoch": epoch},
                                   "tcp": {"tcp.stream": "0"}, "smtpx": sx}}}


def as_46(p):
    """The same packet in 4.6's forms: ISO time, True/False booleans."""
    p = copy.deepcopy(p)

    def fix(d):
        for k, v in list(d.items()):
            if isinstance(v, dict):
                fix(v)
            elif isinstance(v, list):
                for x in v:
                    if isinstance(x, dict):
                        fix(x)
            elif k in model.BOOL_FIELDS:
                d[k] = {"1": "True", "0": "False"}[v]
    fix(p["_source"]["layers"]["smtpx"])
    p["_source"]["layers"]["frame"]["frame.time_epoch"] = "2021-02-13T09:57:29.053000000Z"
    return p


class Model(unittest.TestCase):
    def test_versions_read_alike(self):
        p40 = packet(31, "1613210249.053000000", [(1, ["b@example.net"], "1")])
        r40 = model.transactions([p40], "lab.pcapng")
        r46 = model.transactions([as_46(p40)], "lab.pcapng")
        self.assertEqual(r40, r46)
        r = r40[0]
        self.assertEqual(list(r)[:len(model.FIELDS)], model.FIELDS)
        self.assertEqual((r["frame.number"], r["smtpx.txn"], r["smtpx.reply.code"]), (31, 1, 250))
        self.assertAlmostEqual(r["frame.time_epoch"], LAB_EPOCH, places=6)
        self.assertIs(r["smtpx.from.forged"], True)
        self.assertIs(r["smtpx.from.missing"], False)     # absent flag of a decided verdict
        self.assertEqual(r["verdict"], "forged")
        self.assertEqual(r["reasons"], [{"code": "dkim_none", "text": "no DKIM signature"}])

    def test_two_transactions_in_one_frame(self):
        p = packet(40, "1.5", [(1, ["x@a.example", "y@a.example"], "0"), (2, ["z@b.example"], None)])
        r = model.transactions([p], "f")
        self.assertEqual([x["smtpx.txn"] for x in r], [1, 2])
        self.assertEqual(r[0]["smtpx.rcpt_to"], ["x@a.example", "y@a.example"])
        self.assertEqual(r[1]["smtpx.rcpt_to"], ["z@b.example"])
        self.assertEqual([x["verdict"] for x in r], ["not forged", "no message"])
        self.assertIsNone(r[1]["smtpx.from.missing"])       # no verdict: flags unknown

    def test_anomalies_nested(self):
        p = {"_source": {"layers": {"smtpx": {"smtpx.cmd": "MAIL", "smtpx.cmd_tree": {
            "_ws.expert": [{"smtpx.analysis.path_syntax": "", "_ws.expert.message": "m"},
                           {"smtpx.analysis.unadvertised": ""}]}}}}}
        self.assertEqual(model.anomalies([p, p]), {"path_syntax": 2, "unadvertised": 2})


class Output(unittest.TestCase):
    def record(self, **kw):
        r = model.transactions([packet(7, "1613210249.053", [(1, ["a@x.example", "b@x.example"], "1")])],
                               "dir/f,1.pcapng")[0]
        r.update(kw)
        return r

    def test_csv_rfc4180(self):
        nasty = "Ceo, \"Big\" Boss\r\n <ceo@x.example>"
        buf = io.StringIO(newline="")
        w = output.CsvWriter(buf)
        w.write([self.record(**{"smtpx.msg.from": nasty, "smtpx.mail_from": ""})])
        text = buf.getvalue()
        self.assertTrue(text.startswith(",".join(output.CSV_COLUMNS) + "\r\n"))
        self.assertTrue(text.endswith("\r\n"))
        self.assertIn('"Ceo, ""Big"" Boss\r\n <ceo@x.example>"', text)
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["from"], nasty)
        self.assertEqual(rows[0]["file"], "dir/f,1.pcapng")
        self.assertEqual(rows[0]["recipients"], "a@x.example, b@x.example")
        self.assertEqual(rows[0]["mail_from"], "<>")
        self.assertEqual(rows[0]["time"], "2021-02-13 09:57:29 UTC")
        self.assertEqual(rows[0]["reason_codes"], "dkim_none")

    def test_json_line(self):
        r = self.record(**{"smtpx.msg.from": "J\u00fcrgen \"J\"\n<j@x.example>"})
        line = output.json_line(r)
        self.assertNotIn("\n", line)
        self.assertEqual(json.loads(line), r)

    def test_merge_order(self):
        recs = [self.record(file=f, **{"frame.number": n, "smtpx.txn": t})
                for f, n, t in (("b", 5, 1), ("a", 10, 2), ("a", 9, 1), ("a", 10, 1))]
        with tempfile.TemporaryDirectory() as d:
            parts = []
            for i, r in enumerate(recs):
                parts.append(os.path.join(d, "%d.jsonl" % i))
                with open(parts[-1], "w", encoding="utf-8") as f:
                    f.write(output.json_line(r) + "\n")
            out = io.StringIO()
            self.assertEqual(cli.main(["--merge"] + parts, root=ROOT, out=out), 0)
        got = [(x["file"], x["frame.number"], x["smtpx.txn"])
               for x in map(json.loads, out.getvalue().splitlines())]
        self.assertEqual(got, [("a", 9, 1), ("a", 10, 1), ("a", 10, 2), ("b", 5, 1)])


class Errors(unittest.TestCase):
    def test_explain(self):
        staged = "/tmp/smtpx-tshark.Ab12Cd/capture1"
        self.assertEqual(tshark.explain('tshark: The file "%s" appears to have been cut short '
                                        'in the middle of a packet.\n' % staged, "x.pcap"),
                         "capture cut short (truncated) in the middle of a packet")
        self.assertIn("not a capture", tshark.explain(
            'tshark: The file "%s" isn\'t a capture file in a format TShark understands.' % staged, "x"))
        msg = tshark.explain('tshark: something odd about "%s"\n' % staged, "mine.pcap")
        self.assertIn("mine.pcap", msg)
        self.assertNotIn("smtpx-tshark.", msg)

    def test_filter(self):
        self.assertEqual(tshark.combined_filter("smtpx.txn", None), "smtpx.txn")
        self.assertEqual(tshark.combined_filter("smtpx.txn", "a || b"), "(smtpx.txn) && (a || b)")


if __name__ == "__main__":
    unittest.main(verbosity=1)
