import hashlib
import json

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from catalog.cache import LISTING_TTL, cache_get, cache_set, generation_key
from catalog.forms import MAX_QUERY_LENGTH, ListingFilterForm
from catalog.models import Category, Product
from catalog.page_cache import page_cache_get, page_cache_key, page_cache_mode, page_cache_render
from catalog.recommendations import recommendations_for_product
from catalog.search import product_search_ids, search_normalize, search_suggestions
from catalog.selectors import (
    PAGE_SIZE,
    SORTS,
    category_tree_info,
    listing_facets,
    listing_filters_from_form,
    listing_filters_from_query,
    product_cards,
    product_detail,
    product_list,
    products_ranked,
)
from catalog.views_buffer import BUFFER_KEY, product_view_record, search_record, view_payload
from common.money import format_money

LOW_STOCK = 3
PRODUCT_PAGE_TTL = 300  # stock and price are in the key; the rest follows the catalog generation


def _category_info(slug: str) -> dict | None:
    """Category, breadcrumb, descendant ids and facets (two queries), cached per catalog generation."""
    key = generation_key("category", slug[:140])
    info = cache_get(key)
    if info is None:
        info = category_tree_info(slug=slug)
        if info is None:
            return None
        info["facets"] = listing_facets(category_ids=info["ids"])
        cache_set(key, info, LISTING_TTL * 10)
    return info


def _listing_html(request, queryset, *, cache_key: str | None, filters, query: str = "", count=None) -> tuple[str, int]:
    """Rendered product grid + pagination; cached (short TTL, generation in the key).
    `queryset` may be a callable (built only on a miss); `count`, when known, saves the COUNT."""
    hit = cache_get(cache_key)
    if hit is not None:
        return hit
    paginator = Paginator(queryset() if callable(queryset) else queryset, PAGE_SIZE)
    if count is not None:
        paginator.__dict__["count"] = count  # cached_property: the match already counted them
    page = paginator.get_page(filters.page)
    html = render_to_string(
        "catalog/_listing.html",
        {
            "page": page,
            "products": list(page.object_list),
            "base_qs": filters.querystring(q=query),
            "filters_active": filters.active,
        },
    )
    result = (html, page.paginator.count)
    cache_set(cache_key, result, LISTING_TTL)
    return result


@require_safe
def category_detail(request, slug: str):
    mode = page_cache_mode(request)
    visitor = mode == "visitor"
    cacheable = mode is not None
    if cacheable:
        page_key = page_cache_key("category-" + mode, request.get_full_path()[:2000])
        cacheable = page_key is not None
        hit = page_cache_get(request, page_key, ttl=LISTING_TTL, visitor=visitor) if cacheable else None
        if hit is not None:
            return hit
    info = _category_info(slug)
    if info is None:
        raise Http404("No such category")
    filters = listing_filters_from_query(request.GET)
    key = generation_key("listing", info["id"], filters.cache_key(), filters.page)
    listing_html, count = _listing_html(
        request, lambda: product_list(filters=filters, category_ids=info["ids"]), cache_key=key, filters=filters
    )
    context = {
        "category": info,
        "filters": filters,
        "facets": info["facets"],
        "sorts": SORTS,
        "listing_html": listing_html,
        "count": count,
        "form_action": request.path,
    }
    if cacheable:
        return page_cache_render(request, page_key, "catalog/category.html", context, ttl=LISTING_TTL, visitor=visitor)
    return render(request, "catalog/category.html", context)


