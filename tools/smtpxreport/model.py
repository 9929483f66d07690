# SPDX-License-Identifier: GPL-2.0-or-later
"""Transactions, anomalies and EHLO replies out of tshark's -T json.

-T json (with --no-duplicate-keys) keeps the tree: each smtpx.txn has its
own smtpx.txn_tree, so the fields of two transactions summarised in one
frame stay apart, which -T fields (one flat list per frame) cannot do.
Values are read through values.py, so 4.0's and 4.6's forms give the same
record.
"""
from . import reasons as reasons_mod
from . import values

FLAGS = ["envelope_mismatch", "envelope_invalid", "dkim_aligned",
         "display_name_spoof", "multiple", "missing", "ambiguous", "lookalike",
         "exception"]

# Each DKIM signature's fields, one value per signature (lists).
DKIM_FIELDS = ["", ".domain", ".selector", ".algorithm", ".result", ".reason",
               ".key_source", ".key_frame", ".body_length_limited", ".aligned"]

# Every key of a transaction record, in order.  Keys named like fields are
# the display filter fields they come from; file, verdict and reasons are
# the report's own.
FIELDS = (["file", "frame.number", "frame.time_epoch", "tcp.stream",
           "smtpx.txn", "smtpx.txn.client", "smtpx.txn.server", "smtpx.helo",
           "smtpx.mail_from", "smtpx.rcpt_to", "smtpx.msg.from", "smtpx.msg.size",
           "smtpx.from.forged", "smtpx.from.org_domain", "smtpx.from.envelope_domain"]
          + ["smtpx.from." + f for f in FLAGS]
          + ["smtpx.from.exception_rule", "smtpx.from.reasons", "smtpx.from.reason",
             "smtpx.from.verdict", "smtpx.from.dkim_verified"]
          + ["smtpx.dkim" + f for f in DKIM_FIELDS]
          + ["smtpx.reply.code",
             "smtpx.status", "smtpx.txn.end", "smtpx.txn.tls", "smtpx.txn.auth",
             "verdict", "reasons"])

INT_FIELDS = {"frame.number", "tcp.stream", "smtpx.txn", "smtpx.msg.size",
              "smtpx.reply.code", "smtpx.dkim", "smtpx.dkim.key_frame"}
BOOL_FIELDS = {"smtpx.from.forged", "smtpx.from.dkim_verified", "smtpx.txn.tls",
               "smtpx.txn.auth", "smtpx.dkim.body_length_limited", "smtpx.dkim.aligned"} | \
    {"smtpx.from." + f for f in FLAGS}
# smtpx.from.reason: the code of each reason (the plugin's, issue 11).
LIST_FIELDS = {"smtpx.rcpt_to", "smtpx.from.reason"} | {"smtpx.dkim" + f for f in DKIM_FIELDS}

VERDICTS = ["forged", "not forged", "no message"]


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def first(d, key, default=None):
    v = as_list(d.get(key))
    return v[0] if v else default


def _collect(node, out):
    """Every field below NODE (a subtree dict) -> out[name] = [values]."""
    for key, value in node.items():
        if key == "_ws.expert":
            continue
        if key.endswith("_tree"):
            for sub in as_list(value):
                if isinstance(sub, dict):
                    _collect(sub, out)
            continue
        out.setdefault(key, []).extend(as_list(value))


def _typed(key, vals):
    if key in LIST_FIELDS:
        if key in BOOL_FIELDS:
            return [values.parse_bool(v) for v in vals]
        if key in INT_FIELDS:
            return [values.parse_int(v) for v in vals]
        return [str(v) for v in vals]
    if not vals:
        return None
    v = vals[0]
    if key in INT_FIELDS:
        return values.parse_int(v)
    if key in BOOL_FIELDS:
        return values.parse_bool(v)
    return v if len(vals) == 1 else [str(x) for x in vals]


def verdict_of(forged):
    if forged is None:
        return "no message"
    return "forged" if forged else "not forged"


def _record(name, frame, tcp, number, tree):
    fields = {}
    _collect(tree, fields)
    rec = {k: None for k in FIELDS}
    rec["file"] = name
    rec["frame.number"] = values.parse_int(first(frame, "frame.number"))
    t = first(frame, "frame.time_epoch")
    rec["frame.time_epoch"] = values.parse_time(t) if t is not None else None
    s = first(tcp, "tcp.stream")
    rec["tcp.stream"] = values.parse_int(s) if s is not None else None
    rec["smtpx.txn"] = values.parse_int(number)
    for key, vals in fields.items():
        if key.startswith("smtpx."):
            rec[key] = _typed(key, vals)
    for key in LIST_FIELDS:
        rec[key] = rec[key] or []
    if rec["smtpx.from.forged"] is not None:
        for f in FLAGS:
            key = "smtpx.from." + f
            if rec[key] is None:
                rec[key] = False        # flags appear only when true
    for key in ("smtpx.txn.tls", "smtpx.txn.auth"):
        if rec[key] is None:
            rec[key] = False
    rec["verdict"] = verdict_of(rec["smtpx.from.forged"])
    rec["reasons"] = reasons_mod.split_reasons(rec["smtpx.from.reasons"])
    # Fields the summary gains later (DKIM results...) keep their place
    # after the known ones: move verdict and reasons to the end.
    for k in ("verdict", "reasons"):
        rec[k] = rec.pop(k)
    return rec


