"""The bytes of one outgoing email (text + HTML alternatives), built directly.

Django's `EmailMultiAlternatives.message().as_bytes()` goes through the stdlib's MIME
classes and generator: ~1.5 ms per message, more than rendering the templates. The
delivery worker sends through SMTP with these bytes instead (the locmem, file and ESP
backends still get an `EmailMultiAlternatives`). What comes out is what a receiver needs
and nothing else:

- headers encoded with Django's own rules (`forbid_multi_line_headers`: RFC 2047 for
  non-ASCII values, IDNA domains in addresses, no CR/LF), folded at spaces past 78
  characters;
- `multipart/alternative` with a text/plain and a text/html part, both UTF-8 and
  quoted-printable (7-bit clean: no 8BITMIME needed; QP escapes every "=", so the
  "=_" boundary can never occur inside a part).

`tests/messaging/test_mime.py` parses the result back with the stdlib parser and compares
it with what Django builds for the same message.
"""

import binascii
import re
import secrets
from email.utils import formatdate, parseaddr
from functools import lru_cache

from django.conf import settings
from django.core.mail.message import forbid_multi_line_headers, sanitize_address

CRLF = b"\r\n"
_FOLD_AT = 78


def _fold(name: str, value: str) -> str:
    """One header, folded at spaces so lines stay near 78 characters (RFC 5322 2.2.3)."""
    line = f"{name}: {value}"
    if len(line) <= _FOLD_AT or " " not in value:
        return line
    lines, current = [], f"{name}:"
    for word in value.split(" "):
        if len(current) + 1 + len(word) > _FOLD_AT and current.strip() and current != f"{name}:":
            lines.append(current)
            current = " " + word
        else:
            current = f"{current} {word}"
    lines.append(current)
    return "\r\n".join(lines)


def _qp(text: str) -> bytes:
    """Quoted-printable UTF-8 with CRLF line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(text.encode("utf-8"), istext=True).replace(b"\n", CRLF)


def _plain(name: str, value: str) -> bool:
    """A header value Django's encoder would leave as it is: printable ASCII, no line
    breaks, and for the subject nothing RFC 2047 or folding would touch."""
    if not (value.isascii() and value.isprintable()):
        return False
    return name != "Subject" or (len(value) < 70 and "=?" not in value)


def _header_lines(headers: list[tuple[str, str]]) -> bytes:
    out = []
    for name, value in headers:
        value = str(value)
        if _plain(name, value):
            out.append(_fold(name, value))
            continue
        name, value = forbid_multi_line_headers(name, value, settings.DEFAULT_CHARSET)
        # RFC 2047 encoded words come back already folded, with bare LFs.
        out.append(
            f"{name}: {value}".replace("\r\n", "\n").replace("\n", "\r\n") if "\n" in value else _fold(name, value)
        )
    return ("\r\n".join(out) + "\r\n").encode("ascii")


def mime_message(*, from_email: str, to: str, subject: str, text: str, html: str, headers: dict[str, str]) -> bytes:
    """RFC 5322 bytes (CRLF line ends) of a text + HTML message to one recipient.
    `headers` adds to (or overrides, e.g. From) the standard ones, as Django's `headers=`."""
    boundary = f"=_uc_{secrets.token_hex(12)}"
    extra = dict(headers)
    standard = [
        ("From", extra.pop("From", from_email)),
        ("To", extra.pop("To", to)),
        ("Subject", subject),
        ("Date", extra.pop("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME))),
        ("Message-ID", extra.pop("Message-ID")),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    part_head = b'Content-Type: text/%s; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    marker = b"--" + boundary.encode("ascii")
    return b"".join(
        [
            _header_lines(standard + list(extra.items())),
            CRLF,
            marker,
            CRLF,
            part_head % b"plain",
            _qp(text),
            CRLF,  # the line break before a boundary belongs to the boundary (RFC 2046 5.1.1)
            marker,
            CRLF,
            part_head % b"html",
            _qp(html),
            CRLF,
            marker,
            b"--",
            CRLF,
        ]
    )


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


@lru_cache(maxsize=64)
def _addr_spec(address: str, charset: str) -> str:
    return parseaddr(sanitize_address(address, charset))[1]


def envelope_address(address: str) -> str:
    """The bare address for MAIL FROM / RCPT TO, encoded as Django's SMTP backend does
    (IDNA domain). A plain ASCII mailbox is already in that form (Django's parser costs
    ~0.3 ms); the few others (the From with its display name, international domains) go
    through Django once and are remembered."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return _addr_spec(address, settings.DEFAULT_CHARSET)
