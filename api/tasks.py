"""Webhook delivery (queue `webhooks`, routed by the `webhooks.` name prefix)."""

import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from api.models import WebhookDelivery
from api.webhooks import webhook_body, webhook_events_relay, webhook_signature

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 10
LEASE = timedelta(seconds=TIMEOUT_SECONDS * 3)


def retry_delay(attempt: int) -> float:
    """Exponential backoff: base × 2^(attempt-1), capped at one hour (base 30 s by default:
    30 s, 1 min, 2 min, 4 min, 8 min)."""
    base = float(getattr(settings, "WEBHOOK_RETRY_BASE_SECONDS", 30))
    return min(base * 2 ** (attempt - 1), 3600.0)


class DeliveryFailed(Exception):
    pass


def webhook_attempt(delivery: WebhookDelivery) -> int:
    """POST the signed event once; return the HTTP status (raises DeliveryFailed otherwise)."""
    body = webhook_body(delivery)
    timestamp = int(time.time())
    url = delivery.subscription.url
    if not url.lower().startswith(("https://", "http://")):
        raise DeliveryFailed("only http(s) URLs are delivered to")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "UnifiedCommerce-Webhooks/1",
            "X-UC-Event": delivery.event,
            "X-UC-Delivery": str(delivery.event_id),
            "X-UC-Timestamp": str(timestamp),
            "X-UC-Signature": webhook_signature(secret=delivery.subscription.secret, timestamp=timestamp, body=body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - scheme checked above
            return response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


@shared_task(name="webhooks.deliver", bind=True, ignore_result=True, max_retries=MAX_ATTEMPTS - 1)
def webhook_deliver(self, delivery_id: int) -> str:
    """Deliver one WebhookDelivery. Already delivered or failed rows are left alone (a
    redelivered task is a no-op); failures retry with exponential backoff, and after
    MAX_ATTEMPTS the row is marked failed (visible in admin). At-least-once: a worker killed
    mid-POST leaves the attempt counted and the broker redelivers; receivers dedupe on
    X-UC-Delivery."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return "skipped"
    now = timezone.now()
    # Claim the attempt with a lease: a duplicate of this message (broker redelivery, a second
    # worker) arriving while the POST is in flight skips. A worker that dies mid-POST leaves
    # the lease to expire, so the broker's redelivery later retries.
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(attempts=F("attempts") + 1, last_attempt_at=now, lease_until=now + LEASE)
    )
    if not claimed:
        return "skipped"
    delivery.refresh_from_db(fields=["attempts"])
    attempts = delivery.attempts
    try:
        status = webhook_attempt(delivery)
    except DeliveryFailed as exc:
        final = attempts >= MAX_ATTEMPTS
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            lease_until=None,
            last_error=str(exc)[:2000],
            response_status=getattr(exc.__cause__, "code", None),
            status=WebhookDelivery.Status.FAILED if final else WebhookDelivery.Status.PENDING,
        )
        if final:
            logger.warning("webhook delivery failed", extra={"delivery": delivery.pk, "error": str(exc)})
            return "failed"
        raise self.retry(countdown=retry_delay(attempts), exc=exc) from None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        lease_until=None,
        delivered_at=timezone.now(),
        response_status=status,
        last_error="",
        status=WebhookDelivery.Status.SUCCEEDED,
    )
    return "delivered"


@shared_task(name="webhooks.relay", ignore_result=True)
def webhook_relay() -> int:
    """Fan committed business events out to their subscribers and enqueue the deliveries
    (published by the worker relay tick when events wait; also on beat as a safety net)."""
    return webhook_events_relay()
