"""/healthz: database, Redis and a Celery worker ping.

200 "ok" when all are up; 200 "starting" when the database and Redis are up and no worker
answers yet but one is starting (marked in Redis by `run_all` and by the worker itself until
it is ready, at most HEALTH_WORKER_START_GRACE seconds); else 503 "down". "starting" is not
an error: the web serves pages meanwhile (mail waits in the outbox), so nothing is logged
at ERROR level for it.
"""

import logging
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.failopen import FAIL_OPEN


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_redis() -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    client.ping()


def _check_celery() -> None:
    from commerce_platform.celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=1) as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
        replies = app.control.ping(timeout=settings.HEALTH_CELERY_TIMEOUT, connection=conn)
    if not replies:
        raise RuntimeError("no Celery worker answered the ping")


CHECKS = {"database": _check_database, "redis": _check_redis, "celery": _check_celery}
STARTING_KEY = "health:worker-starting"
logger = logging.getLogger(__name__)


def _redis():
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def worker_starting_mark() -> None:
    """A worker is on its way: /healthz says "starting" until it answers (or the grace ends)."""
    try:
        _redis().set(STARTING_KEY, "1", ex=max(1, int(settings.HEALTH_WORKER_START_GRACE)))
    except (redis.exceptions.RedisError, OSError):
        logger.warning("could not mark the worker as starting (Redis unavailable)")


def worker_ready_soon_clear(seconds: int = 15) -> None:
    """The worker is ready: its first ping answers can still be slow on a busy machine, so
    "starting" lasts a few more seconds instead of flipping to "down" and back."""
    try:
        _redis().expire(STARTING_KEY, seconds)
    except (redis.exceptions.RedisError, OSError):
        logger.warning("could not update the worker-starting mark (Redis unavailable)")


def worker_starting_clear() -> None:
    try:
        _redis().delete(STARTING_KEY)
    except (redis.exceptions.RedisError, OSError):
        logger.warning("could not clear the worker-starting mark (Redis unavailable)")


def _worker_starting() -> bool:
    try:
        return bool(_redis().exists(STARTING_KEY))
    except (redis.exceptions.RedisError, OSError):
        return False


@never_cache
@require_GET
def healthz(request):
    results = {}
    down = []
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # any failure means "down"; report it, never raise
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
            down.append(name)
        else:
            results[name] = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    if down == ["celery"] and _worker_starting():
        results["celery"]["starting"] = True
        body = {"status": "starting", "down": [], "checks": results, "fail_open": dict(FAIL_OPEN)}
        return JsonResponse(body, status=200)
    body = {
        "status": "ok" if not down else "down",
        "down": down,
        "checks": results,
        # Requests this process let through because Redis failed (limiters, throttles, caches).
        "fail_open": dict(FAIL_OPEN),
    }
    return JsonResponse(body, status=200 if not down else 503)
