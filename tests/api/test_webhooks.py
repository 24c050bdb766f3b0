"""Outgoing webhooks: business services write an event row in their transaction (no signal,
no subscription lookup, no broker call); the relay fans committed events out to subscribers
and enqueues each delivery after its own commit; requests are HMAC-SHA256 signed with a
timestamp, retried with backoff, delivered by a real worker."""

import hashlib
import hmac
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction

from api.models import WebhookDelivery, WebhookSubscription
from api.tasks import MAX_ATTEMPTS, DeliveryFailed, retry_delay, webhook_deliver
from api.webhooks import webhook_emit, webhook_events_relay, webhook_signature_verify
from carts.services import cart_get_or_create, cart_line_add
from catalog.models import Variant
from common.models import DomainEvent
from orders.services import order_fulfil, order_mark_paid, order_place
from service_console.services.cases import case_create

ADDRESS = {
    "full_name": "Ana Lima",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}
SECRET = "whsec_test_secret"


class Receiver:
    """A tiny HTTP server on 127.0.0.1 that records requests and answers scripted statuses."""

    def __init__(self, statuses=(200,)):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.requests

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def _subscribe(url: str, *events: str) -> WebhookSubscription:
    return WebhookSubscription.objects.create(name="CRM", url=url, events=list(events), secret=SECRET)


def _order(shopper, *, key: str = "wh-1"):
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=Variant.objects.get(sku="LIN-M-WHT"), quantity=1, actor=shopper)
    return order_place(
        cart=cart,
        email=shopper.email,
        shipping_address=ADDRESS,
        shipping_method="standard",
        payment_method="pod",
        payment_details={},
        idempotency_key=key,
        actor=shopper,
    )


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"event":"order.created"}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    header = f"t=1700000000,v1={expected}"
    assert webhook_signature_verify(secret=SECRET, header=header, body=body, now=1700000100)
    assert not webhook_signature_verify(secret=SECRET, header=header, body=body + b" ", now=1700000100)
    assert not webhook_signature_verify(secret="other", header=header, body=body, now=1700000100)
    assert not webhook_signature_verify(secret=SECRET, header=header, body=body, now=1700000000 + 301)  # replay
    assert not webhook_signature_verify(secret=SECRET, header="garbage", body=body, now=1700000000)


@pytest.mark.django_db
def test_order_created_is_recorded_in_the_order_transaction_and_enqueued_after_commit(
    shopper, catalog, django_capture_on_commit_callbacks
):
    _subscribe("https://crm.example.com/hooks", "order.created")
    with django_capture_on_commit_callbacks() as callbacks:
        order = _order(shopper)
    assert callbacks == []  # the placement itself enqueues nothing
    assert WebhookDelivery.objects.count() == 0
    event = DomainEvent.objects.get()
    assert (event.name, event.relayed_at) == ("order.created", None)

    with django_capture_on_commit_callbacks() as callbacks:
        assert webhook_events_relay() == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "order.created" and delivery.status == "pending"
    assert delivery.event_id == event.public_id  # the X-UC-Delivery id is the event's
    assert delivery.payload["number"] == order.number
    # 1 × 40.00, standard shipping 5.00 (under 50), tax 10 % of 45.00 = 4.50 → 49.50
    assert delivery.payload["total"] == "49.50"
    assert delivery.payload["lines"] == [
        {
            "sku": "LIN-M-WHT",
            "name": "Linen Shirt",
            "options": "M / White",
            "unit_price": "40.00",
            "quantity": 1,
            "total": "40.00",
        }
    ]
    deliver_calls = [c for c in callbacks if getattr(c, "func", None) == webhook_deliver.delay]
    assert [c.args for c in deliver_calls] == [(delivery.pk,)]
    assert webhook_events_relay() == 0  # relayed once: a second pass fans out nothing
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db
def test_nothing_is_recorded_when_the_transaction_rolls_back(shopper, catalog, django_capture_on_commit_callbacks):
    _subscribe("https://crm.example.com/hooks", "case.created")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        case_create(customer=shopper, subject="Broken zip", description="")
        raise RuntimeError("boom")
    assert DomainEvent.objects.count() == 0
    assert webhook_events_relay() == 0
    assert WebhookDelivery.objects.count() == 0
    assert [c for c in callbacks if getattr(c, "func", None) == webhook_deliver.delay] == []


@pytest.mark.django_db
def test_paid_and_fulfilled_follow_the_order_lifecycle(shopper, agent_user, catalog):
    _subscribe("https://crm.example.com/hooks", "order.paid", "order.fulfilled")
    order = _order(shopper)
    assert webhook_events_relay() == 1
    assert WebhookDelivery.objects.count() == 0  # not subscribed to order.created
    order_mark_paid(order=order, actor=agent_user)
    order_fulfil(order=order, actor=agent_user, carrier="Yamato", tracking_number="1234-5678")
    assert webhook_events_relay() == 2
    rows = list(
        WebhookDelivery.objects.order_by("id").values_list("event", "payload__status", "payload__tracking_number")
    )
    assert rows == [("order.paid", "paid", ""), ("order.fulfilled", "fulfilled", "1234-5678")]


