"""R5: the SMTP server refuses for a while. Delivery retries with exponential backoff and
jitter; after the retry budget the message is `failed` (visible in admin with the error);
a later retry succeeds. A message whose server recovers within the budget is sent once."""

import pytest
from django.db import transaction

from messaging.models import OutboundEmail
from messaging.services import email_enqueue, email_retry
from tests.messaging.sink import SmtpSink

pytestmark = [pytest.mark.celery, pytest.mark.slow]

BASE = 0.3


@pytest.mark.django_db(transaction=True)
def test_refusing_server_means_backoff_then_failed_then_manual_retry_succeeds(start_celery_worker):
    sink = SmtpSink(refuse="451 4.3.0 Mailbox busy, try again later").start()
    env = {
        "EMAIL_URL": sink.url,
        "MESSAGING_MAX_ATTEMPTS": "3",
        "MESSAGING_RETRY_BASE_SECONDS": str(BASE),
        "MESSAGING_RETRY_MAX_SECONDS": "5",
    }
    try:
        start_celery_worker(queues="email", concurrency=1, name="r5", extra_env=env)
        with transaction.atomic():
            row = email_enqueue(to="r5@example.com", kind="test", template="test_message", context={}, dedupe_key="r5")

        # Then three attempts (the budget) reach the server, spaced by growing delays ...
        assert sink.wait_for(lambda: OutboundEmail.objects.get(pk=row.pk).status == "failed", timeout=30)
        times = [a.at for a in sink.handler.attempts]
        assert len(times) == 3
        # backoff after attempt n is BASE * 2^(n-1) with jitter in [50%, 100%]
        assert times[1] - times[0] >= BASE * 0.5
        assert times[2] - times[1] >= BASE * 2 * 0.5
        row.refresh_from_db()
        assert row.attempts == 3
        assert "451" in row.last_error and "Mailbox busy" in row.last_error
        assert sink.handler.messages == []

        # When the server accepts again and staff retry the failed message
        sink.handler.refuse = ""
        with transaction.atomic():
            assert email_retry(email=row) is True
        assert sink.wait_for(lambda: OutboundEmail.objects.get(pk=row.pk).status == "sent", timeout=40)
        assert sink.handler.message_ids() == [row.message_id]
    finally:
        sink.stop()


@pytest.mark.django_db(transaction=True)
def test_server_recovering_within_the_budget_delivers_once(start_celery_worker):
    sink = SmtpSink(refuse="421 4.3.2 Service not available").start()
    env = {"EMAIL_URL": sink.url, "MESSAGING_MAX_ATTEMPTS": "5", "MESSAGING_RETRY_BASE_SECONDS": str(BASE)}
    try:
        start_celery_worker(queues="email", concurrency=1, name="r5b", extra_env=env)
        with transaction.atomic():
            row = email_enqueue(
                to="r5b@example.com", kind="test", template="test_message", context={}, dedupe_key="r5b"
            )
        assert sink.wait_for(lambda: len(sink.handler.attempts) >= 2, timeout=40)
        sink.handler.refuse = ""  # the server recovers
        assert sink.wait_for(lambda: OutboundEmail.objects.get(pk=row.pk).status == "sent", timeout=40)
        row.refresh_from_db()
        assert row.attempts >= 3
        assert row.last_error == ""
        assert sink.handler.message_ids() == [row.message_id]
    finally:
        sink.stop()
