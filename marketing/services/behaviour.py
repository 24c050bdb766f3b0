"""Browse and search abandonment (C7): one email per customer per window featuring what
they looked at, with explained recommendations, through the capped consent gateway.

- browse: a signed-in customer viewed a product ≥ N times within the window, the last view
  at least the behaviour delay ago, did not put it in a cart, bought nothing since;
- search: a customer searched (with results), viewed no product and bought nothing since.
Every trigger considered is recorded (BehaviourTrigger), so a scan never considers the
same trigger twice; at most one browse and one search trigger per customer per window.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone

from catalog.models import Product, ProductView, SearchQuery
from customers.models import Customer
from marketing.content import link_for, product_card, products_with_cards, recommendation_cards
from marketing.models import AbandonmentSettings, BehaviourTrigger, MarketingMessage
from marketing.services import sending

SCAN_LIMIT = 500


@dataclass
class BehaviourScanResult:
    considered: int = 0
    sent: int = 0


def _recent_trigger(kind: str, since: datetime):
    return BehaviourTrigger.objects.filter(customer=OuterRef("customer_id"), kind=kind, created_at__gte=since)


def _orders_since(customer_id_ref, since_ref):
    from orders.models import Order

    return Order.objects.filter(customer=customer_id_ref, placed_at__gte=since_ref)


def browse_candidates(*, now: datetime, settings_row: AbandonmentSettings, limit: int = SCAN_LIMIT) -> list[dict]:
    from carts.models import CartLine

    start = now - timedelta(hours=settings_row.browse_window_hours)
    quiet = now - timedelta(minutes=settings_row.behaviour_delay_minutes)
    return list(
        ProductView.objects.filter(customer__isnull=False, viewed_at__gte=start)
        .values("customer_id", "product_id")
        .annotate(n=Count("pk"), last=Max("viewed_at"))
        .filter(n__gte=settings_row.browse_min_views, last__lte=quiet)
        .filter(~Exists(_recent_trigger(BehaviourTrigger.Kind.BROWSE, start)))
        .filter(
            ~Exists(
                CartLine.objects.filter(
                    cart__customer=OuterRef("customer_id"),
                    variant__product=OuterRef("product_id"),
                    created_at__gte=start,
                )
            )
        )
        .filter(~Exists(_orders_since(OuterRef("customer_id"), start)))
        .order_by("customer_id", "-n")[:limit]
    )


def search_candidates(*, now: datetime, settings_row: AbandonmentSettings, limit: int = SCAN_LIMIT) -> list[dict]:
    start = now - timedelta(hours=settings_row.search_window_hours)
    quiet = now - timedelta(minutes=settings_row.behaviour_delay_minutes)
    return list(
        SearchQuery.objects.filter(
            customer__isnull=False, created_at__gte=start, created_at__lte=quiet, results_count__gt=0
        )
        .filter(~Exists(_recent_trigger(BehaviourTrigger.Kind.SEARCH, start)))
        .filter(
            ~Exists(ProductView.objects.filter(customer=OuterRef("customer_id"), viewed_at__gte=OuterRef("created_at")))
        )
        .filter(~Exists(_orders_since(OuterRef("customer_id"), OuterRef("created_at"))))
        .values("customer_id", "normalized", "query")
        .order_by("customer_id", "-created_at")[:limit]
    )


def _claim_trigger(*, kind: str, customer: Customer, subject_key: str, since: datetime, now: datetime):
    """Record the trigger once per customer and window (under the customer's pressure lock)."""
    sending.pressure_lock([customer.pk])
    if BehaviourTrigger.objects.filter(customer=customer, kind=kind, created_at__gte=since).exists():
        return None
    return BehaviourTrigger.objects.create(kind=kind, customer=customer, subject_key=subject_key, created_at=now)


def _record(trigger: BehaviourTrigger, result: sending.SendResult) -> None:
    trigger.sent = result.sent
    trigger.skip_reason = "" if result.sent else result.status
    trigger.save(update_fields=["sent", "skip_reason"])


@transaction.atomic
def browse_abandonment_send(*, customer: Customer, product: Product, now: datetime, settings_row) -> str:
    since = now - timedelta(hours=settings_row.browse_window_hours)
    trigger = _claim_trigger(
        kind=BehaviourTrigger.Kind.BROWSE, customer=customer, subject_key=str(product.pk), since=since, now=now
    )
    if trigger is None:
        return sending.DUPLICATE
    cards = products_with_cards([product.pk])

    def build(message: MarketingMessage) -> dict:
        featured = cards.get(product.pk, product)
        card = product_card(featured, reason="You looked at this recently", message=message)
        return {
            "first_name": customer.first_name or "",
            "product": card,
            "product_list": [card],
            "recommendations": [
                c for c in recommendation_cards(customer, limit=5, message=message) if c["name"] != product.name
            ][:4],
            "shop_url": link_for(message, "/"),
        }

    result = sending.marketing_email_send(
        customer=customer,
        flow=MarketingMessage.Flow.BROWSE,
        kind="browse_abandonment",
        template="marketing_browse_abandonment",
        build_context=build,
        dedupe_key=f"browse:{customer.pk}:{product.pk}:{now:%Y%m%d}",
        now=now,
    )
    _record(trigger, result)
    return result.status


@transaction.atomic
def search_abandonment_send(*, customer: Customer, query: str, now: datetime, settings_row) -> str:
    from catalog.search import product_search, search_normalize

    since = now - timedelta(hours=settings_row.search_window_hours)
    normalized = search_normalize(query).lower()[:200]
    trigger = _claim_trigger(
        kind=BehaviourTrigger.Kind.SEARCH, customer=customer, subject_key=normalized, since=since, now=now
    )
    if trigger is None:
        return sending.DUPLICATE
    found_ids = list(product_search(query=query).values_list("pk", flat=True)[:4])
    found = products_with_cards(found_ids)

    def build(message: MarketingMessage) -> dict:
        from urllib.parse import urlencode

        return {
            "first_name": customer.first_name or "",
            "query": query,
            "results": [
                product_card(found[pk], reason=f"Matches “{query}”", message=message) for pk in found_ids if pk in found
            ],
            "recommendations": recommendation_cards(customer, limit=4, message=message),
            "search_url": link_for(message, "/search/?" + urlencode({"q": query})),
        }

    result = sending.marketing_email_send(
        customer=customer,
        flow=MarketingMessage.Flow.SEARCH,
        kind="search_abandonment",
        template="marketing_search_abandonment",
        build_context=build,
        dedupe_key=f"search:{customer.pk}:{now:%Y%m%d}:{normalized[:120]}",
        now=now,
    )
    _record(trigger, result)
    return result.status


def behaviour_scan(*, now: datetime | None = None) -> BehaviourScanResult:
    """One beat run of both flows (each customer at most once per flow per window)."""
    now = now or timezone.now()
    settings_row = AbandonmentSettings.current()
    result = BehaviourScanResult()
    if settings_row.browse_enabled:
        seen: set[int] = set()
        rows = browse_candidates(now=now, settings_row=settings_row)
        customers = Customer.objects.in_bulk({r["customer_id"] for r in rows})
        products = Product.objects.in_bulk({r["product_id"] for r in rows})
        for row in rows:
            if row["customer_id"] in seen:
                continue
            seen.add(row["customer_id"])
            result.considered += 1
            status = browse_abandonment_send(
                customer=customers[row["customer_id"]],
                product=products[row["product_id"]],
                now=now,
                settings_row=settings_row,
            )
            result.sent += status == sending.SENT
    if settings_row.search_enabled:
        seen = set()
        rows = search_candidates(now=now, settings_row=settings_row)
        customers = Customer.objects.in_bulk({r["customer_id"] for r in rows})
        for row in rows:
            if row["customer_id"] in seen:
                continue
            seen.add(row["customer_id"])
            result.considered += 1
            status = search_abandonment_send(
                customer=customers[row["customer_id"]], query=row["query"], now=now, settings_row=settings_row
            )
            result.sent += status == sending.SENT
    return result
