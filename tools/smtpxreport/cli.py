# SPDX-License-Identifier: GPL-2.0-or-later
"""The command line of tools/smtpx-report (see its --help and the README).

Exit status: 0 every capture reported; 1 some captures failed (the others
are reported); 2 every capture failed (or the only one), or bad arguments;
3 nothing could run (tshark missing or too old, the plugin built for
another Wireshark or not loading, a -Y or -o that tshark refuses).
"""
import argparse
import concurrent.futures
import json
import os
import sys

from . import inputs, model, output, tshark

EXIT_OK, EXIT_SOME_FAILED, EXIT_ALL_FAILED, EXIT_SETUP = 0, 1, 2, 3


def _root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args(argv, root):
    default = os.path.join(root, "test-captures", "lab5-forged-from.pcapng")
    ap = argparse.ArgumentParser(
        prog="smtpx-report",
        description="One record per mail transaction in SMTP captures (pcap, pcapng, "
                    "gzip-compressed; directories are walked).",
        epilog="Exit status: 0 all reported, 1 some captures failed, 2 all failed "
               "or bad arguments, 3 tshark or the plugin cannot run.")
    fmt = ap.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true",
                     help="CSV (RFC 4180) with a header row, one row per transaction")
    fmt.add_argument("--json", action="store_true",
                     help="JSON Lines, one object per transaction (with --summary: "
                          "the summary as one JSON object)")
    ap.add_argument("--summary", action="store_true",
                    help="counts by verdict, reason, final reply, anomaly and server")
    ap.add_argument("--merge", action="store_true",
                    help="merge JSON Lines files written by --json (or '-' for stdin) "
                         "into the one-process order")
    ap.add_argument("-Y", dest="filter", metavar="FILTER",
                    help="only transactions (and, for --summary, frames) matching "
                         "this display filter")
    ap.add_argument("-o", dest="prefs", metavar="PREF:VALUE", action="append", default=[],
                    help="a tshark preference, passed through (repeatable)")
    ap.add_argument("-j", dest="jobs", metavar="N", type=int, default=os.cpu_count() or 1,
                    help="captures read in parallel (default: the number of cores)")
    ap.add_argument("captures", nargs="*", metavar="CAPTURE",
                    help="capture files or directories (default: the lab capture)")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error("-j needs a number of 1 or more")
    if args.summary and args.csv:
        ap.error("--summary is text or --json, not CSV")
    for p in args.prefs:
        if ":" not in p:
            ap.error("-o wants PREF:VALUE, got %r" % p)
    if not args.captures and not args.merge:
        args.captures = [default]
    return args


class Progress:
    """Files done and transactions found, on stderr, when it is a terminal."""

    def __init__(self, total, stream=sys.stderr):
        self.stream = stream
        self.on = total > 0 and stream.isatty()
        self.total, self.done, self.txns = total, 0, 0

    def clear(self):
        if self.on:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def step(self, txns):
        self.done += 1
        self.txns += txns
        if self.on:
            self.stream.write("\rsmtpx-report: %d/%d captures, %d mail transactions"
                              % (self.done, self.total, self.txns))
            self.stream.flush()


def read_capture(tools, path, args):
    """One capture -> (records, anomalies, ehlos, error line or None)."""
    try:
        inputs.sniff(path)
    except inputs.InputError as e:
        return [], {}, [], str(e)
    base = tshark.FILTER_SUMMARY if args.summary else tshark.FILTER_TXN
    packets, err = tshark.run(tools, os.path.abspath(path), path,
                              tshark.combined_filter(base, args.filter), args.prefs)
    try:
        records = model.transactions(packets, path)
        if args.summary:
            return records, model.anomalies(packets), model.ehlo_replies(packets), err
    except ValueError as e:
        # A value in a form values.py does not know (a new Wireshark?).
        return [], {}, [], "tshark printed a value this report cannot read: %s" % e
    return records, {}, [], err


