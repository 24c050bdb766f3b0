"""Build inbound test emails (RFC 5322 bytes) and feed them to the router."""

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from anymail.inbound import AnymailInboundMessage

from service_console.models import InboundEmail
from service_console.services.inbound import inbound_email_receive


def build_email(
    *,
    sender: str = "Hana Sato <hana@example.com>",
    to: str = "support@example.com",
    subject: str = "Where is my parcel?",
    body: str = "Hello, my parcel has not arrived.",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    html: str = "",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id or make_msgid(domain="mail.example.net")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def deliver(raw: bytes, *, recipients: list[str] | None = None, mail_from: str = "hana@example.com") -> InboundEmail:
    """Route `raw` as the SMTP listener would (same service, no socket)."""
    return inbound_email_receive(
        message=AnymailInboundMessage.parse_raw_mime_bytes(raw),
        raw=raw,
        source=InboundEmail.Source.SMTP,
        envelope_recipients=recipients or [],
        envelope_sender=mail_from,
    )
