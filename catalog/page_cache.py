"""Whole-page cache for anonymous visitors without a session (first landings, crawlers,
shoppable-post clicks before they add anything): the page is rendered once with a CSRF
placeholder and served from Redis with the visitor's own token put in. Anyone with a session
(cart, sign-in, messages, attribution) gets the normal render with fragment caches, because
the header then shows things that are theirs.

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


def page_cache_eligible(request) -> bool:
    if request.method != "GET" or getattr(settings, "CATALOG_PAGE_CACHE", True) is False:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    session = getattr(request, "session", None)
    if session is not None and (session.session_key or session.modified):
        return False  # e.g. the attribution middleware just started a session
    return not request.user.is_authenticated


def page_cache_key(kind: str, *parts: object) -> str | None:
    """None when the cache is unavailable (the caller then renders normally)."""
    generation = catalog_generation()
    if generation is None:
        return None
    # The whole page is in the visitor's language (cookie or Accept-Language): part of the key.
    parts = (*parts, translation.get_language())
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:{KEY_PREFIX}:{kind}:{generation}:{digest}"


def _response(request, html: bytes) -> HttpResponse:
    html = html.replace(_PLACEHOLDER_BYTES, get_token(request).encode())
    if _NONCE_BYTES in html:
        html = html.replace(_NONCE_BYTES, str(request.csp_nonce).encode())
    response = HttpResponse(html)
    patch_vary_headers(response, ("Cookie",))
    return response


def page_cache_get(request, key: str, *, ttl: int, extra_commands=None) -> HttpResponse | None:
    """The cached page, or None. `extra_commands(pipe)` adds writes to the same round trip
    (sent even when the page comes from this process's memory)."""
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
    return _response(request, html) if html is not None else None


def page_cache_render(request, key: str, template: str, context: dict, *, ttl: int) -> HttpResponse:
    html = render_to_string(
        template, {**context, "csrf_token": CSRF_PLACEHOLDER, "CSP_NONCE": CSP_NONCE_PLACEHOLDER}, request
    ).encode()
    _local_set(key, html, ttl)
    try:
        catalog_redis().set(key, html, ex=ttl)
    except redis.RedisError as exc:  # serving the page matters more than caching it
        fail_open("page_cache", exc)
    return _response(request, html)
