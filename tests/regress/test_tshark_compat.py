#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Unit tests of tests/regress/tshark_compat.py (no tshark needed).

Where the values come from: what tshark 4.0.17 and 4.6.9 printed for the
same items of the lab capture and the Exim and Postfix captures in
tools/compat-matrix runs (the 4.6.9 tree goldens' diffs): 4.0 prints
"[Response time: 0.032000000 seconds]" where 4.6 prints
"[Response time: 32.000000 milliseconds]", and 0.000082393 s as
"82.393 microseconds".
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tshark_compat  # noqa: E402

V40, V44, V46 = (4, 0, 17), (4, 4, 19), (4, 6, 9)


class TreeLabels(unittest.TestCase):
    def check(self, got46, want):
        self.assertEqual(tshark_compat.normalise_tree_label(got46, V46), want)

    def test_scaled_units_back_to_seconds(self):
        self.check("[Response time: 32.000000 milliseconds]",
                   "[Response time: 0.032000000 seconds]")
        self.check("[Response time: 4.182108 milliseconds]",
                   "[Response time: 0.004182108 seconds]")
        self.check("[Response time: 82.393 microseconds]",
                   "[Response time: 0.000082393 seconds]")
        self.check("[Response time: 12 nanoseconds]",
                   "[Response time: 0.000000012 seconds]")
        self.check("[Response time: 61.250000000 seconds]",
                   "[Response time: 61.250000000 seconds]")

    def test_older_versions_untouched(self):
        for v in (V40, V44):
            self.assertEqual(tshark_compat.normalise_tree_label(
                "[Response time: 32.000000 milliseconds]", v),
                "[Response time: 32.000000 milliseconds]")

    def test_text_items_untouched(self):
        # Reply text is never generated (bracketed): left as it is.
        self.check("Reply text: try again in 5 seconds", "Reply text: try again in 5 seconds")
        self.check("Reply text: 5 milliseconds", "Reply text: 5 milliseconds")
        # Finer than a nanosecond cannot be 4.0's form: left alone.
        self.check("[Response time: 1.2345 nanoseconds]", "[Response time: 1.2345 nanoseconds]")


if __name__ == "__main__":
    unittest.main()
