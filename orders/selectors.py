from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Prefetch, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

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


@dataclass(frozen=True)
class SourceSalesRow:
    source: str  # label: "Organic", "Email", "Agent: Ann Agent", ...
    orders: int
    sales: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.sales - self.refunded


def sales_by_source(orders: QuerySet[Order] | None = None) -> list[SourceSalesRow]:
    """Orders and revenue per source (organic, email, social, agent), agent orders split by the
    agent who placed them. `orders` narrows the set (the admin passes its filtered changelist).
    One query; biggest sales first."""
    qs = Order.objects.all() if orders is None else orders
    rows = (
        qs.order_by()
        .values("source", "placed_by__first_name", "placed_by__last_name", "placed_by__email")
        .annotate(
            n=Count("id"),
            sales=Coalesce(Sum("total"), Value(Decimal("0"))),
            refunded=Coalesce(Sum(F("refunded_total")), Value(Decimal("0"))),
        )
        .order_by("-sales", "source", "placed_by__email")
    )
    labels = dict(Order.Source.choices)
    result = []
    for r in rows:
        label = labels.get(r["source"], r["source"])
        if r["placed_by__email"]:
            who = f"{r['placed_by__first_name']} {r['placed_by__last_name']}".strip() or r["placed_by__email"]
            label = f"{label}: {who}"
        result.append(SourceSalesRow(source=label, orders=r["n"], sales=r["sales"], refunded=r["refunded"]))
    return result
