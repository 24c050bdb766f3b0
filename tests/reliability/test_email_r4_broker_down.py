"""R4: Redis (cache and broker) is unreachable while orders are placed. The orders succeed
(placement writes the outbox row in its transaction and makes no Redis call at all), the
relay cannot publish so the emails stay `queued` and unpublished, and once the broker is
reachable a worker's relay hands them over: each arrives once."""

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from messaging.models import OutboundEmail
from messaging.services import outbox_publish_new
from messaging.tasks import relay
from orders.models import Order
from tests.messaging.sink import SmtpSink, free_port

pytestmark = [pytest.mark.celery, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
N = 5

# Runs in a separate process whose Redis (cache and Celery broker) is a port nothing listens
# on: real checkouts (orders.services.order_place), each writing its confirmation to the
# outbox; then the relay tries to publish them and cannot.
PLACE_ORDERS_WITH_DEAD_BROKER = f"""
import os
import django
django.setup()
from django.conf import settings
from commerce_platform.celery import app
dead = os.environ["DEAD_BROKER_URL"]
settings.CELERY_BROKER_URL = dead
app.conf.update(broker_url=dead, CELERY_BROKER_URL=dead)
uri = app.connection_for_write().as_uri()
assert uri.startswith(dead[:-2]), uri
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory
from tests.customers.factories import CustomerFactory
from tests.orders.helpers import place
for i in range({N}):
    cart = CartFactory(customer=CustomerFactory(email=f"r4-{{i}}@example.com"))
    CartLineFactory(cart=cart, variant=VariantFactory(stock=5), quantity=1)
    order = place(cart, key=f"r4-{{i}}")
    print("placed", order.number)
from messaging.services import outbox_publish_new
print("published", outbox_publish_new())
"""


@pytest.mark.django_db(transaction=True)
def test_emails_enqueued_while_the_broker_is_down_go_out_once_it_is_back(start_celery_worker):
    sink = SmtpSink().start()
    try:
        dead = f"redis://127.0.0.1:{free_port()}/0"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "commerce_platform.settings.test",
            "DATABASE_NAME": connection.settings_dict["NAME"],
            "REDIS_URL": dead,
            "DEAD_BROKER_URL": dead,
        }
        # When business transactions run with Redis unreachable, they still commit
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", PLACE_ORDERS_WITH_DEAD_BROKER], cwd=ROOT, env=env, capture_output=True, timeout=120
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        output = done.stdout.decode()
        assert output.count("placed UC-") == N
        assert time.monotonic() - started < 60
        orders = list(Order.objects.filter(email__startswith="r4-"))
        assert len(orders) == N
        rows = list(OutboundEmail.objects.filter(template="order_confirmation"))
        assert sorted(r.to_email for r in rows) == [f"r4-{i}@example.com" for i in range(N)]

        # ... and the relay, without a broker, published nothing and lost nothing: the rows
        # wait queued and unpublished
        assert "published 0" in output
        waiting = OutboundEmail.objects.filter(pk__in=[r.pk for r in rows])
        assert set(waiting.values_list("status", "last_enqueued_at")) == {("queued", None)}
        assert sink.handler.messages == []

        # Then, with the broker back, a worker's relay hands them over and each is delivered once
        start_celery_worker(queues="email", concurrency=1, name="r4", extra_env={"EMAIL_URL": sink.url})
        assert sink.wait_for(lambda: len(sink.handler.messages) >= N, timeout=40)
        assert sink.wait_for(
            lambda: OutboundEmail.objects.filter(pk__in=[r.pk for r in rows], status="sent").count() == N
        )
        counts = Counter(sink.handler.message_ids())
        assert counts == Counter({r.message_id: 1 for r in rows})
        assert sorted(m["Subject"] for m in sink.handler.messages) == sorted(
            f"Order {o.number} confirmed" for o in orders
        )
        # Neither relay finds anything left to do.
        with override_settings(MESSAGING_RELAY_GRACE_SECONDS=0):
            assert relay() == 0
        assert outbox_publish_new() == 0
    finally:
        sink.stop()
