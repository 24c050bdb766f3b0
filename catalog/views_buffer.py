"""Product views and searches are pushed to Redis lists on the request path (one RPUSH, no
database write) and flushed to catalog.ProductView / catalog.SearchQuery in batches by the
`catalog.product_views_flush` task (Celery beat, every minute): a search shows in reports,
the Customer 360 and search abandonment within about a minute. If Redis is down a view is
dropped (fail open) but a search is written straight to the database, as before buffering."""

import json
import logging

import redis
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.models import Product, ProductView, SearchQuery
from catalog.redis_client import catalog_redis
from common.failopen import fail_open

logger = logging.getLogger(__name__)
BUFFER_KEY = "catalog:product_views"
SEARCH_BUFFER_KEY = "catalog:searches"


def view_payload(*, product_id: int, customer_id: int | None, session_key: str | None) -> str:
    return json.dumps({"p": product_id, "c": customer_id, "s": session_key or "", "t": timezone.now().isoformat()})


def product_view_record(*, product_id: int, customer_id: int | None, session_key: str | None) -> None:
    """Buffer one view. Losing a view when Redis is down is acceptable; failing the page is not."""
    payload = view_payload(product_id=product_id, customer_id=customer_id, session_key=session_key)
    try:
        catalog_redis().rpush(BUFFER_KEY, payload)
    except redis.RedisError as exc:
        fail_open("product_view_buffer", exc)


def _drain(key: str, batch_size: int):
    """Yield the buffered entries of `key` in batches. LRANGE+LTRIM run in one MULTI, so two
    concurrent flushes never take the same entries."""
    client = catalog_redis()
    while True:
        pipe = client.pipeline(transaction=True)
        pipe.lrange(key, 0, batch_size - 1)
        pipe.ltrim(key, batch_size, -1)
        raw_items, _ = pipe.execute()
        if raw_items:
            yield raw_items
        if len(raw_items) < batch_size:
            return


def _not_erased(customer_ids: set) -> set:
    """Erased customers (C1) stay erased even if something of theirs was still buffered."""
    if not customer_ids:
        return set()
    from django.contrib.auth import get_user_model

    not_erased = get_user_model().objects.filter(pk__in=customer_ids, erased_at__isnull=True)
    return set(not_erased.values_list("pk", flat=True))


def product_views_flush(*, batch_size: int = 5000) -> int:
    """Move buffered views into ProductView. Returns how many rows were written."""
    written = 0
    for raw_items in _drain(BUFFER_KEY, batch_size):
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
        customers = _not_erased({r.customer_id for r in rows if r.customer_id})
        rows = [r for r in rows if r.product_id in existing and (r.customer_id is None or r.customer_id in customers)]
        ProductView.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
    return written


_SEARCH_INSERT_SQL = (
    "INSERT INTO {table} (query, normalized, results_count, customer_id, session_key, created_at) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)


def _searches_insert(rows: list[tuple]) -> None:
    """Rows of (query, normalized, results_count, customer_id, session_key, created_at),
    written with the time each search was made (not the time of the flush)."""
    sql = _SEARCH_INSERT_SQL.format(table=connection.ops.quote_name(SearchQuery._meta.db_table))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _search_row(*, query: str, count: int, customer_id: int | None, session_key: str, at) -> tuple:
    query = query[:200]
    return (query, query.lower(), max(0, int(count)), customer_id, session_key[:40], at)


def search_record(*, query: str, count: int, customer_id: int | None, session_key: str) -> None:
    """Record one storefront search: buffered in Redis (one RPUSH); with Redis down it is
    written to the database at once, so no search is lost to a cache outage."""
    payload = json.dumps(
        {"q": query, "n": int(count), "c": customer_id, "s": session_key or "", "t": timezone.now().isoformat()}
    )
    try:
        catalog_redis().rpush(SEARCH_BUFFER_KEY, payload)
    except redis.RedisError as exc:
        fail_open("search_buffer", exc)
        _searches_insert(
            [_search_row(query=query, count=count, customer_id=customer_id, session_key=session_key, at=timezone.now())]
        )


def searches_flush(*, batch_size: int = 5000) -> int:
    """Move buffered searches into SearchQuery. Returns how many rows were written."""
    written = 0
    for raw_items in _drain(SEARCH_BUFFER_KEY, batch_size):
        parsed = []
        for raw in raw_items:
            try:
                item = json.loads(raw)
                customer_id = int(item["c"]) if item.get("c") is not None else None
                at = parse_datetime(item["t"]) or timezone.now()
                row = _search_row(
                    query=str(item["q"]), count=item["n"], customer_id=customer_id, session_key=str(item["s"]), at=at
                )
                parsed.append(row)
            except (ValueError, KeyError, TypeError):
                logger.warning("dropping malformed search entry %r", raw)
        customers = _not_erased({row[3] for row in parsed if row[3]})
        rows = [row for row in parsed if row[3] is None or row[3] in customers]
        if rows:
            _searches_insert(rows)
        written += len(rows)
    return written


def buffers_flush() -> int:
    """Flush everything the request path buffered (views and searches)."""
    return product_views_flush() + searches_flush()
