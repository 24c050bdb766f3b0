"""Email that reaches the support address becomes case conversation.

One entry point for both inbound paths (the SMTP listener and the ESPs' webhooks):
`inbound_email_receive`. It stores the original, then decides:

1. automatic mail (auto-replies, bulk/list mail, bounces) and our own mail coming back
   (loops) are kept for the record and touch no case; so is a flood from one sender;
2. a reply whose support+tag address is genuine and fresh, from the case's customer, is
   appended to that case (quoted history and signature stripped; the case reopens and its
   assignee is notified);
3. without a tag, In-Reply-To/References naming one of the case's emails does the same
   (again only from the case's customer);
4. anything else - a new email, a forged or expired tag, a tag used by another sender -
   opens a new case for the sender (a guest customer if the address is new). A bad tag
   never reaches the case it names.

Idempotent on Message-ID: an ESP retry or an SMTP re-send is recognised and ignored.
"""

import logging
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from customers.selectors import customer_by_email
from customers.services import customer_get_or_create_guest
from messaging.inbound import ParsedInbound, clean_subject, inbound_parse
from messaging.models import OutboundEmail
from service_console.models import Case, CaseMessage, InboundEmail
from service_console.services.case_email import is_support_address, reply_tag_read
from service_console.services.cases import case_acknowledge, case_create
from service_console.services.customer_side import IncomingFile, case_customer_reply, customer_message_create

logger = logging.getLogger(__name__)
Outcome = InboundEmail.Outcome


def inbound_email_receive(
    *,
    message,
    raw: bytes,
    source: str,
    esp: str = "",
    envelope_recipients: list[str] | None = None,
    envelope_sender: str | None = None,
) -> InboundEmail:
    """Store and route one inbound message (an anymail AnymailInboundMessage; `raw` its
    bytes as received). Returns the InboundEmail row (the existing one for a redelivery)."""
    parsed = inbound_parse(message, raw=raw, envelope_recipients=envelope_recipients, envelope_sender=envelope_sender)
    existing = InboundEmail.objects.filter(message_id=parsed.message_id).defer("raw").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            row = InboundEmail.objects.create(
                source=source,
                esp=esp[:40],
                message_id=parsed.message_id,
                from_email=parsed.from_email,
                from_name=parsed.from_name,
                recipients="\n".join(parsed.recipients)[:5000],
                subject=parsed.subject,
                text=parsed.text,
                raw=raw,
                size=len(raw),
                outcome=Outcome.NEW_CASE,  # placeholder, decided below in the same transaction
            )
            outcome, detail, case = _route(parsed, row)
            row.outcome, row.outcome_detail, row.case = outcome, detail[:255], case
            row.save(update_fields=["outcome", "outcome_detail", "case"])
    except IntegrityError:
        # The same message delivered twice at once: the other delivery stored it.
        existing = InboundEmail.objects.filter(message_id=parsed.message_id).defer("raw").first()
        if existing is None:
            raise
        return existing
    logger.info(
        "inbound email %s: %s %s", row.pk, row.outcome, row.case.number if row.case_id else "", extra={"esp": esp}
    )
    return row


def _ignored_reason(parsed: ParsedInbound) -> tuple[str, str]:
    if parsed.automatic:
        return parsed.automatic, parsed.automatic_detail
    if not parsed.from_email:
        return Outcome.BOUNCE, "no sender address"
    try:
        validate_email(parsed.from_email)
    except ValidationError:
        return Outcome.BOUNCE, "sender address is not valid"
    if parsed.headers_seen.get("X-Outbox-Id"):
        return Outcome.LOOP, "carries our X-Outbox-Id header"
    if OutboundEmail.objects.filter(message_id=parsed.message_id).exists():
        return Outcome.LOOP, "Message-ID is one of ours"
    ours = {settings.HELPDESK_SUPPORT_EMAIL.lower()}
    ours.add(_address_of(settings.DEFAULT_FROM_EMAIL))
    if parsed.from_email in ours or is_support_address(parsed.from_email):
        return Outcome.LOOP, "sent from our own address"
    window = timezone.now() - timedelta(hours=1)
    recent = InboundEmail.objects.filter(from_email__iexact=parsed.from_email, received_at__gte=window).count()
    if recent > settings.HELPDESK_INBOUND_MAX_PER_SENDER_PER_HOUR:
        return Outcome.FLOOD, f"more than {settings.HELPDESK_INBOUND_MAX_PER_SENDER_PER_HOUR} in an hour"
    return "", ""


