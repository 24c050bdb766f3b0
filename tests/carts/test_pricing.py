"""Pricing rules (carts/pricing.py docstring), expected values computed by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from carts.models import Cart, CartOverride
from carts.pricing import cart_price
from carts.selectors import cart_with_lines
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, VoucherFactory, agent

pytestmark = pytest.mark.django_db

D = Decimal


def price(cart):
    return cart_price(cart_with_lines(cart.pk))


def test_empty_cart_is_all_zero_and_ships_free():
    cart = CartFactory()
    b = price(cart)
    assert b.is_empty
    assert (b.subtotal, b.shipping, b.tax, b.total) == (D("0"), D("0"), D("0.00"), D("0.00"))


def test_lines_shipping_below_threshold_and_tax_on_goods_plus_shipping():
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("12.50")), quantity=2)  # 25.00
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("3.99")), quantity=3)  # 11.97
    b = price(cart)
    assert b.subtotal == D("36.97")
    assert b.shipping == D("5.00")  # below the 50.00 threshold
    # tax = round((36.97 + 5.00) * 0.10) = round(4.197) = 4.20
    assert b.tax == D("4.20")
    assert b.total == D("46.17")
    assert b.item_count == 5
    assert b.free_shipping_remaining == D("13.03")


def test_free_standard_shipping_at_threshold_but_express_always_charged():
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("50.00")))
    b = price(cart)
    assert b.shipping == D("0")
    assert b.total == D("55.00")  # 50 + 0 + 5.00 tax
    cart.shipping_method = Cart.ShippingMethod.EXPRESS
    cart.save()
    b = price(cart)
    assert b.shipping == D("15.00")
    assert b.tax == D("6.50")
    assert b.total == D("71.50")


def test_percent_voucher_rounds_half_up_once():
    cart = CartFactory(voucher=VoucherFactory(kind="percent", value=D("15")))
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("33.30")))
    b = price(cart)
    # 15% of 33.30 = 4.995 -> 5.00 (half up)
    assert b.voucher_discount == D("5.00")
    assert b.merchandise_total == D("28.30")
    # (28.30 + 5.00) * 0.10 = 3.33
    assert b.tax == D("3.33")
    assert b.total == D("36.63")


def test_fixed_voucher_is_capped_at_the_merchandise():
    cart = CartFactory(voucher=VoucherFactory(kind="fixed", value=D("30.00")))
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("20.00")))
    b = price(cart)
    assert b.voucher_discount == D("20.00")
    assert b.merchandise_total == D("0.00")
    assert b.shipping == D("5.00")
    assert b.total == D("5.50")


def test_voucher_below_min_spend_or_expired_is_not_applied_and_says_why():
    cart = CartFactory(voucher=VoucherFactory(code="BIG", value=D("10"), min_spend=D("100.00")))
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("40.00")))
    b = price(cart)
    assert b.voucher_discount == D("0")
    assert "minimum spend of $100.00" in b.voucher_message
    assert "add $60.00 more" in b.voucher_message

    cart.voucher = VoucherFactory(code="OLD", valid_to=timezone.now() - timedelta(days=1))
    cart.save()
    b = price(cart)
    assert b.voucher_discount == D("0")
    assert "expired" in b.voucher_message


def test_line_override_then_voucher_then_cart_override_in_that_order():
    staff = agent()
    cart = CartFactory(voucher=VoucherFactory(kind="percent", value=D("10")))
    line_a = CartLineFactory(cart=cart, variant=VariantFactory(price=D("40.00")))  # 40.00
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("10.00")), quantity=3)  # 30.00
    CartOverride.objects.create(
        cart=cart,
        line=line_a,
        scope="line",
        kind="percent",
        value=D("12.5"),
        reason_code="goodwill",
        reason_text="late",
        agent=staff,
    )
    CartOverride.objects.create(
        cart=cart,
        scope="cart",
        kind="amount",
        value=D("2.35"),
        reason_code="goodwill",
        reason_text="x",
        agent=staff,
    )
    # pending overrides are never priced
    CartOverride.objects.create(
        cart=cart,
        scope="cart",
        kind="percent",
        value=D("40"),
        reason_code="other",
        reason_text="y",
        agent=staff,
        status="pending_approval",
    )
    b = price(cart)
    assert b.subtotal == D("70.00")
    assert b.line_discount_total == D("5.00")  # 12.5% of 40.00
    # voucher 10% of 65.00 = 6.50; cart override 2.35 of 58.50
    assert b.voucher_discount == D("6.50")
    assert b.override_discount == D("2.35")
    assert b.discount_total == D("13.85")
    assert b.merchandise_total == D("56.15")
    assert b.shipping == D("0")  # 56.15 >= 50
    assert b.tax == D("5.62")  # 5.615 -> 5.62 half up
    assert b.total == D("61.77")


def test_as_dict_is_json_ready():
    import json

    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("9.99")))
    data = price(cart).as_dict()
    assert json.loads(json.dumps(data))["total"] == "16.49"  # 9.99 + 5.00 + 1.50 (1.499 -> 1.50)
