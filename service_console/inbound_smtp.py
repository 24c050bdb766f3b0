"""A small inbound SMTP server (aiosmtpd) for mail to the support address, for
self-hosting (point an MX or a forwarding rule at it) and for tests. `manage.py
inbound_smtp` runs it; `run_all` (make run) starts it on HELPDESK_INBOUND_SMTP_ADDR.

It accepts only recipients at the support address (plus-tags included) and answers 250
only after the message is stored and routed to a case, so a failure makes the sending
server retry (451) instead of losing mail. It does not relay anything anywhere.
"""

import logging

from aiosmtpd.controller import Controller
from anymail.inbound import AnymailInboundMessage
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from service_console.models import InboundEmail

logger = logging.getLogger(__name__)


def _receive(raw: bytes, recipients: list[str], mail_from: str) -> InboundEmail:
    from service_console.services.inbound import inbound_email_receive

    close_old_connections()
    try:
        return inbound_email_receive(
            message=AnymailInboundMessage.parse_raw_mime_bytes(raw),
            raw=raw,
            source=InboundEmail.Source.SMTP,
            envelope_recipients=recipients,
            envelope_sender=mail_from,
        )
    finally:
        close_old_connections()


class InboundSmtpHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        from service_console.services.case_email import is_support_address

        if not is_support_address(address):
            return "550 5.1.1 No such mailbox here (only the support address receives mail)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            row = await sync_to_async(_receive, thread_sensitive=True)(
                raw, list(envelope.rcpt_tos), envelope.mail_from or ""
            )
        except Exception:
            logger.exception("inbound email could not be stored; asking the sender to retry")
            return "451 4.3.0 Temporary failure, please try again later"
        return f"250 2.0.0 Accepted ({row.get_outcome_display()})"


def inbound_smtp_controller(*, host: str, port: int) -> Controller:
    return Controller(
        InboundSmtpHandler(),
        hostname=host,
        port=port,
        data_size_limit=settings.HELPDESK_INBOUND_MAX_BYTES,
        server_hostname=host,
        ident="Unified Commerce inbound",
    )
