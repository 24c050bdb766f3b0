"""Record business events (the webhook outbox). Call `event_record` inside the transaction of
the change the event describes; the row commits or rolls back with it, and nothing is sent
from the request: the relay (api.webhooks.webhook_events_relay) delivers committed events."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from common.models import DomainEvent, EventName
from common.sql import bound_cursor, insert_sql


def event_record(*, name: str, payload: dict) -> None:
    """Write one event row (one INSERT; no subscription lookup, no cache or broker call).
    `payload` must be JSON-serialisable (Decimal, datetime and UUID are converted)."""
    if name not in EventName.values:
        raise ValueError(f"unknown event {name!r}")
    event = DomainEvent(name=name, payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)))
    sql, params = insert_sql([event])
    with bound_cursor() as cursor:
        cursor.execute(sql, params)
