"""Writes of the SMS and push outbox: enqueue in the business transaction, publish, deliver
once, retry, and what the customer's replies and the provider's reports change.

The guarantees are the email outbox's (README "Email"), reached the same way:
- a message is a row written inside the business transaction (`sms_enqueue`,
  `push_enqueue`); a rolled-back transaction leaves nothing to send, and enqueueing never
  calls the broker;
- the relay in every worker (`outbound_publish_due`, from commerce_platform.relay) hands
  rows that are due and unpublished to `mobile.deliver_batch`; the beat relay
  (`outbound_relay`) puts back rows a lost task or a dead worker left behind;
- a worker sends a row only after claiming it with one conditional UPDATE (queued and due,
  or a lease that ran out) and marks it sent fenced by its claim token, so a redelivered
  task sends nothing twice. The remaining gap is the provider accepting the message and
  the worker dying before the mark: that message is sent again after its lease;
- a retry or a deferral is not a delayed broker task: the row is unpublished with a
  `next_attempt_at`, and the relay publishes it when that time comes (so a message held
  over the night by quiet hours waits in Postgres, not in Redis).

Consent is checked again when the message is sent: a STOP or a withdrawal between the
enqueue and the send wins.
"""

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import Consent, Customer
from customers.selectors import consent_current, customer_country
from customers.services import consent_set
from messaging.services import retry_delay
from mobile import conf
from mobile.models import InboundSms, OutboundMessage, PushSubscription, SmsOptOut
from mobile.segments import sms_length
from mobile.timezones import customer_time_zone

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
Channel = OutboundMessage.Channel


# --- consent: which purpose a message needs --------------------------------------------


def purpose_for(*, channel: str, marketing: bool) -> str:
    if channel == Channel.PUSH:
        return Consent.Purpose.PUSH
    return Consent.Purpose.SMS_MARKETING if marketing else Consent.Purpose.SMS_TRANSACTIONAL


def customer_phone(customer: Customer) -> str:
    """The number we text: the customer's own (E.164), else their default address's."""
    phone = str(customer.phone or "")
    if phone.startswith("+"):
        return phone
    address_phone = (
        customer.addresses.exclude(phone="")
        .order_by("-is_default", "-created_at")
        .values_list("phone", flat=True)
        .first()
    )
    address_phone = str(address_phone or "")
    return address_phone if address_phone.startswith("+") else ""


def sms_opted_out(phone: str) -> bool:
    return bool(phone) and SmsOptOut.objects.filter(phone=phone).exists()


def may_text(customer: Customer | None, *, marketing: bool, phone: str = "") -> bool:
    """May we text this customer now (for marketing or for order updates)?"""
    if customer is None or not customer.is_active or customer.erased_at is not None:
        return False
    phone = phone or customer_phone(customer)
    if not phone or sms_opted_out(phone):
        return False
    return consent_current(customer=customer, purpose=purpose_for(channel=Channel.SMS, marketing=marketing))


def may_push(customer: Customer | None) -> bool:
    if customer is None or not customer.is_active or customer.erased_at is not None:
        return False
    return (
        consent_current(customer=customer, purpose=Consent.Purpose.PUSH)
        and PushSubscription.objects.filter(customer=customer).exists()
    )


# --- enqueue -----------------------------------------------------------------------------


def marketing_sms_text(body: str, *, language: str) -> str:
    """A marketing text as it goes out: the shop's name first (carriers require the sender
    to be named) and how to opt out last. Shown to the marketer with its length."""
    with translation.override(language):
        footer = _("Reply STOP to opt out")
    return f"{settings.SITE_NAME}: {body.strip()}\n{footer}"


def _insert(message: OutboundMessage) -> OutboundMessage:
    """One INSERT … ON CONFLICT DO NOTHING (no savepoint): a repeat of the dedupe key
    returns the row already written."""
    from common.sql import insert_sql, mark_saved

    sql, params = insert_sql([message])
    with connection.cursor() as cursor:
        cursor.execute(f'{sql} ON CONFLICT ("dedupe_key") DO NOTHING RETURNING id', params)
        row = cursor.fetchone()
    if row is None:
        return OutboundMessage.objects.get(dedupe_key=message.dedupe_key)
    return mark_saved(message, row[0])


