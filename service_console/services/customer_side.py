"""What a customer does to their own case: answer (by email or on the requests page) and
close it. Their answer reopens the case and tells the assignee in the console."""

import mimetypes
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename

from common.audit import audit_record
from common.audit_actions import AuditAction
from service_console.models import AgentNotification, Case, CaseAttachment, CaseMessage, InboundEmail
from service_console.services.cases import case_update

# A customer's answer brings these back to "open" (an agent owes the next step).
_REOPEN = (Case.Status.PENDING, Case.Status.SOLVED, Case.Status.CLOSED)


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    content_type: str
    content: bytes


def attachment_refusal(file: IncomingFile) -> str:
    """Why a file is not kept ("" = keep): size, type (HELPDESK_ATTACHMENT_TYPES), a name
    whose extension does not fit the type, or an "image" Pillow cannot read."""
    if len(file.content) > settings.HELPDESK_ATTACHMENT_MAX_BYTES:
        return f"larger than {filesizeformat(settings.HELPDESK_ATTACHMENT_MAX_BYTES)}".replace("\xa0", " ")
    if not file.content:
        return "empty"
    if file.content_type not in settings.HELPDESK_ATTACHMENT_TYPES:
        return f"type {file.content_type} not accepted"
    guessed, _ = mimetypes.guess_type(file.filename)
    if guessed != file.content_type and not (guessed == "image/jpeg" and file.content_type == "image/jpg"):
        return "file name does not match its type"
    if file.content_type.startswith("image/"):
        from PIL import Image

        try:
            with Image.open(BytesIO(file.content)) as image:
                image.verify()
        except Exception:  # noqa: BLE001 - any decoder error means: not an image
            return "not a readable image"
    return ""


def _store_attachments(*, case: Case, message: CaseMessage, files: list[IncomingFile]) -> list[str]:
    """Keep the acceptable files (at most HELPDESK_ATTACHMENT_MAX_COUNT); returns one line
    per refused file."""
    refused = []
    kept = 0
    for file in files:
        reason = attachment_refusal(file)
        if not reason and kept >= settings.HELPDESK_ATTACHMENT_MAX_COUNT:
            reason = f"more than {settings.HELPDESK_ATTACHMENT_MAX_COUNT} attachments"
        name = get_valid_filename(file.filename or "attachment")[:150] or "attachment"
        if reason:
            refused.append(f"{name} ({reason})")
            continue
        CaseAttachment.objects.create(
            case=case,
            message=message,
            file=ContentFile(file.content, name=name),
            filename=name,
            content_type=file.content_type,
            size=len(file.content),
        )
        kept += 1
    return refused


def customer_message_create(
    *,
    case: Case,
    body: str,
    via: str,
    message_id: str = "",
    inbound: InboundEmail | None = None,
    files: list[IncomingFile] | None = None,
) -> CaseMessage:
    """Store the customer's message (and acceptable attachments) on the case; no status
    change. A note lists files that were not kept."""
    message = CaseMessage.objects.create(
        case=case,
        author=case.customer,
        kind=CaseMessage.Kind.CUSTOMER,
        body=body.strip() or "(no text)",
        via=via,
        message_id=message_id,
        inbound=inbound,
    )
    refused = _store_attachments(case=case, message=message, files=files or [])
    if refused:
        message.body += "\n\n[Not kept: " + "; ".join(refused) + "]"
        message.save(update_fields=["body"])
    return message


def _notify_assignee(case: Case, kind: str) -> None:
    if case.assignee_id:
        AgentNotification.objects.create(agent_id=case.assignee_id, case=case, kind=kind)


@transaction.atomic
def case_customer_reply(
    *,
    case: Case,
    body: str,
    via: str,
    message_id: str = "",
    inbound: InboundEmail | None = None,
    files: list[IncomingFile] | None = None,
) -> CaseMessage:
    """The customer answered: the message joins the case, a pending/solved/closed case
    goes back to open (audited with the customer as actor) and the assignee is notified
    in the console."""
    case = Case.objects.select_for_update(of=("self",)).select_related("customer").get(pk=case.pk)
    message = customer_message_create(
        case=case, body=body, via=via, message_id=message_id, inbound=inbound, files=files
    )
    if case.status in _REOPEN:
        case_update(case=case, actor=case.customer, status=Case.Status.OPEN)
    else:
        Case.objects.filter(pk=case.pk).update(updated_at=message.created_at)
    audit_record(
        actor=case.customer,
        action=AuditAction.CASE_CUSTOMER_REPLY,
        customer=case.customer,
        obj=case,
        after={"message_id": message.pk, "via": via},
        note=case.number,
    )
    _notify_assignee(case, AgentNotification.Kind.CUSTOMER_REPLY)
    return message


@transaction.atomic
def case_customer_close(*, case: Case) -> Case:
    """The customer says they need nothing more: the case is closed (idempotent) and the
    assignee is told."""
    if case.status == Case.Status.CLOSED:
        return case
    case = case_update(case=case, actor=case.customer, status=Case.Status.CLOSED)
    _notify_assignee(case, AgentNotification.Kind.CUSTOMER_CLOSED)
    return case
