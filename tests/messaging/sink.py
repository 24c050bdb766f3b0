"""A real SMTP server (aiosmtpd) on a free loopback port that records what it accepts.

A message counts as delivered only once the handler returns 250: if the client goes away
while the handler is still working (`delay`), aiosmtpd cancels the handler, as a real
server would not have accepted the transaction.
"""

import asyncio
import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message

from aiosmtpd.controller import Controller


@dataclass
class Attempt:
    at: float
    peer_port: int
    message_id: str


@dataclass
class SinkHandler:
    delay: float = 0.0
    refuse: str = ""  # e.g. "451 4.3.0 Try again later": answer to DATA while set
    messages: list[Message] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    in_data: list[Attempt] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content)
        attempt = Attempt(time.monotonic(), session.peer[1], msg.get("Message-ID", ""))
        self.attempts.append(attempt)
        if self.refuse:
            return self.refuse
        if self.delay:
            self.in_data.append(attempt)
            await asyncio.sleep(self.delay)
        self.messages.append(msg)
        return "250 2.0.0 OK"

    def message_ids(self) -> list[str]:
        return [m.get("Message-ID", "") for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    def __init__(self, *, idle_timeout: float = 300, **handler_kwargs):
        self.handler = SinkHandler(**handler_kwargs)
        self.port = free_port()
        # idle_timeout: the server hangs up on a client silent this long (like a real MTA)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, timeout=idle_timeout)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, predicate, timeout: float = 40.0, interval: float = 0.05) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(interval)
        return predicate()


def body_parts(msg: Message) -> dict[str, str]:
    """{"text/plain": ..., "text/html": ...} of a received message, decoded."""
    return {
        part.get_content_type(): part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in msg.walk()
        if not part.is_multipart()
    }
