# SPDX-License-Identifier: GPL-2.0-or-later
"""The report's formats: aligned text, CSV, JSON Lines and the summary.

Each writer takes records from model.transactions() and a file object.
"""
import csv
import json
import os

from . import values

CSV_COLUMNS = ["file", "frame", "time", "client", "server", "helo", "tls", "auth",
               "mail_from", "recipients", "from", "verdict", "reasons", "reason_codes",
               "reply", "ended_by"]
TEXT_VERDICT = {"forged": "FORGED", "not forged": "not forged", "no message": "no message"}


def text_verdict(r):
    """FORGED, UNVERIFIED (forged only because no key could check a DKIM
    claim: never to be read as authentic), not forged, or no message."""
    if r["verdict"] == "forged" and r.get("smtpx.from.verdict") == "unverified":
        return "UNVERIFIED"
    return TEXT_VERDICT[r["verdict"]]


def _time(r):
    t = r["frame.time_epoch"]
    return values.format_utc(t) if t is not None else "(time unknown)"


def _reply(r):
    code = r["smtpx.reply.code"]
    return ("%s %s" % ("" if code is None else code, r["smtpx.status"] or "")).strip()


def write_text(out, name, records):
    """Today's aligned text: a title line, then one block per transaction."""
    n = len(records)
    out.write("SMTPX report for %s: %d mail transaction%s\n"
              % (os.path.basename(name), n, "" if n == 1 else "s"))
    for i, r in enumerate(records, 1):
        mail_from = r["smtpx.mail_from"]
        if mail_from is None:
            mail_from = "(none seen)"
        elif mail_from == "":
            mail_from = "<> (null reverse-path)"
        out.write("\n")
        out.write("#%d  %s  client %s  server %s\n"
                  % (i, _time(r), r["smtpx.txn.client"], r["smtpx.txn.server"]))
        out.write("    HELO       %s\n" % (r["smtpx.helo"] or "(none seen)"))
        out.write("    TLS        %s    AUTH %s\n" % ("yes" if r["smtpx.txn.tls"] else "no",
                                                     "yes" if r["smtpx.txn.auth"] else "no"))
        out.write("    MAIL FROM  %s\n" % mail_from)
        out.write("    RCPT TO    %s\n" % (", ".join(r["smtpx.rcpt_to"]) or "(none)"))
        out.write("    From       %s\n" % (r["smtpx.msg.from"] or "(no message)"))
        out.write("    Verdict    %s\n" % text_verdict(r))
        if r["smtpx.from.reasons"]:
            out.write("    Reasons    %s\n" % r["smtpx.from.reasons"])
        ended = " (%s)" % r["smtpx.txn.end"] if r["smtpx.txn.end"] else ""
        out.write("    Reply      %s%s\n" % (_reply(r) or "(none seen)", ended))


def csv_row(r):
    """One record -> the CSV cells (CSV_COLUMNS order), all text.

    mail_from is "<>" for the null reverse-path and empty when no MAIL FROM
    was seen; recipients share one cell, ", " between them.
    """
    mail_from = r["smtpx.mail_from"]
    return [r["file"], str(r["frame.number"]), _time(r), r["smtpx.txn.client"] or "",
            r["smtpx.txn.server"] or "", r["smtpx.helo"] or "",
            "yes" if r["smtpx.txn.tls"] else "no", "yes" if r["smtpx.txn.auth"] else "no",
            "<>" if mail_from == "" else (mail_from or ""),
            ", ".join(r["smtpx.rcpt_to"]), r["smtpx.msg.from"] or "",
            text_verdict(r), r["smtpx.from.reasons"] or "",
            " ".join(x["code"] for x in r["reasons"]), _reply(r), r["smtpx.txn.end"] or ""]


class CsvWriter:
    """RFC 4180: CRLF line ends, quotes where needed, a header row first."""

    def __init__(self, out):
        self.w = csv.writer(out, lineterminator="\r\n")
        self.w.writerow(CSV_COLUMNS)

    def write(self, records):
        for r in records:
            self.w.writerow(csv_row(r))


def json_line(r):
    """One record -> one line of JSON (UTF-8 kept, keys in FIELDS order)."""
    return json.dumps(r, ensure_ascii=False, separators=(", ", ": "))


def write_jsonl(out, records):
    for r in records:
        out.write(json_line(r) + "\n")


def write_summary_text(out, s):
    """Summary.as_dict() -> aligned text."""
    t = s["transactions"]
    out.write("SMTPX summary of %d capture%s: %d mail transaction%s\n"
              % (s["captures"], "" if s["captures"] == 1 else "s",
                 t["total"], "" if t["total"] == 1 else "s"))
    if s["failed"]:
        out.write("(%d capture%s could not be read completely: %s)\n"
                  % (len(s["failed"]), "" if len(s["failed"]) == 1 else "s",
                     ", ".join(s["failed"])))

    def section(title, total, items, indent=" "):
        out.write("\n" + ("%-38s %6s" % (title, "" if total is None else total)).rstrip() + "\n")
        for k, v in items:
            out.write("%-38s %6d\n" % (indent + k, v))
    section("Mail transactions", t["total"],
            [("From " + v if v != "no message" else "No message", n)
             for v, n in t["by_verdict"].items()])
    section("Reasons (transactions giving each)", None, list(s["reasons"].items()))
    section("Final reply", None, [])
    codes = s["final_reply"]["by_code"]
    for cls, n in s["final_reply"]["by_class"].items():
        out.write("%-38s %6d\n" % (" " + cls, n))
        for code, m in codes.items():
            if cls[0] == code[0]:
                out.write("%-38s %6d\n" % ("  " + code, m))
    a = s["anomalies"]
    section("Anomalies", a["total"], list(a["by_kind"].items()))
    out.write("\nServers\n")
    for sv in s["servers"]:
        share = "-" if sv["tls_share"] is None else "%d%%" % round(100 * sv["tls_share"])
        out.write(" %s  %s\n" % (sv["server"], ", ".join(sv["ehlo_domains"]) or "(no EHLO seen)"))
        out.write("   transactions %d, with TLS %d (%s); EHLO replies %d\n"
                  % (sv["transactions"], sv["tls"], share, sv["ehlo_replies"]))
        if sv["capabilities"]:
            out.write("   capabilities %s\n" % " ".join(sv["capabilities"]))
