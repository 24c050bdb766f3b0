"""Fail open, visibly: when the cache's Redis is unreachable, rate limits, lockouts and
cache reads let the request through (a cache outage must not become a site outage), and
each such decision is logged and counted here.

`FAIL_OPEN` counts per component in this process; `/healthz` reports it, and the log
line (logger `common.failopen`, level WARNING) carries the component and the error.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

FAIL_OPEN: Counter[str] = Counter()
_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}


def fail_open(component: str, exc: BaseException) -> None:
    """Record that `component` let a request through because Redis failed."""
    with _lock:
        FAIL_OPEN[component] += 1
    logger.warning(
        "%s: Redis unavailable, failing open (%s: %s)",
        component,
        type(exc).__name__,
        str(exc)[:200],
        extra={"component": component, "fail_open": True},
    )


def redis_client() -> redis.Redis:
    """One redis-py client per process for the cache's Redis (settings.REDIS_URL), with
    short timeouts so a hung server costs a request at most a second, not forever."""
    url = settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        timeout = getattr(settings, "REDIS_SOCKET_TIMEOUT", 1.0)
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        _clients[url] = client
    return client
