"""Product views are pushed to a Redis list on the request path (one RPUSH, no database
write) and flushed to catalog.ProductView in batches by the `catalog.product_views_flush`
task (Celery beat, every minute)."""

import json
import logging

import redis
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.models import Product, ProductView
from catalog.redis_client import catalog_redis
from common.failopen import fail_open

logger = logging.getLogger(__name__)
BUFFER_KEY = "catalog:product_views"


def view_payload(*, product_id: int, customer_id: int | None, session_key: str | None) -> str:
    return json.dumps({"p": product_id, "c": customer_id, "s": session_key or "", "t": timezone.now().isoformat()})


def product_view_record(*, product_id: int, customer_id: int | None, session_key: str | None) -> None:
    """Buffer one view. Losing a view when Redis is down is acceptable; failing the page is not."""
    payload = view_payload(product_id=product_id, customer_id=customer_id, session_key=session_key)
    try:
        catalog_redis().rpush(BUFFER_KEY, payload)
    except redis.RedisError as exc:
        fail_open("product_view_buffer", exc)


def product_views_flush(*, batch_size: int = 5000) -> int:
    """Move buffered views into ProductView. Returns how many rows were written.

    LRANGE+LTRIM run in one MULTI so two concurrent flushes never take the same entries.
    """
    client = catalog_redis()
    written = 0
    while True:
        pipe = client.pipeline(transaction=True)
        pipe.lrange(BUFFER_KEY, 0, batch_size - 1)
        pipe.ltrim(BUFFER_KEY, batch_size, -1)
        raw_items, _ = pipe.execute()
        if not raw_items:
            return written
        rows = []
        for raw in raw_items:
            try:
                item = json.loads(raw)
                rows.append(
                    ProductView(
                        product_id=int(item["p"]),
                        customer_id=item.get("c"),
                        session_key=str(item.get("s") or "")[:40],
                        viewed_at=parse_datetime(item["t"]) or timezone.now(),
                    )
                )
            except (ValueError, KeyError, TypeError):
                logger.warning("dropping malformed product view entry %r", raw)
        existing = set(Product.objects.filter(pk__in={r.product_id for r in rows}).values_list("pk", flat=True))
        customers = {r.customer_id for r in rows if r.customer_id}
        if customers:
            from django.contrib.auth import get_user_model

            # Erased customers (C1) stay erased even if a view of theirs was still buffered.
            not_erased = get_user_model().objects.filter(pk__in=customers, erased_at__isnull=True)
            customers = set(not_erased.values_list("pk", flat=True))
        rows = [r for r in rows if r.product_id in existing and (r.customer_id is None or r.customer_id in customers)]
        ProductView.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
        if len(raw_items) < batch_size:
            return written
