"""Reading inbound email (pure functions, no database): who sent it, to whom, the text the
customer actually wrote (quoted history and signature stripped by mail-parser-reply), its
attachments, and whether it is automatic mail that must never open or reopen a case.

Both inbound paths hand over an anymail `AnymailInboundMessage` (a stdlib EmailMessage):
the ESP webhooks build one, and the SMTP listener parses the raw bytes with
`AnymailInboundMessage.parse_raw_mime_bytes`, so one reader serves both.
"""

import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr

import nh3
from anymail.inbound import AnymailInboundMessage
from mailparser_reply import EmailReplyParser

# Languages the reply parser recognises "On … wrote:" lines in (English is always on).
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "ja"]
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|tr|rv|antw|返信|転送)\s*(\[\d+\])?\s*[:：]\s*)+", re.I)
_MSGID = re.compile(r"<[^<>\s]+>")
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|bounces?|no-?reply|do-?not-?reply)@", re.I)


class Automatic:
    """Why a message is automatic (values match InboundEmail.Outcome)."""

    AUTO_REPLY = "auto_reply"
    BULK = "bulk"
    BOUNCE = "bounce"


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ParsedInbound:
    message_id: str
    from_email: str
    from_name: str
    subject: str
    recipients: list[str]  # envelope first, then To/Cc/Delivered-To; lower-cased, unique
    in_reply_to: list[str]  # Message-IDs from In-Reply-To then References (newest first)
    text: str  # full text body
    reply: str  # what the sender wrote (quotes and signature stripped)
    automatic: str  # "" or an Automatic value
    automatic_detail: str
    headers_seen: dict[str, str] = field(default_factory=dict)
    attachments: list[InboundAttachment] = field(default_factory=list)


def parse_raw(raw: bytes) -> AnymailInboundMessage:
    return AnymailInboundMessage.parse_raw_mime_bytes(raw)


def _header(message, name: str) -> str:
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def message_ids_in(value: str) -> list[str]:
    return _MSGID.findall(value or "")


def html_to_text(html: str) -> str:
    """A readable text version of an HTML-only email (no markup survives)."""
    html = re.sub(r"(?is)<(script|style|head)[^>]*>.*?</\1>", "", html)
    html = re.sub(r"(?i)<br\s*/?>", "\n", html)
    html = re.sub(r"(?i)</(p|div|li|tr|h[1-6]|blockquote)>", "\n", html)
    html = re.sub(r"(?is)<blockquote[^>]*>", "\n> ", html)
    text = nh3.clean(html, tags=set())
    text = html_lib.unescape(text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def reply_text(text: str) -> str:
    """The newest reply of a message body: quoted history, "On … wrote:" blocks, Outlook
    headers, signatures and common disclaimers removed. Falls back to the whole text when
    the parser finds nothing of the sender's own."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return ""
    parsed = EmailReplyParser(languages=REPLY_LANGUAGES).read(text=text)
    newest = parsed.replies[0].body.strip() if parsed.replies else ""
    # A quoted block at the end without an "On … wrote:" line above it (some clients, and
    # replies typed above a bare quote) is history too; quotes between paragraphs are kept.
    lines = newest.split("\n")
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">")):
        lines.pop()
    newest = "\n".join(lines).strip()
    return newest or text


def clean_subject(subject: str) -> str:
    """ "Re: Fwd: Late parcel [CS-000042]" -> "Late parcel"."""
    subject = _SUBJECT_PREFIX.sub("", subject or "")
    subject = re.sub(r"\s*\[CS-\d+\]\s*", " ", subject, flags=re.I)
    return " ".join(subject.split())


def automatic_reason(message, *, envelope_sender: str | None = None) -> tuple[str, str]:
    """("", "") for mail a person wrote; otherwise (Automatic.*, the header that says so).
    RFC 3834 Auto-Submitted, Precedence bulk/junk/list/auto_reply, mailing-list headers,
    common vacation-responder headers and bounces (empty envelope sender, mailer-daemon)."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return Automatic.AUTO_REPLY, f"Auto-Submitted: {auto_submitted}"[:255]
    precedence = _header(message, "Precedence").lower()
    if precedence in _BULK_PRECEDENCE:
        kind = Automatic.AUTO_REPLY if precedence == "auto_reply" else Automatic.BULK
        return kind, f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponse"):
        if _header(message, name):
            return Automatic.AUTO_REPLY, f"{name} header"
    if _header(message, "List-Id") or _header(message, "List-Unsubscribe"):
        return Automatic.BULK, "mailing-list header"
    content_type = message.get_content_type()
    report = (message.get_param("report-type") or "").lower() if content_type == "multipart/report" else ""
    if report == "delivery-status":
        return Automatic.BOUNCE, "delivery status report"
    if envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        return Automatic.BOUNCE, "empty envelope sender"
    sender = parseaddr(_header(message, "From"))[1]
    if _BOUNCE_SENDERS.match(sender or ""):
        return Automatic.BOUNCE, f"sender {sender}"[:255]
    return "", ""


def _body_text(message: AnymailInboundMessage) -> str:
    text = message.text
    if text and text.strip():
        return text
    html = message.html
    return html_to_text(html) if html else ""


def _recipients(message, envelope: list[str]) -> list[str]:
    seen: list[str] = []
    header_values = [message.get_all(name, []) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    addresses = [*envelope, *(addr for _, addr in getaddresses([str(v) for vs in header_values for v in vs]))]
    for address in addresses:
        address = (address or "").strip().strip("<>").lower()
        if address and "@" in address and address not in seen:
            seen.append(address)
    return seen


def inbound_parse(
    message: AnymailInboundMessage,
    *,
    raw: bytes,
    envelope_recipients: list[str] | None = None,
    envelope_sender: str | None = None,
) -> ParsedInbound:
    """Everything the case router needs from one message."""
    from_header = _header(message, "From")
    name, address = parseaddr(from_header)
    message_id = (message_ids_in(_header(message, "Message-ID")) or [""])[0]
    if not message_id:
        # No Message-ID: a digest of the bytes still makes a redelivery a duplicate.
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@inbound.invalid>"
    references = message_ids_in(_header(message, "References"))
    in_reply_to = message_ids_in(_header(message, "In-Reply-To"))
    thread = list(dict.fromkeys([*in_reply_to, *reversed(references)]))
    text = _body_text(message)
    automatic, detail = automatic_reason(message, envelope_sender=envelope_sender)
    envelope = list(envelope_recipients or [])
    if getattr(message, "envelope_recipient", None):
        envelope.append(message.envelope_recipient)
    attachments = []
    for part in message.attachments:
        content = part.get_content_bytes() or b""
        attachments.append(
            InboundAttachment(
                filename=(part.get_filename() or "attachment").strip()[:200],
                content_type=(part.get_content_type() or "application/octet-stream").lower(),
                content=content,
            )
        )
    return ParsedInbound(
        message_id=message_id[:255],
        from_email=(address or "").strip().lower()[:254],
        from_name=(name or "").strip()[:200],
        subject=_header(message, "Subject")[:255],
        recipients=_recipients(message, envelope),
        in_reply_to=thread[:50],
        text=text,
        reply=reply_text(text),
        automatic=automatic,
        automatic_detail=detail,
        headers_seen={k: _header(message, k) for k in ("X-Outbox-Id",) if _header(message, k)},
        attachments=attachments,
    )
