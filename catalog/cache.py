"""Cache generation for storefront fragments. Every cached listing/nav key embeds the
generation; bumping it (on any product, variant, image or category save/delete, or an
explicit call after a bulk stock change) makes all of them stale at once."""

import time

from django.core.cache import cache

GENERATION_KEY = "catalog:generation"
LISTING_TTL = 60  # bounds staleness for stock changed by queryset.update() elsewhere


def catalog_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, int(time.time() * 1000), timeout=None)
        generation = cache.get(GENERATION_KEY, 0)
    return generation


def catalog_cache_invalidate() -> None:
    """Call after changing products or stock outside model save() (e.g. F() updates)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, int(time.time() * 1000), timeout=None)