def sms_enqueue(
    *, customer: Customer, kind: str, body: str, dedupe_key: str, marketing: bool = False, to_phone: str = ""
) -> OutboundMessage | None:
    """Write one SMS to the outbox in the caller's transaction (sent after it commits).
    Returns None when the customer has no number to text. Idempotent on `dedupe_key`.
    Consent and opt-outs are checked when it is sent, not here (callers that should not
    even write the row ask `may_text` first)."""
    phone = to_phone or customer_phone(customer)
    if not phone:
        return None
    length = sms_length(body)
    return _insert(
        OutboundMessage(
            channel=Channel.SMS,
            customer=customer,
            to_phone=phone,
            kind=kind,
            marketing=marketing,
            body=body,
            encoding=length.encoding,
            segments=length.segments,
            dedupe_key=dedupe_key,
        )
    )


def push_enqueue(
    *, customer: Customer, kind: str, title: str, body: str, url: str, dedupe_key: str, marketing: bool = False
) -> list[OutboundMessage]:
    """One push row per browser the customer subscribed (each delivered on its own: one
    browser's expired subscription does not hold back the others). Idempotent on
    `dedupe_key` (suffixed with the subscription)."""
    return [
        _insert(
            OutboundMessage(
                channel=Channel.PUSH,
                customer=customer,
                subscription=subscription,
                kind=kind,
                marketing=marketing,
                title=title[:120],
                body=body,
                url=url[:500],
                dedupe_key=f"{dedupe_key}:push{subscription.pk}"[:255],
            )
        )
        for subscription in PushSubscription.objects.filter(customer=customer).order_by("pk")
    ]


# --- publish and relay -------------------------------------------------------------------

PUBLISH_CHUNK = 20


def outbound_publish_due(*, limit: int = 500) -> int:
    """Hand rows that are due and unpublished to the workers; returns how many. Called by
    every worker's relay tick: one conditional UPDATE (SKIP LOCKED, so relays share the
    rows) stamps them published, then one broker call per chunk. If the broker refuses,
    the rest are unstamped for a later tick."""
    from mobile.tasks import deliver_batch

    table = connection.ops.quote_name(OutboundMessage._meta.db_table)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_enqueued_at = %s WHERE id IN ("
            f"SELECT id FROM {table} WHERE status = %s AND last_enqueued_at IS NULL"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= %s)"
            " ORDER BY marketing, id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id, marketing",
            [now, Status.QUEUED, now, limit],
        )
        ids = [row[0] for row in sorted(cursor.fetchall(), key=lambda row: (row[1], row[0]))]
    published = 0
    try:
        for start in range(0, len(ids), PUBLISH_CHUNK):
            chunk = ids[start : start + PUBLISH_CHUNK]
            deliver_batch.delay(chunk)
            published += len(chunk)
    except Exception:  # noqa: BLE001 - any broker error: a later tick publishes them
        logger.warning("broker unavailable; %s SMS/push left for the relay", len(ids) - published, exc_info=True)
        OutboundMessage.objects.filter(pk__in=ids[published:], last_enqueued_at=now).update(last_enqueued_at=None)
    return published


def outbound_relay() -> int:
    """Beat safety net: rows published but never picked up within the grace period (the
    broker lost the task) and rows whose worker died mid-send (lease ran out) are made
    publishable again, then published. Returns how many were put back."""
    now = timezone.now()
    grace = now - timedelta(seconds=conf.relay_grace_seconds())
    lost = OutboundMessage.objects.filter(status=Status.QUEUED, last_enqueued_at__lt=grace).update(
        last_enqueued_at=None, updated_at=now
    )
    # The claim token stays: a slow worker that still finishes its send can mark it sent
    # (and the new claim then finds nothing); once re-claimed, its mark is fenced out.
    dead = OutboundMessage.objects.filter(status=Status.SENDING, lease_until__lt=now).update(
        status=Status.QUEUED, last_enqueued_at=None, lease_until=None, updated_at=now
    )
    outbound_publish_due()
    return lost + dead


# --- deliver -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    status: str
    detail: str = ""


def _claimable(now: datetime) -> Q:
    due = Q(status=Status.QUEUED) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return due | Q(status=Status.SENDING, lease_until__lt=now)


