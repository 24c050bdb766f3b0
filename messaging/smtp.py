"""One SMTP transaction with a deadline and a fence before the final dot.

The delivery worker drives the `smtplib.SMTP` object that Django's SMTP backend opened
(host, port, TLS/SSL, login and timeout all come from EMAIL_URL / the EMAIL_* settings),
so it controls each step of the transaction:

    MAIL FROM -> RCPT TO -> DATA -> 354 -> [fence] -> message lines + "." -> 250

(MAIL, RCPT and DATA go out in one write when the server offers PIPELINING.)

- **Deadline**: every command and every reply read is bounded by what is left of the
  message's deadline (and by EMAIL_TIMEOUT per command); a server that stalls makes the
  send fail with a timeout well inside the claim's lease, never hold it past the lease.
- **Fence**: the server accepts a message only when it receives the line with the single
  dot. After the server's 354 (go ahead) and just before the message lines and that dot
  are written (one write), `fence()` is asked whether this worker still holds the outbox
  row; if not (it was frozen past its lease and another worker took the row over), the
  connection is dropped inside DATA, so the server discards the transaction and the copy
  is never delivered.
"""

import re
import smtplib
import socket
import time
from collections.abc import Callable

_LEADING_DOT = re.compile(rb"(?m)^\.")


class ClaimLost(Exception):
    """The fence said no: another worker owns the row now. Nothing was delivered."""


def _bound(smtp: smtplib.SMTP, deadline: float, per_command: float | None) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("SMTP deadline passed")
    timeout = left if per_command is None else min(left, per_command)
    if smtp.sock is not None:
        smtp.sock.settimeout(timeout)


def smtp_send(
    smtp: smtplib.SMTP,
    *,
    from_addr: str,
    to_addr: str,
    data: bytes,
    deadline: float,
    fence: Callable[[], bool],
    per_command: float | None = None,
) -> None:
    """Send `data` (CRLF line ends) to one recipient. Raises smtplib errors like
    `SMTP.sendmail` (sender/recipient refused, data error, disconnect), TimeoutError past
    `deadline` (time.monotonic()), or ClaimLost when the fence refused (connection closed)."""
    _bound(smtp, deadline, per_command)
    _no_delay(smtp)
    smtp.ehlo_or_helo_if_needed()
    options = [f"size={len(data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    body = _LEADING_DOT.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    _bound(smtp, deadline, per_command)
    if smtp.does_esmtp and smtp.has_extn("pipelining"):
        _envelope_pipelined(smtp, from_addr, to_addr, options)
    else:
        _envelope(smtp, from_addr, to_addr, options, deadline, per_command)
    if not fence():
        smtp.close()  # no QUIT: we are inside DATA; the server drops the unfinished message
        raise ClaimLost()
    _bound(smtp, deadline, per_command)
    smtp.send(body + b".\r\n")  # the message and its final dot in one write
    code, response = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, response)


def _envelope(smtp, from_addr: str, to_addr: str, options: list[str], deadline: float, per_command) -> None:
    """MAIL, RCPT and DATA one at a time (servers without PIPELINING), up to the 354."""
    code, response = smtp.mail(from_addr, options)
    if code != 250:
        _rset(smtp)
        raise smtplib.SMTPSenderRefused(code, response, from_addr)
    _bound(smtp, deadline, per_command)
    code, response = smtp.rcpt(to_addr)
    if code not in (250, 251):
        _rset(smtp)
        raise smtplib.SMTPRecipientsRefused({to_addr: (code, response)})
    _bound(smtp, deadline, per_command)
    smtp.putcmd("data")
    code, response = smtp.getreply()
    if code != 354:
        _rset(smtp)
        raise smtplib.SMTPDataError(code, response)


def _envelope_pipelined(smtp, from_addr: str, to_addr: str, options: list[str]) -> None:
    """MAIL, RCPT and DATA in one write and one wait (RFC 2920, when the server offers
    PIPELINING, as Postfix, Exim and the big providers do), then their three replies in
    order, up to the 354."""
    mail_options = "".join(f" {option}" for option in options)
    smtp.send(f"MAIL FROM:{_quoted(from_addr)}{mail_options}\r\nRCPT TO:{_quoted(to_addr)}\r\nDATA\r\n")
    mail = smtp.getreply()
    rcpt = smtp.getreply()
    data = smtp.getreply()
    if data[0] == 354 and (mail[0] != 250 or rcpt[0] not in (250, 251)):
        # A server that says 354 after refusing the envelope gets an empty message, which
        # it must refuse for want of recipients.
        smtp.send(b".\r\n")
        smtp.getreply()
    if mail[0] != 250:
        _rset(smtp)
        raise smtplib.SMTPSenderRefused(mail[0], mail[1], from_addr)
    if rcpt[0] not in (250, 251):
        _rset(smtp)
        raise smtplib.SMTPRecipientsRefused({to_addr: rcpt})
    if data[0] != 354:
        _rset(smtp)
        raise smtplib.SMTPDataError(*data)


_BARE_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _quoted(address: str) -> str:
    """`smtplib.quoteaddr` without its RFC 822 parser for the common bare address."""
    return f"<{address}>" if _BARE_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


def _no_delay(smtp: smtplib.SMTP) -> None:
    """Commands and the message are small writes each followed by a read: never let Nagle's
    algorithm hold one back waiting for a delayed ACK (~40 ms)."""
    sock = smtp.sock
    if sock is not None and not getattr(smtp, "_uc_nodelay", False):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        smtp._uc_nodelay = True


def _rset(smtp: smtplib.SMTP) -> None:
    try:
        smtp.rset()
    except (smtplib.SMTPServerDisconnected, OSError):
        pass
