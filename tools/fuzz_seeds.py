# SPDX-License-Identifier: GPL-2.0-or-later
"""Write a libFuzzer seed corpus from hex TCP payloads on standard input.

Input: one hex string per line (tshark -T fields -e tcp.payload), colons
allowed.  Output: DIR/<sha1> for every payload and for every line of it
(CRLF kept), each written once.
"""
import hashlib
import os
import sys


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seen = set()

    def put(blob):
        if not blob or len(blob) > 8192:
            return
        h = hashlib.sha1(blob).hexdigest()
        if h not in seen:
            seen.add(h)
            with open(os.path.join(out, h), "wb") as f:
                f.write(blob)

    for line in sys.stdin:
        hexs = line.strip().replace(":", "")
        try:
            blob = bytes.fromhex(hexs)
        except ValueError:
            continue
        put(blob)
        for part in blob.splitlines(keepends=True):
            put(part)
    print("fuzz_seeds: %d seed inputs" % len(seen), file=sys.stderr)


if __name__ == "__main__":
    main()
