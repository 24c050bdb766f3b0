"""Whole-page cache for anonymous visitors without a session (first landings, crawlers,
shoppable-post clicks before they add anything): the page is rendered once with a CSRF
placeholder and served from Redis with the visitor's own token put in. Anyone with a session
(cart, sign-in, messages, attribution) gets the normal render with fragment caches, because
the header then shows things that are theirs.

Keys carry the catalog generation (bumped on every catalog change) and, for product pages,
a fingerprint of the variants' stock and price, so stock on a cached product page is never stale.
"""

import hashlib

import redis
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

from catalog.cache import catalog_generation
from catalog.redis_client import catalog_redis

CSRF_PLACEHOLDER = "__catalog_csrf_placeholder__"
KEY_PREFIX = "catalog:page"


def page_cache_eligible(request) -> bool:
    if request.method != "GET" or getattr(settings, "CATALOG_PAGE_CACHE", True) is False:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    session = getattr(request, "session", None)
    if session is not None and (session.session_key or session.modified):
        return False  # e.g. the attribution middleware just started a session
    return not request.user.is_authenticated


def page_cache_key(kind: str, *parts: object) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:{KEY_PREFIX}:{kind}:{catalog_generation()}:{digest}"


def _response(request, html: str) -> HttpResponse:
    response = HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))
    patch_vary_headers(response, ("Cookie",))
    return response


def page_cache_get(request, key: str, *, extra_commands=None) -> HttpResponse | None:
    """The cached page, or None. `extra_commands(pipe)` adds writes to the same round trip."""
    pipe = catalog_redis().pipeline(transaction=False)
    pipe.get(key)
    if extra_commands is not None:
        extra_commands(pipe)
    try:
        html = pipe.execute()[0]
    except redis.RedisError:  # a cache outage must never fail the page
        return None
    return _response(request, html.decode()) if html is not None else None


def page_cache_render(request, key: str, template: str, context: dict, *, ttl: int) -> HttpResponse:
    html = render_to_string(template, {**context, "csrf_token": CSRF_PLACEHOLDER}, request)
    try:
        catalog_redis().set(key, html.encode(), ex=ttl)
    except redis.RedisError:  # serving the page matters more than caching it
        pass
    return _response(request, html)
