from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from carts.models import Cart
from marketing.models import AbandonmentSettings
from tests.marketing.factories import CartFactory, CartLineFactory, CustomerFactory, VariantFactory, consent


@pytest.fixture
def flow_settings(db):
    row = AbandonmentSettings.current()
    row.delay1_minutes = 60
    row.delay2_minutes = 24 * 60
    row.promo_percent = 15
    row.promo_valid_days = 7
    row.save()
    return row


@pytest.fixture
def shopper(db):
    customer = CustomerFactory(email="shopper.mkt@example.com", first_name="Hana")
    # A fixed past date: tests freeze the clock at dates before today.
    consent(customer, True, at=datetime(2025, 1, 1, tzinfo=UTC))
    return customer


@pytest.fixture
def make_cart():
    def _make(customer, *, idle: timedelta, lines: int = 2, stock: int = 5) -> Cart:
        cart = CartFactory(customer=customer)
        for _ in range(lines):
            CartLineFactory(cart=cart, variant=VariantFactory(stock=stock), quantity=1)
        Cart.objects.filter(pk=cart.pk).update(last_activity_at=timezone.now() - idle)
        cart.refresh_from_db()
        return cart

    return _make
