"""R1, R2, R2b, R2c: order placement under real concurrency on real Postgres."""

import json
import threading
import uuid
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.db import OperationalError

from carts.exceptions import CartClosed, OutOfStock
from carts.models import Cart
from catalog.models import Variant
from common.models import DomainEvent
from messaging.models import OutboundEmail
from messaging.services import outbox_publish_new
from orders.exceptions import IdempotencyKeyReused
from orders.models import Order, OrderLine, Payment
from orders.payments import PROVIDERS
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory
from tests.orders.helpers import ADDRESS, place
from tests.reliability.commerce_helpers import carts_with, run_concurrently


@pytest.mark.django_db(transaction=True)
def test_r1_200_concurrent_checkouts_for_10_in_stock_sell_exactly_10():
    variant = VariantFactory(stock=10, price=Decimal("25.00"))
    carts = carts_with([[variant]] * 200, prefix="r1-")

    results = run_concurrently(lambda cart: place(cart, key=f"r1-{cart.pk}"), [(c,) for c in carts], workers=30)

    orders = [r for r, e in results if e is None]
    errors = [e for r, e in results if e is not None]
    assert len(orders) == 10
    assert len(errors) == 190
    assert all(isinstance(e, OutOfStock) for e in errors), {type(e).__name__ for e in errors}
    assert all("out of stock" in str(e) for e in errors)
    variant.refresh_from_db()
    assert variant.stock == 0
    assert Order.objects.count() == 10
    assert OrderLine.objects.filter(variant=variant).count() == 10
    assert Payment.objects.count() == 10
    assert Cart.objects.filter(status=Cart.Status.CONVERTED).count() == 10
    assert OutboundEmail.objects.filter(template="order_confirmation").count() == 10


@pytest.mark.django_db(transaction=True)
def test_r2_same_checkout_replayed_20_times_makes_one_order_one_charge_one_email(monkeypatch):
    cart = CartFactory()
    variant = VariantFactory(stock=50, price=Decimal("10.00"))
    CartLineFactory(cart=cart, variant=variant, quantity=3)
    provider = PROVIDERS["test_card"]
    authorizations = []
    lock = threading.Lock()
    real_authorize = provider.authorize

    def counting_authorize(**kwargs):
        with lock:
            authorizations.append(kwargs["amount"])
        return real_authorize(**kwargs)

    monkeypatch.setattr(provider, "authorize", counting_authorize)
    key = f"checkout:{uuid.uuid4().hex}"

    results = run_concurrently(lambda: place(cart, key=key), [()] * 20, workers=20)

    errors = [e for _, e in results if e is not None]
    assert errors == []
    order_ids = {r.pk for r, _ in results}
    assert len(order_ids) == 1
    assert Order.objects.count() == 1
    assert authorizations == [Decimal("38.50")]  # 30.00 + 5.00 shipping + 3.50 tax, charged once
    assert Payment.objects.count() == 1
    assert OutboundEmail.objects.filter(template="order_confirmation").count() == 1
    variant.refresh_from_db()
    assert variant.stock == 47

    with pytest.raises(IdempotencyKeyReused):
        place(cart, key=key, address={**ADDRESS, "postal_code": "999-9999"})
    assert len(authorizations) == 1


@pytest.mark.django_db(transaction=True)
def test_r2b_opposite_line_order_50_parallel_placements_never_deadlock():
    a, b, c = (VariantFactory(stock=100) for _ in range(3))
    orders = [[a, b, c]] * 25 + [[c, b, a]] * 25
    carts = carts_with(orders, prefix="r2b-")
    # interleave the two line orders so both kinds run at the same time
    carts = [x for pair in zip(carts[:25], carts[25:], strict=True) for x in pair]

    results = run_concurrently(lambda cart: place(cart), [(cart,) for cart in carts], workers=25)

    errors = [e for _, e in results if e is not None]
    assert not [e for e in errors if isinstance(e, OperationalError) or "deadlock" in str(e).lower()]
    assert errors == []
    assert Order.objects.count() == 50
    assert sorted(Variant.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("stock", flat=True)) == [50, 50, 50]


@pytest.mark.django_db(transaction=True)
def test_r2c_rolled_back_placement_enqueues_nothing_committed_one_exactly_one(django_capture_on_commit_callbacks):
    """Placement only writes rows; the relay publishes what committed. A placement that
    rolls back leaves no outbox row and no event, so nothing is ever published for it."""
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("email")
    variant = VariantFactory(stock=1)
    loser = CartFactory()
    CartLineFactory(cart=loser, variant=variant, quantity=1)
    winner = CartFactory()
    CartLineFactory(cart=winner, variant=variant, quantity=1)

    with django_capture_on_commit_callbacks() as callbacks:
        order = place(winner, key="r2c-1")
    assert callbacks == []  # no broker call from the placing request
    # stock is gone by now: the second placement authorizes, then rolls back under the lock
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(OutOfStock):
        place(loser, key="r2c-2")
    assert callbacks == []
    with pytest.raises(CartClosed):
        place(winner, key="r2c-3")
    assert broker.llen("email") == 0

    confirmation = OutboundEmail.objects.get()
    assert confirmation.context["order_number"] == order.number
    assert list(DomainEvent.objects.values_list("name", "payload__number")) == [("order.created", order.number)]
    # The relay (a worker's tick) publishes exactly the committed confirmation, once.
    assert outbox_publish_new() == 1
    assert outbox_publish_new() == 0
    tasks = [json.loads(raw)["headers"] for raw in broker.lrange("email", 0, -1)]
    broker.delete("email")
    assert [(t["task"], t["argsrepr"]) for t in tasks] == [("messaging.deliver", f"({confirmation.pk},)")]


@pytest.mark.django_db(transaction=True)
def test_voucher_usage_limits_hold_under_concurrent_orders():
    from carts.exceptions import VoucherInvalid
    from carts.models import Voucher, VoucherRedemption

    limited = Voucher.objects.create(code="FIRST3", kind="percent", value=Decimal("10"), usage_limit_total=3)
    variant = VariantFactory(stock=100)
    carts = carts_with([[variant]] * 20, prefix="vl-")
    Cart.objects.filter(pk__in=[c.pk for c in carts]).update(voucher=limited)
    for cart in carts:
        cart.voucher = limited

    results = run_concurrently(lambda cart: place(cart), [(c,) for c in carts], workers=20)

    errors = [e for _, e in results if e is not None]
    assert len([r for r, _ in results if r is not None]) == 3
    assert len(errors) == 17 and all(isinstance(e, VoucherInvalid) for e in errors)
    assert Voucher.objects.get(pk=limited.pk).times_used == 3
    assert VoucherRedemption.objects.filter(voucher=limited).count() == 3
    assert Variant.objects.get(pk=variant.pk).stock == 97  # refused orders took no stock