def check_options(tools, args):
    """A -Y or -o tshark refuses fails every capture: say so once."""
    if not args.filter and not args.prefs:
        return
    lab = os.path.join(tools.root, "test-captures", "lab5-forged-from.pcapng")
    _packets, err = tshark.run(tools, lab, lab,
                               tshark.combined_filter(tshark.FILTER_TXN, args.filter),
                               args.prefs)
    if err:
        raise tshark.SetupError("smtpx-report: tshark refused -Y/-o: %s"
                                % err.replace("tshark failed: ", "", 1))


def merge(args, out):
    """--merge: JSON Lines files -> one stream ordered by file, frame, transaction."""
    records, bad = [], 0
    for name in args.captures or ["-"]:
        try:
            f = sys.stdin if name == "-" else open(name, encoding="utf-8")
        except OSError as e:
            print("smtpx-report: %s: cannot read: %s" % (name, e.strerror), file=sys.stderr)
            bad += 1
            continue
        with f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    r = json.loads(line)
                    key = (r["file"], r["frame.number"], r["smtpx.txn"])
                except (ValueError, KeyError, TypeError) as e:
                    print("smtpx-report: %s:%d: not a --json record (%s)" % (name, n, e),
                          file=sys.stderr)
                    bad += 1
                    continue
                records.append((key, r))
    records.sort(key=lambda kr: kr[0])
    output.write_jsonl(out, [r for _k, r in records])
    return EXIT_OK if not bad else EXIT_SOME_FAILED


def main(argv=None, root=None, out=None):
    """Run the report; returns the exit status.  A closed stdout (a pipe
    into head) ends the run quietly."""
    try:
        return _main(argv, root, out)
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_SOME_FAILED
    except KeyboardInterrupt:
        return 130


def _main(argv, root, out):
    root = root or _root()
    out = out or sys.stdout
    args = parse_args(argv, root)
    if args.merge:
        return merge(args, out)
    build = os.environ.get("SMTPX_BUILD_DIR", os.path.join(root, "build"))
    tools = tshark.Tools(root, build)
    try:
        tools.check_setup()
        check_options(tools, args)
    except tshark.SetupError as e:
        print(e, file=sys.stderr)
        return EXIT_SETUP

    paths = inputs.expand(args.captures)
    failures = []
    for a in args.captures:
        if os.path.isdir(a) and not inputs.expand([a]):
            print("smtpx-report: %s: no capture files in this directory" % a, file=sys.stderr)
            failures.append(a)
    progress = Progress(len(paths))
    summary = model.Summary()
    csv_writer = output.CsvWriter(out) if args.csv and not args.summary else None
    first_text = True

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(read_capture, tools, p, args) for p in paths]
        for path, fut in zip(paths, futures):
            records, anomalies, ehlos, err = fut.result()
            progress.step(len(records))
            if args.summary:
                summary.add(records, anomalies, ehlos)
            elif csv_writer:
                csv_writer.write(records)
            elif args.json:
                output.write_jsonl(out, records)
            elif records or not err:
                # Text: one block per capture read, a blank line between.
                if not first_text:
                    out.write("\n")
                output.write_text(out, path, records)
                first_text = False
            out.flush()
            if err:
                failures.append(path)
                summary.failed.append(path)
                progress.clear()
                if records:
                    err += ": reported the %d mail transaction%s read before that" % (
                        len(records), "" if len(records) == 1 else "s")
                elif "cut short" in err or "damaged" in err:
                    err += ": no mail transaction before that"
                print("smtpx-report: %s: %s" % (path, err), file=sys.stderr)
                sys.stderr.flush()
    progress.clear()
    if args.summary:
        if args.json:
            out.write(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1) + "\n")
        else:
            output.write_summary_text(out, summary.as_dict())
    n = len(paths) + sum(1 for a in args.captures if a in failures and a not in paths)
    if not failures:
        return EXIT_OK
    return EXIT_ALL_FAILED if len(failures) >= n else EXIT_SOME_FAILED
