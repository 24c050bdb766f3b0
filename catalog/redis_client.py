"""One raw redis-py client per process for the catalog's hot path (page cache, view buffer)."""

import redis
from django.conf import settings

_clients: dict[str, redis.Redis] = {}


def catalog_redis() -> redis.Redis:
    url = settings.REDIS_URL
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=1)
    return _clients[url]
