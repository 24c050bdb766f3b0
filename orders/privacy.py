"""Personal data held by `orders` (R13): scrub the contact and address copies, keep the
financial facts (numbers, lines, prices, totals, payments, events' kinds and amounts)."""

from django.db import transaction

from common.personal_data import ErasureSubject, mentioning, redact_rows
from orders.models import Order, OrderEvent


@transaction.atomic
def orders_anonymise(*, customer, replacement_email: str) -> int:
    """Replace contact email and shipping address on the customer's orders. Totals, lines,
    prices, statuses and events stay for accounting. Returns the number of orders scrubbed."""
    orders = Order.objects.select_for_update().filter(customer=customer)
    count = 0
    for order in orders:
        country = (order.shipping_address or {}).get("country", "")
        order.email = replacement_email
        order.shipping_address = {"erased": True, "country": country}
        order.attribution = {}
        order.save(update_fields=["email", "shipping_address", "attribution"])
        count += 1
    return count


def orders_erase(subject: ErasureSubject) -> None:
    orders_anonymise(customer=subject.customer, replacement_email=subject.replacement_email)
    # Guest orders placed with the address before the account existed.
    Order.objects.filter(email__iexact=subject.email).update(
        email=subject.replacement_email, shipping_address={"erased": True}
    )
    redact_rows(
        mentioning(OrderEvent.objects.all(), subject, ("message", "data"), also=_events_of(subject)),
        subject,
        ("message", "data"),
    )


def _events_of(subject: ErasureSubject):
    from django.db.models import Q

    return Q(order__customer=subject.customer)


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "orders",
        holds=("orders.Order", "orders.OrderEvent"),
        erase=orders_erase,
        linked=("orders.OrderLine", "orders.Payment"),  # financial facts: kept
        without=("orders.CheckoutClaim",),  # a key and a request hash
    )
