from django import template
from django.utils.safestring import mark_safe

from catalog.cache import LISTING_TTL, cache_get, cache_set, generation_key
from catalog.selectors import category_nav

register = template.Library()
_nav_memo: dict[str, list] = {}


@register.inclusion_tag("catalog/_category_nav.html", takes_context=True)
def catalog_category_nav(context):
    """Top categories with children for the header; cached per catalog generation."""
    key = generation_key("nav")
    # Each process keeps the menu of the current generation and language (its key): pages
    # rendered per request (the cart) then read no cache either.
    nav = _nav_memo.get(key) if key is not None else None
    if nav is None:
        nav = cache_get(key)
        if nav is None:
            nav = category_nav()
            cache_set(key, nav, LISTING_TTL * 10)
        if key is not None:
            if len(_nav_memo) >= 16:  # older generations' menus
                _nav_memo.clear()
            _nav_memo[key] = nav
    request = context.get("request")
    return {"nav": nav, "current_path": request.path if request else ""}


@register.simple_tag(takes_context=True)
def visitor_part(context, name: str) -> str:
    """One of the visitor's own parts of a page (catalog.page_cache.VISITOR_PARTS): a marker
    when the page is rendered to be shared (each request fills it), else rendered here —
    from the per-process memo of rendered parts when there is no flash message."""
    from catalog.page_cache import CSRF_PLACEHOLDER, VISITOR_PARTS, visitor_marker, visitor_parts

    if context.get("visitor_parts_deferred"):
        return mark_safe(visitor_marker(name))  # noqa: S308 - a fixed HTML comment
    request = context.get("request")
    if request is None or name == "messages" or "csrf_token" not in context:
        return context.template.engine.get_template(VISITOR_PARTS[name]).render(context)
    html = visitor_parts(request, context).get(name, "").strip()
    return mark_safe(html.replace(CSRF_PLACEHOLDER, str(context["csrf_token"])))  # noqa: S308 - rendered template


@register.simple_tag(takes_context=True)
def query_toggle(context, name: str, value: str) -> str:
    """The current query string with `name=value` added or removed (filter chips)."""
    params = context["request"].GET.copy()
    values = params.getlist(name)
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    params.setlist(name, values)
    params.pop("page", None)
    return params.urlencode()


@register.filter
def stock_label(stock: int) -> str:
    if not stock or stock <= 0:
        return "Sold out"
    if stock <= 3:
        return f"Only {stock} left"
    return "In stock"
