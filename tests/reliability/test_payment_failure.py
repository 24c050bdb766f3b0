"""A declined card or a failing provider leaves no order, and stock and voucher untouched."""

from decimal import Decimal

import pytest

from carts.models import Cart, Voucher
from catalog.models import Variant
from messaging.models import OutboundEmail
from orders.exceptions import PaymentDeclined, PaymentProviderError
from orders.models import CheckoutClaim, Order, Payment
from orders.payments import DECLINE_CARD, INSUFFICIENT_FUNDS_CARD, PROVIDER_ERROR_CARD
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, VoucherFactory
from tests.orders.helpers import place


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("card", "error", "text"),
    [
        (DECLINE_CARD, PaymentDeclined, "declined"),
        (INSUFFICIENT_FUNDS_CARD, PaymentDeclined, "insufficient funds"),
        (PROVIDER_ERROR_CARD, PaymentProviderError, "Nothing was charged"),
    ],
)
def test_payment_failure_changes_nothing(card, error, text):
    voucher = VoucherFactory(code="R-KEEP", value=Decimal("10"), usage_limit_total=1)
    cart = CartFactory(voucher=voucher)
    variant = VariantFactory(stock=4)
    CartLineFactory(cart=cart, variant=variant, quantity=2)

    with pytest.raises(error, match=text):
        place(cart, card=card, key="pay-fail-1")

    assert Variant.objects.get(pk=variant.pk).stock == 4
    assert Voucher.objects.get(pk=voucher.pk).times_used == 0
    assert Cart.objects.get(pk=cart.pk).status == Cart.Status.OPEN
    assert Order.objects.count() == 0
    assert Payment.objects.count() == 0
    assert OutboundEmail.objects.count() == 0
    assert CheckoutClaim.objects.count() == 0  # the key can be retried with another card
    order = place(cart, key="pay-fail-1")
    assert order.voucher_code == "R-KEEP"
    assert Voucher.objects.get(pk=voucher.pk).times_used == 1
