"""Outbox services in-process (locmem backend): enqueue, claim, render, consent, suppression."""

import json
import threading
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.core.mail import get_connection
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from customers.models import Consent
from customers.services import consent_set
from messaging.exceptions import EmailTemplateMissing, InvalidRecipient
from messaging.models import EmailEvent, OutboundEmail, Suppression
from messaging.services import (
    email_deliver,
    email_deliver_batch,
    email_enqueue,
    email_retry,
    outbox_due_for_relay,
    outbox_publish_new,
    retry_delay,
    suppression_add,
)
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _enqueue(key="k1", to="ada@example.com", marketing=False, customer=None, template="test_message"):
    return email_enqueue(
        to=to,
        kind="test",
        template=template,
        context={"requested_by": "Grace"},
        dedupe_key=key,
        customer=customer,
        marketing=marketing,
    )


@pytest.mark.django_db(transaction=True)
def test_enqueue_writes_a_queued_row_and_the_relay_publishes_it_only_after_commit(django_capture_on_commit_callbacks):
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("email")
    relayed = []

    def relay_from_another_connection():
        try:
            relayed.append(outbox_publish_new())
        finally:
            connection.close()

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        row = _enqueue()
        assert OutboundEmail.objects.filter(pk=row.pk, status="queued", last_enqueued_at=None).exists()
        thread = threading.Thread(target=relay_from_another_connection)
        thread.start()
        thread.join()
    assert relayed == [0]  # the relay cannot see a row before its transaction commits
    assert callbacks == []  # and enqueueing itself never calls the broker
    assert broker.llen("email") == 0
    assert outbox_publish_new() == 1
    assert outbox_publish_new() == 0  # published once
    headers = json.loads(broker.lpop("email"))["headers"]
    assert (headers["task"], headers["argsrepr"]) == ("messaging.deliver", f"({row.pk},)")


def test_enqueue_is_idempotent_on_the_dedupe_key(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = _enqueue(key="same")
        second = _enqueue(key="same", to="other@example.com")
    assert second.pk == first.pk
    assert OutboundEmail.objects.filter(dedupe_key="same").count() == 1
    assert callbacks == []


def test_rollback_leaves_no_row_and_publishes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                _enqueue(key="rolled-back")
                raise RuntimeError("business change failed")
        except RuntimeError:
            pass
    assert not OutboundEmail.objects.filter(dedupe_key="rolled-back").exists()
    assert callbacks == []
    assert outbox_publish_new() == 0


def test_unknown_template_is_refused_at_enqueue():
    with pytest.raises(EmailTemplateMissing):
        _enqueue(template="no_such_template")


@pytest.mark.parametrize("address", ["", "not-an-address", "a@example.com\nBcc: victim@example.com"])
def test_malformed_recipients_are_refused_at_enqueue(address):
    with pytest.raises(InvalidRecipient):
        _enqueue(to=address)
    assert not OutboundEmail.objects.exists()


def test_enqueue_links_the_customer_by_address_when_not_given():
    customer = CustomerFactory(email="Known@Example.com")
    row = _enqueue(to="known@example.com")
    assert row.customer_id == customer.pk


def test_deliver_sends_once_and_a_second_delivery_does_nothing():
    row = _enqueue()
    first = email_deliver(email_id=row.pk)
    second = email_deliver(email_id=row.pk)
    assert (first.status, second.status) == ("sent", "sent")
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.to == ["ada@example.com"]
    assert msg.subject == "Test message from Unified Commerce"
    assert msg.extra_headers["Message-ID"] == f"<{row.public_id.hex}@127.0.0.1>"
    assert "List-Unsubscribe" not in msg.extra_headers
    row.refresh_from_db()
    assert (row.status, row.attempts, row.subject) == ("sent", 1, "Test message from Unified Commerce")


@pytest.mark.django_db(transaction=True)
def test_forty_concurrent_deliveries_of_one_row_send_it_once():
    row = _enqueue(key="race")
    barrier = threading.Barrier(40)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(email_deliver(email_id=row.pk).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(mail.outbox) == 1
    assert sorted(set(outcomes)) == ["busy", "sent"] or sorted(set(outcomes)) == ["sent"]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)


def test_a_row_held_under_a_live_lease_is_not_sent_again_until_the_lease_expires():
    row = _enqueue()
    now = timezone.now()
    OutboundEmail.objects.filter(pk=row.pk).update(status="sending", lease_until=now + timedelta(seconds=30))
    outcome = email_deliver(email_id=row.pk)
    assert outcome.status == "busy"
    assert 29 < outcome.retry_in <= 32
    assert mail.outbox == []
    # the worker holding it died: after the lease, the next delivery takes over
    OutboundEmail.objects.filter(pk=row.pk).update(lease_until=now - timedelta(seconds=1))
    assert email_deliver(email_id=row.pk).status == "sent"
    assert len(mail.outbox) == 1


def test_marketing_mail_carries_one_click_unsubscribe_headers_and_link():
    customer = CustomerFactory(email="fan@example.com")
    consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True, source="signup")
    row = _enqueue(to="fan@example.com", marketing=True, customer=customer)
    assert email_deliver(email_id=row.pk).status == "sent"
    msg = mail.outbox[0]
    unsubscribe = msg.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://127.0.0.1:8000/email/u/") and unsubscribe.endswith("/>")
    assert msg.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in msg.body
    assert unsubscribe[1:-1] in msg.alternatives[0].content


