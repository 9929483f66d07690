# SPDX-License-Identifier: GPL-2.0-or-later
"""Python code shared by the SMTPX tools and tests (importable, linted)."""
