"""Every order email renders (HTML, text, subject) from the outbox row's JSON context."""

from decimal import Decimal

import pytest

from messaging.models import OutboundEmail
from messaging.rendering import email_render
from orders.services import (
    order_cancel,
    order_fulfil,
    order_mark_delivered,
    order_mark_paid,
    order_refund,
    order_return_receive,
    order_return_request,
)
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, agent
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db


def _render(email):
    return email_render(
        template=email.template,
        to_email=email.to_email,
        context=email.context,
        marketing=False,
        public_id=email.public_id,
        kind=email.kind,
    )


def test_order_emails_render_with_order_facts():
    staff = agent()
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("12.00")), quantity=2)
    order = place(cart)
    order = order_mark_paid(order=order, actor=staff)
    order = order_fulfil(order=order, actor=staff, carrier="Sagawa", tracking_number="SG-77")
    order = order_mark_delivered(order=order, actor=staff)
    order = order_return_request(order=order, actor=order.customer, reason="too big")
    order = order_return_receive(order=order, actor=staff)
    order_refund(order=order, actor=staff, amount=Decimal("5.00"))
    expected_subjects = {
        "order_confirmation": f"Order {order.number} confirmed",
        "order_payment_receipt": f"Payment received for order {order.number}",
        "order_shipped": f"Order {order.number} has shipped",
        "order_delivered": f"Order {order.number} was delivered",
        "order_return_requested": f"Return request for order {order.number}",
        "order_return_received": f"Your return for order {order.number} arrived",
        "order_refunded": f"Refund of $5.00 for order {order.number}",
    }
    emails = {e.template: e for e in OutboundEmail.objects.all()}
    assert set(emails) == set(expected_subjects)
    for template, subject in expected_subjects.items():
        rendered = _render(emails[template])
        assert rendered.subject == subject
        assert order.number in rendered.html and order.number in rendered.text
        assert "<" not in rendered.text
    confirmation = _render(emails["order_confirmation"])
    # 2 × 12.00 = 24.00 + 5.00 shipping + 2.90 tax = 31.90
    assert "$31.90" in confirmation.html and "$31.90" in confirmation.text
    assert "SG-77" in _render(emails["order_shipped"]).text


def test_cancellation_email_says_whether_money_comes_back():
    staff = agent()
    cart = CartFactory()
    CartLineFactory(cart=cart)
    order_cancel(order=place(cart), actor=staff, reason="out of season")
    text = _render(OutboundEmail.objects.get(template="order_cancelled")).text
    assert "cancelled: out of season" in text and "You have not been charged." in text
    cart2 = CartFactory()
    CartLineFactory(cart=cart2, variant=VariantFactory(price=Decimal("10.00")))
    paid = order_mark_paid(order=place(cart2), actor=staff)
    order_cancel(order=paid, actor=staff)
    text = _render(OutboundEmail.objects.get(template="order_cancelled", to_email=paid.email)).text
    assert "We refunded $16.50" in text  # 10.00 + 5.00 + 1.50