def test_marketing_mail_without_consent_is_suppressed_at_send_time():
    customer = CustomerFactory(email="nofan@example.com")
    consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True, source="signup")
    row = _enqueue(to="nofan@example.com", marketing=True, customer=customer)
    # consent withdrawn after the message was queued
    consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=False, source="preferences")
    outcome = email_deliver(email_id=row.pk)
    assert outcome.status == "suppressed"
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.last_error == "no marketing consent at send time"


def test_transactional_mail_ignores_marketing_consent():
    CustomerFactory(email="buyer@example.com")  # no consent at all
    row = _enqueue(to="buyer@example.com")
    assert email_deliver(email_id=row.pk).status == "sent"


def test_hard_bounce_blocks_transactional_mail_but_a_complaint_does_not():
    suppression_add(email_address="Bounced@example.com", reason=Suppression.Reason.HARD_BOUNCE)
    suppression_add(email_address="complained@example.com", reason=Suppression.Reason.COMPLAINT)
    bounced = _enqueue(key="b", to="bounced@example.com")
    complained = _enqueue(key="c", to="complained@example.com")
    assert email_deliver(email_id=bounced.pk).status == "suppressed"
    assert email_deliver(email_id=complained.pk).status == "sent"
    assert [m.to for m in mail.outbox] == [["complained@example.com"]]
    assert EmailEvent.objects.filter(kind="bounce").count() == 1
    assert EmailEvent.objects.filter(kind="complaint").count() == 1


def test_complaint_blocks_marketing_mail_even_with_consent():
    customer = CustomerFactory(email="angry@example.com")
    consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True, source="signup")
    suppression_add(email_address="angry@example.com", reason=Suppression.Reason.COMPLAINT)
    row = _enqueue(to="angry@example.com", marketing=True, customer=customer)
    assert email_deliver(email_id=row.pk).status == "suppressed"
    assert mail.outbox == []


def test_suppression_add_is_idempotent_and_a_bounce_upgrades_a_complaint():
    suppression_add(email_address="x@example.com", reason=Suppression.Reason.COMPLAINT)
    suppression_add(email_address="X@example.com", reason=Suppression.Reason.HARD_BOUNCE)
    suppression_add(email_address="x@example.com", reason=Suppression.Reason.COMPLAINT)
    assert list(Suppression.objects.values_list("reason", flat=True)) == ["hard_bounce"]


def test_site_links_in_html_are_click_tracked_and_text_links_are_plain():
    row = _enqueue()
    email_deliver(email_id=row.pk)
    msg = mail.outbox[0]
    html = msg.alternatives[0].content
    assert 'href="http://127.0.0.1:8000/email/c/' in html
    assert 'href="http://127.0.0.1:8000/"' not in html
    assert "Visit the shop: http://127.0.0.1:8000/" in msg.body
    assert '<img src="http://127.0.0.1:8000/email/o/' in html


@override_settings(MESSAGING_RETRY_BASE_SECONDS=2, MESSAGING_RETRY_MAX_SECONDS=10)
def test_retry_delay_doubles_with_jitter_and_is_capped():
    for attempt, full in [(1, 2), (2, 4), (3, 8), (4, 10), (9, 10)]:
        delays = [retry_delay(attempt) for _ in range(50)]
        assert all(full / 2 <= d <= full for d in delays)
        assert len(set(delays)) > 1  # jitter


