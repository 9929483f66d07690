# SPDX-License-Identifier: GPL-2.0-or-later
"""SMTP clients for tools/capture-mta (Python standard library only)."""
import base64
import smtplib
import socket
import ssl
import sys

HELO = "client.example.com"


def msg(date, from_, to, subject, msgid, body, extra=""):
    text = ("Date: %s\nFrom: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s>\n%s\n%s"
            % (date, from_, to, subject, msgid, extra, body))
    return text.replace("\n", "\r\n").encode("utf-8")


def multi(port):
    """Several transactions in one session, with RSET (RFC 5321 4.1.1.5)."""
    s = smtplib.SMTP("127.0.0.1", port, local_hostname=HELO, timeout=20)
    s.set_debuglevel(1)
    s.ehlo()
    # 1: accepted; a body line starting with a dot is sent dot-stuffed.
    s.sendmail("alice@example.com", ["bob@example.com"], msg(
        "Mon, 06 Jan 2025 10:10:00 +0000", "Alice <alice@example.com>",
        "Bob <bob@example.com>", "First of several", "multi-1@example.com",
        "First message.\n.hidden line starts with a dot\nEnd.\n"))
    # 2: the only recipient is refused (550 5.1.1); smtplib sends RSET.
    try:
        s.sendmail("alice@example.com", ["nobody@example.com"], msg(
            "Mon, 06 Jan 2025 10:11:00 +0000", "Alice <alice@example.com>",
            "<nobody@example.com>", "Refused", "multi-2@example.com",
            "Never sent.\n"))
        raise SystemExit("expected the recipient to be refused")
    except smtplib.SMTPRecipientsRefused:
        pass
    # 3: two recipients, one refused; the message goes to the other.
    refused = s.sendmail("alice@example.com",
                         ["bob@example.com", "nobody@example.com"], msg(
        "Mon, 06 Jan 2025 10:12:00 +0000", "Alice <alice@example.com>",
        "Bob <bob@example.com>, <nobody@example.com>", "One of two",
        "multi-3@example.com", "Bob gets this, nobody does not.\n"))
    assert list(refused) == ["nobody@example.com"], refused
    # 4: abandoned by the client with RSET after RCPT.
    s.mail("alice@example.com")
    s.rcpt("carol@example.com")
    s.rset()
    # 5: bracketless reverse-path (accepted by Postfix's default
    #    strict_rfc821_envelopes = no) and a From of another domain.
    code, _ = s.docmd("MAIL", "FROM:ceo-office@example.net")
    assert code == 250, code
    code, _ = s.rcpt("bob@example.com")
    assert code == 250, code
    code, _ = s.data(msg(
        "Mon, 06 Jan 2025 10:14:00 +0000", '"CEO" <ceo@bigcorp.example>',
        "Bob <bob@example.com>", "Bracketless sender", "multi-5@example.net",
        "Sent with MAIL FROM:ceo-office@example.net (no angle brackets).\n"))
    assert code == 250, code
    s.quit()


