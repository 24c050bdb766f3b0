"""/healthz: database, Redis and a Celery worker ping. 200 when all are up, else 503."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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
    body = {"status": "ok" if not down else "down", "down": down, "checks": results}
    return JsonResponse(body, status=200 if not down else 503)