def test_retry_puts_a_failed_row_back_with_a_fresh_budget(django_capture_on_commit_callbacks):
    row = _enqueue()
    OutboundEmail.objects.filter(pk=row.pk).update(status="failed", attempts=6, last_error="boom")
    row.refresh_from_db()
    OutboundEmail.objects.filter(pk=row.pk).update(last_enqueued_at=timezone.now())  # it was published once
    with django_capture_on_commit_callbacks() as callbacks:
        assert email_retry(email=row) is True
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_enqueued_at) == ("queued", 0, None)
    assert callbacks == []
    assert outbox_publish_new() == 1  # the relay publishes it again
    redis.Redis.from_url(settings.REDIS_URL).delete("email")
    assert email_retry(email=row) is False  # only failed/suppressed rows


@override_settings(MESSAGING_RELAY_GRACE_SECONDS=60)
def test_relay_picks_rows_the_broker_lost_and_expired_leases_only():
    now = timezone.now()
    old = now - timedelta(seconds=120)
    fresh = _enqueue(key="fresh")
    stale = _enqueue(key="stale")
    expired = _enqueue(key="expired")
    live = _enqueue(key="live")
    waiting = _enqueue(key="waiting")
    done = _enqueue(key="done")
    OutboundEmail.objects.filter(pk__in=[stale.pk, expired.pk, live.pk, waiting.pk, done.pk]).update(created_at=old)
    OutboundEmail.objects.filter(pk=expired.pk).update(status="sending", lease_until=now - timedelta(seconds=1))
    OutboundEmail.objects.filter(pk=live.pk).update(status="sending", lease_until=now + timedelta(seconds=60))
    OutboundEmail.objects.filter(pk=waiting.pk).update(next_attempt_at=now + timedelta(seconds=30))
    OutboundEmail.objects.filter(pk=done.pk).update(status="sent")
    assert outbox_due_for_relay() == [stale.pk, expired.pk]
    assert fresh.pk not in outbox_due_for_relay()


def test_a_batch_sends_only_the_rows_it_can_claim():
    queued = _enqueue(key="q")
    already_sent = _enqueue(key="s")
    held = _enqueue(key="h")
    OutboundEmail.objects.filter(pk=already_sent.pk).update(status="sent")
    OutboundEmail.objects.filter(pk=held.pk).update(
        status="sending", lease_until=timezone.now() + timedelta(seconds=60)
    )
    outcomes = email_deliver_batch(email_ids=[queued.pk, already_sent.pk, held.pk, 999999])
    assert {k: v.status for k, v in outcomes.items()} == {
        queued.pk: "sent",
        already_sent.pk: "sent",
        held.pk: "busy",
        999999: "missing",
    }
    assert outcomes[held.pk].retry_in > 59
    assert len(mail.outbox) == 1


def test_a_refusing_server_stops_the_batch_and_hands_the_rest_back_untried(smtp_sink):
    smtp_sink.handler.refuse = "451 4.3.0 try later"
    rows = [_enqueue(key=f"r{i}", to=f"r{i}@example.com") for i in range(3)]
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=smtp_sink.port, fail_silently=False
    )
    outcomes = email_deliver_batch(email_ids=[r.pk for r in rows], connection=connection)
    assert len(smtp_sink.handler.attempts) == 1  # only the first was tried
    assert {o.status for o in outcomes.values()} == {"queued"}
    assert all(o.retry_in and o.retry_in > 0 for o in outcomes.values())
    states = dict(OutboundEmail.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "attempts"))
    assert states == {rows[0].pk: 1, rows[1].pk: 0, rows[2].pk: 0}
    assert "451" in OutboundEmail.objects.get(pk=rows[0].pk).last_error


@pytest.mark.django_db(transaction=True)
@override_settings(MESSAGING_RELAY_SPREAD=1)
def test_the_relay_publishes_new_rows_as_one_batch_task_transactional_mail_first():
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("email")
    newsletter = _enqueue(key="m0", to="m0@example.com", marketing=True)
    with transaction.atomic():
        rows = [_enqueue(key=f"t{i}", to=f"t{i}@example.com") for i in range(3)]
    assert broker.llen("email") == 0
    assert outbox_publish_new() == 4
    raw = broker.lrange("email", 0, -1)
    broker.delete("email")
    assert len(raw) == 1
    headers = json.loads(raw[0])["headers"]
    assert headers["task"] == "messaging.deliver_batch"
    assert headers["argsrepr"] == f"([{rows[0].pk}, {rows[1].pk}, {rows[2].pk}, {newsletter.pk}],)"


