"""Chat flood control: per connection (in memory) and per customer or session (Redis).

The Redis side fails open: if Redis is down or slow, messages are allowed and the failure
is logged (a rate limiter must never take the chat down with it).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import Counter

import redis.asyncio as aioredis
from django.conf import settings

from conversations.batching import LoopBatcher, per_loop

logger = logging.getLogger(__name__)

# One client per event loop (a redis.asyncio client is bound to the loop it connected on).
_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class TokenBucket:
    """`burst` messages at once, then one per `per_seconds`."""

    def __init__(self, *, burst: int, per_seconds: float):
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.rate = 1.0 / per_seconds
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def _client() -> aioredis.Redis:
    loop = asyncio.get_running_loop()
    entry = _clients.get(loop)
    if entry is None or entry[0] != settings.REDIS_URL:
        client = aioredis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
        entry = (settings.REDIS_URL, client)
        _clients[loop] = entry
    return entry[1]


async def _count_many(items: list[tuple[str, int]]) -> list[int]:
    """One pipeline for a batch of (key, window) hits: INCRBY per distinct key (by its hits
    in the batch) and EXPIRE. Each hit gets the count it would have got alone, in order."""
    hits = Counter(key for key, _ in items)
    windows = dict(items)
    async with _client().pipeline(transaction=False) as pipe:
        for key, n in hits.items():
            pipe.incrby(key, n)
            pipe.expire(key, windows[key] + 1)
        replies = await pipe.execute()
    totals = {key: int(total) for key, total in zip(hits, replies[0::2], strict=True)}
    seen: Counter = Counter()
    counts = []
    for key, _ in items:
        seen[key] += 1
        counts.append(totals[key] - hits[key] + seen[key])
    return counts


_counter = per_loop(lambda: LoopBatcher(_count_many, max_batch=500))


async def allow(owner: str, *, limit: int, window_seconds: int) -> bool:
    """At most `limit` messages per `window_seconds` for `owner` across all their sockets
    (and server processes: the count is in Redis). Hits from this process's sockets that
    arrive together share one round trip (conversations.batching)."""
    bucket = int(time.time() // window_seconds)
    key = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:chat-rate:{owner}:{bucket}"
    try:
        count = await _counter().submit((key, window_seconds))
    except (aioredis.RedisError, OSError):
        logger.warning("chat rate limiter unavailable; allowing", exc_info=True)
        return True
    return count <= limit


_sync_clients: dict[str, object] = {}


def allow_sync(owner: str, *, limit: int, window_seconds: int) -> bool:
    """The same limit for HTTP (polling fallback) posts."""
    import redis

    bucket = int(time.time() // window_seconds)
    key = f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:chat-rate:{owner}:{bucket}"
    try:
        client = _sync_clients.get(settings.REDIS_URL)
        if client is None:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
            _sync_clients[settings.REDIS_URL] = client
        pipe = client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, window_seconds + 1)
        count, _ = pipe.execute()
    except (redis.RedisError, OSError):
        logger.warning("chat rate limiter unavailable; allowing", exc_info=True)
        return True
    return int(count) <= limit
