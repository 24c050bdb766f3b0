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
    rcpt_delay: float = 0.0  # seconds before answering RCPT TO (a sender can be frozen there)
    pipelining: bool = True  # offer PIPELINING (RFC 2920) in the EHLO answer, as real MTAs do
    refuse: str = ""  # e.g. "451 4.3.0 Try again later": answer to DATA while set
    refuse_rcpt: str = ""  # e.g. "550 5.1.1 No such user": answer to RCPT TO while set
    messages: list[Message] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)  # the accepted messages' bytes, as received
    attempts: list[Attempt] = field(default_factory=list)
    in_data: list[Attempt] = field(default_factory=list)
    in_rcpt: list[int] = field(default_factory=list)  # peer ports of senders waiting for a RCPT answer

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        if self.rcpt_delay:
            self.in_rcpt.append(session.peer[1])
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

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
        self.raw.append(envelope.original_content or envelope.content)
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
