"""`seed_demo --currency JPY`: a believable Japanese shop (issue 16) — yen prices the way
Japanese shops write them, a food aisle at the reduced consumption-tax rate, a fixed yen
voucher, order history priced tax-inclusive per rate, Japanese names everywhere; and the
command refuses a currency the deployment does not sell in."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from carts.models import Voucher
from catalog.models import Category, Product, Variant
from catalog.search import product_search
from customers.models import Customer
from orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)

YEN = {
    "CURRENCY": "JPY",
    "CURRENCY_DECIMAL_PLACES": 0,
    "PRICES_INCLUDE_TAX": True,
    "SHIPPING_FLAT_RATE": Decimal("550"),
    "SHIPPING_EXPRESS_RATE": Decimal("1100"),
    "FREE_SHIPPING_THRESHOLD": Decimal("5000"),
}


def test_a_yen_demo_shop(settings):
    for name, value in YEN.items():
        setattr(settings, name, value)
    call_command("seed_demo", currency="JPY", customers=20, products=20, quiet_progress=True, stdout=io.StringIO())

    prices = list(Variant.objects.values_list("price", flat=True))
    assert prices and all(price == price.to_integral_value() and price >= 500 for price in prices)
    # Clothes and goods: ¥3,980, ¥12,800. Food is priced from its tax-exclusive price (¥800 →
    # ¥864 with 8 %), as Japanese food shops do.
    goods = Variant.objects.exclude(product__category__parent__slug="food").values_list("price", flat=True)
    assert all(int(price) % 10 == 0 for price in goods)
    food = Product.objects.filter(category__parent__slug="food")
    assert food.count() == 5 and set(food.values_list("tax_class", flat=True)) == {Product.TaxClass.REDUCED}
    assert not Product.objects.filter(name_ja__isnull=True).exists()
    assert not Category.objects.filter(name_ja__isnull=True).exists()
    fixed = Voucher.objects.get(code="SAVE500")
    assert (fixed.kind, fixed.value, fixed.min_spend) == (Voucher.Kind.FIXED, Decimal("500"), Decimal("3000"))

    orders = list(Order.objects.all())
    assert orders and all(order.prices_include_tax for order in orders)
    for order in orders:
        # Tax inside the prices: the total is merchandise + shipping, tax per rate whole yen.
        assert order.total == order.subtotal - order.discount_total + order.shipping_total
        assert order.tax_total == sum(Decimal(t["tax"]) for t in order.tax_breakdown)
        assert order.tax_total == order.tax_total.to_integral_value()

    assert Customer.objects.filter(language="ja", addresses__country="JP").exists()
    with translation.override("ja"):
        assert [p.name for p in product_search(query="煎茶")] == ["静岡県産 煎茶 100g"]
        assert {p.name for p in product_search(query="お茶")} >= {"静岡県産 煎茶 100g", "宇治抹茶 30g"}  # the category
        assert any("ジャケット" in p.name for p in product_search(query="じゃけっと"))


def test_a_currency_the_shop_does_not_sell_in_is_refused(settings):
    settings.CURRENCY = "USD"
    with pytest.raises(CommandError, match="CURRENCY=JPY"):
        call_command("seed_demo", currency="JPY", customers=1, products=1, quiet_progress=True, stdout=io.StringIO())