@require_safe
def search(request):
    form = ListingFilterForm(request.GET)
    filters = listing_filters_from_form(form)
    query = search_normalize(form.values["q"])
    mode = page_cache_mode(request)
    visitor = mode == "visitor"
    cacheable = mode is not None
    if cacheable:
        page_key = page_cache_key("search-" + mode, request.get_full_path()[:2000])
        cacheable = page_key is not None
        hit = page_cache_get(request, page_key, ttl=LISTING_TTL, visitor=visitor) if cacheable else None
        if hit is not None:
            if query:  # every search is recorded, cached page or not
                _search_record(request, query, count=int(hit.page_cache_meta or 0))
            return hit
    truncated = len(str(form.data.get("q", "")).strip()) > MAX_QUERY_LENGTH
    if query:
        ids = product_search_ids(query)
        listing_html, count = _search_listing_html(ids, filters=filters, query=query)
    else:
        key = generation_key("listing", "all", filters.cache_key(), filters.page)
        listing_html, count = _listing_html(
            request, lambda: product_list(filters=filters), cache_key=key, filters=filters
        )
    suggestions, fallback_categories = [], []
    if query:
        _search_record(request, query, count=count)
        if count == 0:
            suggestions = search_suggestions(query=query)
            fallback_categories = list(Category.objects.filter(parent__isnull=False).order_by("position", "name")[:8])
    context = {
        "query": query,
        "truncated": truncated,
        "filters": filters,
        "facets": _search_facets(query, ids) if query else _all_facets(),
        "sorts": SORTS,
        "listing_html": listing_html,
        "count": count,
        "suggestions": suggestions,
        "fallback_categories": fallback_categories,
        "form_action": request.path,
    }
    if cacheable:
        return page_cache_render(
            request, page_key, "catalog/search.html", context, ttl=LISTING_TTL, visitor=visitor, meta=str(count)
        )
    return render(request, "catalog/search.html", context)


def _search_record(request, query: str, *, count: int) -> None:
    """Every search is a row (analytics, Customer 360, marketing), buffered in Redis on the
    request path and flushed each minute (catalog.views_buffer)."""
    if not request.session.session_key:
        request.session.save()
    customer_id = request.user.pk if request.user.is_authenticated else None
    search_record(query=query, count=count, customer_id=customer_id, session_key=request.session.session_key or "")


def _query_digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:32]


def _search_listing_html(ids: list[int], *, filters, query: str) -> tuple[str, int]:
    """The search results grid from the matched ids (catalog.search.product_search_ids):
    with the default order and no filter, the page's 24 ids are cut in Python and only their
    cards are read (one query, no count); otherwise one listing query over the ids."""
    key = generation_key("listing", "search", _query_digest(query), filters.cache_key(), filters.page)
    hit = cache_get(key)
    if hit is not None:
        return hit
    if filters.active or filters.sort != "relevance":
        page = Paginator(product_list(filters=filters, base=products_ranked(ids)), PAGE_SIZE).get_page(filters.page)
        products = list(page.object_list)
    else:
        page = Paginator(ids, PAGE_SIZE).get_page(filters.page)
        page_ids = list(page.object_list)
        cards = {p.pk: p for p in product_cards(Product.objects.filter(pk__in=page_ids))} if page_ids else {}
        products = [cards[pk] for pk in page_ids if pk in cards]
    html = render_to_string(
        "catalog/_listing.html",
        {"page": page, "products": products, "base_qs": filters.querystring(q=query), "filters_active": filters.active},
    )
    result = (html, page.paginator.count)
    cache_set(key, result, LISTING_TTL)
    return result


def _search_facets(query: str, ids: list[int]) -> dict:
    key = generation_key("facets", "search", _query_digest(query))
    facets = cache_get(key)
    if facets is None:
        facets = listing_facets(product_ids=ids) if ids else {"sizes": [], "colours": []}
        cache_set(key, facets, LISTING_TTL)
    return facets


def _all_facets() -> dict:
    key = generation_key("facets", "all")
    facets = cache_get(key)
    if facets is None:
        facets = listing_facets(category_ids=list(Category.objects.values_list("id", flat=True)))
        cache_set(key, facets, LISTING_TTL * 10)
    return facets


def _stock_state(stock: int) -> tuple[str, str]:
    if stock <= 0:
        return gettext("Sold out"), "danger"
    if stock <= LOW_STOCK:
        return gettext("Only %(stock)s left") % {"stock": stock}, "warning"
    return gettext("In stock"), "success"


_FINGERPRINT_SQL = """
SELECT v.product_id, v.id, v.stock, v.price FROM catalog_variant v
JOIN catalog_product p ON p.id = v.product_id
WHERE p.slug = %s AND p.is_published AND v.is_active ORDER BY v.id
"""


def _stock_fingerprint(slug: str) -> list[tuple]:
    """(product_id, variant_id, stock, price) rows: raw SQL, as this runs on every cached hit."""
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT_SQL, [slug])
        return cursor.fetchall()


