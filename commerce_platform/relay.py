"""The outbox relay that runs inside every Celery worker (a bootstep on the worker's timer).

Business transactions only write rows — outbox emails (messaging) and business events
(common.DomainEvent) — and never call the broker. Every MESSAGING_RELAY_INTERVAL_SECONDS
each worker's relay:
- publishes new outbox rows as deliver_batch tasks (messaging.services.outbox_publish_new:
  one conditional UPDATE claims them, one broker round trip per batch of emails);
- publishes one `webhooks.relay` task when business events wait to be fanned out.

A short poll instead of a per-order publish: an email waits at most one interval after its
transaction commits, and placing an order costs no Redis call. A row of a transaction that
rolled back never exists, so nothing is sent for it (R2c). The beat relays
(`messaging.relay`, `webhooks.relay`) stay as the safety net for a broker that lost tasks.
"""

import logging
import time

from celery import bootsteps
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

# Republish the webhooks relay task at most this often while events keep arriving: one
# task drains everything that is waiting when it runs.
WEBHOOK_RELAY_REPUBLISH_SECONDS = 1.0
# Outbox rows claimed per statement, and statements per tick (the rest waits one tick, so a
# huge campaign never holds the worker's event loop for long).
PUBLISH_BATCH = 500
MAX_BATCHES_PER_TICK = 10
# After an error (database or broker down), wait this long before the next attempt.
ERROR_PAUSE_SECONDS = 5.0


class Relay:
    def __init__(self) -> None:
        self.webhooks_published_at = 0.0
        self.paused_until = 0.0

    def tick(self) -> None:
        now = time.monotonic()
        if now < self.paused_until:
            return
        try:
            close_old_connections()
            self._publish(now)
        except Exception:  # noqa: BLE001 - the relay must outlive outages; rows wait in their tables
            logger.warning("outbox relay tick failed; retrying in %ss", ERROR_PAUSE_SECONDS, exc_info=True)
            self.paused_until = now + ERROR_PAUSE_SECONDS
            connection.close()

    def _publish(self, now: float) -> None:
        from api.tasks import webhook_relay
        from api.webhooks import webhook_events_waiting
        from messaging.services import outbox_publish_new
        from mobile.services import outbound_publish_due

        for _ in range(MAX_BATCHES_PER_TICK):  # a full batch means more may be waiting
            if outbox_publish_new(limit=PUBLISH_BATCH) < PUBLISH_BATCH:
                break
        outbound_publish_due()  # SMS and push due now (new, retrying, or after quiet hours)
        if now - self.webhooks_published_at >= WEBHOOK_RELAY_REPUBLISH_SECONDS and webhook_events_waiting():
            webhook_relay.delay()
            self.webhooks_published_at = now


class OutboxRelayStep(bootsteps.StartStopStep):
    """Worker bootstep: run `Relay.tick` on the worker's timer."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None
        self.relay = Relay()

    def start(self, worker):
        from messaging import conf

        self.tref = worker.timer.call_repeatedly(conf.relay_interval_seconds(), self.relay.tick, priority=10)

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
