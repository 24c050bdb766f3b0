"""Celery tasks of the messaging app (queue `email`): thin, ids in, idempotent."""

import logging
import math
import time
from collections import defaultdict

from celery import shared_task
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from messaging import conf
from messaging.models import OutboundEmail
from messaging.services import email_deliver, email_deliver_batch, outbox_due_for_relay, outbox_mark_relayed

logger = logging.getLogger(__name__)

# One SMTP connection per worker process, reused across tasks (opening one per message
# would halve throughput). After a pause it is checked with NOOP before use, so a server
# that closed it while idle costs a reconnect, not a failed attempt and a retry delay.
_IDLE_SECONDS = 30
_CHECK_AFTER_SECONDS = 2
_connection = None
_connection_backend = ""
_last_used = 0.0


def _drop_connection() -> None:
    global _connection
    try:
        _connection.close()
    except Exception:  # noqa: BLE001 - stale socket
        logger.debug("closing idle email connection failed", exc_info=True)
    _connection = None


def _still_open(connection) -> bool:
    smtp = getattr(connection, "connection", None)
    if smtp is None:
        return True  # not opened yet (or closed after an error): opened on first send
    try:
        return smtp.noop()[0] == 250
    except Exception:  # noqa: BLE001 - any socket/SMTP error means: reconnect
        return False


def _process_connection():
    global _connection, _connection_backend, _last_used
    backend = conf.email_backend()
    now = time.monotonic()
    idle = now - _last_used
    if _connection is not None and (
        idle > _IDLE_SECONDS
        or _connection_backend != backend
        or (idle > _CHECK_AFTER_SECONDS and not _still_open(_connection))
    ):
        _drop_connection()
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
    outcome = email_deliver(email_id=email_id, connection=_process_connection())
    _schedule_retries({email_id: outcome})
    return outcome.status


@shared_task(name="messaging.deliver_batch", ignore_result=True, acks_late=True)
def deliver_batch(email_ids: list[int]) -> int:
    """Deliver several outbox rows over one connection (rows another worker holds, or
    already sent, are skipped). Returns how many were sent."""
    outcomes = email_deliver_batch(email_ids=email_ids, connection=_process_connection())
    _schedule_retries(outcomes)
    return sum(1 for outcome in outcomes.values() if outcome.status == OutboundEmail.Status.SENT)


def _schedule_retries(outcomes: dict) -> None:
    """Re-publish rows that asked to be tried again, grouped by delay."""
    by_delay: dict[int, list[int]] = defaultdict(list)
    for email_id, outcome in outcomes.items():
        if outcome.retry_in is not None:
            by_delay[math.ceil(outcome.retry_in * 10)].append(email_id)
    for tenths, ids in by_delay.items():
        if len(ids) == 1:
            deliver.apply_async((ids[0],), countdown=tenths / 10)
        else:
            deliver_batch.apply_async((ids,), countdown=tenths / 10)


@shared_task(name="messaging.relay", ignore_result=True)
def relay(limit: int = 1000) -> int:
    """Beat task: re-enqueue rows the broker lost (queued past the grace period, or stuck
    in `sending` after their worker died). Duplicates are harmless: the claim decides."""
    ids = outbox_due_for_relay(limit=limit)
    size = conf.batch_size()
    sent: list[int] = []
    try:
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            if len(chunk) == 1:
                deliver.delay(chunk[0])
            else:
                deliver_batch.delay(chunk)
            sent.extend(chunk)
    finally:
        outbox_mark_relayed(ids=sent)
    if ids:
        logger.info("outbox relay re-enqueued %s of %s emails", len(sent), len(ids))
    return len(sent)
