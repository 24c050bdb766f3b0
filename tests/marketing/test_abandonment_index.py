"""The reminder-1 scan reads carts through an index: at 100 k carts (1 % due) the plan has
no sequential scan on carts, and the due carts are exactly the 1 % made due."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from marketing.models import AbandonmentSettings
from marketing.services.abandonment import abandoned_carts_due, abandoned_carts_due_query
from tests.marketing.factories import VariantFactory

TOTAL = 100_000
DUE = 1_000


def bulk_carts(*, total: int, due: int, variant_id: int) -> None:
    """`due` carts idle 2-3 h; the rest idle 30-400 days (long past the intake window) or
    active in the last 10 minutes. Every cart has one line."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO carts_cart (session_key, status, version, email, attribution, shipping_method,
                                    created_at, updated_at, last_activity_at)
            SELECT 'bench-' || g, 'open', 1, 'cart' || g || '@example.com', '{}'::jsonb, 'standard', now(), now(),
                   CASE WHEN g <= %(due)s THEN now() - interval '2 hours' - (g %% 60) * interval '1 minute'
                        WHEN g %% 10 = 0 THEN now() - (g %% 10) * interval '1 minute'
                        ELSE now() - interval '30 days' - (g %% 370) * interval '1 day' END
            FROM generate_series(1, %(total)s) AS g
            """,
            {"due": due, "total": total},
        )
        cursor.execute(
            """
            INSERT INTO carts_cartline (cart_id, variant_id, quantity, created_at, updated_at)
            SELECT id, %(variant)s, 1, now(), now() FROM carts_cart WHERE session_key LIKE 'bench-%%'
            """,
            {"variant": variant_id},
        )
        cursor.execute("ANALYZE carts_cart")
        cursor.execute("ANALYZE carts_cartline")


@pytest.mark.django_db
def test_due_carts_query_uses_an_index_at_100k_carts():
    bulk_carts(total=TOTAL, due=DUE, variant_id=VariantFactory().pk)
    settings_row = AbandonmentSettings.current()
    now = timezone.now()
    query = abandoned_carts_due_query(now=now, settings_row=settings_row)[:500]
    plan = query.explain()
    assert "carts_cart" in plan
    assert "Seq Scan on carts_cart " not in plan + " ", plan
    due = abandoned_carts_due(now=now, settings_row=settings_row, limit=DUE + 100)
    assert len(due) == DUE
    assert abandoned_carts_due(now=now + timedelta(hours=1), settings_row=settings_row, limit=DUE * 20) != []
