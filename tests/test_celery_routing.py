"""C13: queues per workload. Routing sends each task family to its queue, and workers on
different queues only take their own work."""

import time

import pytest
import redis
from django.conf import settings

from commerce_platform.celery import app, report_worker


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("messaging.deliver", "email"),
        ("marketing.campaign_send_batch", "campaigns"),
        ("marketing.abandonment_scan", "scans"),
        ("webhooks.deliver", "webhooks"),
        ("common.ping", "default"),
    ],
)
def test_task_names_route_to_their_workload_queue(task_name, queue):
    route = app.amqp.router.route({}, task_name)
    assert route["queue"].name == queue


def test_celery_is_configured_for_safe_redelivery():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.celery
def test_two_workers_on_different_queues_each_take_only_their_own(start_celery_worker):
    email_worker = start_celery_worker(queues="email", concurrency=1, name="email")
    default_worker = start_celery_worker(queues="default", concurrency=1, name="default")
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"routing-test-{time.monotonic_ns()}"

    report_worker.delay(key)  # routed by name: common.* -> default
    report_worker.apply_async((key,), queue="email")

    deadline = time.monotonic() + 20
    while client.llen(key) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    ran = sorted(item.decode() for item in client.lrange(key, 0, -1))
    client.delete(key)
    assert ran == sorted([f"{default_worker.hostname}|default", f"{email_worker.hostname}|email"])
