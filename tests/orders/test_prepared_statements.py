"""Order placement's hot statements bind their parameters server-side (common.sql.
bound_cursor) and Postgres prepares them after DATABASE_PREPARE_THRESHOLD runs on a
connection: later placements skip parsing and planning. The orders stay the same."""

from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import Variant
from messaging.models import OutboundEmail
from orders.models import CheckoutClaim, Order
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_repeated_placements_run_prepared_statements_with_the_same_results(settings):
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    assert threshold is not None and threshold <= 5
    variant = VariantFactory(price=Decimal("12.50"), stock=100)
    orders, carts = [], []
    for n in range(threshold + 2):
        cart = CartFactory(email=f"prepared{n}@example.com")
        CartLineFactory(cart=cart, variant=variant, quantity=2)
        carts.append(cart)
        orders.append(place(cart, key=f"prepared-{n}", expected_version=cart.version))
    prepared = " ".join(_prepared())
    assert 'INSERT INTO "orders_checkoutclaim"' in prepared  # the idempotency claim
    assert 'FROM "catalog_variant" WHERE id = ANY' in prepared  # the stock row lock
    assert 'UPDATE "catalog_variant" AS v SET stock = v.stock - x.qty' in prepared  # the decrement
    assert 'FROM "carts_cart" WHERE id = $1 FOR UPDATE' in prepared  # the cart lock
    # Same rows as before: every order complete, its claim completed, stock taken once each.
    for order in orders:
        order = Order.objects.get(pk=order.pk)
        assert order.total == orders[0].total
        assert order.lines.get().quantity == 2
        assert CheckoutClaim.objects.get(order=order).status == CheckoutClaim.Status.COMPLETED
        assert OutboundEmail.objects.filter(dedupe_key=f"order:{order.number}:order_confirmation").count() == 1
    assert Variant.objects.get(pk=variant.pk).stock == 100 - 2 * len(orders)
    # A replay through the prepared claim statement still returns the first order.
    assert place(carts[0], key="prepared-0").pk == orders[0].pk
    assert Order.objects.filter(cart_id=carts[0].pk).count() == 1


def test_placement_statements_are_parsed_once_per_shape_not_per_order(monkeypatch):
    """psycopg caches its parse of a server-bound statement only up to a parameter count;
    placement's single INSERT of order, lines, payment and event has more than its default
    (50), and common.sql raises the limit. No placement statement takes the uncached path,
    and placing the same shape of order again parses nothing new."""
    from psycopg import _queries

    uncached = []
    parse = _queries._query2pg_nocache  # the uncached path looks this name up per call

    def counting(query, encoding):
        uncached.append(query)
        return parse(query, encoding)

    monkeypatch.setattr(_queries, "_query2pg_nocache", counting)
    variant = VariantFactory(price=Decimal("9.00"), stock=50)
    carts = []
    for n in range(3):
        cart = CartFactory(email=f"parse{n}@example.com")
        CartLineFactory(cart=cart, variant=variant, quantity=1)
        carts.append(cart)
    place(carts[0], key="parse-0", expected_version=carts[0].version)
    place(carts[1], key="parse-1", expected_version=carts[1].version)  # every statement seen twice
    misses = _queries._query2pg.cache_info().misses
    place(carts[2], key="parse-2", expected_version=carts[2].version)
    assert _queries._query2pg.cache_info().misses == misses
    assert [q[:60] for q in uncached] == []
    assert Order.objects.filter(cart_id__in=[c.pk for c in carts]).count() == 3
