# SPDX-License-Identifier: GPL-2.0-or-later
"""What the report tests share: running the report and tshark -T fields.

Not a test itself.  Values from -T fields go through smtpxreport.values
(the same version-neutral parsing the report uses), so a check holds on
Wireshark 4.0, 4.4 and 4.6 alike.
"""
import concurrent.futures
import glob
import os
import re
import subprocess
import sys

SKIP = 77


class Env:
    def __init__(self, root, build):
        self.root = os.path.abspath(root)
        self.build = os.path.abspath(build)
        self.env = dict(os.environ, SMTPX_BUILD_DIR=self.build)
        self.report_tool = os.path.join(self.root, "tools", "smtpx-report")
        self.tshark_tool = os.path.join(self.root, "tools", "smtpx-tshark")
        sys.path.insert(0, os.path.join(self.root, "tools"))
        self.failed = []
        self.checks = 0
        self._version = None

    def public(self):
        """The public captures, sorted, or [] when the folder is absent."""
        return sorted(glob.glob(os.path.join(self.root, "..", "shared", "captures",
                                             "public", "*.pcap")))

    def lab_captures(self):
        return sorted(glob.glob(os.path.join(self.root, "test-captures", "*.pcapng")))

    def report(self, *args, env=None, **kw):
        """Run tools/smtpx-report; stdout and stderr decoded as UTF-8 with
        line ends kept (CSV's CRLF stays CRLF)."""
        p = subprocess.run([self.report_tool, *args], env=env or self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
        p.stdout = p.stdout.decode("utf-8")
        p.stderr = p.stderr.decode("utf-8")
        return p

    def tshark(self, *args):
        p = subprocess.run([self.tshark_tool, "--build", self.build, *args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=self.env)
        return p

    def version(self):
        if self._version is None:
            out = subprocess.run(["tshark", "--version"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True).stdout
            m = re.search(r"TShark \(Wireshark\) (\d+)\.(\d+)\.(\d+)", out)
            self._version = tuple(int(x) for x in m.groups())
        return self._version

    def fields(self, capture, names, display_filter="smtpx.txn"):
        """tshark -T fields, every occurrence -> {frame number: {name: [str]}}."""
        from smtpxreport import values
        sep = "\x1f"
        args = ["-r", capture, "-2", "-Y", display_filter, "-T", "fields",
                "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=" + sep,
                "-E", "quote=n", "-e", "frame.number"]
        for n in names:
            args += ["-e", n]
        p = self.tshark(*args)
        if p.returncode != 0:
            raise RuntimeError("tshark -T fields on %s: %s" % (capture, p.stderr))
        escaped = values.fields_escape_backslashes(self.version())
        out = {}
        for line in p.stdout.split("\n"):
            if not line:
                continue
            cells = line.split("\t")
            row = {}
            for n, cell in zip(names, cells[1:]):
                row[n] = [values.unescape_field(v, escaped) for v in cell.split(sep)] if cell else []
            out[int(cells[0])] = row
        return out

    def map(self, fn, items, jobs=2):
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(fn, items))

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.failed.append(what)
        return ok

    def finish(self, name):
        for f in self.failed:
            print("FAIL: " + f)
        print("%s: %d checks, %d failed" % (name, self.checks, len(self.failed)))
        return 1 if self.failed else 0
