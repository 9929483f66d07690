#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The README's GNU parallel recipe, on local workers, equals one process.

    test_report_parallel.py ROOT BUILD

Runs the README's command with `-S 2/:` (two job slots on the local
machine, as a remote --sshlogin would have them; --transferfile and
--return are no-ops for ":"), on copies of the lab and session-* test
captures (and the public ones, in a subfolder, when present), then
merges the JSON Lines files with `smtpx-report --merge` and checks the
result is byte for byte what `smtpx-report --json archive/` prints in one
process.  Skipped (exit 77) when GNU parallel is not installed
(tools/install-deps installs it).
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reportlib  # noqa: E402

env = reportlib.Env(sys.argv[1], sys.argv[2])
parallel = shutil.which("parallel")
if not parallel:
    print("SKIP: GNU parallel is not installed (apt package parallel; tools/install-deps)")
    sys.exit(reportlib.SKIP)

tmp = tempfile.mkdtemp(prefix="smtpx-report-parallel.")
archive = os.path.join(tmp, "archive")
os.makedirs(os.path.join(archive, "public"))
# The lab capture and the session-* captures (several transactions, one
# side only, gaps...) keep the test quick; the public ones in a subfolder.
for c in env.lab_captures():
    if os.path.basename(c).startswith(("lab5-", "session-")):
        shutil.copy(c, archive)
for c in env.public():
    shutil.copy(c, os.path.join(archive, "public"))
run_env = dict(env.env, HOME=tmp)       # parallel keeps its state in $HOME/.parallel

os.chdir(tmp)
names = sorted(os.path.relpath(p, tmp) for p in glob.glob("archive/**/*.pcap*", recursive=True))
# The README's command, file names on stdin, with -S 2/: for the
# --sshlogin list and this checkout's report for ~/smtpx's.
p = subprocess.run([parallel, "--will-cite", "-S", "2/:", "--transferfile", "{}",
                    "--return", "{}.jsonl", "--cleanup",
                    env.report_tool + " --json -j 1 {} > {}.jsonl"],
                   input="".join(n + "\n" for n in names), env=run_env,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
env.check(p.returncode == 0, "parallel: exit %d, %s" % (p.returncode, p.stderr))
parts = glob.glob("archive/**/*.jsonl", recursive=True)
env.check(len(parts) == len(names), "%d .jsonl files for %d captures" % (len(parts), len(names)))
# find ... -exec cat {} + | smtpx-report --merge: the parts in any order.
cat = "".join(open(x, encoding="utf-8").read() for x in reversed(sorted(parts)))
merged = env.report("--merge", env=run_env, input=cat.encode("utf-8"))
one = env.report("--json", "archive/", env=run_env)
env.check(merged.returncode == 0 and one.returncode == 0,
          "exit: merge %d (%s), one process %d (%s)" % (merged.returncode, merged.stderr,
                                                        one.returncode, one.stderr))
lines = one.stdout.count("\n")
env.check(merged.stdout == one.stdout and lines > len(names),
          "merged (%d lines) differs from one process (%d lines)"
          % (merged.stdout.count("\n"), lines))
# The captures are still there (--cleanup does not touch the local machine).
env.check(all(os.path.isfile(n) for n in names), "a capture disappeared")

os.chdir("/")
shutil.rmtree(tmp)
sys.exit(env.finish("report over GNU parallel (%d captures, %d transactions)" % (len(names), lines)))
