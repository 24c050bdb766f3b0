"""Whole-page cache for the storefront's shared pages (listings, product pages, search).

Two kinds of cached page, under different keys:
- for anonymous visitors without a session (first landings, crawlers, shoppable-post clicks
  before they add anything) the page is rendered once with a CSRF placeholder and served
  from Redis with the visitor's own token put in;
- for everyone else (a session with a cart, messages, attribution; signed-in customers) the
  page is rendered once with markers where the visitor's own parts go (VISITOR_PARTS: the
  header's account links and cart count, flash messages, the chat launcher) and each
  request renders only those parts (`includes/_visitor_parts.html`, one small template)
  and puts them in. Nothing per-visitor is ever in the shared bytes: the marked parts are
  the only places base.html reads `user`, `cart_count`, `messages` or `chat_active`.

Keys carry the catalog generation (bumped on every catalog change) and, for product pages,
a fingerprint of the variants' stock and price, so stock on a cached product page is never stale.
"""

import hashlib
import threading
import time
from collections import OrderedDict

import redis
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import Context, engines
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers

from catalog.cache import catalog_generation
from catalog.redis_client import catalog_redis
from common.failopen import fail_open

CSRF_PLACEHOLDER = "__catalog_csrf_placeholder__"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
# A cached page is shared by visitors, the CSP nonce is per response: cached HTML carries
# this placeholder and each response gets its own nonce (django-csp then sends it).
CSP_NONCE_PLACEHOLDER = "__catalog_csp_nonce_placeholder__"
_NONCE_BYTES = CSP_NONCE_PLACEHOLDER.encode()
KEY_PREFIX = "catalog:page"
# Second tier in each process: the hottest pages without a Redis round trip. Keys carry the
# catalog generation, so a catalog change (seen within GENERATION_MEMO_SECONDS) retires them.
LOCAL_MAX_ENTRIES = 256
LOCAL_MAX_SECONDS = 30
_local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
_local_lock = threading.Lock()


def local_page_cache_clear() -> None:
    with _local_lock:
        _local.clear()
        _parts_memo.clear()


def _local_get(key: str) -> bytes | None:
    with _local_lock:
        entry = _local.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del _local[key]
            return None
        _local.move_to_end(key)
        return entry[1]


def _local_set(key: str, html: bytes, ttl: int) -> None:
    with _local_lock:
        _local[key] = (time.monotonic() + min(ttl, LOCAL_MAX_SECONDS), html)
        _local.move_to_end(key)
        while len(_local) > LOCAL_MAX_ENTRIES:
            _local.popitem(last=False)


# Per-visitor parts of base.html: name -> template (see the `visitor_part` tag).
VISITOR_PARTS = {
    "nav": "includes/_visitor_nav.html",
    "messages": "includes/messages.html",
    "chat": "conversations/launcher.html",
}
VISITOR_PARTS_TEMPLATE = "includes/_visitor_parts.html"
VISITOR_PARTS_SEPARATOR = "<!--visitor-part-end-->"


def visitor_marker(name: str) -> str:
    return f"<!--visitor-part:{name}-->"


_VISITOR_MARKERS = [(name, visitor_marker(name).encode()) for name in VISITOR_PARTS]


def page_cache_eligible(request) -> bool:
    if request.method != "GET" or getattr(settings, "CATALOG_PAGE_CACHE", True) is False:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    session = getattr(request, "session", None)
    if session is not None and (session.session_key or session.modified):
        return False  # e.g. the attribution middleware just started a session
    return not request.user.is_authenticated


def page_cache_mode(request) -> str | None:
    """ "anonymous" (a visitor without a session: the whole page is shared), "visitor"
    (a session or a signed-in customer: shared page, their own parts rendered per request)
    or None (not cacheable: not a GET, or the page cache is switched off)."""
    if request.method != "GET" or getattr(settings, "CATALOG_PAGE_CACHE", True) is False:
        return None
    return "anonymous" if page_cache_eligible(request) else "visitor"


def page_cache_key(kind: str, *parts: object) -> str | None:
    """None when the cache is unavailable (the caller then renders normally)."""
    generation = catalog_generation()
    if generation is None:
        return None
    # The whole page is in the visitor's language (cookie or Accept-Language): part of the key.
    parts = (*parts, translation.get_language())
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:{KEY_PREFIX}:{kind}:{generation}:{digest}"


# Rendered visitor parts per process, keyed by everything they read (language, who is signed
# in, cart count, chat state) with the CSRF token as a placeholder: most requests of a shop
# repeat a few hundred combinations. Requests with flash messages are rendered afresh.
_PARTS_MAX_ENTRIES = 1024
_parts_memo: OrderedDict[tuple, dict[str, str]] = OrderedDict()


def _processor_values(request) -> dict:
    """The site's context processors, once: they give what the parts read (`user`,
    `cart_count` from carts, `chat_active` from conversations, `messages`) without this
    module importing those apps."""
    values: dict = {"request": request}
    for processor in engines["django"].engine.template_context_processors:
        values.update(processor(request))
    return values


