from decimal import Decimal

import pytest

from carts.exceptions import CartClosed, OutOfStock
from carts.models import Cart, VoucherRedemption
from catalog.models import Variant
from messaging.models import OutboundEmail
from orders.exceptions import (
    IdempotencyKeyReused,
    IllegalTransition,
    PaymentDeclined,
    PaymentProviderError,
    RefundTooLarge,
)
from orders.models import Order, OrderEvent, Payment
from orders.payments import DECLINE_CARD, PROVIDER_ERROR_CARD
from orders.services import (
    order_cancel,
    order_fulfil,
    order_link,
    order_mark_delivered,
    order_mark_paid,
    order_refund,
    order_return_receive,
    order_return_request,
)
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, VoucherFactory, agent
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db
D = Decimal


def _cart(price="20.00", quantity=2, stock=5, **kwargs):
    cart = CartFactory(**kwargs)
    variant = VariantFactory(price=D(price), stock=stock)
    CartLineFactory(cart=cart, variant=variant, quantity=quantity)
    return cart, variant


def test_place_copies_prices_decrements_stock_converts_cart_and_writes_one_email():
    cart, variant = _cart(voucher=VoucherFactory(code="TEN", value=D("10")))
    order = place(cart)

    # 2 × 20.00 = 40.00; voucher 10% = 4.00; shipping 5.00 (36.00 < 50); tax round(4.10) = 4.10
    assert (order.subtotal, order.discount_total, order.shipping_total, order.tax_total, order.total) == (
        D("40.00"),
        D("4.00"),
        D("5.00"),
        D("4.10"),
        D("45.10"),
    )
    assert order.status == Order.Status.PLACED
    assert order.number.startswith("UC-") and len(order.number) == 12
    line = order.lines.get()
    assert (line.sku, line.unit_price, line.quantity, line.total) == (variant.sku, D("20.00"), 2, D("40.00"))
    variant.refresh_from_db()
    assert variant.stock == 3
    cart.refresh_from_db()
    assert cart.status == Cart.Status.CONVERTED
    assert VoucherRedemption.objects.get().order_number == order.number
    assert cart.voucher.__class__.objects.get(pk=cart.voucher_id).times_used == 1
    assert Payment.objects.get(order=order).status == Payment.Status.AUTHORIZED
    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.actor, event.actor_kind) == ("placed", cart.customer, "shopper")
    email = OutboundEmail.objects.get()
    assert (email.to_email, email.template, email.dedupe_key) == (
        cart.email,
        "order_confirmation",
        f"order:{order.number}:order_confirmation",
    )
    assert email.context["total"] == "$45.10"
    # prices are copied: a later price change does not touch the order
    Variant.objects.filter(pk=variant.pk).update(price=D("99.00"))
    assert order.lines.get().unit_price == D("20.00")


def test_guest_checkout_creates_a_guest_customer_and_agent_orders_record_the_agent():
    cart = CartFactory(customer=None, session_key="guest-1", email="")
    CartLineFactory(cart=cart)
    order = place(cart, email="new.guest@example.com", actor=None)
    assert order.customer.email == "new.guest@example.com"
    assert order.customer.is_guest
    assert order.source == "organic"

    staff = agent()
    cart2, _ = _cart(attribution={"utm_source": "instagram"})
    order2 = place(cart2, actor=staff, placed_by=staff)
    assert order2.placed_by == staff and order2.source == "agent"
    assert order2.events.get().actor_kind == "agent"
    cart3, _ = _cart(attribution={"utm_source": "instagram", "utm_medium": "post"})
    assert place(cart3).source == "social"
    cart4, _ = _cart(attribution={"utm_medium": "email", "utm_campaign": "abandon"})
    order4 = place(cart4)
    assert order4.source == "email" and order4.attribution["utm_campaign"] == "abandon"


@pytest.mark.parametrize(
    ("card", "error"), [(DECLINE_CARD, PaymentDeclined), (PROVIDER_ERROR_CARD, PaymentProviderError)]
)
def test_payment_failure_leaves_no_order_and_nothing_changed(card, error):
    voucher = VoucherFactory(code="KEEP", value=D("10"), usage_limit_total=5)
    cart, variant = _cart(voucher=voucher)
    with pytest.raises(error):
        place(cart, card=card, key="k-decline")
    variant.refresh_from_db()
    voucher.refresh_from_db()
    cart.refresh_from_db()
    assert variant.stock == 5
    assert voucher.times_used == 0
    assert cart.status == Cart.Status.OPEN
    assert Order.objects.count() == 0 and Payment.objects.count() == 0 and OutboundEmail.objects.count() == 0
    # the key is free again: the shopper retries with a good card
    assert place(cart, key="k-decline").total == D("45.10")  # 40 - 4 voucher + 5 shipping + 4.10 tax


def test_replay_returns_first_order_and_other_body_is_refused():
    cart, variant = _cart()
    first = place(cart, key="checkout-123")
    assert place(cart, key="checkout-123").pk == first.pk
    with pytest.raises(IdempotencyKeyReused):
        place(cart, key="checkout-123", address={**first.shipping_address, "line1": "Somewhere else"})
    variant.refresh_from_db()
    assert variant.stock == 3
    assert Order.objects.count() == 1 and OutboundEmail.objects.count() == 1


def test_second_submit_without_key_finds_cart_converted():
    cart, _ = _cart()
    place(cart)
    with pytest.raises(CartClosed):
        place(cart)


def test_out_of_stock_at_placement():
    cart, variant = _cart(quantity=2, stock=5)
    Variant.objects.filter(pk=variant.pk).update(stock=1)
    with pytest.raises(OutOfStock, match="Only 1"):
        place(cart)
    variant.refresh_from_db()
    assert variant.stock == 1
    assert Order.objects.count() == 0


