"""The Celery app. Broker: Redis (REDIS_URL or the embedded one), JSON only, late acks.

Queues per workload (email, campaigns, scans, webhooks, default) so a big campaign never
delays an order confirmation; routes live in settings.CELERY_TASK_ROUTES.
"""

import os

from celery import Celery
from celery.signals import worker_init, worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_platform.settings")

app = Celery("commerce_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _add_relay_step() -> None:
    # Every worker also relays committed outbox rows and events (commerce_platform.relay).
    from commerce_platform.relay import OutboxRelayStep

    app.steps["worker"].add(OutboxRelayStep)


_add_relay_step()


@app.task(name="common.ping", ignore_result=True)
def ping() -> str:
    return "pong"


@app.task(name="common.report_worker", bind=True, ignore_result=True)
def report_worker(self, key: str) -> None:
    """Diagnostics: record which worker and queue ran this task (used by the routing test)."""
    import redis
    from django.conf import settings

    info = self.request.delivery_info or {}
    redis.Redis.from_url(settings.REDIS_URL).rpush(key, f"{self.request.hostname}|{info.get('routing_key', '')}")


@worker_init.connect
def _worker_starting(**kwargs) -> None:
    from commerce_platform.health import worker_starting_mark

    worker_starting_mark()


@worker_ready.connect
def _worker_ready(**kwargs) -> None:
    from commerce_platform.health import worker_ready_soon_clear

    worker_ready_soon_clear()


@worker_shutdown.connect
def _worker_gone(**kwargs) -> None:
    from commerce_platform.health import worker_starting_clear

    worker_starting_clear()