def visitor_parts(request, values) -> dict[str, str]:
    """{part name: HTML} for this visitor. `values`: what the parts read (a template
    context, or the context processors' output). Without flash messages the parts come from
    the per-process memo with CSRF_PLACEHOLDER where the token goes; with messages they are
    rendered afresh (and the messages consumed) with the real token."""
    engine = engines["django"].engine
    template = engine.get_template(VISITOR_PARTS_TEMPLATE)
    if list(values.get("messages") or ()):
        flat = values.flatten() if hasattr(values, "flatten") else dict(values)
        rendered = template.render(Context(flat, autoescape=engine.autoescape))
        return dict(zip(VISITOR_PARTS, rendered.split(VISITOR_PARTS_SEPARATOR), strict=False))
    user = values.get("user") or request.user
    raw_count = values.get("cart_count")  # carts' processor: lazy, one query when read
    cart_count = int(str(raw_count)) if raw_count else 0
    chat_active = bool(values.get("chat_active"))
    signature = (
        translation.get_language(),
        (user.pk, user.is_staff, user.email) if user.is_authenticated else None,
        cart_count,
        chat_active,
    )
    with _local_lock:
        parts = _parts_memo.get(signature)
        if parts is not None:
            _parts_memo.move_to_end(signature)
            return parts
    context = {
        "request": request,
        "user": user,
        "cart_count": cart_count,
        "chat_active": chat_active,
        "messages": (),
        "csrf_token": CSRF_PLACEHOLDER,
        "LANGUAGE_CODE": translation.get_language(),
    }
    rendered = template.render(Context(context, autoescape=engine.autoescape))
    parts = dict(zip(VISITOR_PARTS, rendered.split(VISITOR_PARTS_SEPARATOR), strict=False))
    with _local_lock:
        _parts_memo[signature] = parts
        while len(_parts_memo) > _PARTS_MAX_ENTRIES:
            _parts_memo.popitem(last=False)
    return parts


def _visitor_parts_fill(request, html: bytes) -> bytes:
    """Put this visitor's parts (one template, one context) into the markers."""
    present = [(name, marker) for name, marker in _VISITOR_MARKERS if marker in html]
    if not present:
        return html
    parts = visitor_parts(request, _processor_values(request))
    for name, marker in present:
        html = html.replace(marker, parts.get(name, "").strip().encode())
    return html


def _response(request, html: bytes, *, visitor: bool = False) -> HttpResponse:
    meta = None
    if html.startswith(b"\x00"):  # b"\x00<meta>\x00<html>": see page_cache_render(meta=)
        meta, html = html[1:].split(b"\x00", 1)
    if visitor:
        html = _visitor_parts_fill(request, html)
    html = html.replace(_PLACEHOLDER_BYTES, get_token(request).encode())
    if _NONCE_BYTES in html:
        html = html.replace(_NONCE_BYTES, str(request.csp_nonce).encode())
    response = HttpResponse(html)
    response.page_cache_meta = meta.decode() if meta is not None else None
    patch_vary_headers(response, ("Cookie",))
    return response


def page_cache_get(request, key: str, *, ttl: int, extra_commands=None, visitor: bool = False) -> HttpResponse | None:
    """The cached page, or None. `extra_commands(pipe)` adds writes to the same round trip
    (sent even when the page comes from this process's memory). `visitor`: the page has
    visitor-part markers (page_cache_mode "visitor") to fill for this request."""
    html = _local_get(key)
    pipe = catalog_redis().pipeline(transaction=False)
    if html is None:
        pipe.get(key)
    if extra_commands is not None:
        extra_commands(pipe)
    if len(pipe):
        try:
            results = pipe.execute()
        except redis.RedisError as exc:  # a cache outage must never fail the page
            fail_open("page_cache", exc)
            results = [None]
        if html is None:
            html = results[0]
            if html is not None:
                _local_set(key, html, ttl)
    return _response(request, html, visitor=visitor) if html is not None else None


def page_cache_render(
    request, key: str, template: str, context: dict, *, ttl: int, visitor: bool = False, meta: str | None = None
) -> HttpResponse:
    """Render `template` to be shared, store it, and answer this request from it. `meta`
    (no NUL bytes): a short string stored with the page, read back as the cached response's
    `page_cache_meta` (e.g. a search's result count, recorded on every hit)."""
    shared = {"csrf_token": CSRF_PLACEHOLDER, "CSP_NONCE": CSP_NONCE_PLACEHOLDER}
    if visitor:
        # Nothing of this visitor's may reach the shared bytes: the parts that read them are
        # markers (the `visitor_part` tag), and the rest sees an anonymous, cart-less visitor.
        from django.contrib.auth.models import AnonymousUser

        shared.update(visitor_parts_deferred=True, user=AnonymousUser(), cart_count=0, messages=(), chat_active=False)
    html = render_to_string(template, {**context, **shared}, request).encode()
    if meta is not None:
        html = b"\x00" + meta.encode() + b"\x00" + html
    _local_set(key, html, ttl)
    try:
        catalog_redis().set(key, html, ex=ttl)
    except redis.RedisError as exc:  # serving the page matters more than caching it
        fail_open("page_cache", exc)
    return _response(request, html, visitor=visitor)
