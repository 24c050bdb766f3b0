"""Delivery through a real Celery worker to a real SMTP server."""

import pytest
from django.db import transaction

from messaging.models import OutboundEmail
from messaging.services import email_enqueue
from tests.messaging.sink import body_parts

pytestmark = pytest.mark.celery


def _wait_rows(sink, predicate, timeout=40):
    return sink.wait_for(predicate, timeout=timeout)


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_one_message_with_text_html_and_fixed_message_id(smtp_sink, start_celery_worker):
    start_celery_worker(queues="email", concurrency=1, name="mail-basic", extra_env={"EMAIL_URL": smtp_sink.url})
    with transaction.atomic():
        row = email_enqueue(
            to="ada@example.com",
            kind="test",
            template="test_message",
            context={"requested_by": "Grace"},
            dedupe_key="basic-1",
        )
        again = email_enqueue(
            to="ada@example.com", kind="test", template="test_message", context={}, dedupe_key="basic-1"
        )
    assert again.pk == row.pk

    assert smtp_sink.wait_for(lambda: len(smtp_sink.handler.messages) == 1)
    assert _wait_rows(smtp_sink, lambda: OutboundEmail.objects.get(pk=row.pk).status == "sent")
    msg = smtp_sink.handler.messages[0]
    assert msg["To"] == "ada@example.com"
    assert msg["Subject"] == "Test message from Unified Commerce"
    assert msg["Message-ID"] == f"<{row.public_id.hex}@127.0.0.1>"
    assert msg["List-Unsubscribe"] is None  # transactional
    parts = body_parts(msg)
    assert "This test was sent to ada@example.com by Grace" in parts["text/plain"]
    assert "This test was sent to ada@example.com by Grace" in parts["text/html"]
    row.refresh_from_db()
    assert row.attempts == 1
    assert row.provider_message_id == f"<{row.public_id.hex}@127.0.0.1>"
    assert row.sent_at is not None
    # Only one message although email_enqueue was called twice with the same key.
    smtp_sink.wait_for(lambda: False, timeout=0.5)
    assert len(smtp_sink.handler.messages) == 1
