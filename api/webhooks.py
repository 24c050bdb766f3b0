"""Outgoing webhooks (SPEC C9).

`webhook_emit(event, payload)` is called inside the transaction of the business change: it
writes one WebhookDelivery row per active subscription to `event` (so the delivery is
durable and rolls back with the change) and enqueues the Celery task `webhooks.deliver`
after commit. Delivery is at-least-once: receivers dedupe on the `X-UC-Delivery` id.

Every request is a POST of JSON

    {"id": "<delivery event id>", "event": "order.created", "created_at": "…", "data": {…}}

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

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from redis.exceptions import RedisError

from api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from common.tasks import enqueue_on_commit

SUBSCRIBED_EVENTS_CACHE_KEY = "api:webhooks:subscribed-events"
SUBSCRIBED_EVENTS_CACHE_SECONDS = 300
SIGNATURE_TOLERANCE_SECONDS = 300


def subscribed_events() -> set[str]:
    """Events with at least one active subscription (cached; cleared when subscriptions change),
    so business writes pay no database query while nobody subscribes."""
    try:
        events = cache.get(SUBSCRIBED_EVENTS_CACHE_KEY)
    except RedisError:  # Redis down must never fail the business write that emits
        events = None
    if events is None:
        events = sorted(
            {
                e
                for row in WebhookSubscription.objects.filter(is_active=True).values_list("events", flat=True)
                for e in row
            }
        )
        try:
            cache.set(SUBSCRIBED_EVENTS_CACHE_KEY, events, timeout=SUBSCRIBED_EVENTS_CACHE_SECONDS)
        except RedisError:
            pass
    return set(events)


def subscribed_events_forget() -> None:
    try:
        cache.delete(SUBSCRIBED_EVENTS_CACHE_KEY)
    except RedisError:
        pass  # the entry expires by itself (SUBSCRIBED_EVENTS_CACHE_SECONDS)


def webhook_emit(event: str, payload: dict) -> list[WebhookDelivery]:
    """Record `event` for every active subscriber and deliver after commit.

    Call inside the transaction of the change the event describes; `payload` must be
    JSON-serialisable (Decimal/datetime/UUID are converted). Returns the deliveries written.
    """
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    if event not in subscribed_events():
        return []
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    subscriptions = [s for s in WebhookSubscription.objects.filter(is_active=True) if event in s.events]
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=s, event=event, payload=data) for s in subscriptions]
    )
    from api.tasks import webhook_deliver

    for delivery in deliveries:
        enqueue_on_commit(webhook_deliver, delivery.pk)
    return deliveries


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
