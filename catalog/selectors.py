"""Storefront reads. Every listing is one product query (prices, stock and the primary image
are annotated, not prefetched) so the query count is constant in page size and catalog size."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    BigIntegerField,
    Exists,
    F,
    Func,
    IntegerField,
    Lookup,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.forms import SORTS as SORTS  # re-exported: views and the API read the sorts here
from catalog.forms import ListingFilterForm
from catalog.models import Category, Product, ProductImage, Variant

PAGE_SIZE = 24
SIZE_ORDER = ["XS", "S", "M", "L", "XL", "XXL"]


@dataclass(frozen=True)
class ListingFilters:
    sizes: tuple[str, ...] = ()
    colours: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool = False
    sort: str = "relevance"
    page: int = 1  # not part of cache_key()/querystring(): pages add it themselves
    notes: list[str] = field(default_factory=list, compare=False, hash=False)

    def cache_key(self) -> str:
        return "|".join(
            [
                ",".join(self.sizes),
                ",".join(self.colours),
                str(self.price_min or ""),
                str(self.price_max or ""),
                "1" if self.in_stock else "",
                self.sort,
            ]
        )

    def querystring(self, **extra: str) -> str:
        """Canonical query string of these filters (pagination links): only what the listing
        understood, so a cached page never carries one visitor's utm_*/ref to another."""
        params: list[tuple[str, str]] = [(k, v) for k, v in extra.items() if v]
        params += [("size", size) for size in self.sizes] + [("colour", colour) for colour in self.colours]
        if self.price_min is not None:
            params.append(("min_price", str(self.price_min)))
        if self.price_max is not None:
            params.append(("max_price", str(self.price_max)))
        if self.in_stock:
            params.append(("in_stock", "1"))
        if self.sort != "relevance":
            params.append(("sort", self.sort))
        return urlencode(params)

    @property
    def active(self) -> bool:
        return bool(
            self.sizes or self.colours or self.price_min is not None or self.price_max is not None or self.in_stock
        )


def listing_filters_from_query(params) -> ListingFilters:
    """Parse GET parameters leniently (catalog.forms.ListingFilterForm): unknown or
    malformed values are ignored, never a 500."""
    return listing_filters_from_form(ListingFilterForm(params))


def listing_filters_from_form(form: ListingFilterForm) -> ListingFilters:
    notes: list[str] = []
    if {"min_price", "max_price"} & set(form.dropped):
        notes.append("We ignored a price that wasn't a number.")
    return listing_filters_from_values(form.values, notes=notes)


def listing_filters_from_values(values: dict, *, notes: list[str] | None = None) -> ListingFilters:
    """Filters from already validated values: the storefront's lenient form above, or the
    API's strict query serializer (api.catalog). A minimum price above the maximum is read
    the other way round."""
    price_min, price_max = values.get("min_price"), values.get("max_price")
    if price_min is not None and price_max is not None and price_min > price_max:
        price_min, price_max = price_max, price_min
    return ListingFilters(
        sizes=tuple(sorted(set(values.get("size") or ()))),
        colours=tuple(sorted(set(values.get("colour") or ()))),
        price_min=price_min,
        price_max=price_max,
        in_stock=bool(values.get("in_stock")),
        sort=values.get("sort") or "relevance",
        page=values.get("page") or 1,
        notes=notes or [],
    )


def _variant_aggregate(function, field: str, output_field=None) -> Subquery:
    """A correlated subquery over the product's active variants. Unlike a JOIN + GROUP BY it
    lets Postgres sort and cut the page first and compute cards for those 24 rows only."""
    rows = (
        Variant.objects.filter(product=OuterRef("pk"), is_active=True)
        .order_by()
        .values("product")
        .annotate(value=function(field))
        .values("value")
    )
    return Subquery(rows, output_field=output_field)


def _id_array(ids) -> Value:
    return Value(list(ids), output_field=ArrayField(BigIntegerField()))


class AnyOf(Lookup):
    """`.filter(AnyOf(F("field"), ids))`: `field = ANY(%s)` with the ids as ONE array
    parameter (a search can match thousands of products; `__in` sends a parameter each)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, [int(pk) for pk in self.rhs])


def products_ranked(ids: list[int]) -> QuerySet[Product]:
    """Published products among `ids`, annotated `relevance` by their place in it (first is
    best) and ordered so: a search's matched ids as a listing base (product_list)."""
    position = Func(_id_array(ids), F("pk"), function="array_position", output_field=IntegerField())
    return (
        Product.objects.filter(AnyOf(F("pk"), ids), is_published=True)
        .annotate(relevance=position * Value(-1))
        .order_by("-relevance")
    )


