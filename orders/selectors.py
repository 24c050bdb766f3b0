from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderEvent


def orders_for_customer(customer) -> QuerySet[Order]:
    """The customer's orders with their lines (API, console)."""
    return Order.objects.filter(customer=customer).prefetch_related("lines").order_by("-placed_at", "-id")


def order_summaries_for_customer(customer) -> QuerySet[Order]:
    """The customer's orders without lines (the order list page shows totals only)."""
    return Order.objects.filter(customer=customer).order_by("-placed_at", "-id")


def order_detail(number: str) -> Order | None:
    return (
        Order.objects.select_related("customer", "placed_by")
        .prefetch_related("lines", Prefetch("events", queryset=OrderEvent.objects.select_related("actor")))
        .filter(number=number)
        .first()
    )
