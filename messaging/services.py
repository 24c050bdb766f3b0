"""Writes of the messaging app: enqueue into the outbox, deliver one row, suppress, retry.

Delivery guarantees (see README "Email delivery"): the broker redelivers unacked tasks, so
a task can run more than once; the outbox row's claim makes the *send* happen once. A worker
claims a row with one conditional UPDATE (queued -> sending, with a lease) in its own
committed statement, sends, then marks it sent (fenced by its claim token). If the worker
dies between the mail server accepting the message and the "sent" update, the row is sent
again once the lease expires: that window (one SMTP round trip) is the only at-least-once
gap, and the re-send carries the same Message-ID so receivers can drop it.
"""

import json
import logging
import random
import smtplib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from common.audit import audit_record
from customers.selectors import customer_by_email, may_send_marketing_email
from messaging import conf
from messaging.exceptions import ContextNotSerialisable, EmailTemplateMissing
from messaging.models import EmailEvent, OutboundEmail, Suppression
from messaging.rendering import email_render, message_id_for, template_exists

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status


def _json_context(context: dict) -> dict:
    try:
        return json.loads(json.dumps(context or {}, cls=DjangoJSONEncoder))
    except (TypeError, ValueError) as exc:
        raise ContextNotSerialisable(str(exc)) from exc


def email_enqueue(
    *,
    to: str,
    kind: str,
    template: str,
    context: dict,
    dedupe_key: str,
    customer=None,
    marketing: bool = False,
) -> OutboundEmail:
    """Write one outbox row in the caller's transaction and deliver it after commit.

    Idempotent on `dedupe_key`: a repeat returns the existing row and sends nothing new.
    Marketing mail is checked against consent and suppression again at send time.
    Raises EmailTemplateMissing if templates/emails/<template>.html does not exist.
    """
    if not template_exists(template):
        raise EmailTemplateMissing(template)
    to = to.strip()
    existing = OutboundEmail.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    if customer is None:
        customer = customer_by_email(to)
    email = OutboundEmail(
        customer=customer,
        to_email=to,
        kind=kind,
        template=template,
        context=_json_context(context),
        dedupe_key=dedupe_key,
        marketing=marketing,
    )
    email.message_id = message_id_for(email.public_id)
    try:
        with transaction.atomic():
            email.save(force_insert=True)
    except IntegrityError:
        # A concurrent caller inserted the same dedupe key first.
        existing = OutboundEmail.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing
    _deliver_after_commit(email.pk)
    return email


def _deliver_after_commit(email_id: int) -> None:
    """Publish the delivery task once the caller's transaction commits. A broker outage must
    not fail the business transaction (already committed): the row stays queued and the
    outbox relay publishes it later. (A named function rather than common.tasks'
    functools.partial: Django's robust on_commit logging needs __qualname__.)"""
    from messaging.tasks import deliver  # tasks import this module

    def publish_delivery() -> None:
        try:
            deliver.delay(email_id)
        except Exception:  # noqa: BLE001 - any broker error; the relay covers it
            logger.warning("broker unavailable; email %s left for the outbox relay", email_id, exc_info=True)

    transaction.on_commit(publish_delivery, robust=True)


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str
    retry_in: float | None = None
    detail: str = ""


