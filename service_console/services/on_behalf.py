"""Order on behalf of a shopper, or a signed link that lets them finish it themselves."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from carts.exceptions import CartConflict
from carts.models import Cart
from carts.pricing import cart_price
from carts.selectors import cart_with_lines
from common.audit import audit_record
from common.audit_actions import AuditAction
from common.money import format_money
from customers.models import Address, Customer
from messaging.services import email_enqueue
from orders.exceptions import InvalidCheckout
from orders.models import Order
from orders.services import order_place
from service_console.exceptions import CustomerHasNoEmail

CHECKOUT_LINK_SALT = "service_console.checkout-link"


def checkout_link_max_age() -> int:
    return settings.CONSOLE_CHECKOUT_LINK_MAX_AGE


def _fresh_cart(cart: Cart, expected_version: int | None) -> Cart:
    current = cart_with_lines(cart.pk)
    if expected_version is not None and current.version != expected_version:
        raise CartConflict(expected=expected_version, current=current.version)
    return current


def order_place_on_behalf(
    *,
    cart: Cart,
    customer: Customer,
    address: Address,
    payment_method: str,
    card_number: str,
    expected_version: int | None,
    actor,
) -> Order:
    """Place the shopper's cart as an order, recorded with placed_by=agent (source agent).

    The cart must still be the version the agent saw (checked under the cart lock by
    order_place; CartConflict otherwise). The idempotency key is tied to the cart and that
    version, so a double click places one order. Payment is authorized by
    orders.services outside any lock, so this function is deliberately not atomic: the
    audit entry is written once the order exists.
    """
    if address.customer_id != customer.pk:
        raise InvalidCheckout(gettext("Choose one of the customer's own addresses."))
    if payment_method not in Order.PaymentMethod.values:
        raise InvalidCheckout(gettext("Choose the test card or pay on delivery."))
    current = cart_with_lines(cart.pk)
    version = current.version if expected_version is None else expected_version
    details = {"card_number": card_number} if payment_method == Order.PaymentMethod.TEST_CARD else {}
    # The version the agent saw is checked by order_place under the cart lock (a check here
    # would leave a window for the shopper's edit); a repeat of the same click finds the
    # first order through the key, which names that version.
    order = order_place(
        cart=current,
        email=customer.email,
        shipping_address=address.as_dict(),
        shipping_method=current.shipping_method,
        payment_method=payment_method,
        payment_details=details,
        idempotency_key=f"console-{current.pk}-v{version}",
        actor=actor,
        placed_by=actor,
        expected_version=version,
    )
    audit_record(
        actor=actor,
        action=AuditAction.ORDER_PLACE_ON_BEHALF,
        customer=customer,
        obj=order,
        after={
            "number": order.number,
            "total": format_money(order.total),
            "payment_method": payment_method,  # never the card number
            "cart_version": version,
        },
    )
    return order


def checkout_token_make(*, cart: Cart) -> str:
    return signing.TimestampSigner(salt=CHECKOUT_LINK_SALT).sign(f"{cart.pk}:{cart.customer.public_id}")


def checkout_token_read(token: str) -> tuple[int, str]:
    """(cart id, customer public id). Raises signing.BadSignature / SignatureExpired."""
    value = signing.TimestampSigner(salt=CHECKOUT_LINK_SALT).unsign(token, max_age=checkout_link_max_age())
    cart_id, _, public_id = value.partition(":")
    return int(cart_id), public_id


def _checkout_link_context(*, customer: Customer, actor, url: str, hours: int, breakdown) -> dict:
    return {
        "first_name": customer.first_name,
        "agent_name": actor.first_name or gettext("Customer care"),
        "checkout_url": url,
        "expires_hours": hours,
        "lines": [
            {"name": lp.name, "options": lp.options, "quantity": lp.quantity, "total": format_money(lp.total)}
            for lp in breakdown.lines
        ],
        "discount": format_money(breakdown.discount_total) if breakdown.discount_total else "",
        "total": format_money(breakdown.total),
    }


@transaction.atomic
def checkout_link_send(*, cart: Cart, customer: Customer, actor, expected_version: int | None) -> str:
    """Email a signed, expiring link that opens this prepared cart at checkout. One email
    per cart version (a double click sends one)."""
    if not customer.email or customer.erased_at is not None:
        raise CustomerHasNoEmail(gettext("This customer has no email address."))
    current = _fresh_cart(cart, expected_version)
    breakdown = cart_price(current)
    if breakdown.is_empty:
        raise InvalidCheckout(gettext("The cart is empty: add something before sending the link."))
    current.customer = customer
    url = settings.SITE_URL + reverse("help:purchase_link", kwargs={"token": checkout_token_make(cart=current)})
    hours = checkout_link_max_age() // 3600
    with translation.override(customer.preferred_language):
        context = _checkout_link_context(customer=customer, actor=actor, url=url, hours=hours, breakdown=breakdown)
    email_enqueue(
        to=customer.email,
        kind="checkout_link",
        template="console_checkout_link",
        context=context,
        language=customer.preferred_language,
        dedupe_key=f"checkout-link-{current.pk}-v{current.version}",
        customer=customer,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CART_CHECKOUT_LINK_SEND,
        customer=customer,
        obj=current,
        after={"to": customer.email, "cart_version": current.version, "expires_hours": hours},
    )
    return url