def starttls(port, keylog, cafile, password):
    """STARTTLS (RFC 3207), EHLO again, AUTH LOGIN (RFC 4954), one message."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)     # the self-signed server certificate
    ctx.keylog_filename = keylog          # NSS key log for Wireshark
    s = smtplib.SMTP("127.0.0.1", port, local_hostname=HELO, timeout=20)
    s.set_debuglevel(1)
    s.ehlo()
    s.starttls(context=ctx)
    print("TLS version:", s.sock.version(), file=sys.stderr)
    s.ehlo()
    # AUTH LOGIN without initial response: two 334 continuations.
    s.user, s.password = "alice@example.com", password
    s.auth("LOGIN", s.auth_login, initial_response_ok=False)
    s.sendmail("alice@example.com", ["bob@example.com"], msg(
        "Mon, 06 Jan 2025 11:00:00 +0000", "Alice <alice@example.com>",
        "Bob <bob@example.com>", "Over TLS", "starttls-1@example.com",
        "Sent after STARTTLS and AUTH.\n"))
    s.quit()


class Raw:
    """A socket client that writes exactly the bytes it is given; with an
    SSLContext the socket is TLS from the first byte."""

    def __init__(self, port, ctx=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        if ctx is not None:
            self.sock = ctx.wrap_socket(self.sock, server_hostname="127.0.0.1")
            print("TLS version:", self.sock.version(), file=sys.stderr)
        self.f = self.sock.makefile("rb")

    def send(self, data):
        sys.stderr.write("C: %r\n" % data)
        self.sock.sendall(data)

    def reply(self, want=None):
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                raise SystemExit("server closed the connection")
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                break
        sys.stderr.write("S: %r\n" % b"".join(lines))
        if want is not None and not lines[0].startswith(want):
            raise SystemExit("expected %r, got %r" % (want, lines[0]))
        return lines


def bdat(port):
    """CHUNKING (RFC 3030): BDAT pipelined behind MAIL and RCPT."""
    c = Raw(port)
    c.reply(b"220")
    c.send(b"EHLO " + HELO.encode() + b"\r\n")
    caps = b"".join(c.reply(b"250")).upper()
    for k in (b"CHUNKING", b"PIPELINING", b"8BITMIME"):
        if k not in caps:
            raise SystemExit("server does not advertise %r" % k)
    # 1: two chunks; the first ends inside the From header field; 8-bit body.
    m1 = msg("Mon, 06 Jan 2025 12:00:00 +0000", "Alice <alice@example.org>",
             "Bob <bob@example.org>", "Chunked", "bdat-1@example.org",
             "Gr\u00fc\u00dfe aus dem Chunk.\n", extra="MIME-Version: 1.0\n"
             "Content-Type: text/plain; charset=utf-8\n"
             "Content-Transfer-Encoding: 8bit\n")
    cut = m1.index(b"alice@")
    c.send(b"MAIL FROM:<alice@example.org> BODY=8BITMIME\r\n"
           b"RCPT TO:<bob@example.org>\r\n"
           b"BDAT %d\r\n" % cut + m1[:cut])
    c.reply(b"250")
    c.reply(b"250")
    c.reply(b"250")
    c.send(b"BDAT %d LAST\r\n" % (len(m1) - cut) + m1[cut:])
    c.reply(b"250")
    # 2: one refused recipient, one LAST chunk, all in one flight; the
    #    chunk holds a lone "." line, which in BDAT is data, not an end.
    m2 = msg("Mon, 06 Jan 2025 12:01:00 +0000", "Alice <alice@example.org>",
             "Bob <bob@example.org>", "Dot inside a chunk", "bdat-2@example.org",
             "The next line is a lone dot, which BDAT does not end on:\n.\n"
             "..and this line starts with two dots, sent as is.\n")
    c.send(b"MAIL FROM:<alice@example.org>\r\n"
           b"RCPT TO:<nobody@example.org>\r\n"
           b"RCPT TO:<bob@example.org>\r\n"
           b"BDAT %d LAST\r\n" % len(m2) + m2)
    c.reply(b"250")
    c.reply(b"550")
    c.reply(b"250")
    c.reply(b"250")
    # 3: a chunk, then BDAT 0 LAST.
    m3 = msg("Mon, 06 Jan 2025 12:02:00 +0000", '"CEO" <ceo@bigcorp.example>',
             "Bob <bob@example.org>", "Ends with BDAT 0 LAST",
             "bdat-3@example.net", "The last chunk is empty.\n")
    c.send(b"MAIL FROM:<ceo-office@example.net>\r\n"
           b"RCPT TO:<bob@example.org>\r\n"
           b"BDAT %d\r\n" % len(m3) + m3)
    c.reply(b"250")
    c.reply(b"250")
    c.reply(b"250")
    c.send(b"BDAT 0 LAST\r\n")
    c.reply(b"250")
    c.send(b"QUIT\r\n")
    c.reply(b"221")
    c.sock.close()


def smtps(port, keylog, cafile, password):
    """Implicit TLS (RFC 8314 section 3.3): TLS before the greeting, then
    EHLO, AUTH PLAIN with an initial response (RFC 4954, RFC 4616), one
    message whose From is aligned with MAIL FROM, QUIT."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)     # the self-signed server certificate
    ctx.keylog_filename = keylog          # NSS key log for Wireshark
    c = Raw(port, ctx)
    c.reply(b"220")
    c.send(b"EHLO " + HELO.encode() + b"\r\n")
    caps = b"".join(c.reply(b"250")).upper()
    if b"AUTH" not in caps or b"PLAIN" not in caps:
        raise SystemExit("server does not offer AUTH PLAIN under TLS")
    if b"STARTTLS" in caps:
        raise SystemExit("STARTTLS offered inside TLS")
    cred = base64.b64encode(b"\0alice@example.com\0" + password.encode())
    c.send(b"AUTH PLAIN " + cred + b"\r\n")
    c.reply(b"235")
    m = msg("Mon, 06 Jan 2025 11:30:00 +0000", "Alice <alice@example.com>",
            "Bob <bob@example.com>", "Over implicit TLS", "smtps-1@example.com",
            "Sent to port 465, TLS from the first byte (RFC 8314).\n")
    if b"\r\n." in m:
        raise SystemExit("message would need dot-stuffing")
    c.send(b"MAIL FROM:<alice@example.com> SIZE=%d\r\n" % len(m))
    c.reply(b"250")
    c.send(b"RCPT TO:<bob@example.com>\r\n")
    c.reply(b"250")
    c.send(b"DATA\r\n")
    c.reply(b"354")
    c.send(m + b".\r\n")
    c.reply(b"250")
    c.send(b"QUIT\r\n")
    c.reply(b"221")
    c.sock.close()


if __name__ == "__main__":
    what, port = sys.argv[1], int(sys.argv[2])
    if what == "multi":
        multi(port)
    elif what == "starttls":
        starttls(port, *sys.argv[3:6])
    elif what == "bdat":
        bdat(port)
    elif what == "smtps":
        smtps(port, *sys.argv[3:6])
    else:
        raise SystemExit("unknown client " + what)
