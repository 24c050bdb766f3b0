"""P3: cart-abandonment scan selection with 1 M carts vs 100 k carts, the same 10 k due.

Both data sets are bulk-inserted with generate_series inside one transaction on the
configured database and rolled back at the end (nothing is left behind). The timed part is
what grows with the table if the query is not indexed: paging through every due cart with
the scan's own query (marketing.services.abandonment.abandoned_carts_due_query) in batches
of 500. Prints JSON lines {name, value, unit, reference, ratio}.
Sizes with BENCH_P3_BIG (default 1,000,000), BENCH_P3_SMALL (100,000), BENCH_P3_DUE (10,000).
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_platform.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from marketing.models import AbandonmentSettings  # noqa: E402
from marketing.services.abandonment import abandoned_carts_due_query  # noqa: E402

BIG = int(os.environ.get("BENCH_P3_BIG", "1000000"))
SMALL = int(os.environ.get("BENCH_P3_SMALL", "100000"))
DUE = int(os.environ.get("BENCH_P3_DUE", "10000"))
BATCH = 500


class Rollback(Exception):
    pass


def load(total: int, due: int, variant_id: int, tag: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO carts_cart (session_key, status, version, email, attribution, shipping_method,
                                    created_at, updated_at, last_activity_at)
            SELECT %(tag)s || g, 'open', 1, 'p3-' || g || '@example.com', '{}'::jsonb, 'standard', now(), now(),
                   CASE WHEN g <= %(due)s THEN now() - interval '2 hours' - (g %% 600) * interval '1 second'
                        WHEN g %% 10 = 0 THEN now() - (g %% 30) * interval '1 minute'
                        ELSE now() - interval '10 days' - (g %% 700) * interval '12 hours' END
            FROM generate_series(1, %(total)s) AS g
            """,
            {"due": due, "total": total, "tag": tag},
        )
        cursor.execute(
            """
            INSERT INTO carts_cartline (cart_id, variant_id, quantity, created_at, updated_at)
            SELECT id, %(variant)s, 1, now(), now() FROM carts_cart WHERE session_key LIKE %(like)s
            """,
            {"variant": variant_id, "like": f"{tag}%"},
        )
        cursor.execute("ANALYZE carts_cart")
        cursor.execute("ANALYZE carts_cartline")


def timed_scan(settings_row, now) -> tuple[float, int]:
    """Page through every due cart (keyset on last_activity_at, pk), as the scan selects them."""
    query = abandoned_carts_due_query(now=now, settings_row=settings_row)
    found = 0
    start = time.perf_counter()
    last = None
    while True:
        page = query
        if last is not None:
            page = page.filter(last_activity_at__gte=last[0]).exclude(last_activity_at=last[0], pk__lte=last[1])
        rows = list(page.values_list("last_activity_at", "pk")[:BATCH])
        if not rows:
            break
        found += len(rows)
        last = rows[-1]
    return time.perf_counter() - start, found


def measure(total: int, variant_id: int, settings_row) -> tuple[float, int]:
    result = {}
    try:
        with transaction.atomic():
            load(total, DUE, variant_id, f"p3-{total}-")
            now = timezone.now()
            timed_scan(settings_row, now)  # warm the cache once
            result["t"], result["n"] = min(timed_scan(settings_row, now) for _ in range(3))
            raise Rollback
    except Rollback:
        pass
    return result["t"], result["n"]


def main() -> int:
    from catalog.models import Variant

    variant = Variant.objects.order_by("pk").first()
    if variant is None:
        print("no variant in the database: run seed_demo first", file=sys.stderr)
        return 1
    settings_row = AbandonmentSettings.current()
    small_t, small_n = measure(SMALL, variant.pk, settings_row)
    big_t, big_n = measure(BIG, variant.pk, settings_row)
    assert small_n == big_n == DUE, (small_n, big_n)
    print(json.dumps({"name": "p3_scan_1m_seconds", "value": round(big_t, 4), "unit": "s", "reference": 2.0,
                      "ratio": round(big_t / 2.0, 3)}))  # fmt: skip
    print(json.dumps({"name": "p3_scan_ratio_1m_vs_100k", "value": round(big_t, 4), "unit": "s",
                      "reference": round(small_t, 4), "ratio": round(big_t / small_t, 3)}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
