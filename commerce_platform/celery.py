"""The Celery app. Broker: Redis (REDIS_URL or the embedded one), JSON only, late acks.

Queues per workload (email, campaigns, scans, webhooks, default) so a big campaign never
delays an order confirmation; routes live in settings.CELERY_TASK_ROUTES.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_platform.settings")

app = Celery("commerce_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="common.ping", ignore_result=True)
def ping() -> str:
    return "pong"