def test_lifecycle_happy_path_with_events_and_emails():
    staff = agent()
    cart, variant = _cart()
    order = place(cart)
    order = order_mark_paid(order=order, actor=staff)
    assert order.payments.get().status == Payment.Status.CAPTURED
    with pytest.raises(IllegalTransition):
        order_mark_delivered(order=order, actor=staff)
    order = order_fulfil(order=order, actor=staff, carrier="Yamato", tracking_number="YT123")
    order = order_mark_delivered(order=order, actor=staff)
    order = order_return_request(order=order, actor=order.customer, reason="too small")
    order = order_return_receive(order=order, actor=staff)
    variant.refresh_from_db()
    assert variant.stock == 5  # returned items back in stock
    order = order_refund(order=order, actor=staff)
    assert order.status == Order.Status.REFUNDED and order.refunded_total == D("49.50")  # 40.00 + 5.00 + 4.50
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds == ["placed", "paid", "fulfilled", "delivered", "return_requested", "return_received", "refunded"]
    templates = sorted(OutboundEmail.objects.values_list("template", flat=True))
    assert templates == sorted(
        [
            "order_confirmation",
            "order_payment_receipt",
            "order_shipped",
            "order_delivered",
            "order_return_requested",
            "order_return_received",
            "order_refunded",
        ]
    )
    shipped = OutboundEmail.objects.get(template="order_shipped")
    assert shipped.context["tracking_number"] == "YT123"


def test_cancel_restocks_and_refunds_captured_payment_once():
    staff = agent()
    cart, variant = _cart()
    order = order_mark_paid(order=place(cart), actor=staff)
    order = order_cancel(order=order, actor=staff, reason="customer asked")
    variant.refresh_from_db()
    assert variant.stock == 5
    assert order.status == Order.Status.CANCELLED and order.refunded_total == D("49.50")
    assert order.payments.get().status == Payment.Status.REFUNDED
    with pytest.raises(IllegalTransition, match="cannot be cancelled"):
        order_cancel(order=order, actor=staff)
    variant.refresh_from_db()
    assert variant.stock == 5


def test_cancel_unpaid_voids_and_shipped_cannot_be_cancelled():
    staff = agent()
    cart, _ = _cart()
    order = order_cancel(order=place(cart), actor=staff)
    assert order.payments.get().status == Payment.Status.VOIDED and order.refunded_total == D("0")
    cart2, _ = _cart()
    order2 = order_fulfil(
        order=order_mark_paid(order=place(cart2), actor=staff), actor=staff, carrier="DHL", tracking_number="1"
    )
    with pytest.raises(IllegalTransition):
        order_cancel(order=order2, actor=staff)


def test_partial_then_full_refund_and_no_over_refund():
    staff = agent()
    cart, _ = _cart()
    order = order_mark_paid(order=place(cart), actor=staff)
    order = order_refund(order=order, actor=staff, amount=D("10.00"), reason="scratch")
    assert order.status == Order.Status.PAID and order.refunded_total == D("10.00")
    # total 49.50 (40.00 + 5.00 shipping + 4.50 tax) - 10.00 = 39.50 left
    with pytest.raises(RefundTooLarge, match=r"\$39.50"):
        order_refund(order=order, actor=staff, amount=D("39.51"))
    order = order_refund(order=order, actor=staff, amount=D("39.50"))
    assert order.status == Order.Status.REFUNDED
    assert OutboundEmail.objects.filter(template="order_refunded").count() == 2
    with pytest.raises(IllegalTransition):
        order_refund(order=order, actor=staff, amount=D("1.00"))


def test_unpaid_card_order_cannot_ship_but_pay_on_delivery_can():
    staff = agent()
    cart, _ = _cart()
    with pytest.raises(IllegalTransition):
        order_fulfil(order=place(cart), actor=staff, carrier="DHL", tracking_number="1")
    cart2, _ = _cart()
    order = place(cart2, method="pod")
    assert order.payments.get().status == Payment.Status.PENDING
    order = order_fulfil(order=order, actor=staff, carrier="DHL", tracking_number="2")
    order = order_mark_delivered(order=order, actor=staff)
    assert order.paid_at is not None and order.payments.get().captured_amount == order.total


def test_guest_order_link_is_signed():
    cart, _ = _cart()
    order = place(cart)
    link = order_link(order)
    assert f"/orders/{order.number}/?t={order.number}:" in link


def test_placement_respects_other_carts_reservations_and_releases_its_own():
    from carts.services import stock_reservation_set
    from catalog.models import StockReservation

    staff = agent()
    variant = VariantFactory(stock=3)
    held = CartFactory()
    CartLineFactory(cart=held, variant=variant, quantity=2)
    stock_reservation_set(cart=held, variant=variant, quantity=2, actor=staff)
    other = CartFactory()
    CartLineFactory(cart=other, variant=variant, quantity=2)
    with pytest.raises(OutOfStock, match="Only 1"):
        place(other)
    order = place(held)
    assert order.lines.get().quantity == 2
    variant.refresh_from_db()
    assert variant.stock == 1
    assert not StockReservation.objects.exists()


def test_a_voucher_that_does_not_apply_does_not_block_checkout():
    cart, _ = _cart(price="10.00", quantity=1, voucher=VoucherFactory(code="MIN100", min_spend=D("100.00")))
    order = place(cart)
    assert order.voucher_code == "" and order.discount_total == D("0")
    assert order.total == D("16.50")  # 10 + 5 + 1.50
