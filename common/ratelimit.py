"""The one rate limiter (password checks, reset mails): fixed-window counters in the cache's
Redis, incremented atomically by one Lua script (INCR each key, EXPIRE it when new), so
40 concurrent attempts against a limit of 5 let exactly 5 through — no read-then-write.

A limiter that cannot reach Redis **fails open**: the request goes on, a warning is
logged and `FAIL_OPEN[<component>]` counts it (a cache outage must never take sign-in or
the API down; see also api.throttling and common.failopen).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import redis

from common.failopen import fail_open, redis_client

logger = logging.getLogger(__name__)

# KEYS: the counters; ARGV: their windows in seconds. Returns the new counts.
_HIT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 or redis.call('TTL', key) < 0 then
    redis.call('EXPIRE', key, ARGV[i])
  end
  counts[i] = n
end
return counts
"""


@dataclass(frozen=True)
class Limit:
    """At most `max` hits per `window` seconds for one subject (an account, an IP)."""

    scope: str  # e.g. "login:account"
    subject: str  # hashed into the key: emails and IPs are never stored in Redis keys
    max: int
    window: int

    @property
    def key(self) -> str:
        digest = hashlib.sha256(self.subject.strip().lower().encode()).hexdigest()[:32]
        return f"rl:{self.scope}:{digest}"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    exceeded: tuple[str, ...] = ()  # scopes over their limit
    retry_after: int = 0  # seconds, when refused
    failed_open: bool = False


def limit_hit(*limits: Limit, component: str = "ratelimit") -> Decision:
    """Count one hit on every limit, atomically; allowed when each count is within its max.
    A refused hit still counts (a locked-out attacker keeps the lock alive)."""
    try:
        client = redis_client()
        counts = client.register_script(_HIT)(keys=[lim.key for lim in limits], args=[lim.window for lim in limits])
    except redis.RedisError as exc:
        fail_open(component, exc)
        return Decision(allowed=True, failed_open=True)
    exceeded = tuple(lim.scope for lim, count in zip(limits, counts, strict=True) if int(count) > lim.max)
    if not exceeded:
        return Decision(allowed=True)
    return Decision(allowed=False, exceeded=exceeded, retry_after=max(lim.window for lim in limits))


def limit_reset(*limits: Limit, component: str = "ratelimit") -> None:
    """Forget the counts (e.g. the account's after a successful sign-in)."""
    try:
        redis_client().delete(*[lim.key for lim in limits])
    except redis.RedisError as exc:
        fail_open(component, exc)


def limit_refund(*limits: Limit, component: str = "ratelimit") -> None:
    """Give one hit back (e.g. the IP's after a successful sign-in, so people sharing an
    address are not locked out by their own correct sign-ins)."""
    try:
        pipe = redis_client().pipeline()
        for lim in limits:
            pipe.decr(lim.key)
        pipe.execute()
    except redis.RedisError as exc:
        fail_open(component, exc)