def _layers(pkt):
    return pkt.get("_source", {}).get("layers", {})


def transactions(packets, name):
    """-T json packets -> one record (dict, keys FIELDS first) per smtpx.txn."""
    out = []
    for pkt in packets:
        layers = _layers(pkt)
        frame = layers.get("frame", {})
        tcp = layers.get("tcp", {})
        if isinstance(tcp, list):
            tcp = tcp[0] if tcp else {}
        for sx in as_list(layers.get("smtpx")):
            if not isinstance(sx, dict):
                continue
            numbers = as_list(sx.get("smtpx.txn"))
            trees = as_list(sx.get("smtpx.txn_tree"))
            for number, tree in zip(numbers, trees):
                out.append(_record(name, frame, tcp, number, tree))
    return out


def _walk(node, visit):
    if isinstance(node, list):
        for x in node:
            _walk(x, visit)
    elif isinstance(node, dict):
        for key, value in node.items():
            visit(key, value)
            _walk(value, visit)


def anomalies(packets):
    """-T json packets -> {anomaly kind: count} over every SMTPX expert info."""
    counts = {}

    def visit(key, value):
        if key.startswith("smtpx.analysis."):
            kind = key[len("smtpx.analysis."):]
            counts[kind] = counts.get(kind, 0) + len(as_list(value) or [""])
    for pkt in packets:
        _walk(as_list(_layers(pkt).get("smtpx")), visit)
    return counts


def _source_endpoint(layers):
    ip4, ip6 = layers.get("ip"), layers.get("ipv6")
    tcp = layers.get("tcp") or {}
    if isinstance(tcp, list):
        tcp = tcp[0] if tcp else {}
    port = first(tcp, "tcp.srcport", "?")
    if ip4:
        ip4 = ip4[-1] if isinstance(ip4, list) else ip4
        return "%s:%s" % (first(ip4, "ip.src", "?"), port)
    if ip6:
        ip6 = ip6[-1] if isinstance(ip6, list) else ip6
        return "[%s]:%s" % (first(ip6, "ipv6.src", "?"), port)
    return "?:%s" % port


def ehlo_replies(packets):
    """-T json packets -> [(server "addr:port", EHLO domain, [keywords])],
    one per EHLO reply (the server is the reply's sender)."""
    out = []
    for pkt in packets:
        layers = _layers(pkt)
        found = []

        def visit(key, value):
            if key == "smtpx.ehlo.capabilities_tree":
                for sub in as_list(value):
                    if isinstance(sub, dict):
                        found.append(sub)
        _walk(as_list(layers.get("smtpx")), visit)
        if found:
            server = _source_endpoint(layers)
            for sub in found:
                out.append((server, first(sub, "smtpx.ehlo.domain"),
                            [str(k) for k in as_list(sub.get("smtpx.ehlo.capability"))]))
    return out


class Summary:
    """Counts over every capture given to add()."""

    def __init__(self):
        self.captures = 0
        self.failed = []
        self.total = 0
        self.by_verdict = {v: 0 for v in VERDICTS}
        self.by_reason = {}
        self.reply_class = {}
        self.reply_code = {}
        self.anomalies = {}
        self.servers = {}

    def _server(self, key):
        return self.servers.setdefault(key, {
            "server": key, "ehlo_domains": [], "ehlo_replies": 0,
            "capabilities": {}, "transactions": 0, "tls": 0})

    def add(self, records, anomaly_counts, ehlos):
        self.captures += 1
        for r in records:
            self.total += 1
            self.by_verdict[r["verdict"]] += 1
            for code in sorted({x["code"] for x in r["reasons"]}):
                self.by_reason[code] = self.by_reason.get(code, 0) + 1
            code = r["smtpx.reply.code"]
            cls = "%dxx" % (code // 100) if code is not None else "no reply"
            self.reply_class[cls] = self.reply_class.get(cls, 0) + 1
            if code is not None:
                self.reply_code[str(code)] = self.reply_code.get(str(code), 0) + 1
            s = self._server(r["smtpx.txn.server"] or "?")
            s["transactions"] += 1
            s["tls"] += 1 if r["smtpx.txn.tls"] else 0
        for kind, n in anomaly_counts.items():
            self.anomalies[kind] = self.anomalies.get(kind, 0) + n
        for server, domain, keywords in ehlos:
            s = self._server(server)
            s["ehlo_replies"] += 1
            if domain and domain not in s["ehlo_domains"]:
                s["ehlo_domains"].append(domain)
            for k in keywords:
                s["capabilities"][k] = s["capabilities"].get(k, 0) + 1

    def as_dict(self):
        def by_count(d):
            return dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))
        servers = []
        for key in sorted(self.servers):
            s = dict(self.servers[key])
            s["capabilities"] = dict(sorted(s["capabilities"].items()))
            s["tls_share"] = round(s["tls"] / s["transactions"], 4) if s["transactions"] else None
            servers.append(s)
        return {
            "captures": self.captures,
            "failed": list(self.failed),
            "transactions": {"total": self.total, "by_verdict": dict(self.by_verdict)},
            "reasons": by_count(self.by_reason),
            "final_reply": {"by_class": dict(sorted(self.reply_class.items())),
                            "by_code": dict(sorted(self.reply_code.items()))},
            "anomalies": {"total": sum(self.anomalies.values()),
                          "by_kind": by_count(self.anomalies)},
            "servers": servers,
        }
