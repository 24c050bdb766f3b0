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


# INCRBY and EXPIRE for each key of a batch, in one command (one reply to parse).
_COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
    counts[i] = redis.call('INCRBY', key, ARGV[2 * i - 1])
    redis.call('EXPIRE', key, ARGV[2 * i])
end
return counts
"""
_scripts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _count_script():
    client = _client()
    script = _scripts.get(client)
    if script is None:
        script = _scripts[client] = client.register_script(_COUNT_SCRIPT)
    return script


async def _count_many(items: list[tuple[str, int]]) -> list[int]:
    """One round trip for a batch of (key, window) hits: each distinct key goes up by its
    hits in the batch (and gets its expiry). Each hit gets the count it would have got
    alone, in order."""
    hits = Counter(key for key, _ in items)
    windows = dict(items)
    args: list = []
    for key, n in hits.items():
        args += [n, windows[key] + 1]
    totals = dict(zip(hits, await _count_script()(keys=list(hits), args=args), strict=True))
    seen: Counter = Counter()
    counts = []
    for key, _ in items:
        seen[key] += 1
        counts.append(int(totals[key]) - hits[key] + seen[key])
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
