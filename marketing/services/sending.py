"""The one gateway for marketing email and texts: consent, frequency cap and de-duplication
are decided here, at send time, for every flow and campaign (R9). The cap counts both
channels: a text and an email the same day are two messages.

`marketing_email_send` takes a per-customer lock row (ContactPressure) before counting the
customer's marketing email in the cap window, so two flows racing for the same customer
cannot both take the last slot. messaging checks consent and suppression once more when
the message is delivered (an unsubscribe between enqueue and delivery still wins).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from customers.models import Customer
from customers.selectors import may_send_marketing_email
from marketing.models import AbandonmentSettings, Campaign, ContactPressure, MarketingMessage
from marketing.outcomes import SendOutcome
from messaging.models import OutboundEmail, Suppression
from messaging.services import email_enqueue
from mobile.models import OutboundMessage
from mobile.services import marketing_sms_text, may_text, sms_enqueue

SENT = SendOutcome.SENT
NO_CONSENT = SendOutcome.NO_CONSENT
CAPPED = SendOutcome.CAPPED
DUPLICATE = SendOutcome.DUPLICATE


@dataclass(frozen=True)
class SendResult:
    status: SendOutcome
    message: MarketingMessage | None = None
    email: OutboundEmail | None = None

    @property
    def sent(self) -> bool:
        return self.status == SENT


def cap_window_start(settings_row: AbandonmentSettings, now: datetime) -> datetime:
    return now - timedelta(hours=settings_row.frequency_cap_hours)


def cap_reached(settings_row: AbandonmentSettings, sent_in_window: int) -> bool:
    """True when the customer has no room left (a window of 0 hours switches the cap off)."""
    return settings_row.frequency_cap_hours > 0 and sent_in_window >= settings_row.frequency_cap_count


def marketing_counts_since(customer_ids: list[int], since: datetime) -> dict[int, int]:
    """Marketing messages per customer created since `since`, emails and texts (and
    notifications) together; suppressed ones never left."""
    counts: dict[int, int] = {}
    for model in (OutboundEmail, OutboundMessage):
        rows = (
            model.objects.filter(customer_id__in=customer_ids, marketing=True, created_at__gt=since)
            .exclude(status=model.Status.SUPPRESSED)
            .values("customer_id")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            counts[row["customer_id"]] = counts.get(row["customer_id"], 0) + row["n"]
    return counts


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email__iexact=email.strip()).exists()


def pressure_lock(customer_ids: list[int]) -> None:
    """Lock the customers' pressure rows (created if missing) in pk order (no deadlocks)."""
    ContactPressure.objects.bulk_create([ContactPressure(customer_id=pk) for pk in customer_ids], ignore_conflicts=True)
    list(ContactPressure.objects.select_for_update().filter(customer_id__in=customer_ids).order_by("pk"))


def _enqueue(
    *,
    customer: Customer,
    flow: str,
    kind: str,
    template: str,
    build_context: Callable[[MarketingMessage], dict],
    dedupe_key: str,
    campaign: Campaign | None,
    step: int,
    now: datetime,
) -> SendResult:
    message = MarketingMessage.objects.create(
        dedupe_key=dedupe_key, customer=customer, flow=flow, campaign=campaign, step=step, created_at=now
    )
    email = email_enqueue(
        to=customer.email,
        kind=kind,
        template=template,
        context=build_context(message),
        dedupe_key=dedupe_key,
        customer=customer,
        marketing=True,
    )
    message.outbound_email = email
    message.save(update_fields=["outbound_email"])
    ContactPressure.objects.filter(customer_id=customer.pk).update(last_marketing_at=now)
    return SendResult(SENT, message, email)


@transaction.atomic
def marketing_email_send(
    *,
    customer: Customer,
    flow: str,
    kind: str,
    template: str,
    build_context: Callable[[MarketingMessage], dict],
    dedupe_key: str,
    campaign: Campaign | None = None,
    step: int = 1,
    now: datetime | None = None,
) -> SendResult:
    """Send one marketing email if the customer consents, is not suppressed and has room
    under the frequency cap. Idempotent on `dedupe_key` (a repeat sends nothing).

    `build_context(message)` builds the template context once the MarketingMessage exists
    (links carry its id for click attribution). Locks the customer's pressure row.
    """
    now = now or timezone.now()
    if MarketingMessage.objects.filter(dedupe_key=dedupe_key).exists():
        return SendResult(DUPLICATE)
    if not may_send_marketing_email(customer) or is_suppressed(customer.email):
        return SendResult(NO_CONSENT)
    pressure_lock([customer.pk])
    settings_row = AbandonmentSettings.current()
    sent = marketing_counts_since([customer.pk], cap_window_start(settings_row, now)).get(customer.pk, 0)
    if cap_reached(settings_row, sent):
        return SendResult(CAPPED)
    if MarketingMessage.objects.filter(dedupe_key=dedupe_key).exists():  # re-check under the lock
        return SendResult(DUPLICATE)
    return _enqueue(
        customer=customer,
        flow=flow,
        kind=kind,
        template=template,
        build_context=build_context,
        dedupe_key=dedupe_key,
        campaign=campaign,
        step=step,
        now=now,
    )


@transaction.atomic
def marketing_sms_send(
    *,
    customer: Customer,
    flow: str,
    kind: str,
    build_text: Callable[[MarketingMessage], str],
    dedupe_key: str,
    campaign: Campaign | None = None,
    step: int = 1,
    now: datetime | None = None,
) -> SendResult:
    """Send one marketing text if the customer allowed marketing texts, has a number that did
    not text STOP, and has room under the frequency cap (shared with email). Idempotent on
    `dedupe_key`. `build_text(message)` writes the body (the shop's name and the opt-out line
    are added around it). Quiet hours are the outbox's business: it holds the text until
    the customer's morning."""
    now = now or timezone.now()
    if MarketingMessage.objects.filter(dedupe_key=dedupe_key).exists():
        return SendResult(DUPLICATE)
    if not may_text(customer, marketing=True):
        return SendResult(NO_CONSENT)
    pressure_lock([customer.pk])
    settings_row = AbandonmentSettings.current()
    sent = marketing_counts_since([customer.pk], cap_window_start(settings_row, now)).get(customer.pk, 0)
    if cap_reached(settings_row, sent):
        return SendResult(CAPPED)
    if MarketingMessage.objects.filter(dedupe_key=dedupe_key).exists():
        return SendResult(DUPLICATE)
    message = MarketingMessage.objects.create(
        dedupe_key=dedupe_key,
        customer=customer,
        flow=flow,
        campaign=campaign,
        step=step,
        created_at=now,
        channel=Campaign.Channel.SMS,
    )
    text = sms_enqueue(
        customer=customer,
        kind=kind,
        body=marketing_sms_text(build_text(message), language=customer.preferred_language),
        dedupe_key=dedupe_key,
        marketing=True,
    )
    message.outbound_sms = text
    message.save(update_fields=["outbound_sms"])
    ContactPressure.objects.filter(customer_id=customer.pk).update(last_marketing_at=now)
    return SendResult(SENT, message)
