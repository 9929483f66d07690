# SPDX-License-Identifier: GPL-2.0-or-later
"""Running tshark with the SMTPX plugin just built (tools/smtpx-tshark).

check_setup() finds what stops every capture at once (tshark missing or
too old, the plugin built for another Wireshark, the plugin not loading)
and raises SetupError with one line saying so.  run() reads one capture
and returns its packets as tshark's -T json gives them, plus an error line
when tshark stopped early (the packets read before it still count).
"""
import json
import os
import re
import shutil
import subprocess
import sys


MIN_VERSION = (4, 0)

# Protocols kept in -T json: the summary frame's number and time, the
# addresses of EHLO replies, and the whole SMTPX tree.
JSON_PROTOCOLS = "frame ip ipv6 tcp smtpx"

# Frames the report reads: transaction summaries; for --summary also EHLO
# replies (capabilities) and every SMTPX frame with an expert info.
FILTER_TXN = "smtpx.txn"
FILTER_SUMMARY = "smtpx.txn || smtpx.ehlo.capability || (smtpx && _ws.expert)"


class SetupError(Exception):
    """Nothing can be reported; str() is the one line to print."""


class Tools:
    """Where the repository, the build and its plugin are."""

    def __init__(self, root, build):
        self.root = root
        self.build = build
        self.smtpx_tshark = os.path.join(root, "tools", "smtpx-tshark")
        self.version = None          # tshark's (major, minor, micro)

    def built_plugin(self):
        plugins = os.path.join(self.build, "plugins")
        for dirpath, _dirs, files in sorted(os.walk(plugins)):
            if "smtpx.so" in files and os.path.basename(dirpath) == "epan":
                return os.path.join(dirpath, "smtpx.so")
        return None

    def newest_source_mtime(self):
        newest = 0.0
        for top in ("plugin", "CMakeLists.txt"):
            path = os.path.join(self.root, top)
            if os.path.isfile(path):
                newest = max(newest, os.path.getmtime(path))
                continue
            for dirpath, _dirs, files in os.walk(path):
                for f in files:
                    if f.endswith((".c", ".h", ".txt")):
                        newest = max(newest, os.path.getmtime(os.path.join(dirpath, f)))
        return newest

    def ensure_built(self):
        """Build the plugin when it is missing or older than its sources."""
        plugin = self.built_plugin()
        if plugin and os.path.getmtime(plugin) >= self.newest_source_mtime():
            return
        print("smtpx-report: building the plugin ...", file=sys.stderr)
        env = dict(os.environ, SMTPX_BUILD_DIR=self.build)
        r = subprocess.run([os.path.join(self.root, "tools", "build")], env=env,
                           stdout=sys.stderr, stderr=sys.stderr)
        if r.returncode != 0 or not self.built_plugin():
            raise SetupError("smtpx-report: the plugin build failed (tools/build)")

    def check_setup(self):
        """Raise SetupError unless tshark can run the built plugin."""
        tshark = shutil.which("tshark")
        if not tshark:
            raise SetupError("smtpx-report: tshark not found on PATH "
                             "(Debian: tools/install-deps installs it)")
        p = subprocess.run([tshark, "--version"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, errors="replace")
        m = re.search(r"TShark \(Wireshark\) (\d+)\.(\d+)\.(\d+)", p.stdout)
        if p.returncode != 0 or not m:
            said = (p.stdout.strip() or p.stderr.strip()).split("\n")[0]
            raise SetupError("smtpx-report: %s --version gives no Wireshark version%s"
                             % (tshark, ": " + said if said else ""))
        self.version = tuple(int(x) for x in m.groups())
        shown = "%d.%d.%d" % self.version
        if self.version[:2] < MIN_VERSION:
            raise SetupError("smtpx-report: tshark is Wireshark %s; SMTPX needs "
                             "Wireshark 4.0 or later" % shown)
        self.ensure_built()
        plugin = self.built_plugin()
        abi = os.path.basename(os.path.dirname(os.path.dirname(plugin)))
        if abi != "%d.%d" % self.version[:2]:
            raise SetupError("smtpx-report: the plugin in %s was built for Wireshark "
                             "%s, but tshark is %s: rebuild it against this "
                             "Wireshark (tools/build)" % (self.build, abi, shown))
        p = subprocess.run([self.smtpx_tshark, "--build", self.build, "-G", "plugins"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           errors="replace")
        if not re.search(r"^smtpx\.so\s", p.stdout, re.M):
            why = " ".join(p.stderr.split())
            raise SetupError("smtpx-report: tshark did not load the SMTPX plugin %s%s"
                             % (plugin, ": " + why if why else ""))

    def command(self, capture, display_filter, prefs):
        cmd = [self.smtpx_tshark, "--build", self.build, "-r", capture, "-2",
               "-Y", display_filter, "-T", "json", "-J", JSON_PROTOCOLS,
               "--no-duplicate-keys"]
        for pref in prefs:
            cmd += ["-o", pref]
        return cmd


def combined_filter(base, user):
    """The report's filter narrowed by the user's -Y (None: not narrowed)."""
    return "(%s) && (%s)" % (base, user) if user else base


_STAGED = re.compile(r"/[^\s\"']*/smtpx-tshark\.[^/\s\"']+/capture\d+")


def explain(stderr, name):
    """tshark's stderr after a failure -> one line about capture NAME."""
    text = _STAGED.sub(name, stderr)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if "cut short in the middle of a packet" in text:
        return "capture cut short (truncated) in the middle of a packet"
    if "damaged or corrupt" in text:
        m = re.search(r"damaged or corrupt\.?\s*\(?([^)]*)\)?", text)
        return "capture damaged or corrupt" + (": " + m.group(1).strip()
                                               if m and m.group(1).strip() else "")
    if "isn't a capture file in a format" in text:
        return "not a capture in a format tshark reads"
    if "is neither a field nor a protocol name" in text or "isn't a valid display filter" in text:
        return "tshark refused the display filter: " + (lines[0] if lines else "")
    if lines:
        return "tshark failed: " + " ".join(lines)
    return "tshark failed"


def run(tools, capture, name, display_filter, prefs):
    """Read CAPTURE -> (packets, error).

    packets is the list -T json gives (possibly partial), error None or one
    line (without the file name) saying why the capture is not complete.
    """
    p = subprocess.run(tools.command(capture, display_filter, prefs),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.decode("utf-8", "replace").strip()
    err = p.stderr.decode("utf-8", "replace")
    packets = []
    bad_output = False
    if out:
        try:
            packets = json.loads(out)
        except ValueError:
            # A stop in the middle of the array: keep the packets before.
            cut = out.rfind("\n  }")
            try:
                packets = json.loads(out[:cut + 4] + "\n]") if cut > 0 else []
            except ValueError:
                packets = []
            bad_output = True
    if p.returncode != 0:
        return packets, explain(err, name)
    if bad_output:
        return packets, "tshark's JSON output was cut off"
    return packets, None

