"""Order numbers, signed guest links and the email context shared by every order email."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.urls import reverse

from common.money import format_money
from customers.addresses import address_lines
from orders.models import Order

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ORDER_LINK_SALT = "orders.guest-link"
ORDER_LINK_MAX_AGE = 60 * 60 * 24 * 180  # guest order links work for 180 days


def order_number_generate() -> str:
    """Human-friendly and unambiguous when read aloud: UC-XXXX-XXXX (no 0/O/1/I)."""
    raw = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"UC-{raw[:4]}-{raw[4:]}"


def order_signed_token(order: Order) -> str:
    return signing.TimestampSigner(salt=ORDER_LINK_SALT).sign(order.number)


def order_number_from_token(token: str) -> str | None:
    try:
        return signing.TimestampSigner(salt=ORDER_LINK_SALT).unsign(token, max_age=ORDER_LINK_MAX_AGE)
    except signing.BadSignature:
        return None


def order_link(order: Order) -> str:
    """Absolute link to the order page; guests' links carry a signed token."""
    path = reverse("orders:detail", kwargs={"number": order.number})
    return f"{settings.SITE_URL}{path}?t={order_signed_token(order)}"


def _shipping_label(method: str) -> str:
    from carts.models import Cart

    return _label(Cart.ShippingMethod, method)


def _label(choices, value: str) -> str:
    """A choice's translated label (`get_FOO_display` rebuilds the choices dict per call)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _email_context(order: Order, lines=None) -> dict:
    lines = [
        {
            "name": line.product_name,
            "options": line.options,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": format_money(line.unit_price),
            "total": format_money(line.total),
            # ※ marks reduced-rate items on the receipt (適格請求書).
            "reduced": bool(line.tax_rate) and Decimal(line.tax_rate) != settings.TAX_RATE,
        }
        for line in (order.lines.all() if lines is None else lines)
    ]
    tax_lines = [
        {
            "rate": f"{(Decimal(t['rate']) * 100).normalize():f}",
            "amount": format_money(Decimal(t["amount"])),
            "tax": format_money(Decimal(t["tax"])),
        }
        for t in order.tax_breakdown or []
    ]
    address = order.shipping_address or {}
    return {
        "order_number": order.number,
        "customer_name": order.customer.first_name or address.get("full_name", ""),
        "status": _label(Order.Status, order.status),
        "lines": lines,
        "subtotal": format_money(order.subtotal),
        "discount_total": format_money(order.discount_total),
        "has_discount": order.discount_total > 0,
        "voucher_code": order.voucher_code,
        "shipping_total": format_money(order.shipping_total),
        "shipping_free": order.shipping_total == 0,  # written "Free", as the pages do
        "tax_total": format_money(order.tax_total),
        "tax_lines": tax_lines,
        "prices_include_tax": order.prices_include_tax,
        "has_reduced": any(line["reduced"] for line in lines),
        "invoice_registration_number": settings.INVOICE_REGISTRATION_NUMBER,
        "total": format_money(order.total),
        "refunded_total": format_money(order.refunded_total),
        "payment_method": _label(Order.PaymentMethod, order.payment_method),
        "shipping_method": _shipping_label(order.shipping_method),
        # The one address formatter (customers.addresses) the pages and the console use too.
        "address_lines": address_lines(address),
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "order_url": order_link(order),
        "placed_by_agent": bool(order.placed_by_id),
    }
