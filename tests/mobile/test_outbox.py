"""The SMS outbox: written in the business transaction, sent once, consent at send time,
retries with backoff, deferral for quiet hours, the relay."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from freezegun import freeze_time

from customers.models import Consent
from customers.services import consent_set
from mobile import sms
from mobile.models import OutboundMessage
from mobile.services import outbound_deliver, outbound_publish_due, outbound_relay, sms_enqueue
from orders.services import order_fulfil, order_mark_delivered, order_mark_paid, order_out_for_delivery
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, agent
from tests.customers.factories import CustomerFactory
from tests.mobile.conftest import PHONE
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


def _paid_order(customer):
    cart = CartFactory(customer=customer, email=customer.email)
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("20.00")), quantity=1)
    order = place(cart, actor=customer)
    return order_mark_paid(order=order, actor=agent())


def test_shipping_an_order_texts_a_customer_who_chose_sms(texter, sms_outbox):
    order = _paid_order(texter)
    order_fulfil(order=order, actor=agent(), carrier="Yamato", tracking_number="YT-1234")

    row = OutboundMessage.objects.get(kind="order_shipped")
    assert (row.channel, row.to_phone, row.marketing, row.status) == ("sms", PHONE, False, Status.QUEUED)
    assert outbound_deliver(message_id=row.pk).status == Status.SENT
    [text] = sms_outbox
    assert text.to == PHONE
    assert text.body.startswith(f"Unified Commerce: Your order {order.number} has shipped with Yamato")
    assert "tracking YT-1234" in text.body
    assert f"/orders/{order.number}/?t=" in text.body  # the tracking link (a signed order link)
    row.refresh_from_db()
    assert row.status == Status.SENT and row.provider_message_id.startswith("LOC") and row.sent_at


def test_delivery_day_and_delivered_texts(texter, sms_outbox):
    order = _paid_order(texter)
    staff = agent()
    order = order_fulfil(order=order, actor=staff, carrier="Yamato", tracking_number="YT-1")
    order_out_for_delivery(order=order, actor=staff)
    order_out_for_delivery(order=order, actor=staff)  # reported twice the same day: one text
    order_mark_delivered(order=order, actor=staff)
    kinds = list(OutboundMessage.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["order_shipped", "order_out_for_delivery", "order_delivered"]
    today = OutboundMessage.objects.get(kind="order_out_for_delivery")
    assert f"Your order {order.number} is out for delivery today with Yamato." in today.body


def test_no_text_without_the_sms_choice(db, sms_outbox):
    customer = CustomerFactory(phone=PHONE)
    consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True, source="signup")
    order = _paid_order(customer)
    order_fulfil(order=order, actor=agent(), carrier="Yamato", tracking_number="YT-2")
    assert not OutboundMessage.objects.exists()


def test_a_rolled_back_transaction_leaves_nothing_to_send(texter):
    with pytest.raises(RuntimeError), transaction.atomic():
        sms_enqueue(customer=texter, kind="test", body="hello", dedupe_key="rollback:1")
        raise RuntimeError("the business change failed")
    assert not OutboundMessage.objects.exists()


def test_enqueue_is_idempotent_on_the_dedupe_key(texter):
    first = sms_enqueue(customer=texter, kind="test", body="hello", dedupe_key="k:1")
    again = sms_enqueue(customer=texter, kind="test", body="hello again", dedupe_key="k:1")
    assert first.pk == again.pk and OutboundMessage.objects.count() == 1
    assert again.body == "hello"


def test_a_redelivered_task_sends_nothing_twice(texter, sms_outbox):
    row = sms_enqueue(customer=texter, kind="test", body="once", dedupe_key="k:once")
    assert outbound_deliver(message_id=row.pk).status == Status.SENT
    assert outbound_deliver(message_id=row.pk).status == "not claimed"
    assert len(sms_outbox) == 1


def test_consent_withdrawn_before_sending_wins(texter, sms_outbox):
    row = sms_enqueue(customer=texter, kind="test", body="late", dedupe_key="k:late")
    consent_set(customer=texter, purpose=Consent.Purpose.SMS_TRANSACTIONAL, granted=False, source="preferences")
    outcome = outbound_deliver(message_id=row.pk)
    assert outcome.status == Status.SUPPRESSED and "no consent" in outcome.detail
    assert sms_outbox == []


class _Flaky(sms.SmsBackend):
    def send(self, message):
        raise sms.SmsTransientError("Twilio 503")


class _Refusing(sms.SmsBackend):
    def send(self, message):
        raise sms.SmsPermanentError("Twilio 400 (code 21211): invalid 'To' number")


@override_settings(SMS_BACKEND="tests.mobile.test_outbox._Flaky", MOBILE_MAX_ATTEMPTS=3)
def test_transient_errors_back_off_then_fail(texter):
    row = sms_enqueue(customer=texter, kind="test", body="retry", dedupe_key="k:retry")
    before = timezone.now()
    outcome = outbound_deliver(message_id=row.pk)
    row.refresh_from_db()
    # Back in the queue, unpublished, due after the backoff (base 5 s × 2^0, 50-100 %).
    assert outcome.status == Status.QUEUED and row.attempts == 1 and row.last_enqueued_at is None
    assert before + timedelta(seconds=2.5) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=5)
    assert outbound_deliver(message_id=row.pk).status == "not claimed"  # not due yet
    for attempt in (2, 3):
        OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        outcome = outbound_deliver(message_id=row.pk)
    row.refresh_from_db()
    assert (outcome.status, row.status, row.attempts) == (Status.FAILED, Status.FAILED, 3)
    assert "Twilio 503" in row.last_error


@override_settings(SMS_BACKEND="tests.mobile.test_outbox._Refusing")
def test_a_permanent_error_fails_at_once(texter):
    row = sms_enqueue(customer=texter, kind="test", body="x", dedupe_key="k:perm")
    assert outbound_deliver(message_id=row.pk).status == Status.FAILED
    row.refresh_from_db()
    assert row.attempts == 1 and "21211" in row.last_error


def test_marketing_sms_waits_out_quiet_hours_in_the_customers_time_zone(marketing_texter, sms_outbox):
    # 13:30 UTC is 22:30 in Tokyo (+81 number): quiet hours (21-9). Deferred to 09:00 Tokyo.
    with freeze_time(datetime(2026, 3, 2, 13, 30, tzinfo=UTC)):
        row = sms_enqueue(customer=marketing_texter, kind="campaign", body="Sale", dedupe_key="k:q", marketing=True)
        outcome = outbound_deliver(message_id=row.pk)
    row.refresh_from_db()
    assert outcome.status == "deferred" and sms_outbox == []
    assert (row.status, row.attempts, row.last_enqueued_at) == (Status.QUEUED, 0, None)
    assert row.next_attempt_at == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    assert "Quiet hours" in row.note
    # Transactional texts are not held.
    with freeze_time(datetime(2026, 3, 2, 13, 30, tzinfo=UTC)):
        order_text = sms_enqueue(customer=marketing_texter, kind="order_shipped", body="Shipped", dedupe_key="k:t")
        assert outbound_deliver(message_id=order_text.pk).status == Status.SENT
    # At 09:00 Tokyo it goes.
    with freeze_time(datetime(2026, 3, 3, 0, 0, 1, tzinfo=UTC)):
        assert outbound_deliver(message_id=row.pk).status == Status.SENT
    assert [t.body for t in sms_outbox] == ["Shipped", "Sale"]


def test_the_relay_publishes_due_rows_only(texter, monkeypatch):
    published = []
    monkeypatch.setattr("mobile.tasks.deliver_batch.delay", lambda ids: published.append(ids))
    due = sms_enqueue(customer=texter, kind="test", body="now", dedupe_key="k:now")
    later = sms_enqueue(customer=texter, kind="test", body="later", dedupe_key="k:later")
    OutboundMessage.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    assert outbound_publish_due() == 1
    assert published == [[due.pk]]
    assert outbound_publish_due() == 0  # stamped: not published again


def test_a_broker_outage_leaves_rows_for_the_next_tick(texter, monkeypatch):
    def down(ids):
        raise ConnectionError("redis down")

    monkeypatch.setattr("mobile.tasks.deliver_batch.delay", down)
    row = sms_enqueue(customer=texter, kind="test", body="wait", dedupe_key="k:wait")
    assert outbound_publish_due() == 0
    row.refresh_from_db()
    assert row.last_enqueued_at is None


def test_the_beat_relay_puts_back_lost_and_abandoned_rows(texter, monkeypatch):
    published = []
    monkeypatch.setattr("mobile.tasks.deliver_batch.delay", lambda ids: published.extend(ids))
    lost = sms_enqueue(customer=texter, kind="test", body="lost", dedupe_key="k:lost")
    dead = sms_enqueue(customer=texter, kind="test", body="dead", dedupe_key="k:dead")
    fresh = sms_enqueue(customer=texter, kind="test", body="fresh", dedupe_key="k:fresh")
    long_ago = timezone.now() - timedelta(hours=1)
    OutboundMessage.objects.filter(pk=lost.pk).update(last_enqueued_at=long_ago)  # the broker lost its task
    OutboundMessage.objects.filter(pk=dead.pk).update(status=Status.SENDING, lease_until=long_ago)  # worker died
    OutboundMessage.objects.filter(pk=fresh.pk).update(last_enqueued_at=timezone.now())  # just published
    assert outbound_relay() == 2
    assert sorted(published) == sorted([lost.pk, dead.pk])
