"""Celery tasks of the messaging app (queue `email`): thin, ids in, idempotent."""

import logging
import time

from celery import shared_task
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from messaging import conf
from messaging.services import email_deliver, outbox_due_for_relay, outbox_mark_relayed

logger = logging.getLogger(__name__)

# One SMTP connection per worker process, reused across tasks (opening one per message
# would halve throughput). Dropped after an error or when idle long enough that the
# server has probably closed it.
_IDLE_SECONDS = 30
_connection = None
_connection_backend = ""
_last_used = 0.0


def _process_connection():
    global _connection, _connection_backend, _last_used
    backend = conf.email_backend()
    now = time.monotonic()
    if _connection is not None and (now - _last_used > _IDLE_SECONDS or _connection_backend != backend):
        try:
            _connection.close()
        except Exception:  # noqa: BLE001 - stale socket
            logger.debug("closing idle email connection failed", exc_info=True)
        _connection = None
    if _connection is None:
        connection = get_connection(backend, fail_silently=False)
        if not isinstance(connection, SMTPBackend):
            return None  # file/locmem/console/ESP backends: a fresh one per message is cheap
        _connection, _connection_backend = connection, backend
    _last_used = now
    return _connection


@shared_task(name="messaging.deliver", ignore_result=True, acks_late=True)
def deliver(email_id: int) -> str:
    """Deliver one outbox row. A redelivered task finds the row sent and does nothing."""
    global _connection
    connection = _process_connection()
    outcome = email_deliver(email_id=email_id, connection=connection)
    if outcome.status in ("queued", "failed") and connection is not None:
        _connection = None  # email_deliver closed it after the error
    if outcome.retry_in is not None:
        deliver.apply_async((email_id,), countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="messaging.relay", ignore_result=True)
def relay(limit: int = 1000) -> int:
    """Beat task: re-enqueue rows the broker lost (queued past the grace period, or stuck
    in `sending` after their worker died). Duplicates are harmless: the claim decides."""
    ids = outbox_due_for_relay(limit=limit)
    sent: list[int] = []
    try:
        for email_id in ids:
            deliver.delay(email_id)
            sent.append(email_id)
    finally:
        outbox_mark_relayed(ids=sent)
    if ids:
        logger.info("outbox relay re-enqueued %s of %s emails", len(sent), len(ids))
    return len(sent)
