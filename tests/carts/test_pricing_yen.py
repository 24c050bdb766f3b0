"""Yen and Japanese consumption tax (carts/pricing.py rules 8-9): whole yen, tax per rate
(10 % standard, 8 % reduced for food) rounded once per rate, prices tax-inclusive (税込).
Expected values are computed by hand in the comments."""

from decimal import Decimal

import pytest

from carts.pricing import cart_price
from carts.selectors import cart_with_lines
from catalog.models import Product
from tests.carts.factories import CartFactory, CartLineFactory, ProductFactory, VariantFactory, VoucherFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def yen(settings):
    settings.CURRENCY = "JPY"
    settings.CURRENCY_DECIMAL_PLACES = 0
    settings.PRICES_INCLUDE_TAX = True
    settings.TAX_RATE = D("0.10")
    settings.TAX_RATE_REDUCED = D("0.08")
    settings.SHIPPING_FLAT_RATE = D("550")
    settings.SHIPPING_EXPRESS_RATE = D("1100")
    settings.FREE_SHIPPING_THRESHOLD = D("5000")
    return settings


def _variant(price: str, *, food: bool = False):
    tax_class = Product.TaxClass.REDUCED if food else Product.TaxClass.STANDARD
    return VariantFactory(price=D(price), product=ProductFactory(tax_class=tax_class))


def price(cart):
    return cart_price(cart_with_lines(cart.pk))


def test_tax_inclusive_prices_split_tax_per_rate_and_add_nothing(yen):
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=_variant("12800"), quantity=1)  # jacket, 10 %
    CartLineFactory(cart=cart, variant=_variant("1080", food=True), quantity=2)  # green tea, 8 %: 2,160
    b = price(cart)
    assert b.subtotal == D("14960")
    assert b.shipping == D("0")  # over ¥5,000
    # 10 %: 12,800 × 10/110 = 1,163.6… → 1,164; 8 %: 2,160 × 8/108 = 160 exactly
    assert [(t.rate, t.amount, t.tax) for t in b.tax_lines] == [
        (D("0.10"), D("12800"), D("1164")),
        (D("0.08"), D("2160"), D("160")),
    ]
    assert b.tax == D("1324")
    assert b.total == D("14960")  # tax is inside the prices
    assert b.prices_include_tax is True
    assert [line.tax_rate for line in b.lines] == [D("0.10"), D("0.08")]


def test_voucher_is_shared_over_the_rates_before_tax(yen):
    cart = CartFactory(voucher=VoucherFactory(kind="percent", value=D("10"), min_spend=D("0")))
    CartLineFactory(cart=cart, variant=_variant("12800"))
    CartLineFactory(cart=cart, variant=_variant("1080", food=True), quantity=2)
    b = price(cart)
    # 10 % of 14,960 = 1,496. Reduced share = round(1,496 × 2,160 / 14,960) = 216;
    # the standard rate (the larger) takes the rest: 1,280.
    assert b.voucher_discount == D("1496")
    # 10 %: (12,800 − 1,280) = 11,520 × 10/110 = 1,047.27 → 1,047; 8 %: 1,944 × 8/108 = 144
    assert [(t.amount, t.tax) for t in b.tax_lines] == [(D("11520"), D("1047")), (D("1944"), D("144"))]
    assert b.total == D("13464")


def test_yen_amounts_are_whole_and_half_a_yen_rounds_up(yen):
    cart = CartFactory(voucher=VoucherFactory(kind="percent", value=D("10"), min_spend=D("0")))
    CartLineFactory(cart=cart, variant=_variant("1005"))
    b = price(cart)
    assert b.voucher_discount == D("101")  # 100.5 → 101
    assert b.shipping == D("550")  # under ¥5,000: shipping, taxed at the standard rate
    assert b.total == D("1454")  # 1,005 − 101 + 550
    assert b.tax == D("132")  # 1,454 × 10/110 = 132.18 → 132
    for amount in (b.subtotal, b.voucher_discount, b.tax, b.total):
        assert amount == amount.to_integral_value()


def test_fixed_yen_voucher(yen):
    cart = CartFactory(voucher=VoucherFactory(kind="fixed", value=D("500"), min_spend=D("3000")))
    CartLineFactory(cart=cart, variant=_variant("3300"))
    b = price(cart)
    assert b.voucher_discount == D("500")
    # 3,300 − 500 = 2,800 (+ ¥550 shipping under ¥5,000) = 3,350; tax 3,350 × 10/110 = 304.55 → 305
    assert (b.total, b.tax) == (D("3350"), D("305"))


def test_tax_exclusive_prices_add_tax_per_rate(settings):
    settings.PRICES_INCLUDE_TAX = False
    settings.TAX_RATE_REDUCED = D("0.08")
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=_variant("10.00"))
    CartLineFactory(cart=cart, variant=_variant("5.00", food=True))
    b = price(cart)
    # standard: 10.00 + 5.00 shipping = 15.00 → 1.50; reduced: 5.00 → 0.40
    assert [(t.amount, t.tax) for t in b.tax_lines] == [(D("15.00"), D("1.50")), (D("5.00"), D("0.40"))]
    assert b.total == D("21.90")