def _address_of(value: str) -> str:
    return parseaddr(value)[1].lower()


def _case_for_tag(parsed: ParsedInbound) -> tuple[Case | None, str, bool]:
    """(case, detail, tag_seen). A case only when the tag is genuine, fresh, and the
    sender is that case's customer."""
    for address in parsed.recipients:
        tag = reply_tag_read(address)
        if tag is None:
            continue
        if tag.problem:
            return None, f"{tag.problem} reply address", True
        case = Case.objects.select_related("customer").filter(pk=tag.case_id).first()
        if case is None:
            return None, "reply address of a deleted case", True
        if case.customer.email.lower() != parsed.from_email:
            return None, f"reply address of {case.number} used by another sender", True
        return case, f"reply address of {case.number}", True
    return None, "", False


def _case_for_headers(parsed: ParsedInbound) -> tuple[Case | None, str]:
    if not parsed.in_reply_to:
        return None, ""
    case_ids = list(
        CaseMessage.objects.filter(message_id__in=parsed.in_reply_to).values_list("case_id", flat=True).distinct()
    )
    case = (
        Case.objects.select_related("customer")
        .filter(Q(pk__in=case_ids) | Q(email_message_id__in=parsed.in_reply_to))
        .order_by("-created_at")
        .first()
    )
    if case is None:
        return None, ""
    if case.customer.email.lower() != parsed.from_email:
        return None, f"answers {case.number} but from another sender"
    return case, f"In-Reply-To/References of {case.number}"


def _files(parsed: ParsedInbound) -> list[IncomingFile]:
    return [IncomingFile(a.filename, a.content_type, a.content) for a in parsed.attachments]


def _route(parsed: ParsedInbound, row: InboundEmail) -> tuple[str, str, Case | None]:
    reason, detail = _ignored_reason(parsed)
    if reason:
        return reason, detail, None
    case, detail, tag_seen = _case_for_tag(parsed)
    if case is None and not tag_seen:
        case, detail = _case_for_headers(parsed)
    if case is not None:
        case_customer_reply(
            case=case,
            body=parsed.reply,
            via=CaseMessage.Via.EMAIL,
            message_id=parsed.message_id,
            inbound=row,
            files=_files(parsed),
        )
        return Outcome.APPENDED, detail, case
    return Outcome.NEW_CASE, detail or "new email to support", _new_case(parsed, row)


def _new_case(parsed: ParsedInbound, row: InboundEmail) -> Case:
    customer = customer_by_email(parsed.from_email)
    if customer is None:
        first, _, last = parsed.from_name.partition(" ")
        customer = customer_get_or_create_guest(email=parsed.from_email, first_name=first, last_name=last)
    case = case_create(
        customer=customer,
        subject=clean_subject(parsed.subject) or "(no subject)",
        description=parsed.reply,
        channel=Case.Channel.EMAIL,
    )
    customer_message_create(
        case=case,
        body=parsed.reply,
        via=CaseMessage.Via.EMAIL,
        message_id=parsed.message_id,
        inbound=row,
        files=_files(parsed),
    )
    # The customer's email is the thread root: our acknowledgement answers it.
    Case.objects.filter(pk=case.pk).update(email_message_id=parsed.message_id)
    case.email_message_id = parsed.message_id
    case_acknowledge(case=case)
    return case
