#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pyflakes over the report's Python (tools/smtpxreport, tools/smtpx-report
and the report tests): unused imports and names, undefined names.

    test_report_lint.py ROOT

Skipped (exit 77) when pyflakes is not installed (Debian: pyflakes3,
installed by tools/install-deps).
"""
import glob
import os
import shutil
import subprocess
import sys

root = sys.argv[1]
files = sorted(glob.glob(os.path.join(root, "tools", "smtpxreport", "*.py"))) + \
    [os.path.join(root, "tools", "smtpx-report")] + \
    sorted(glob.glob(os.path.join(root, "tests", "regress", "*report*.py")))
cmd = None
if shutil.which("pyflakes3"):
    cmd = ["pyflakes3"]
else:
    for py in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(py) and subprocess.run([py, "-c", "import pyflakes"],
                                                 stderr=subprocess.DEVNULL).returncode == 0:
            cmd = [py, "-m", "pyflakes"]
            break
if not cmd:
    print("SKIP: pyflakes is not installed (Debian: pyflakes3; tools/install-deps)")
    sys.exit(77)
p = subprocess.run(cmd + files)
print("pyflakes on %d files: %s" % (len(files), "clean" if p.returncode == 0 else "findings above"))
sys.exit(1 if p.returncode else 0)
