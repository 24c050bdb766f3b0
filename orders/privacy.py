"""Erasure support for orders: scrub PII copies, keep the financial facts (C1)."""

from django.db import transaction

from orders.models import Order


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
        order.save(update_fields=["email", "shipping_address"])
        count += 1
    return count
