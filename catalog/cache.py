"""Cache generation for storefront fragments. Every cached listing/nav key embeds the
generation; bumping it (on any product, variant, image or category save/delete, or an
explicit call after a bulk stock change) makes all of them stale at once."""

import time

import redis
from django.core.cache import cache
from django.utils import translation

from common.failopen import fail_open

GENERATION_KEY = "catalog:generation"
LISTING_TTL = 60  # bounds staleness for stock changed by queryset.update() elsewhere
# Each process remembers the generation this long, saving a Redis round trip per request;
# another process's invalidation is therefore seen within this many seconds.
GENERATION_MEMO_SECONDS = 1.0
_memo: dict[str, float] = {}


def catalog_generation() -> int | None:
    """The current generation, or None when Redis is unreachable (then nothing is cached:
    pages are rendered from the database, slower but correct)."""
    now = time.monotonic()
    if _memo and now - _memo["at"] < GENERATION_MEMO_SECONDS:
        return int(_memo["value"])
    try:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, int(time.time() * 1000), timeout=None)
            generation = cache.get(GENERATION_KEY, 0)
    except redis.RedisError as exc:
        fail_open("catalog_cache", exc)  # pages are served uncached
        return None
    _memo.update(value=generation, at=now)
    return generation


def cache_get(key: str | None):
    """cache.get that treats an unreachable Redis (or no key) as a miss."""
    if key is None:
        return None
    try:
        return cache.get(key)
    except redis.RedisError as exc:
        fail_open("catalog_cache", exc)
        return None


def cache_set(key: str | None, value, timeout: int) -> None:
    if key is None:
        return
    try:
        cache.set(key, value, timeout)
    except redis.RedisError as exc:
        fail_open("catalog_cache", exc)


def generation_key(*parts: object) -> str | None:
    """A cache key carrying the catalog generation and the active language (names, prices and
    dates are rendered in it); None when caching is unavailable."""
    generation = catalog_generation()
    if generation is None:
        return None
    language = translation.get_language() or ""
    return ":".join(["catalog", str(parts[0]), str(generation), language, *(str(p) for p in parts[1:])])


def catalog_cache_invalidate() -> None:
    """Call after changing products or stock outside model save() (e.g. F() updates).
    Never raises: a catalog edit must succeed even when Redis is down."""
    _memo.clear()
    from catalog.page_cache import local_page_cache_clear

    local_page_cache_clear()
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, int(time.time() * 1000), timeout=None)
    except redis.RedisError as exc:
        fail_open("catalog_cache_invalidate", exc)
