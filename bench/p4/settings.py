"""Settings for the P4 benchmark's worker and driver only: the normal settings with every
messaging task routed to the run's own queue (BENCH_EMAIL_QUEUE), so the worker's outbox
relay publishes there and no other worker on the same broker takes the tasks."""

import os

from commerce_platform.settings.base import *  # noqa: F403

DEBUG = False
CELERY_TASK_ROUTES = {**CELERY_TASK_ROUTES, "messaging.*": {"queue": os.environ["BENCH_EMAIL_QUEUE"]}}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