def _record_view_in(pipe, request, *, product_id: int) -> None:
    user = request.user
    payload = view_payload(
        product_id=product_id,
        customer_id=user.pk if user.is_authenticated else None,
        session_key=request.session.session_key,
    )
    pipe.rpush(BUFFER_KEY, payload)


@require_safe
def product_page(request, slug: str):
    slug = slug[:220]
    mode = page_cache_mode(request)
    visitor = mode == "visitor"
    cacheable = mode is not None
    if cacheable:
        # Fresh stock and price (one indexed query) are part of the key: never a stale "only 3 left".
        rows = _stock_fingerprint(slug)
        if rows:
            product_id = rows[0][0]
            page_key = page_cache_key("product-" + mode, slug, rows)
            cacheable = page_key is not None
            hit = (
                page_cache_get(
                    request,
                    page_key,
                    ttl=PRODUCT_PAGE_TTL,
                    extra_commands=lambda pipe: _record_view_in(pipe, request, product_id=product_id),
                    visitor=visitor,
                )
                if cacheable
                else None
            )
            if hit is not None:
                return hit
        else:
            cacheable = False
    product = product_detail(slug=slug)
    if product is None:
        raise Http404("No such product")
    variants = list(product.variants.filter(is_active=True).order_by("id"))
    images = list(product.images.all())
    sizes = list(dict.fromkeys(v.size for v in variants if v.size))
    colours = list(dict.fromkeys(v.colour for v in variants if v.colour))
    variant_data = []
    for v in variants:
        label, tone = _stock_state(v.stock)
        variant_data.append(
            {
                "id": v.pk,
                "size": v.size,
                "colour": v.colour,
                "price": str(v.price),
                "compare_at": str(v.compare_at_price) if v.compare_at_price else "",
                # Formatted once, by the one money formatter, in the page's language.
                "price_display": format_money(v.price),
                "compare_at_display": format_money(v.compare_at_price) if v.compare_at_price else "",
                "stock": v.stock,
                "stock_label": label,
                "stock_tone": tone,
                "sku": v.sku,
            }
        )
    default = next((v for v in variants if v.stock > 0), variants[0] if variants else None)
    default_state = _stock_state(default.stock) if default else (gettext("Unavailable"), "danger")
    try:
        add_url = reverse("carts:add")
    except NoReverseMatch:
        add_url = "/cart/add/"
    recommendations = recommendations_for_product(product, limit=4)
    if not cacheable:  # a cacheable request already buffered its view with the cache lookup
        product_view_record(
            product_id=product.pk,
            customer_id=request.user.pk if request.user.is_authenticated else None,
            session_key=request.session.session_key,
        )
    structured = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "sku": default.sku if default else "",
        "description": product.seo_description or product.description[:300],
        "category": product.category.name,
        "url": settings.SITE_URL + product.get_absolute_url(),
        "offers": [
            {
                "@type": "Offer",
                "sku": v.sku,
                "price": str(v.price),
                "priceCurrency": settings.CURRENCY,
                "availability": "https://schema.org/InStock" if v.stock > 0 else "https://schema.org/OutOfStock",
            }
            for v in variants
        ],
    }
    if images:
        structured["image"] = [settings.SITE_URL + img.image.url for img in images[:4]]
    context = {
        "canonical_url": structured["url"],
        # Escaped like json_script so nothing in a product name can close the <script> tag.
        "structured_data": mark_safe(  # noqa: S308 - escaped just above
            json.dumps(structured).replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
        ),
        "product": product,
        "variants": variants,
        "variant_data": variant_data,
        "sizes": sizes,
        "colours": colours,
        "default": default,
        "default_state": default_state,
        "images": images,
        "add_url": add_url,
        "bought_together": recommendations.get("bought_together", []),
        "also_like": recommendations.get("also_like", []),
        "any_in_stock": any(v.stock > 0 for v in variants),
    }
    if cacheable:
        return page_cache_render(
            request, page_key, "catalog/product.html", context, ttl=PRODUCT_PAGE_TTL, visitor=visitor
        )
    return render(request, "catalog/product.html", context)
