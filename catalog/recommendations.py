"""Recommendations (SPEC C11).

Computed by `recommendations_recompute` (Celery task `catalog.recommendations_recompute`)
into catalog.Recommendation; pages read them with one query each:
- bought together: products in the same orders (order lines once orders exist); without
  orders, products viewed in the same sessions stand in ("shoppers who viewed this also viewed");
- also like: popular products in the same category (cold-start fallback);
- personal: the customer's recently viewed/bought categories, best sellers there first.
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from catalog.cache import catalog_cache_invalidate
from catalog.models import Product, ProductImage, ProductView, Recommendation
from customers.models import Consent
from customers.selectors import consent_current, customers_with_consent

logger = logging.getLogger(__name__)
PER_PRODUCT = 8
PER_CUSTOMER = 12
VIEW_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Recommended:
    product: Product
    reason: str  # in the reader's language
    kind: str
    score: float
    bought: bool = False  # "bought together" from orders (else, until there are orders, viewed together)


def _bought_together(row: Recommendation) -> bool:
    return row.kind == Recommendation.Kind.BOUGHT_TOGETHER and row.reason.startswith("Bought together")


def _reason(row: Recommendation) -> str:
    """Why a product is recommended, written when it is read, in the active language, from the
    names of the products and categories it involves (the stored `reason` is the English
    record of the same, kept for admin)."""
    if row.kind == Recommendation.Kind.BOUGHT_TOGETHER and row.source_product_id:
        name = row.source_product.name
        if _bought_together(row):
            count = int(row.score)
            return ngettext(
                "Bought together with %(name)s in %(count)d order",
                "Bought together with %(name)s in %(count)d orders",
                count,
            ) % {"name": name, "count": count}
        return gettext("Shoppers who viewed %(name)s also viewed this") % {"name": name}
    if row.kind == Recommendation.Kind.ALSO_LIKE:
        return gettext("Popular in %(category)s") % {"category": row.product.category.name}
    if row.kind == Recommendation.Kind.PERSONAL:
        return gettext("Because you looked at %(category)s") % {"category": row.product.category.name}
    return row.reason


def _reads(queryset: QuerySet[Recommendation], limit: int) -> list[Recommended]:
    rows = (
        queryset.filter(product__is_published=True)
        .select_related("product", "product__category", "source_product")
        .annotate(
            price_from=Min("product__variants__price", filter=Q(product__variants__is_active=True)),
            thumb=Subquery(
                ProductImage.objects.filter(product=OuterRef("product_id"))
                .order_by("position", "id")
                .values("thumbnail")[:1]
            ),
        )
        .order_by("kind", "rank")[: limit * 3]
    )
    items = []
    for row in rows:
        row.product.price_from = row.price_from
        row.product.thumb = row.thumb
        items.append(
            Recommended(
                product=row.product, reason=_reason(row), kind=row.kind, score=row.score, bought=_bought_together(row)
            )
        )
    return items


def recommendations_for_product(product: Product, limit: int = 4) -> dict[str, list[Recommended]]:
    """{kind: [Recommended]} for a product page (one query)."""
    grouped: dict[str, list[Recommended]] = defaultdict(list)
    for item in _reads(Recommendation.objects.filter(source_product=product), limit):
        if len(grouped[item.kind]) < limit:
            grouped[item.kind].append(item)
    return dict(grouped)


FALLBACK_KIND = "featured"


def personalisation_allowed(customer) -> bool:
    """May what this customer browses and buys drive what we show them? Only with a granted
    personalisation consent (opt-in: no record means no), never for an erased account."""
    if customer is None or not getattr(customer, "pk", None) or getattr(customer, "erased_at", None):
        return False
    return consent_current(customer=customer, purpose=Consent.Purpose.PERSONALISATION)


def recommendations_featured(limit: int) -> list[Recommended]:
    """The same non-personal picks for everyone: featured, then newest published products."""
    products = (
        Product.objects.filter(is_published=True)
        .select_related("category")
        .annotate(
            price_from=Min("variants__price", filter=Q(variants__is_active=True)),
            thumb=Subquery(
                ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("thumbnail")[:1]
            ),
        )
        .order_by("-is_featured", "-created_at", "-id")[:limit]
    )
    return [
        Recommended(
            product=p, reason=gettext("Featured") if p.is_featured else gettext("New in"), kind=FALLBACK_KIND, score=0.0
        )
        for p in products
    ]


def recommendations_for_customer(customer, limit: int = 8, *, personalised: bool | None = None) -> list[Recommended]:
    """Picks for a signed-in customer (the shop's API, email, the console): personal ones when
    they allow personalisation, else the non-personal featured picks; [] for anonymous.
    `personalised`: the caller already knows the consent (saves a query)."""
    if customer is None or not getattr(customer, "pk", None):
        return []
    if personalised is None:
        personalised = personalisation_allowed(customer)
    if not personalised:
        return recommendations_featured(limit)
    picks = _reads(Recommendation.objects.filter(customer=customer, kind=Recommendation.Kind.PERSONAL), limit)
    return picks[:limit]


# Purchases live above catalog (orders); the orders app registers where baskets come from
# (OrdersConfig.ready -> basket_source_register), so catalog never reaches up for them.
Baskets = list[tuple[int | None, set[int]]]
_basket_sources: dict[str, Callable[[], Baskets]] = {}


def basket_source_register(name: str, source: Callable[[], Baskets]) -> None:
    """Register a function returning [(customer_id, {product ids bought together}), ...]."""
    _basket_sources[name] = source


def _order_baskets() -> Baskets:
    """(customer_id, product ids) per order, from every registered source (none: no orders yet)."""
    baskets: Baskets = []
    for name, source in _basket_sources.items():
        try:
            # A savepoint: a source's tables may not be migrated yet in a half-deployed database.
            with transaction.atomic():
                baskets.extend(source())
        except DatabaseError as exc:
            logger.info("basket source %s unreadable (%s); recommendations use views only", name, type(exc).__name__)
    return baskets


def _view_sessions(since) -> list[tuple[int | None, set[int]]]:
    sessions: dict[str, tuple[int | None, set[int]]] = {}
    rows = ProductView.objects.filter(viewed_at__gte=since).values_list("customer_id", "session_key", "product_id")
    for customer_id, session_key, product_id in rows.iterator(chunk_size=5000):
        key = f"c{customer_id}" if customer_id else (f"s{session_key}" if session_key else "")
        if not key:
            continue
        sessions.setdefault(key, (customer_id, set()))[1].add(product_id)
    return list(sessions.values())


def _co_occurrence(groups: list[tuple[int | None, set[int]]]) -> dict[int, Counter]:
    pairs: dict[int, Counter] = defaultdict(Counter)
    for _, products in groups:
        if len(products) < 2 or len(products) > 50:
            continue
        for a in products:
            for b in products:
                if a != b:
                    pairs[a][b] += 1
    return pairs


@transaction.atomic
def recommendations_recompute() -> int:
    """Rebuild the whole Recommendation table. Returns the number of rows written.

    Runs in one transaction so readers see either the old or the new set, never half.
    """
    now = timezone.now()
    since = now - timedelta(days=VIEW_WINDOW_DAYS)
    products = {
        p["id"]: p
        for p in Product.objects.filter(is_published=True).values("id", "name", "category_id", "category__name")
    }
    baskets = _order_baskets()
    sessions = _view_sessions(since)
    bought = _co_occurrence(baskets)
    viewed = _co_occurrence(sessions)

    sales = Counter(pid for _, basket in baskets for pid in basket)
    views = Counter(
        dict(
            ProductView.objects.filter(viewed_at__gte=since)
            .values("product_id")
            .annotate(n=Count("id"))
            .values_list("product_id", "n")
        )
    )
    by_category: dict[int, list[int]] = defaultdict(list)
    for pid, p in products.items():
        by_category[p["category_id"]].append(pid)
    popularity = {pid: sales[pid] * 5 + views[pid] for pid in products}
    for pids in by_category.values():
        pids.sort(key=lambda pid: (-popularity[pid], -pid))

    rows: list[Recommendation] = []
    for pid, product in products.items():
        together = [(other, n) for other, n in bought.get(pid, Counter()).most_common() if other in products]
        reason_kind = "bought"
        if not together:
            together = [(other, n) for other, n in viewed.get(pid, Counter()).most_common() if other in products]
            reason_kind = "viewed"
        for rank, (other, n) in enumerate(together[:PER_PRODUCT]):
            reason = (
                f"Bought together with {product['name']} in {n} order{'s' if n != 1 else ''}"
                if reason_kind == "bought"
                else f"Shoppers who viewed {product['name']} also viewed this"
            )
            rows.append(
                Recommendation(
                    kind=Recommendation.Kind.BOUGHT_TOGETHER,
                    source_product_id=pid,
                    product_id=other,
                    score=float(n),
                    rank=rank,
                    reason=reason[:200],
                )
            )
        taken = {pid} | {other for other, _ in together[:PER_PRODUCT]}
        also = [other for other in by_category[product["category_id"]] if other not in taken][:PER_PRODUCT]
        for rank, other in enumerate(also):
            rows.append(
                Recommendation(
                    kind=Recommendation.Kind.ALSO_LIKE,
                    source_product_id=pid,
                    product_id=other,
                    score=float(popularity[other]),
                    rank=rank,
                    reason=f"Popular in {product['category__name']}"[:200],
                )
            )

    # Personal picks: categories the customer viewed or bought, most popular unseen products there.
    touched: dict[int, Counter] = defaultdict(Counter)
    seen: dict[int, set[int]] = defaultdict(set)
    for customer_id, basket in baskets:
        if customer_id:
            for pid in basket:
                if pid in products:
                    touched[customer_id][products[pid]["category_id"]] += 3
                    seen[customer_id].add(pid)
    for customer_id, viewed_products in sessions:
        if customer_id:
            for pid in viewed_products:
                if pid in products:
                    touched[customer_id][products[pid]["category_id"]] += 1
                    seen[customer_id].add(pid)
    category_names = {p["category_id"]: p["category__name"] for p in products.values()}
    # Profiles are built only for customers who allow personalisation (opt-in).
    allowed = set(customers_with_consent(Consent.Purpose.PERSONALISATION, ids=list(touched)))
    for customer_id, categories in touched.items():
        if customer_id not in allowed:
            continue
        rank = 0
        for category_id, _ in categories.most_common(3):
            for other in by_category[category_id]:
                if other in seen[customer_id]:
                    continue
                rows.append(
                    Recommendation(
                        kind=Recommendation.Kind.PERSONAL,
                        customer_id=customer_id,
                        product_id=other,
                        score=float(popularity[other]),
                        rank=rank,
                        reason=f"Because you looked at {category_names[category_id]}"[:200],
                    )
                )
                rank += 1
                if rank % 4 == 0:
                    break
            if rank >= PER_CUSTOMER:
                break

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalog_recommendation")
    Recommendation.objects.bulk_create(rows, batch_size=2000)
    transaction.on_commit(catalog_cache_invalidate)  # cached product pages show the new picks
    return len(rows)