def _claim(email_id: int, *, now, token: uuid.UUID) -> bool:
    lease_until = now + timedelta(seconds=conf.send_lease_seconds())
    claimable = Q(status=Status.QUEUED) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    lease_expired = Q(status=Status.SENDING, lease_until__lt=now)
    # One UPDATE, committed at once (autocommit): two workers can never both match.
    return bool(
        OutboundEmail.objects.filter(Q(pk=email_id) & (claimable | lease_expired)).update(
            status=Status.SENDING,
            claim_token=token,
            lease_until=lease_until,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )


def _finish(email: OutboundEmail, token: uuid.UUID, **fields) -> bool:
    """Update the row only if we still hold the claim."""
    fields.setdefault("updated_at", timezone.now())
    fields.setdefault("lease_until", None)
    return bool(OutboundEmail.objects.filter(pk=email.pk, claim_token=token).update(**fields))


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return not (500 <= exc.smtp_code < 600)
    if isinstance(exc, (smtplib.SMTPException, OSError, TimeoutError)):
        return True  # disconnects, refused connections, timeouts
    status = getattr(exc, "status_code", None)  # ESP (anymail) API errors
    if isinstance(status, int):
        return status >= 500 or status == 429
    return True


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), capped, then 50-100% of it."""
    delay = min(conf.retry_max_seconds(), conf.retry_base_seconds() * (2 ** max(attempt - 1, 0)))
    return random.uniform(delay / 2, delay)


def suppression_for(email_address: str) -> Suppression | None:
    return Suppression.objects.filter(email__iexact=email_address.strip()).first()


def _blocked_reason(email: OutboundEmail) -> str:
    suppression = suppression_for(email.to_email)
    if suppression is not None and (suppression.blocks_transactional or email.marketing):
        return f"suppressed: {suppression.get_reason_display()}"
    if email.marketing and not may_send_marketing_email(email.customer or email.to_email):
        return "no marketing consent at send time"
    return ""


def email_deliver(*, email_id: int, connection=None) -> DeliveryOutcome:
    """Send one outbox row if it is due and not already taken. Safe to call any number of
    times: only the caller whose conditional claim succeeds sends.

    Returns the outcome; `retry_in` (seconds) asks the caller to try again later.
    `connection` is an open Django email backend to reuse (one per worker process).
    """
    now = timezone.now()
    token = uuid.uuid4()
    if not _claim(email_id, now=now, token=token):
        row = OutboundEmail.objects.filter(pk=email_id).values("status", "lease_until", "next_attempt_at").first()
        if row is None:
            return DeliveryOutcome("missing")
        if row["status"] == Status.SENDING and row["lease_until"]:
            # Someone holds it (or died holding it): look again when the lease runs out.
            return DeliveryOutcome("busy", retry_in=max((row["lease_until"] - now).total_seconds(), 0) + 1)
        return DeliveryOutcome(row["status"])  # sent / failed / suppressed: nothing to do; queued: retry pending

    email = OutboundEmail.objects.select_related("customer").get(pk=email_id)
    reason = _blocked_reason(email)
    if reason:
        _finish(email, token, status=Status.SUPPRESSED, last_error=reason)
        return DeliveryOutcome(Status.SUPPRESSED, detail=reason)

    try:
        rendered = email_render(
            template=email.template,
            to_email=email.to_email,
            context=email.context,
            marketing=email.marketing,
            public_id=email.public_id,
            kind=email.kind,
        )
    except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
        _finish(email, token, status=Status.FAILED, last_error=f"template error: {exc}")
        return DeliveryOutcome(Status.FAILED, detail=str(exc))

    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=[email.to_email],
        headers=rendered.headers,
        connection=connection or get_connection(conf.email_backend(), fail_silently=False),
    )
    message.attach_alternative(rendered.html, "text/html")
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - classified below, bounded by the retry budget
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - a broken socket may fail to close; it is dropped either way
                logger.debug("closing broken email connection failed", exc_info=True)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        attempts = email.attempts
        if _is_transient(exc) and attempts < conf.max_attempts():
            delay = retry_delay(attempts)
            _finish(
                email,
                token,
                status=Status.QUEUED,
                last_error=error,
                next_attempt_at=timezone.now() + timedelta(seconds=delay),
            )
            logger.warning("email %s attempt %s failed, retry in %.1fs: %s", email.pk, attempts, delay, error)
            return DeliveryOutcome(Status.QUEUED, retry_in=delay, detail=error)
        _finish(email, token, status=Status.FAILED, last_error=error)
        logger.error("email %s failed after %s attempts: %s", email.pk, attempts, error)
        return DeliveryOutcome(Status.FAILED, detail=error)

    anymail_status = getattr(message, "anymail_status", None)
    provider_id = getattr(anymail_status, "message_id", None) or rendered.headers["Message-ID"]
    if not _finish(
        email,
        token,
        status=Status.SENT,
        sent_at=timezone.now(),
        subject=rendered.subject,
        provider_message_id=str(provider_id)[:255],
        last_error="",
        next_attempt_at=None,
    ):
        logger.error("email %s was sent but its claim had been taken over (lease too short?)", email.pk)
    return DeliveryOutcome(Status.SENT)


def outbox_due_for_relay(*, limit: int = 1000) -> list[int]:
    """Rows the broker seems to have lost: queued and not picked up within the grace period
    after they were (re-)enqueued or due, or `sending` with an expired lease (worker died)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=conf.relay_grace_seconds())
    stale_queued = Q(status=Status.QUEUED, _due__lte=cutoff)
    expired = Q(status=Status.SENDING, lease_until__lt=now)
    return list(
        OutboundEmail.objects.annotate(_due=Greatest("created_at", "last_enqueued_at", "next_attempt_at"))
        .filter(stale_queued | expired)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_mark_relayed(*, ids: list[int]) -> None:
    OutboundEmail.objects.filter(pk__in=ids).update(last_enqueued_at=timezone.now())


@transaction.atomic
def email_retry(*, email: OutboundEmail, actor=None) -> bool:
    """Put a failed (or suppressed) message back in the queue with a fresh retry budget."""
    updated = OutboundEmail.objects.filter(pk=email.pk, status__in=[Status.FAILED, Status.SUPPRESSED]).update(
        status=Status.QUEUED, attempts=0, next_attempt_at=None, lease_until=None, updated_at=timezone.now()
    )
    if not updated:
        return False
    if actor is not None:
        audit_record(
            actor=actor,
            action="email.retry",
            customer=email.customer,
            obj=email,
            before={"status": email.status},
            after={"status": Status.QUEUED},
        )
    _deliver_after_commit(email.pk)
    return True


@transaction.atomic
def suppression_add(*, email_address: str, reason: str, note: str = "", actor=None, source_email=None) -> Suppression:
    """Record a hard bounce, complaint or manual block for an address (idempotent; a hard
    bounce upgrades an existing marketing-only entry)."""
    email_address = email_address.strip()
    suppression = Suppression.objects.select_for_update().filter(email__iexact=email_address).first()
    if suppression is None:
        try:
            with transaction.atomic():
                suppression = Suppression.objects.create(email=email_address, reason=reason, note=note)
        except IntegrityError:
            suppression = Suppression.objects.select_for_update().get(email__iexact=email_address)
    if suppression.reason != reason and reason == Suppression.Reason.HARD_BOUNCE:
        suppression.reason = reason
        suppression.save(update_fields=["reason"])
    event_kind = {
        Suppression.Reason.HARD_BOUNCE: EmailEvent.Kind.BOUNCE,
        Suppression.Reason.COMPLAINT: EmailEvent.Kind.COMPLAINT,
    }.get(reason)
    customer = source_email.customer if source_email is not None else customer_by_email(email_address)
    if event_kind:
        EmailEvent.objects.create(email=source_email, customer=customer, kind=event_kind)
    if actor is not None:
        audit_record(actor=actor, action="email.suppress", customer=customer, obj=suppression, after={"reason": reason})
    return suppression


def email_event_record(*, email: OutboundEmail | None, kind: str, url: str = "", user_agent: str = "") -> EmailEvent:
    return EmailEvent.objects.create(
        email=email,
        customer=email.customer if email is not None else None,
        kind=kind,
        url=url[:2000],
        user_agent=user_agent[:255],
    )


@transaction.atomic
def marketing_unsubscribe(*, to_email: str, email: OutboundEmail | None = None, user_agent: str = "") -> None:
    """One-click unsubscribe (no sign-in): withdraw marketing consent for the address.
    Addresses without a customer record get a marketing-only suppression. Idempotent."""
    from customers.models import Consent
    from customers.services import consent_set

    customer = (email.customer if email is not None else None) or customer_by_email(to_email)
    if customer is not None and customer.email.lower() == to_email.lower():
        consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=False, source="unsubscribe")
    else:
        if suppression_for(to_email) is None:
            suppression_add(email_address=to_email, reason=Suppression.Reason.MANUAL, note="unsubscribe link")
    EmailEvent.objects.create(
        email=email, customer=customer, kind=EmailEvent.Kind.UNSUBSCRIBE, user_agent=user_agent[:255]
    )
