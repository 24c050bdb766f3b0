"""R4: the broker is unreachable while business transactions enqueue emails. The
transactions commit (the outbox row is part of them), the rows stay `queued`, and once the
broker is reachable the outbox relay (a beat task) hands them to a worker: each arrives once."""

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from customers.models import Customer
from messaging.models import OutboundEmail
from messaging.tasks import relay
from tests.messaging.sink import SmtpSink, free_port

pytestmark = [pytest.mark.celery, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
N = 5

# Runs in a separate process whose broker URL points at a port nothing listens on.
ENQUEUE_WITH_DEAD_BROKER = f"""
import django
django.setup()
from django.db import transaction
from customers.services import customer_get_or_create_guest
from messaging.services import email_enqueue
for i in range({N}):
    with transaction.atomic():
        customer = customer_get_or_create_guest(email=f"r4-{{i}}@example.com")
        email_enqueue(to=customer.email, kind="test", template="test_message", context={{}},
                      dedupe_key=f"r4-{{i}}", customer=customer)
print("committed")
"""


@pytest.mark.django_db(transaction=True)
def test_emails_enqueued_while_the_broker_is_down_go_out_once_it_is_back(start_celery_worker):
    sink = SmtpSink().start()
    try:
        start_celery_worker(queues="email", concurrency=1, name="r4", extra_env={"EMAIL_URL": sink.url})
        dead = f"redis://127.0.0.1:{free_port()}/0"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "commerce_platform.settings.test",
            "DATABASE_NAME": connection.settings_dict["NAME"],
            "REDIS_URL": dead,
            "CELERY_BROKER_URL": dead,
        }
        # When business transactions run with the broker unreachable, they still commit
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", ENQUEUE_WITH_DEAD_BROKER], cwd=ROOT, env=env, capture_output=True, timeout=120
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        assert b"committed" in done.stdout
        assert time.monotonic() - started < 60
        assert Customer.objects.filter(email__startswith="r4-").count() == N
        rows = list(OutboundEmail.objects.filter(dedupe_key__startswith="r4-"))
        assert len(rows) == N

        # ... the emails wait in the outbox (no task reached the running worker)
        sink.wait_for(lambda: False, timeout=1.5)
        assert set(OutboundEmail.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)) == {
            "queued"
        }
        assert sink.handler.messages == []

        # Then the relay (beat, with the broker back) hands them over and each is delivered once
        with override_settings(MESSAGING_RELAY_GRACE_SECONDS=0):
            assert relay() == N
        assert sink.wait_for(lambda: len(sink.handler.messages) >= N, timeout=40)
        assert sink.wait_for(
            lambda: OutboundEmail.objects.filter(pk__in=[r.pk for r in rows], status="sent").count() == N
        )
        counts = Counter(sink.handler.message_ids())
        assert counts == Counter({r.message_id: 1 for r in rows})
        # A second relay pass finds nothing left to do.
        with override_settings(MESSAGING_RELAY_GRACE_SECONDS=0):
            assert relay() == 0
    finally:
        sink.stop()
