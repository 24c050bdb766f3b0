"""Read the messages Django's file-based backend wrote to EMAIL_FILE_PATH (development:
var/mail), for the /dev/mail/ viewer. The backend appends each message followed by a line
of 79 dashes, one file per connection."""

import email
import re
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings

SEPARATOR = b"\n" + b"-" * 79 + b"\n"
_SAFE_NAME = re.compile(r"^[\w.-]+$")


@dataclass(frozen=True)
class DevMessage:
    file: str
    index: int
    message: Message

    @property
    def subject(self) -> str:
        return str(email.header.make_header(email.header.decode_header(self.message.get("Subject", ""))))

    @property
    def to(self) -> str:
        return self.message.get("To", "")

    @property
    def date(self):
        try:
            return parsedate_to_datetime(self.message.get("Date", ""))
        except (TypeError, ValueError):
            return None

    @property
    def message_id(self) -> str:
        return self.message.get("Message-ID", "")

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                payload = part.get_payload(decode=True) or b""
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        return ""

    @property
    def text(self) -> str:
        return self.part("text/plain")

    @property
    def html(self) -> str:
        return self.part("text/html")

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [(k, str(v)) for k, v in self.message.items()]


def dev_mail_enabled() -> bool:
    return settings.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend" and bool(
        getattr(settings, "EMAIL_FILE_PATH", "")
    )


def _directory() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


def _messages_in(path: Path) -> list[DevMessage]:
    chunks = [c for c in path.read_bytes().split(SEPARATOR) if c.strip()]
    return [DevMessage(path.name, i, email.message_from_bytes(c)) for i, c in enumerate(chunks)]


def dev_mail_list(*, limit: int = 100) -> list[DevMessage]:
    """Newest first."""
    directory = _directory()
    if not directory.is_dir():
        return []
    files = sorted(directory.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    found: list[DevMessage] = []
    for path in files:
        found.extend(reversed(_messages_in(path)))
        if len(found) >= limit:
            break
    return found[:limit]


def dev_mail_get(*, file: str, index: int) -> DevMessage | None:
    if not _SAFE_NAME.match(file) or not file.endswith(".log"):
        return None
    path = _directory() / file
    if not path.is_file():
        return None
    messages = _messages_in(path)
    return messages[index] if 0 <= index < len(messages) else None