def product_cards(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Annotate what a product card shows: lowest price, compare-at price, stock, thumbnail."""
    first_image = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id")
    # The search columns are for the match only: not read, not sent (a listing reads 24 rows).
    return (
        queryset.select_related("category")
        .defer("search_vector", "search_text")
        .annotate(
            price_from=_variant_aggregate(Min, "price"),
            price_to=_variant_aggregate(Max, "price"),
            compare_at=_variant_aggregate(Min, "compare_at_price"),
            stock_total=Coalesce(_variant_aggregate(Sum, "stock"), 0, output_field=IntegerField()),
            thumb=Subquery(first_image.values("thumbnail")[:1]),
            thumb_alt=Subquery(first_image.values("alt_text")[:1]),
        )
    )


def category_descendant_ids(category: Category) -> list[int]:
    """The category and all below it. Categories are few; one query, walked in Python."""
    rows = list(Category.objects.values_list("id", "parent_id"))
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = [cid for cid, parent in rows if parent in frontier]
        ids.extend(frontier)
    return ids


def category_tree_info(*, slug: str) -> dict | None:
    """A category with breadcrumb parent, children and all descendant ids, from ONE query
    over all categories (a shop has tens of them, not thousands)."""
    rows = list(Category.objects.order_by("position", "name").values("id", "parent_id", "name", "slug", "description"))
    by_id = {row["id"]: row for row in rows}
    category = next((row for row in rows if row["slug"] == slug), None)
    if category is None:
        return None
    ids, frontier = [category["id"]], [category["id"]]
    while frontier:
        frontier = [row["id"] for row in rows if row["parent_id"] in frontier]
        ids.extend(frontier)
    parent = by_id.get(category["parent_id"])
    return {
        "id": category["id"],
        "name": category["name"],
        "slug": category["slug"],
        "description": category["description"],
        "parent": {"name": parent["name"], "url": f"/category/{parent['slug']}/"} if parent else None,
        "children": [
            {"name": row["name"], "url": f"/category/{row['slug']}/"}
            for row in rows
            if row["parent_id"] == category["id"]
        ],
        "ids": ids,
    }


def product_list(
    *, filters: ListingFilters, category_ids: list[int] | None = None, base: QuerySet[Product] | None = None
) -> QuerySet[Product]:
    """Published products for a listing with attribute filters and sort applied."""
    queryset = base if base is not None else Product.objects.filter(is_published=True)
    if category_ids is not None:
        queryset = queryset.filter(category_id__in=category_ids)
    variant_match = Variant.objects.filter(product=OuterRef("pk"), is_active=True)
    if filters.sizes:
        variant_match = variant_match.filter(size__in=filters.sizes)
    if filters.colours:
        variant_match = variant_match.filter(colour__in=filters.colours)
    if filters.in_stock:
        variant_match = variant_match.filter(stock__gt=0)
    if filters.price_min is not None:
        variant_match = variant_match.filter(price__gte=filters.price_min)
    if filters.price_max is not None:
        variant_match = variant_match.filter(price__lte=filters.price_max)
    if filters.active:
        queryset = queryset.filter(Exists(variant_match))
    queryset = product_cards(queryset)
    if filters.sort == "price_asc":
        return queryset.order_by("price_from", "-id")
    if filters.sort == "price_desc":
        return queryset.order_by("-price_from", "-id")
    if filters.sort == "newest" or "relevance" not in queryset.query.annotations:
        if filters.sort == "relevance":
            return queryset.order_by("-is_featured", "-created_at", "-id")
        return queryset.order_by("-created_at", "-id")
    return queryset


def listing_facets(
    *,
    category_ids: list[int] | None = None,
    products: QuerySet[Product] | None = None,
    product_ids: list[int] | None = None,
) -> dict:
    """Sizes and colours offered in these categories, or among these products (one query).
    `product_ids` (e.g. a search's matched ids) go in as one array parameter."""
    variants = Variant.objects.filter(is_active=True, product__is_published=True)
    if category_ids is not None:
        variants = variants.filter(product__category_id__in=category_ids)
    if products is not None:
        variants = variants.filter(product__in=products.values("pk"))
    if product_ids is not None:
        variants = variants.filter(AnyOf(F("product_id"), product_ids))
    # No ordering: the model's default ordering would join DISTINCT and return every variant.
    rows = variants.order_by().values_list("size", "colour").distinct()
    sizes, colours = set(), set()
    for size, colour in rows:
        if size:
            sizes.add(size)
        if colour:
            colours.add(colour)

    def size_key(value: str):
        if value in SIZE_ORDER:
            return (0, SIZE_ORDER.index(value), value)
        return (1, float(value), value) if value.replace(".", "", 1).isdigit() else (2, 0, value)

    return {"sizes": sorted(sizes, key=size_key), "colours": sorted(colours)}


def category_nav() -> list[dict]:
    """Top-level categories with their children (one query; cached by the caller)."""
    rows = list(Category.objects.order_by("position", "name").values("id", "parent_id", "name", "slug"))
    return [
        {
            "name": top["name"],
            "slug": top["slug"],
            "url": f"/category/{top['slug']}/",
            "children": [
                {"name": c["name"], "slug": c["slug"], "url": f"/category/{c['slug']}/"}
                for c in rows
                if c["parent_id"] == top["id"]
            ],
        }
        for top in rows
        if top["parent_id"] is None
    ]


def product_detail(*, slug: str) -> Product | None:
    """A published product with its active variants and images (three queries)."""
    return (
        Product.objects.filter(is_published=True, slug=slug)
        .select_related("category", "category__parent")
        .prefetch_related("images")
        .first()
    )


# --- inventory -------------------------------------------------------------------------


def stock_available(variant_ids, *, cart_id: int | None = None, now: datetime | None = None) -> dict[int, int]:
    """Units of each variant a cart may still take: on-hand stock minus the live holds
    (agent reservations) of every other cart, never below zero; 0 for a variant no longer
    sold. One query. This is the one definition of availability: cart edits, the sign-in
    merge, console holds and abandonment read it here, and order placement applies the same
    rule inside its conditional decrement (catalog.services.stock_decrement)."""
    now = now or timezone.now()
    live_holds = Q(reservations__expires_at__gt=now)
    if cart_id is not None:
        live_holds &= ~Q(reservations__cart_id=cart_id)
    rows = (
        Variant.objects.filter(pk__in=set(variant_ids))
        .annotate(held=Coalesce(Sum("reservations__quantity", filter=live_holds), 0))
        .values_list("pk", "stock", "is_active", "held")
    )
    return {pk: max(stock - held, 0) if active else 0 for pk, stock, active, held in rows}