@pytest.mark.django_db
def test_inactive_subscriptions_and_unknown_events_get_nothing(shopper):
    sub = _subscribe("https://crm.example.com/hooks", "case.created")
    sub.is_active = False
    sub.save()
    case_create(customer=shopper, subject="Hello", description="")
    assert webhook_events_relay() == 1
    assert WebhookDelivery.objects.count() == 0
    with pytest.raises(ValueError):
        webhook_emit("order.exploded", {})


@pytest.mark.django_db
def test_a_delivery_is_signed_and_marked_delivered(receiver, shopper):
    _subscribe(receiver.url, "case.created")
    case = case_create(customer=shopper, subject="Wrong size", description="")
    webhook_events_relay()
    delivery = WebhookDelivery.objects.get()
    assert webhook_deliver.apply(args=[delivery.pk]).get() == "delivered"
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert webhook_signature_verify(secret=SECRET, header=headers["x-uc-signature"], body=body)
    assert headers["x-uc-signature"].startswith(f"t={headers['x-uc-timestamp']},v1=")
    assert headers["x-uc-event"] == "case.created" and headers["x-uc-delivery"] == str(delivery.event_id)
    envelope = json.loads(body)
    assert envelope["event"] == "case.created" and envelope["data"]["number"] == case.number
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    # a redelivered task does not send again
    assert webhook_deliver.apply(args=[delivery.pk]).get() == "skipped"
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_failures_are_retried_then_marked_failed():
    server = Receiver(statuses=[500])
    try:
        sub = _subscribe(server.url, "case.created")
        delivery = WebhookDelivery.objects.create(subscription=sub, event="case.created", payload={"n": 1})
        with pytest.raises(DeliveryFailed):  # called directly, the retry surfaces the error
            webhook_deliver.run(delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "HTTP 500")
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS - 1)
        assert webhook_deliver.run(delivery.pk) == "failed"
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", MAX_ATTEMPTS, 500)
    finally:
        server.close()


def test_backoff_doubles_and_is_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    assert [retry_delay(n) for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert retry_delay(20) == 3600


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_and_delivers_a_signed_order_created(start_celery_worker, shopper, catalog):
    server = Receiver(statuses=[503, 200])
    try:
        worker = start_celery_worker(
            queues="webhooks", extra_env={"WEBHOOK_RETRY_BASE_SECONDS": "0.2"}, name="webhooks"
        )
        _subscribe(server.url, "order.created")
        order = _order(shopper, key="wh-worker")
        requests = server.wait_for(2)
        assert len(requests) == 2  # first refused with 503, retried after backoff
        assert all(
            webhook_signature_verify(secret=SECRET, header=r["headers"]["x-uc-signature"], body=r["body"])
            for r in requests
        )
        assert json.loads(requests[1]["body"])["data"]["number"] == order.number
        deadline = time.monotonic() + 10
        while WebhookDelivery.objects.get().status != "succeeded" and time.monotonic() < deadline:
            time.sleep(0.1)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == ("succeeded", 2)
        assert Decimal(json.loads(requests[1]["body"])["data"]["total"]) == Decimal("49.50")
        worker.stop()  # graceful (SIGTERM): the pool's children exit with it
    finally:
        server.close()


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_message_while_the_post_is_in_flight_sends_nothing():
    """Worker A is mid-POST (the receiver holds the request); the same message delivered to
    worker B meanwhile is skipped; A then completes. One request reaches the receiver."""
    arrived, release = threading.Event(), threading.Event()

    server = Receiver()
    original = server.server.RequestHandlerClass.do_POST

    def slow_post(handler):
        arrived.set()
        release.wait(10)
        original(handler)

    server.server.RequestHandlerClass.do_POST = slow_post
    try:
        sub = _subscribe(server.url, "case.created")
        delivery = WebhookDelivery.objects.create(subscription=sub, event="case.created", payload={"n": 1})
        results = {}

        def worker_a():
            try:
                results["a"] = webhook_deliver.apply(args=[delivery.pk]).get()
            finally:
                connection.close()

        thread = threading.Thread(target=worker_a)
        thread.start()
        assert arrived.wait(10)
        results["b"] = webhook_deliver.apply(args=[delivery.pk]).get()
        release.set()
        thread.join(15)
        assert results == {"a": "delivered", "b": "skipped"}
        assert len(server.requests) == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.lease_until) == ("succeeded", 1, None)
    finally:
        release.set()
        server.close()
