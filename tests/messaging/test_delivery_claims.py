"""The claim on an outbox row while it is being sent (messaging.delivery): the fence before
the message is committed, lease renewal, and "sent" marks that do not wait for the
database (issue 13: duplicate emails)."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.mail import get_connection
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from messaging import delivery
from messaging.delivery import Lease, SentMarks
from messaging.models import OutboundEmail
from messaging.services import _claim, email_deliver_batch, email_enqueue

pytestmark = pytest.mark.django_db


def _row(key="c1", to="ada@example.com") -> OutboundEmail:
    return email_enqueue(to=to, kind="test", template="test_message", context={}, dedupe_key=key)


def _claimed(lease: Lease, *rows) -> None:
    assert _claim([r.pk for r in rows], now=timezone.now(), lease=lease) == len(rows)


def _smtp(sink):
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=sink.port, fail_silently=False
    )


@override_settings(MESSAGING_SEND_LEASE_SECONDS=120, MESSAGING_SEND_DEADLINE_SECONDS=30)
def test_the_fence_asks_nothing_while_more_than_a_send_deadline_of_lease_is_left(django_assert_num_queries):
    row, lease = _row(), Lease()
    _claimed(lease, row)
    with django_assert_num_queries(0):
        assert lease.holds(row.pk)
    assert not lease.needs_renewal()


@override_settings(MESSAGING_SEND_LEASE_SECONDS=120, MESSAGING_SEND_DEADLINE_SECONDS=30)
def test_past_its_own_view_of_the_lease_the_fence_asks_the_database_and_renews_the_row(django_assert_num_queries):
    row, lease = _row(), Lease()
    _claimed(lease, row)
    # The worker was frozen: its clock says the lease is (nearly) over.
    OutboundEmail.objects.filter(pk=row.pk).update(lease_until=timezone.now() - timedelta(seconds=5))
    lease.expires = time.monotonic() + 10
    with django_assert_num_queries(1):
        assert lease.holds(row.pk)  # nobody claimed it meanwhile: still ours
    row.refresh_from_db()
    assert row.lease_until > timezone.now() + timedelta(seconds=110)
    assert lease.rechecks == 1


@override_settings(MESSAGING_SEND_LEASE_SECONDS=120, MESSAGING_SEND_DEADLINE_SECONDS=30)
def test_after_another_worker_took_the_row_over_the_fence_says_no():
    row, frozen, other = _row(), Lease(), Lease()
    _claimed(frozen, row)
    OutboundEmail.objects.filter(pk=row.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    _claimed(other, row)  # the lease ran out; another worker claimed the row
    frozen.expires = time.monotonic()  # and the frozen worker wakes up
    assert not frozen.holds(row.pk)
    assert other.holds(row.pk)
    assert OutboundEmail.objects.get(pk=row.pk).claim_token == other.token


@override_settings(MESSAGING_SEND_LEASE_SECONDS=30, MESSAGING_SEND_DEADLINE_SECONDS=5)
def test_renewal_extends_only_the_rows_still_held():
    a, b, c = _row("a", "a@example.com"), _row("b", "b@example.com"), _row("c", "c@example.com")
    lease = Lease()
    _claimed(lease, a, b, c)
    OutboundEmail.objects.filter(pk=c.pk).update(claim_token=Lease().token)  # c belongs to someone else now
    lease.expires = time.monotonic() + 8  # less than two send deadlines left
    assert lease.needs_renewal()
    assert lease.renew([a.pk, b.pk, c.pk]) == {a.pk, b.pk}
    assert not lease.needs_renewal()
    until = dict(OutboundEmail.objects.values_list("pk", "lease_until"))
    assert until[a.pk] > timezone.now() + timedelta(seconds=25)


@pytest.mark.django_db(transaction=True)
@override_settings(MESSAGING_SEND_LEASE_SECONDS=4, MESSAGING_SEND_DEADLINE_SECONDS=1.2)
def test_a_batch_longer_than_its_lease_keeps_its_rows_from_other_workers(smtp_sink):
    # Seven messages at ~0.8 s each (the server waits before its 250) take longer than the
    # 4 s lease, while another worker keeps trying to claim the same rows.
    smtp_sink.handler.delay = 0.8
    rows = [_row(f"s{i}", f"s{i}@example.com") for i in range(7)]
    ids = [r.pk for r in rows]
    stolen, done = [], threading.Event()

    def other_worker():
        try:
            while not done.is_set():
                stolen.append(_claim(ids, now=timezone.now(), lease=Lease()))
                time.sleep(0.05)
        finally:
            connection.close()

    thief = threading.Thread(target=other_worker)
    thief.start()
    try:
        outcomes = email_deliver_batch(email_ids=ids, connection=_smtp(smtp_sink))
    finally:
        done.set()
        thief.join()
    # The batch renewed its lease on the way: every row was sent by it, none taken over.
    assert sum(stolen) == 0 and len(stolen) > 20
    assert [outcomes[i].status for i in ids] == ["sent"] * 7
    assert len(smtp_sink.handler.messages) == 7


def test_a_lost_claim_sends_nothing_and_leaves_the_row_to_its_owner(smtp_sink, monkeypatch):
    row = _row()
    monkeypatch.setattr(Lease, "holds", lambda self, email_id: False)
    outcomes = email_deliver_batch(email_ids=[row.pk], connection=_smtp(smtp_sink))
    assert outcomes[row.pk].status == "busy"
    smtp_sink.wait_for(lambda: False, timeout=0.3)
    assert smtp_sink.handler.attempts == [] and smtp_sink.handler.messages == []
    row.refresh_from_db()
    assert (row.status, row.sent_at) == ("sending", None)  # not marked sent, not failed


@pytest.mark.django_db(transaction=True)
def test_a_sent_mark_is_committed_before_the_worker_reads_its_answer():
    row, lease = _row(), Lease()
    _claimed(lease, row)
    marks = SentMarks()
    assert marks.pgconn is not None  # outside a transaction: the asynchronous path
    marks.mark(email_id=row.pk, token=lease.token, subject="Hello", provider_message_id="<p@x>")
    seen = []

    def look_from_another_connection():
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                status = OutboundEmail.objects.get(pk=row.pk).status
                if status == "sent":
                    break
                time.sleep(0.01)
            seen.append(status)
        finally:
            connection.close()

    # Then the database has the mark although this process has not read the answer yet
    # (a worker killed now would not re-send the message).
    thread = threading.Thread(target=look_from_another_connection)
    thread.start()
    thread.join()
    assert seen == ["sent"]
    assert marks._pending == row.pk
    # ... and any query on this connection collects the answer first.
    with connection.execute_wrapper(marks.before_query):
        assert OutboundEmail.objects.get(pk=row.pk).subject == "Hello"
    assert marks._pending is None and marks.lost == []


@pytest.mark.django_db(transaction=True)
def test_a_mark_for_a_row_taken_over_is_reported_lost_not_written():
    row, mine, other = _row(), Lease(), Lease()
    _claimed(mine, row)
    OutboundEmail.objects.filter(pk=row.pk).update(claim_token=other.token)
    marks = SentMarks()
    marks.mark(email_id=row.pk, token=mine.token, subject="Hello", provider_message_id="<p@x>")
    marks.flush()
    assert marks.lost == [row.pk]
    assert OutboundEmail.objects.get(pk=row.pk).status == "sending"


@pytest.mark.django_db(transaction=True)
def test_batches_outside_a_transaction_deliver_and_mark_every_row(smtp_sink):
    rows = [_row(f"t{i}", f"t{i}@example.com") for i in range(5)]
    outcomes = email_deliver_batch(email_ids=[r.pk for r in rows], connection=_smtp(smtp_sink))
    assert {o.status for o in outcomes.values()} == {"sent"}
    assert sorted(smtp_sink.handler.message_ids()) == sorted(r.message_id for r in rows)
    assert set(OutboundEmail.objects.values_list("status", "subject")) == {
        ("sent", "Test message from Unified Commerce")
    }


def test_marks_inside_a_transaction_are_written_at_once():
    assert SentMarks().pgconn is None
    assert delivery.mark_sent(email_id=0, token=Lease().token, subject="", provider_message_id="") is False
