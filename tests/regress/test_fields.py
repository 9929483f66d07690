#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The README against what the plugin just built registers (tshark -G fields).

- The README's field tables list exactly the registered smtpx fields, each
  once, with the type and meaning of the hf registration (the blurbs are
  the one source of field meanings; tools/smtpx-fields rewrites the tables).
- The README's expert table lists exactly the registered expert infos.
- Every anomaly of plugin/core/anomalies.def is registered as an expert.

usage: test_fields.py REPO_ROOT BUILD_DIR
"""
import os
import re
import sys


def main():
    root, build = sys.argv[1:3]
    sys.path.insert(0, os.path.join(root, "tools"))
    from smtpxtools import fields  # pylint: disable=import-outside-toplevel

    regs, experts = fields.registered(build, root)
    failures = []
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        readme = f.read()

    names = fields.readme_fields(readme)
    registered = [r[0] for r in regs]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        failures.append("README lists twice: " + ", ".join(dups))
    for n in sorted(set(registered) - set(names)):
        failures.append("registered, not in the README: " + n)
    for n in sorted(set(names) - set(registered)):
        failures.append("in the README, not registered: " + n)
    if fields.render_readme(readme, regs) != readme:
        failures.append("README field tables differ from the hf registrations "
                        "(type or meaning): run tools/smtpx-fields and review")

    listed = re.findall(r"^\| `([a-z_]+)` \| [a-z]+, [a-z]+ \|", readme, re.M)
    want = [e[len(fields.EXPERT_PREFIX):] for e in experts]
    if sorted(listed) != sorted(want):
        failures.append("README expert table %s != registered %s" % (sorted(listed), sorted(want)))

    with open(os.path.join(root, "plugin", "core", "anomalies.def"), encoding="utf-8") as f:
        table = re.findall(r'^SMTPX_ANOMALY\(\w+, "(\w+)"', f.read(), re.M)
    if table != want:
        failures.append("anomalies.def %s != registered experts %s" % (table, want))
    if len(regs) < 50 or len(experts) < 19:
        failures.append("too few fields or experts registered: %d, %d" % (len(regs), len(experts)))

    for msg in failures:
        print("FAIL: " + msg)
    if not failures:
        print("ok: %d fields and %d expert infos match the README" % (len(regs), len(experts)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
