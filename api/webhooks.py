"""Outgoing webhooks (SPEC C9), delivered from the events table.

Business services record an event row (`common.events.event_record`: order.created,
order.paid, order.fulfilled, case.created, cart.abandoned) inside the transaction of the
change, as the email outbox does; no subscription is looked up and no broker or cache is
touched there. The relay then works outside any business transaction:

1. Each Celery worker's relay tick (commerce_platform.relay) sees unrelayed events and
   publishes one `webhooks.relay` task (queue `webhooks`).
2. `webhook_events_relay` claims a batch of new events (FOR UPDATE SKIP LOCKED), writes one
   WebhookDelivery per active subscription to each event, marks the events relayed — one
   transaction — and after commit enqueues `webhooks.deliver` per delivery.
3. `webhooks.deliver` POSTs the signed event (api.tasks). Delivery is at-least-once:
   receivers dedupe on the `X-UC-Delivery` id, which is the event's id.

Every request is a POST of JSON

    {"id": "<event id>", "event": "order.created", "created_at": "…", "data": {…}}

with headers

    X-UC-Event: order.created
    X-UC-Delivery: <event id>
    X-UC-Timestamp: <unix seconds>
    X-UC-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

Receivers recompute the HMAC over the exact raw body, compare in constant time and reject
timestamps older than a few minutes (replay protection): see `webhook_signature_verify`.
"""

import hashlib
import hmac
import json
import time

from django.db import transaction
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from common.events import event_record
from common.models import DomainEvent
from common.tasks import enqueue_on_commit

SIGNATURE_TOLERANCE_SECONDS = 300
RELAY_BATCH_SIZE = 200


def webhook_emit(event: str, payload: dict) -> None:
    """Record `event` for the webhook relay (for apps above api; the others call
    common.events.event_record directly). Call inside the transaction of the change."""
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    event_record(name=event, payload=payload)


def webhook_events_waiting() -> bool:
    """Whether any event waits to be fanned out (one index probe; the relay tick's check)."""
    return DomainEvent.objects.filter(relayed_at__isnull=True).exists()


def webhook_events_relay(*, limit: int = RELAY_BATCH_SIZE) -> int:
    """Fan new events out to the active subscriptions; returns how many events were relayed.

    One transaction per batch: claim up to `limit` unrelayed events (SKIP LOCKED, so
    concurrent relays share the work and never fan one event out twice), write a
    WebhookDelivery per subscriber (its `event_id` is the event's id), mark the events
    relayed; the deliveries are enqueued after commit. Events nobody subscribes to are
    only marked relayed."""
    relayed = 0
    while True:
        with transaction.atomic():
            events = list(
                DomainEvent.objects.select_for_update(skip_locked=True)
                .filter(relayed_at__isnull=True)
                .order_by("id")[:limit]
            )
            if not events:
                return relayed
            subscriptions = list(WebhookSubscription.objects.filter(is_active=True))
            deliveries = WebhookDelivery.objects.bulk_create(
                [
                    WebhookDelivery(
                        subscription=subscription,
                        event=event.name,
                        event_id=event.public_id,
                        payload=event.payload,
                        created_at=event.created_at,
                    )
                    for event in events
                    for subscription in subscriptions
                    if event.name in subscription.events
                ]
            )
            DomainEvent.objects.filter(pk__in=[event.pk for event in events]).update(relayed_at=timezone.now())
            from api.tasks import webhook_deliver

            for delivery in deliveries:
                enqueue_on_commit(webhook_deliver, delivery.pk)
        relayed += len(events)
        if len(events) < limit:
            return relayed


def webhook_body(delivery: WebhookDelivery) -> bytes:
    envelope = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def webhook_signature_verify(
    *, secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = SIGNATURE_TOLERANCE_SECONDS
) -> bool:
    """What a receiver does: parse `t=…,v1=…`, check the age, compare the HMAC in constant time."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, received)
