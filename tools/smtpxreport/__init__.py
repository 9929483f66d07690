# SPDX-License-Identifier: GPL-2.0-or-later
"""smtpxreport - the logic behind tools/smtpx-report.

Modules, each usable alone (tests import them):

    values    tshark values read the same on Wireshark 4.0, 4.4 and 4.6
    reasons   the verdict's reasons split into (code, text) pairs
    inputs    which files to read (directories, capture sniffing)
    tshark    running tshark with the built plugin, and its errors
    model     transactions, anomalies and EHLO replies from tshark's JSON
    output    text, CSV, JSON Lines and the summary
    cli       the command line
"""
