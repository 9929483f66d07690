#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every error of tools/smtpx-report, its one line and its exit status,
and the input options (-Y, -o, -j, progress).

    test_report_errors.py ROOT BUILD

Exit statuses (tools/smtpxreport/cli.py): 0 all reported, 1 some captures
failed and the others were reported, 2 every capture failed, 3 nothing
could run.  Each error is one line on stderr naming the file.

The truncated capture is session-multi-transaction.pcapng cut at byte
4000: its pcapng blocks, walked here, say how many packets are whole
before the cut, so the transactions expected are those of the whole file
in those frames (the cut file's numbers come from the capture bytes, not
from the report).
"""
import gzip
import json
import os
import pty
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reportlib  # noqa: E402

env = reportlib.Env(sys.argv[1], sys.argv[2])
check = env.check
caps = os.path.join(env.root, "test-captures")
lab = os.path.join(caps, "lab5-forged-from.pcapng")
multi = os.path.join(caps, "session-multi-transaction.pcapng")
tmp = tempfile.mkdtemp(prefix="smtpx-report-errors.")
# A small folder (forged and not forged, several transactions, one side
# only) for the options, so that the test stays quick.
few = os.path.join(tmp, "few")
os.makedirs(os.path.join(few, "sub"))
for i, name in enumerate(["lab5-forged-from", "from-aligned", "from-display-name-spoof",
                          "session-multi-transaction", "session-client-only"]):
    shutil.copy(os.path.join(caps, name + ".pcapng"),
                os.path.join(few, "sub" if i % 2 else "", name + ".pcapng"))


def path(name, data=None):
    p = os.path.join(tmp, name)
    if data is not None:
        with open(p, "wb") as f:
            f.write(data)
    return p


def one_line(p, *words):
    lines = p.stderr.strip("\n").split("\n") if p.stderr.strip() else []
    return len(lines) == 1 and lines[0].startswith("smtpx-report: ") and \
        all(w in lines[0] for w in words)


def jsonl(p):
    return [json.loads(x) for x in p.stdout.split("\n") if x]


def whole_packets(data):
    """Enhanced/simple/obsolete packet blocks wholly inside DATA (pcapng,
    little-endian as the test captures are)."""
    n, off = 0, 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        if blen < 12 or off + blen > len(data):
            break
        if btype in (2, 3, 6):
            n += 1
        off += blen
    return n


# ---- not a capture (the first complaint): exit 2, one line, nothing on stdout
x = path("x", b"hello\n")
p = env.report(x)
check(p.returncode == 2 and p.stdout == "" and one_line(p, x, "not a capture"),
      "non-capture: exit %d, stdout %r, stderr %r" % (p.returncode, p.stdout, p.stderr))
p = env.report(path("empty", b""))
check(p.returncode == 2 and one_line(p, "empty", "not a capture"), "empty file: %r" % p.stderr)
p = env.report("--json", path("text.gz", gzip.compress(b"hello\n")))
check(p.returncode == 2 and p.stdout == "" and one_line(p, "text.gz", "not a capture"),
      "gzip of text: %r" % p.stderr)

# ---- unreadable: missing, dangling link, a directory without captures, no permission
p = env.report(path("missing.pcapng"))
check(p.returncode == 2 and one_line(p, "missing.pcapng", "cannot read"), "missing: %r" % p.stderr)
dangling = path("dangling.pcapng")
os.symlink(os.path.join(tmp, "nowhere"), dangling)
p = env.report(dangling)
check(p.returncode == 2 and one_line(p, "dangling.pcapng", "cannot read"), "dangling: %r" % p.stderr)
os.mkdir(path("nocaps"))
path("nocaps/README", b"text\n")
p = env.report(path("nocaps"))
check(p.returncode == 2 and one_line(p, "nocaps", "no capture files"), "empty dir: %r" % p.stderr)
if os.geteuid() != 0:
    locked = path("locked.pcapng", open(lab, "rb").read())
    os.chmod(locked, 0)
    p = env.report(locked)
    check(p.returncode == 2 and one_line(p, "locked.pcapng", "cannot read"), "mode 000: %r" % p.stderr)
else:
    print("note: running as root, a mode-000 file is readable: that case runs as a normal user only")

# ---- truncated: what was read is reported, and the line says it was cut
data = open(multi, "rb").read()[:4000]
frames = whole_packets(data)
full = jsonl(env.report("--json", multi))
want = [r for r in full if r["frame.number"] <= frames]
check(0 < len(want) < len(full), "cut point: %d of %d transactions" % (len(want), len(full)))
for name, blob in (("cut.pcapng", data), ("cut.pcapng.gz", gzip.compress(data))):
    cut = path(name, blob)
    p = env.report("--json", cut)
    got = jsonl(p)
    strip = [{k: v for k, v in r.items() if k != "file"} for r in got]
    check(p.returncode == 2 and strip == [{k: v for k, v in r.items() if k != "file"} for r in want]
          and one_line(p, name, "cut short", "reported the %d mail transactions" % len(want)),
          "%s: exit %d, %d records (want %d), stderr %r" % (name, p.returncode, len(got),
                                                         len(want), p.stderr))

# ---- a whole capture compressed with gzip reads as the capture itself
p = env.report("--json", path("multi.pcapng.gz", gzip.compress(open(multi, "rb").read())))
check(p.returncode == 0 and [{k: v for k, v in r.items() if k != "file"} for r in jsonl(p)]
      == [{k: v for k, v in r.items() if k != "file"} for r in full],
      "gzip-compressed capture: %d %r" % (p.returncode, p.stderr))

# ---- several captures: the good ones reported, exit 1; all bad: exit 2
p = env.report("--json", x, lab, cut, path("missing.pcapng"), multi)
got = jsonl(p)
files = [r["file"] for r in got]
errs = p.stderr.strip().split("\n")
check(p.returncode == 1 and files == [lab] + [cut] * len(want) + [multi] * len(full)
      and len(errs) == 3 and all(e.startswith("smtpx-report: ") for e in errs),
      "mixed: exit %d, files %r, stderr %r" % (p.returncode, files, p.stderr))
p = env.report(x, path("missing.pcapng"))
check(p.returncode == 2 and len(p.stderr.strip().split("\n")) == 2, "all bad: %d %r" % (p.returncode, p.stderr))
p = env.report("--summary", "--json", x, lab)
s = json.loads(p.stdout) if p.stdout else {}
check(p.returncode == 1 and s.get("failed") == [x] and s["transactions"]["total"] == 1,
      "summary with a bad capture: %d %r" % (p.returncode, p.stdout))

# ---- tshark missing: PATH holds python only
nopath = path("bin")
os.mkdir(nopath)
os.symlink(os.path.realpath(sys.executable), os.path.join(nopath, "python3"))
p = env.report(lab, env=dict(env.env, PATH=nopath))
check(p.returncode == 3 and p.stdout == "" and one_line(p, "tshark not found"),
      "no tshark: %d %r" % (p.returncode, p.stderr))

# ---- wrong Wireshark version: tshark too old; plugin built for another version
fake = path("fake")
os.mkdir(fake)
with open(os.path.join(fake, "tshark"), "w") as f:
    f.write("#!/bin/sh\necho 'TShark (Wireshark) 3.6.2 (Git v3.6.2 packaged as 3.6.2-2)'\n")
os.chmod(os.path.join(fake, "tshark"), 0o755)
p = env.report(lab, env=dict(env.env, PATH=fake + os.pathsep + os.environ["PATH"]))
check(p.returncode == 3 and one_line(p, "3.6.2", "4.0 or later"), "old tshark: %r" % p.stderr)
plugin = None
for d, _s, fs in os.walk(os.path.join(env.build, "plugins")):
    if "smtpx.so" in fs:
        plugin = os.path.join(d, "smtpx.so")
abi = os.path.basename(os.path.dirname(os.path.dirname(plugin)))
other = "4.4" if abi != "4.4" else "4.6"
fb = path("build-other")
os.makedirs(os.path.join(fb, "plugins", other, "epan"))
shutil.copy(plugin, os.path.join(fb, "plugins", other, "epan", "smtpx.so"))
p = env.report(lab, env=dict(env.env, SMTPX_BUILD_DIR=fb))
check(p.returncode == 3 and one_line(p, "built for Wireshark " + other, "rebuild"),
      "plugin for %s: %r" % (other, p.stderr))

# ---- plugin not loaded: a file that is no shared object where the plugin goes
fb = path("build-broken")
os.makedirs(os.path.join(fb, "plugins", abi, "epan"))
with open(os.path.join(fb, "plugins", abi, "epan", "smtpx.so"), "wb") as f:
    f.write(b"not an ELF file\n")       # newer than the sources: no rebuild
p = env.report(lab, env=dict(env.env, SMTPX_BUILD_DIR=fb))
check(p.returncode == 3 and p.stdout == "" and one_line(p, "did not load the SMTPX plugin"),
      "broken plugin: %d %r" % (p.returncode, p.stderr))

# ---- -Y and -o: refused ones say so once; good ones narrow and pass through
p = env.report("-Y", "no.such.field == 1", few)
check(p.returncode == 3 and one_line(p, "refused", "no.such.field"), "bad -Y: %r" % p.stderr)
p = env.report("-o", "smtpx.no_such_pref:1", lab)
check(p.returncode == 3 and one_line(p, "refused", "smtpx.no_such_pref"), "bad -o: %r" % p.stderr)
p = env.report("-o", "no-colon", lab)
check(p.returncode == 2 and "PREF:VALUE" in p.stderr, "-o without colon: %r" % p.stderr)
every = jsonl(env.report("--json", few))
forged = jsonl(env.report("--json", "-Y", "smtpx.from.forged == 1", few))
check(forged == [r for r in every if r["smtpx.from.forged"]] and 0 < len(forged) < len(every),
      "-Y narrows: %d of %d" % (len(forged), len(every)))
# A 16-byte header limit cuts the lab message before From (plugin/core/headers.c).
p = env.report("--json", "-o", "smtpx.max_header_bytes:16", lab)
r = jsonl(p)
check(p.returncode == 0 and len(r) == 1 and r[0]["smtpx.from.missing"] is True
      and r[0]["reasons"][0]["text"].startswith("no From field (the header section was cut"),
      "-o passed through: %r" % p.stdout)

# ---- -j: the same output whatever the number of jobs
one = env.report("--json", "-j", "1", few, lab)
four = env.report("--json", "-j", "4", few, lab)
check(one.returncode == 0 and one.stdout == four.stdout and one.stdout.count("\n") == len(every) + 1,
      "-j 1 and -j 4 differ")

# ---- progress: on stderr when it is a terminal, never otherwise
check(env.report("--json", few).stderr == "", "progress written to a non-terminal stderr")
try:
    master, slave = pty.openpty()
except OSError as e:    # a chroot without /dev/pts, say
    master = None
    print("note: no pseudo-terminal here (%s): the progress-on-a-terminal case is not run" % e)
if master is not None:
    proc = subprocess.Popen([env.report_tool, "--json", "-j", "2", lab, multi], env=env.env,
                            stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out = proc.communicate()[0]
    os.close(master)
    text = seen.decode("utf-8", "replace")
    check("2/2 captures, %d mail transactions" % (1 + len(full)) in text
          and proc.returncode == 0 and len(out.splitlines()) == 1 + len(full),
          "progress on a terminal: %r" % text)

shutil.rmtree(tmp)
sys.exit(env.finish("report errors and options"))
