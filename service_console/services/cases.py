"""Case lifecycle: create (console, order, contact form, email), update, notes, replies.

Every email about a case goes through case_email.case_email_send, so it threads and
carries the case's reply address; a case solved by an agent asks the customer for a
rating (helpdesk.services)."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from common.audit import audit_record
from common.audit_actions import AuditAction
from common.events import event_record
from common.models import EventName
from conversations import realtime
from conversations.assignment import agent_next
from customers.models import Customer
from customers.services import customer_get_or_create_guest
from helpdesk.models import SatisfactionRating
from helpdesk.services import satisfaction_request, satisfaction_urls
from marketing.models import ContactHold
from marketing.services.holds import contact_hold, contact_hold_release
from service_console.exceptions import CaseTransitionInvalid, CustomerHasNoEmail
from service_console.models import Case, CaseMessage
from service_console.services.case_email import case_email_send
from service_console.services.sla import sla_apply

# Allowed moves; closed is final except for a supervisor-free reopen to open.
_TRANSITIONS: dict[str, set[str]] = {
    Case.Status.NEW: {Case.Status.OPEN, Case.Status.PENDING, Case.Status.SOLVED, Case.Status.CLOSED},
    Case.Status.OPEN: {Case.Status.PENDING, Case.Status.SOLVED, Case.Status.CLOSED},
    Case.Status.PENDING: {Case.Status.OPEN, Case.Status.SOLVED, Case.Status.CLOSED},
    Case.Status.SOLVED: {Case.Status.OPEN, Case.Status.CLOSED},
    Case.Status.CLOSED: {Case.Status.OPEN},
}


def _case_state(case: Case) -> dict:
    return {
        "status": case.status,
        "priority": case.priority,
        "assignee": case.assignee.email if case.assignee_id else None,
        "subject": case.subject,
        "order_numbers": list(case.order_numbers),
    }


def _marketing_hold_follow(case: Case) -> None:
    """Tell marketing to hold the customer while this case is open, and to let go when it is
    solved or closed (marketing's abandonment flow stops for customers on hold)."""
    reason = ContactHold.Reason.SERVICE_CASE
    if case.status in Case.OPEN_STATUSES:
        contact_hold(customer=case.customer, reason=reason, reference=case.number)
    else:
        contact_hold_release(customer=case.customer, reason=reason, reference=case.number)


@transaction.atomic
def case_create(
    *,
    customer: Customer,
    subject: str,
    description: str = "",
    channel: str = Case.Channel.CONSOLE,
    priority: str = Case.Priority.NORMAL,
    actor: Customer | None = None,
    assignee: Customer | None = None,
    order_numbers: list[str] | None = None,
) -> Case:
    """Open a case for `customer`. An agent actor is audited; contact-form cases have none.
    A case that arrives on its own (no agent actor, no assignee: contact form, email, social)
    goes round-robin to the next online agent when that is switched on (conversations.assignment).
    SLA due times are fixed from the priority's target (service_console.services.sla)."""
    if assignee is None and actor is None:
        assignee = agent_next(for_chat=False)
    case = Case(
        customer=customer,
        subject=subject.strip()[:200],
        description=description.strip(),
        channel=channel,
        priority=priority,
        assignee=assignee,
        created_by=actor,
        order_numbers=sorted({n.strip() for n in (order_numbers or []) if n.strip()}),
    )
    sla_apply(case)
    case.save(force_insert=True)
    _marketing_hold_follow(case)
    if channel == Case.Channel.CONTACT_FORM and description.strip():
        CaseMessage.objects.create(
            case=case,
            author=customer,
            kind=CaseMessage.Kind.CUSTOMER,
            body=description.strip(),
            via=CaseMessage.Via.CONTACT_FORM,
        )
    audit_record(
        actor=actor,
        action=AuditAction.CASE_CREATE,
        customer=customer,
        obj=case,
        after={**_case_state(case), "channel": channel},
        note=case.number,
    )
    if assignee is not None and actor is None:
        realtime.send_on_commit(
            realtime.agent_group(assignee.pk),
            {"type": "queue.case", "case": case.number, "url": case.get_absolute_url()},
        )
    event_record(name=EventName.CASE_CREATED, payload=case_payload(case))
    return case


def case_payload(case: Case) -> dict:
    """The case as webhook subscribers receive it (case.created)."""
    return {
        "number": case.number,
        "subject": case.subject,
        "status": case.status,
        "priority": case.priority,
        "channel": case.channel,
        "customer_id": str(case.customer.public_id),
        "order_numbers": list(case.order_numbers),
        "created_at": case.created_at.isoformat(),
    }


@transaction.atomic
def case_contact_form_submit(*, email: str, name: str, subject: str, message: str, order_number: str = "") -> Case:
    """A storefront contact-form message becomes a new unassigned case on the customer
    record for that email (a guest record is created if the email is new); the customer
    gets an acknowledgement email with the case reference."""
    first, _, last = name.strip().partition(" ")
    customer = customer_get_or_create_guest(email=email, first_name=first, last_name=last)
    case = case_create(
        customer=customer,
        subject=subject,
        description=message,
        channel=Case.Channel.CONTACT_FORM,
        order_numbers=[order_number] if order_number else None,
    )
    case_acknowledge(case=case)
    return case


def case_acknowledge(*, case: Case) -> None:
    """Acknowledge a case the customer opened (contact form, email) with its reference:
    an automatic reply (Auto-Submitted), threaded, that the customer can answer."""
    case_email_send(
        case=case,
        kind="case_received",
        template="case_received",
        context={"message": case.description, "help_url": settings.SITE_URL + reverse("help:index")},
        dedupe_key=f"case-received-{case.pk}",
        automatic="auto-replied",
    )


@transaction.atomic
def case_update(
    *,
    case: Case,
    actor: Customer,
    status: str | None = None,
    priority: str | None = None,
    assignee: Customer | None | bool = False,
    subject: str | None = None,
) -> Case:
    """Change status / priority / assignee / subject. `assignee=False` leaves it alone;
    `None` unassigns. Illegal status moves raise CaseTransitionInvalid."""
    case = Case.objects.select_for_update(of=("self",)).select_related("assignee", "customer").get(pk=case.pk)
    before = _case_state(case)
    if status and status != case.status:
        if status not in _TRANSITIONS[case.status]:
            raise CaseTransitionInvalid(
                f"A {case.get_status_display().lower()} case cannot move to {Case.Status(status).label.lower()}."
            )
        case.status = status
        if status == Case.Status.SOLVED or (status == Case.Status.CLOSED and case.solved_at is None):
            # Resolution time (SLA) is the first of solved or closed.
            case.solved_at = timezone.now()
        elif status in Case.OPEN_STATUSES:
            case.solved_at = None
    if priority and priority != case.priority:
        case.priority = priority
        sla_apply(case)
    if assignee is not False:
        case.assignee = assignee
    if subject is not None and subject.strip():
        case.subject = subject.strip()[:200]
    after = _case_state(case)
    if after == before:
        return case
    case.save()
    if after["status"] != before["status"]:
        _marketing_hold_follow(case)
    changed = {k for k in after if after[k] != before[k]}
    audit_record(
        actor=actor,
        action=AuditAction.CASE_UPDATE,
        customer=case.customer,
        obj=case,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        note=case.number,
    )
    if "status" in changed and case.status == Case.Status.SOLVED and actor is not None and actor.pk != case.customer_id:
        _ask_for_rating(case=case, actor=actor)
    return case


def _ask_for_rating(*, case: Case, actor: Customer) -> None:
    """Solved by an agent: email the customer one-click 1–5 rating links (once per case;
    a case already rated is not asked again)."""
    customer = case.customer
    if not customer.email or customer.erased_at is not None or customer.email_is_placeholder:
        return
    agent = case.assignee or actor
    rating, _ = satisfaction_request(
        channel=SatisfactionRating.Channel.CASE,
        object_id=case.pk,
        reference=case.number,
        customer=customer,
        agent=agent,
    )
    if rating.score is not None:
        return
    case_email_send(
        case=case,
        kind="case_solved",
        template="case_solved",
        context={
            "agent_name": agent.first_name or "Customer care",
            "rating_links": [{"score": score, "url": url} for score, url in satisfaction_urls(rating).items()],
        },
        dedupe_key=f"case-solved-{case.pk}-{case.solved_at:%Y%m%d%H%M%S%f}",
        automatic="auto-generated",
    )


@transaction.atomic
def case_link_order(*, case: Case, order_number: str, actor: Customer) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    number = order_number.strip()
    if number and number not in case.order_numbers:
        before = list(case.order_numbers)
        case.order_numbers = sorted([*case.order_numbers, number])
        case.save(update_fields=["order_numbers", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CASE_LINK_ORDER,
            customer=case.customer,
            obj=case,
            before={"order_numbers": before},
            after={"order_numbers": list(case.order_numbers)},
            note=case.number,
        )
    return case


@transaction.atomic
def case_note_add(*, case: Case, actor: Customer, body: str) -> CaseMessage:
    """An internal note: never leaves the console."""
    note = CaseMessage.objects.create(case=case, author=actor, kind=CaseMessage.Kind.NOTE, body=body.strip())
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    audit_record(actor=actor, action=AuditAction.CASE_NOTE, customer=case.customer, obj=case, note=case.number)
    return note


@transaction.atomic
def case_reply_send(*, case: Case, actor: Customer, body: str, set_pending: bool = True) -> CaseMessage:
    """Reply to the customer: stored on the case and emailed through the outbox (one email
    per reply, deduplicated by the reply's id). A new case moves to pending customer."""
    customer = case.customer
    if not customer.email or customer.erased_at is not None or customer.email_is_placeholder:
        raise CustomerHasNoEmail(gettext("This customer has no email address to reply to."))
    reply = CaseMessage.objects.create(case=case, author=actor, kind=CaseMessage.Kind.REPLY, body=body.strip())
    email = case_email_send(
        case=case,
        kind="case_reply",
        template="case_reply",
        context={
            "body": reply.body,
            "agent_name": actor.first_name or "Customer care",
            "help_url": settings.SITE_URL + reverse("help:index"),
        },
        dedupe_key=f"case-reply-{reply.pk}",
    )
    reply.message_id = email.message_id
    reply.save(update_fields=["message_id"])
    # SLA: the first reply emailed to the customer answers the first-response target.
    Case.objects.filter(pk=case.pk, first_response_at__isnull=True).update(first_response_at=reply.created_at)
    audit_record(
        actor=actor,
        action=AuditAction.CASE_REPLY,
        customer=customer,
        obj=case,
        after={"reply_id": reply.pk, "to": customer.email},
        note=case.number,
    )
    if set_pending and case.status in (Case.Status.NEW, Case.Status.OPEN):
        case_update(case=case, actor=actor, status=Case.Status.PENDING)
    else:
        Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return reply


@transaction.atomic
def case_reply_record(*, case: Case, actor: Customer, body: str, via: str) -> CaseMessage:
    """A reply the customer got another way (a public answer on a social network): stored on
    the case as a reply and counted as the first response for the SLA; nothing is emailed.
    The caller audits what it sent."""
    reply = CaseMessage.objects.create(case=case, author=actor, kind=CaseMessage.Kind.REPLY, body=body.strip(), via=via)
    Case.objects.filter(pk=case.pk, first_response_at__isnull=True).update(first_response_at=reply.created_at)
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now())
    return reply


@transaction.atomic
def case_customer_change(*, case: Case, customer: Customer, actor: Customer) -> Case:
    """Move a case to another customer record (a social author turned out to be this
    customer): their messages follow, marketing's hold moves with an open case. Audited on
    the customer it moved to."""
    case = Case.objects.select_for_update(of=("self",)).select_related("customer").get(pk=case.pk)
    previous = case.customer
    if previous.pk == customer.pk:
        return case
    if case.status in Case.OPEN_STATUSES:
        contact_hold_release(customer=previous, reason=ContactHold.Reason.SERVICE_CASE, reference=case.number)
    case.customer = customer
    case.save(update_fields=["customer", "updated_at"])
    CaseMessage.objects.filter(case=case, author=previous, kind=CaseMessage.Kind.CUSTOMER).update(author=customer)
    _marketing_hold_follow(case)
    audit_record(
        actor=actor,
        action=AuditAction.CASE_CUSTOMER_CHANGE,
        customer=customer,
        obj=case,
        before={"customer_id": str(previous.public_id)},
        after={"customer_id": str(customer.public_id)},
        note=case.number,
    )
    return case
