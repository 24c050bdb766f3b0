"""Watch the channel layer's Redis from every server process.

Pub/Sub does not queue: an event published while the channel layer's Redis is down or
restarting is gone, and a socket never hears about it. Messages are rows, so nothing is lost
as long as clients re-read past their last id; this watchdog makes sure they do. It pings
that Redis once a second; when it stops answering, every chat socket of this process is
closed (code 4503) — clients reconnect with backoff and poll over HTTP meanwhile — and when
it answers again the sockets reconnect and re-read from their last id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref

import redis.asyncio as aioredis
from django.conf import settings

logger = logging.getLogger(__name__)

CLOSE_LAYER_DOWN = 4503
INTERVAL_SECONDS = 1.0

_sockets: weakref.WeakSet = weakref.WeakSet()
_tasks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> watchdog task
_state = {"healthy": True}


def layer_redis_url() -> str:
    hosts = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts") or [settings.REDIS_URL]
    host = hosts[0]
    return host if isinstance(host, str) else host.get("address", settings.REDIS_URL)


def layer_healthy() -> bool:
    return _state["healthy"]


def watch(consumer) -> None:
    """Register a connected socket and make sure this process's watchdog runs."""
    _sockets.add(consumer)
    loop = asyncio.get_running_loop()
    task = _tasks.get(loop)
    if task is None or task.done():
        _tasks[loop] = loop.create_task(_watchdog())


def unwatch(consumer) -> None:
    _sockets.discard(consumer)


async def _close_all(reason: str) -> None:
    sockets = list(_sockets)
    logger.warning("chat: channel layer %s; closing %d socket(s) so clients re-sync", reason, len(sockets))
    for consumer in sockets:
        _sockets.discard(consumer)
        try:
            await consumer.close(code=CLOSE_LAYER_DOWN)
        except Exception:
            logger.info("chat: closing a socket failed", exc_info=True)


async def _watchdog() -> None:
    client = aioredis.Redis.from_url(layer_redis_url(), socket_timeout=1, socket_connect_timeout=1)
    try:
        while True:
            try:
                await client.ping()
                ok = True
            except (aioredis.RedisError, OSError):
                ok = False
            # redis-py can turn a cancellation that lands during its socket timeout into a
            # TimeoutError, or finish the command anyway: honour a pending cancel on every turn,
            # or the loop never stops (the event loop's shutdown would wait forever).
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise asyncio.CancelledError
            if not ok and _state["healthy"]:
                _state["healthy"] = False
                await _close_all("unreachable")
            elif ok and not _state["healthy"]:
                _state["healthy"] = True
                await _close_all("back")  # sockets opened during the outage may have missed events
            await asyncio.sleep(INTERVAL_SECONDS)
    finally:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(client.aclose(), timeout=1)