def _finish(message: OutboundMessage, token: uuid.UUID, **fields) -> bool:
    """Write the outcome only while we still hold the claim."""
    fields.setdefault("updated_at", timezone.now())
    fields.setdefault("lease_until", None)
    return bool(OutboundMessage.objects.filter(pk=message.pk, claim_token=token).update(**fields))


def _blocked_reason(message: OutboundMessage) -> str:
    """Why this message must not go out now ("" = send). Read at send time."""
    customer = message.customer
    if customer is None or not customer.is_active or customer.erased_at is not None:
        return "no customer (erased or inactive)"
    purpose = purpose_for(channel=message.channel, marketing=message.marketing)
    if not consent_current(customer=customer, purpose=purpose):
        return f"no consent at send time ({Consent.Purpose(purpose).label})"
    if message.channel == Channel.SMS and sms_opted_out(message.to_phone):
        return "the number texted STOP"
    if message.channel == Channel.PUSH and message.subscription_id is None:
        return "the browser's subscription was removed"
    return ""


def quiet_hours_end(*, customer: Customer, phone: str, now: datetime) -> datetime | None:
    """When the customer's quiet hours end, if it is quiet hours for them now; else None."""
    start, end = conf.quiet_hours()
    if start == end:
        return None
    zone = customer_time_zone(phone=phone or customer_phone(customer), country=customer_country(customer), now=now)
    local = now.astimezone(zone)
    quiet = (local.hour >= start or local.hour < end) if start > end else (start <= local.hour < end)
    if not quiet:
        return None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, end, tzinfo=zone)


def _transmit(message: OutboundMessage) -> str:
    """Hand the message to its provider; returns the provider's id. Raises the backends'
    transient/permanent errors (and PushSubscriptionGone)."""
    if message.channel == Channel.SMS:
        from mobile.sms import SmsToSend, sms_backend, status_callback_url

        return sms_backend().send(
            SmsToSend(
                to=message.to_phone,
                body=message.body,
                reference=str(message.public_id),
                kind=message.kind,
                status_callback=status_callback_url(),
            )
        )
    from mobile.push import PushToSend, push_send

    subscription = message.subscription
    return push_send(
        PushToSend(
            endpoint=subscription.endpoint,
            p256dh=subscription.p256dh,
            auth=subscription.auth,
            payload={"title": message.title, "body": message.body, "url": message.url, "tag": message.kind},
            urgency="normal" if message.marketing else "high",
        )
    )


