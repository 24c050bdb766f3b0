from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case as CaseWhen
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from carts.models import Cart, CartOverride
from common.db_routers import reporting_reads
from orders.models import Order, OrderEvent, OrderLine

# What an order counts for once refunds are taken off (see revenue_orders).
NET_REVENUE = F("total") - F("refunded_total")


def counts_as_revenue(prefix: str = "") -> Q:
    """The condition behind revenue_orders(), for filtering related rows (prefix "order__" on
    order lines) or an aggregate over orders in the same query (Sum(..., filter=...))."""
    return ~Q(**{f"{prefix}status": Order.Status.CANCELLED})


def revenue_orders(orders: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """The one definition of the orders that count as revenue, used by every report (segments'
    total spent and order count, Customer 360 lifetime value, sales by source, campaign/flow
    attribution): every order except cancelled ones, each worth NET_REVENUE (total minus
    refunds). `orders` narrows the set (e.g. one customer's, an admin changelist's)."""
    return (Order.objects.all() if orders is None else orders).filter(counts_as_revenue())


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


@reporting_reads()
def sales_by_source(orders: QuerySet[Order] | None = None) -> list[SourceSalesRow]:
    """Orders and revenue per source (organic, email, social, agent), agent orders split by the
    agent who placed them. `orders` narrows the set (the admin passes its filtered changelist).
    Counts revenue_orders() only (cancelled orders are not sales). One query; biggest sales first."""
    qs = revenue_orders(orders)
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


@dataclass(frozen=True)
class OverrideReportRow:
    agent: str
    reason: str
    applied: int
    ordered: int
    given_away: Decimal


@reporting_reads()
def override_report(overrides: QuerySet[CartOverride] | None = None) -> list[OverrideReportRow]:
    """Applied overrides by agent and reason with the revenue given away on orders placed
    from those carts (the order's copied discount, so later price changes do not matter).
    One query; pending and rejected requests are not counted. `overrides` narrows the set
    (the admin passes its filtered changelist)."""
    cart_given = Order.objects.filter(cart_id=OuterRef("cart_id")).values("override_discount")[:1]
    line_given = OrderLine.objects.filter(
        order__cart_id=OuterRef("cart_id"), variant_id=OuterRef("line__variant_id")
    ).values("discount")[:1]
    given = CaseWhen(
        When(scope=CartOverride.Scope.CART, then=Subquery(cart_given)),
        default=Subquery(line_given),
    )
    base = CartOverride.objects.all() if overrides is None else overrides.order_by()
    rows = (
        base.filter(status=CartOverride.Status.APPLIED)
        .values("agent__first_name", "agent__last_name", "agent__email", "reason_code")
        .annotate(
            applied=Count("id"),
            ordered=Count("id", filter=Q(cart__status=Cart.Status.CONVERTED)),
            given_away=Coalesce(Sum(given), Value(Decimal("0"))),
        )
        .order_by("-given_away", "agent__email", "reason_code")
    )
    labels = dict(CartOverride.ReasonCode.choices)
    return [
        OverrideReportRow(
            agent=f"{r['agent__first_name']} {r['agent__last_name']}".strip() or r["agent__email"],
            reason=labels.get(r["reason_code"], r["reason_code"]),
            applied=r["applied"],
            ordered=r["ordered"],
            given_away=r["given_away"],
        )
        for r in rows
    ]


def order_baskets() -> list[tuple[int | None, set[int]]]:
    """(customer_id, product ids) per order that was not cancelled: catalog's co-purchase
    recommendations read them through catalog.recommendations.basket_source_register."""
    baskets: dict[int, tuple[int | None, set[int]]] = {}
    rows = OrderLine.objects.filter(counts_as_revenue("order__")).values_list(
        "order_id", "order__customer_id", "variant__product_id"
    )
    for order_id, customer_id, product_id in rows.iterator(chunk_size=5000):
        if product_id is not None:
            baskets.setdefault(order_id, (customer_id, set()))[1].add(product_id)
    return list(baskets.values())
