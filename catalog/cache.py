"""Cache generation for storefront fragments. Every cached listing/nav key embeds the
generation; bumping it (on any product, variant, image or category save/delete, or an
explicit call after a bulk stock change) makes all of them stale at once."""

import time

from django.core.cache import cache

GENERATION_KEY = "catalog:generation"
LISTING_TTL = 60  # bounds staleness for stock changed by queryset.update() elsewhere
# Each process remembers the generation this long, saving a Redis round trip per request;
# another process's invalidation is therefore seen within this many seconds.
GENERATION_MEMO_SECONDS = 1.0
_memo: dict[str, float] = {}


def catalog_generation() -> int:
    now = time.monotonic()
    if _memo and now - _memo["at"] < GENERATION_MEMO_SECONDS:
        return int(_memo["value"])
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, int(time.time() * 1000), timeout=None)
        generation = cache.get(GENERATION_KEY, 0)
    _memo.update(value=generation, at=now)
    return generation


def catalog_cache_invalidate() -> None:
    """Call after changing products or stock outside model save() (e.g. F() updates)."""
    _memo.clear()
    from catalog.page_cache import local_page_cache_clear

    local_page_cache_clear()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, int(time.time() * 1000), timeout=None)