def outbound_deliver(*, message_id: int) -> Delivery:
    """Send one outbox row if it is due and nobody holds it. Safe to call any number of
    times: only the caller whose claim succeeds sends."""
    from mobile.push import PushError, PushSubscriptionGone, PushTransientError
    from mobile.sms import SmsError, SmsTransientError

    now = timezone.now()
    token = uuid.uuid4()
    claimed = (
        OutboundMessage.objects.filter(pk=message_id)
        .filter(_claimable(now))
        .update(
            status=Status.SENDING,
            claim_token=token,
            lease_until=now + timedelta(seconds=conf.send_lease_seconds()),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    if not claimed:
        return Delivery("not claimed")
    message = OutboundMessage.objects.select_related("customer", "subscription").get(pk=message_id)

    reason = _blocked_reason(message)
    if reason:
        _finish(message, token, status=Status.SUPPRESSED, last_error=reason, note="")
        return Delivery(Status.SUPPRESSED, reason)
    if message.marketing:
        resume_at = quiet_hours_end(customer=message.customer, phone=message.to_phone, now=now)
        if resume_at is not None:
            # Deferred, not dropped: unpublished until the morning (the relay publishes it
            # then). The claim did not count as an attempt.
            note = f"Quiet hours: waits until {resume_at:%H:%M} {resume_at.tzname()} ({resume_at.tzinfo})"
            _finish(
                message,
                token,
                status=Status.QUEUED,
                attempts=F("attempts") - 1,
                next_attempt_at=resume_at,
                last_enqueued_at=None,
                note=note[:200],
            )
            return Delivery("deferred", note)

    try:
        provider_id = _transmit(message)
    except PushSubscriptionGone as exc:
        with transaction.atomic():
            _finish(message, token, status=Status.FAILED, last_error=f"{exc}: subscription removed")
            PushSubscription.objects.filter(pk=message.subscription_id).delete()
        return Delivery(Status.FAILED, str(exc))
    except (SmsError, PushError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        transient = isinstance(exc, SmsTransientError | PushTransientError)
        if transient and message.attempts < conf.max_attempts():
            delay = retry_delay(message.attempts)
            _finish(
                message,
                token,
                status=Status.QUEUED,
                last_error=error,
                next_attempt_at=timezone.now() + timedelta(seconds=delay),
                last_enqueued_at=None,
            )
            logger.warning(
                "%s %s attempt %s failed, retry in %.1fs: %s",
                message.channel,
                message.pk,
                message.attempts,
                delay,
                error,
            )
            return Delivery(Status.QUEUED, error)
        _finish(message, token, status=Status.FAILED, last_error=error)
        logger.error("%s %s failed after %s attempts: %s", message.channel, message.pk, message.attempts, error)
        return Delivery(Status.FAILED, error)

    sent_at = timezone.now()
    if not _finish(
        message,
        token,
        status=Status.SENT,
        sent_at=sent_at,
        provider_message_id=(provider_id or "")[:64],
        last_error="",
        note="",
        next_attempt_at=None,
    ):
        logger.error("%s %s was sent but its claim had been taken over (lease too short?)", message.channel, message.pk)
    if message.subscription_id:
        PushSubscription.objects.filter(pk=message.subscription_id).update(last_sent_at=sent_at)
    return Delivery(Status.SENT)


# --- Twilio's reports and the customer's replies -----------------------------------------


def sms_delivery_status_record(*, provider_message_id: str, status: str, error_code: str = "") -> bool:
    """A delivery report (Twilio's status callback) for one of our messages. Reports can
    arrive out of order: a final state (delivered, undelivered, failed) is never replaced
    by an earlier one. Returns False for an unknown message id."""
    Delivery_ = OutboundMessage.DeliveryStatus
    if status not in Delivery_.values:
        status = Delivery_.UNKNOWN
    final = [Delivery_.DELIVERED, Delivery_.UNDELIVERED, Delivery_.FAILED]
    rows = OutboundMessage.objects.filter(provider_message_id=provider_message_id, channel=Channel.SMS)
    if not rows.exists():
        return False
    if status in final:
        rows.update(delivery_status=status, delivery_error=(f"error {error_code}" if error_code else "")[:200])
    else:
        rows.exclude(delivery_status__in=final).update(delivery_status=status)
    return True


STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "停止", "配信停止", "ストップ"}
START_WORDS = {"START", "YES", "UNSTOP", "開始", "再開"}
HELP_WORDS = {"HELP", "INFO", "ヘルプ"}


def sms_keyword(body: str) -> str:
    """The opt-out keyword in a reply (the whole message, case and width folded, trailing
    punctuation ignored): "stop", "Stop.", "ＳＴＯＰ", "停止", "配信停止" → STOP."""
    import unicodedata

    word = unicodedata.normalize("NFKC", body or "").strip().upper()
    word = re.sub(r"[\s.!。！、,]+$", "", word)
    if word in STOP_WORDS:
        return InboundSms.Action.STOP
    if word in START_WORDS:
        return InboundSms.Action.START
    if word in HELP_WORDS:
        return InboundSms.Action.HELP
    return InboundSms.Action.OTHER


@dataclass(frozen=True)
class InboundResult:
    action: str
    reply: str
    customers: int


def _reply(action: str, language: str) -> str:
    with translation.override(language):
        if action == InboundSms.Action.STOP:
            return _("%(shop)s: you will get no more texts from us. Reply START to get them again.") % {
                "shop": settings.SITE_NAME
            }
        if action == InboundSms.Action.START:
            return _("%(shop)s: texts are back on. Reply STOP to opt out, HELP for help.") % {
                "shop": settings.SITE_NAME
            }
        if action == InboundSms.Action.HELP:
            return _("%(shop)s: help at %(url)s or %(email)s. Reply STOP to opt out.") % {
                "shop": settings.SITE_NAME,
                "url": f"{settings.SITE_URL}/help/",
                "email": settings.HELPDESK_SUPPORT_EMAIL,
            }
    return ""


@transaction.atomic
def sms_inbound_receive(*, provider_message_id: str, from_phone: str, body: str) -> InboundResult:
    """A text from a customer (Twilio's inbound webhook, signature already checked).

    STOP (and its synonyms, 停止, 配信停止) blocks the number at once and withdraws every
    SMS consent of the customers who have it; START lifts the block and gives back what
    the last STOP took (order updates if nothing was taken); HELP answers with where to
    get help. Idempotent on Twilio's message id (a retried webhook changes nothing)."""
    action = sms_keyword(body)
    customers = list(Customer.objects.filter(phone=from_phone, erased_at__isnull=True).order_by("pk"))
    language = customers[0].preferred_language if customers else settings.LANGUAGE_CODE
    row, created = InboundSms.objects.get_or_create(
        provider_message_id=provider_message_id,
        defaults={
            "from_phone": from_phone,
            "body": body[:1600],
            "action": action,
            "customer": customers[0] if customers else None,
        },
    )
    if not created:
        return InboundResult(row.action, _reply(row.action, language), 0)
    sms_purposes = (Consent.Purpose.SMS_MARKETING, Consent.Purpose.SMS_TRANSACTIONAL)
    if action == InboundSms.Action.STOP:
        SmsOptOut.objects.get_or_create(phone=from_phone, defaults={"keyword": body.strip()[:20]})
        for customer in customers:
            for purpose in sms_purposes:
                consent_set(customer=customer, purpose=purpose, granted=False, source=Consent.Source.SMS_KEYWORD)
        # Anything still waiting for this number is not sent (also checked at send time).
        OutboundMessage.objects.filter(to_phone=from_phone, status=Status.QUEUED).update(
            status=Status.SUPPRESSED, last_error="the number texted STOP", updated_at=timezone.now()
        )
    elif action == InboundSms.Action.START:
        SmsOptOut.objects.filter(phone=from_phone).delete()
        for customer in customers:
            restored = _purposes_taken_by_stop(customer) or [Consent.Purpose.SMS_TRANSACTIONAL]
            for purpose in restored:
                consent_set(customer=customer, purpose=purpose, granted=True, source=Consent.Source.SMS_KEYWORD)
    return InboundResult(action, _reply(action, language), len(customers))


def _purposes_taken_by_stop(customer: Customer) -> list[str]:
    """The SMS purposes whose current answer is a withdrawal made by a STOP reply."""
    taken = []
    for purpose in (Consent.Purpose.SMS_MARKETING, Consent.Purpose.SMS_TRANSACTIONAL):
        latest = Consent.objects.filter(customer=customer, purpose=purpose).order_by("-created_at", "-id").first()
        if latest is not None and not latest.granted and latest.source == Consent.Source.SMS_KEYWORD:
            # Only if it had been granted before that STOP.
            earlier = (
                Consent.objects.filter(customer=customer, purpose=purpose, created_at__lte=latest.created_at)
                .exclude(pk=latest.pk)
                .order_by("-created_at", "-id")
                .first()
            )
            if earlier is not None and earlier.granted:
                taken.append(purpose)
    return taken


# --- push subscriptions ------------------------------------------------------------------


@transaction.atomic
def push_subscription_save(
    *, customer: Customer, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Store this browser's subscription for `customer` and record their push consent (they
    just said yes in the browser's prompt). A browser re-subscribing, or moving to another
    account, keeps one row per endpoint."""
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"customer": customer, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:255]},
    )
    consent_set(customer=customer, purpose=Consent.Purpose.PUSH, granted=True, source=Consent.Source.PUSH_OPT_IN)
    return subscription


@transaction.atomic
def push_subscription_remove(*, customer: Customer, endpoint: str) -> bool:
    """Forget this browser's subscription (the shopper turned notifications off). With no
    browser left, their push consent is withdrawn too."""
    deleted, _ = PushSubscription.objects.filter(customer=customer, endpoint=endpoint).delete()
    if deleted and not PushSubscription.objects.filter(customer=customer).exists():
        consent_set(customer=customer, purpose=Consent.Purpose.PUSH, granted=False, source=Consent.Source.PREFERENCES)
    return bool(deleted)


@transaction.atomic
def push_consent_withdraw(*, customer: Customer, source: str = Consent.Source.PREFERENCES, actor=None) -> None:
    """No more push for this customer: consent withdrawn and every browser forgotten."""
    PushSubscription.objects.filter(customer=customer).delete()
    consent_set(customer=customer, purpose=Consent.Purpose.PUSH, granted=False, source=source, actor=actor)