@pytest.mark.django_db(transaction=True)
@override_settings(MESSAGING_RELAY_SPREAD=4, MESSAGING_BATCH_SIZE=50)
def test_a_small_burst_is_spread_over_several_tasks_so_all_workers_send():
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("email")
    rows = [_enqueue(key=f"s{i}", to=f"s{i}@example.com") for i in range(10)]
    assert outbox_publish_new() == 10
    # kombu pushes on the left and workers pop on the right: reversed is publishing order
    tasks = [json.loads(raw)["headers"]["argsrepr"] for raw in reversed(broker.lrange("email", 0, -1))]
    broker.delete("email")
    ids = [r.pk for r in rows]
    # ceil(10 / 4) = 3 rows per task, in id order
    assert tasks == [f"({ids[0:3]},)", f"({ids[3:6]},)", f"({ids[6:9]},)", f"({ids[9]},)"]


def test_timeline_selectors_return_the_customers_emails_and_events_in_one_query_each(django_assert_num_queries):
    from messaging.selectors import email_events_for_customer, emails_for_customer
    from messaging.services import email_event_record

    customer = CustomerFactory(email="tl@example.com")
    other = CustomerFactory(email="other@example.com")
    first = _enqueue(key="tl1", to="tl@example.com", customer=customer)
    second = _enqueue(key="tl2", to="tl@example.com", customer=customer)
    _enqueue(key="tl3", to="other@example.com", customer=other)
    email_event_record(email=second, kind=EmailEvent.Kind.OPEN)
    with django_assert_num_queries(1):
        assert [e.pk for e in emails_for_customer(customer=customer)] == [second.pk, first.pk]
    with django_assert_num_queries(1):
        events = list(email_events_for_customer(customer=customer))
        assert [(e.kind, e.email.kind) for e in events] == [("open", "test")]


def test_outbox_anonymise_scrubs_address_and_content_and_stops_unsent_mail():
    from messaging.privacy import outbox_anonymise
    from messaging.services import email_event_record

    customer = CustomerFactory(email="erin@example.com")
    sent = _enqueue(key="e1", to="erin@example.com", customer=customer)
    OutboundEmail.objects.filter(pk=sent.pk).update(status="sent")
    unlinked = _enqueue(key="e2", to="ERIN@example.com")
    OutboundEmail.objects.filter(pk=unlinked.pk).update(customer=None)
    other = _enqueue(key="e3", to="someone@example.com")
    email_event_record(email=sent, kind=EmailEvent.Kind.CLICK, url="http://127.0.0.1:8000/x", user_agent="UA")

    assert outbox_anonymise(customer=customer, replacement_email="erased-1@erased.invalid") == 2

    rows = {r.pk: r for r in OutboundEmail.objects.all()}
    assert (rows[sent.pk].to_email, rows[sent.pk].context, rows[sent.pk].status) == (
        "erased-1@erased.invalid",
        {},
        "sent",
    )
    assert (rows[unlinked.pk].to_email, rows[unlinked.pk].status, rows[unlinked.pk].customer_id) == (
        "erased-1@erased.invalid",
        "suppressed",
        customer.pk,
    )
    assert (rows[other.pk].to_email, rows[other.pk].context) == ("someone@example.com", {"requested_by": "Grace"})
    assert list(EmailEvent.objects.values_list("url", "user_agent")) == [("", "")]
    assert email_deliver(email_id=unlinked.pk).status == "suppressed"
    assert mail.outbox == []


def test_worker_reconnects_when_the_server_closed_the_idle_connection():
    import time as _time

    from messaging import tasks
    from tests.messaging.sink import SmtpSink

    sink = SmtpSink(idle_timeout=1).start()
    try:
        with override_settings(
            MESSAGING_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=sink.port,
        ):
            first = _enqueue(key="idle-1", to="a@example.com")
            second = _enqueue(key="idle-2", to="b@example.com")
            assert tasks.deliver(first.pk) == "sent"
            _time.sleep(2.5)  # the server hangs up on the idle connection
            assert tasks.deliver(second.pk) == "sent"  # no failed attempt, no retry delay
        second.refresh_from_db()
        assert (second.attempts, second.last_error) == (1, "")
        assert len(sink.handler.messages) == 2
    finally:
        if tasks._connection is not None:
            tasks._drop_connection()
        sink.stop()
