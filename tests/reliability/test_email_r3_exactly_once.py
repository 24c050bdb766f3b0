"""R3: two workers on the email queue; a worker's child and then a whole worker are
SIGKILLed while their SMTP transaction is in flight. Redis redelivers unacked tasks and the
relay re-enqueues rows whose lease ran out, so tasks run more than once; the outbox claim
makes every message reach the SMTP sink exactly once (counted by Message-ID)."""

import os
import signal
import time
from collections import Counter

import psutil
import pytest
from django.db import transaction
from django.test import override_settings

from messaging.models import OutboundEmail
from messaging.services import email_enqueue
from messaging.tasks import relay
from tests.messaging.sink import SmtpSink

pytestmark = [pytest.mark.celery, pytest.mark.slow]

N = 16
LEASE = 8  # seconds; comfortably above one send (2 s sink delay) even on a loaded machine


def _owner_of(peer_port: int, workers) -> tuple[object, psutil.Process] | None:
    """The worker and the pool child process whose SMTP connection uses `peer_port`."""
    for worker in workers:
        for child in psutil.Process(worker.proc.pid).children(recursive=True):
            try:
                if any(c.laddr and c.laddr.port == peer_port for c in child.net_connections(kind="tcp")):
                    return worker, child
            except psutil.NoSuchProcess:
                continue
    return None


def _kill_next_sender(sink, workers, seen: set[int]):
    """Wait for a message in flight (handler sleeping before its 250) and return its owner."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for attempt in list(sink.handler.in_data):
            if attempt.peer_port in seen:
                continue
            owner = _owner_of(attempt.peer_port, workers)
            if owner is not None:
                seen.add(attempt.peer_port)
                return attempt, owner
        time.sleep(0.02)
    raise AssertionError(f"no message in flight to kill ({len(sink.handler.messages)} delivered so far)")


@pytest.mark.django_db(transaction=True)
def test_every_email_reaches_the_sink_exactly_once_when_workers_die_mid_send(start_celery_worker):
    # Given an SMTP sink slow enough that a kill lands inside the SMTP transaction
    # (2 s: even on a loaded machine the SIGKILL lands before the server answers 250)
    sink = SmtpSink(delay=2.0).start()
    env = {"EMAIL_URL": sink.url, "MESSAGING_SEND_LEASE_SECONDS": str(LEASE)}
    try:
        worker_a = start_celery_worker(queues="email", concurrency=2, name="r3-a", extra_env=env)
        worker_b = start_celery_worker(queues="email", concurrency=2, name="r3-b", extra_env=env)
        rows = []
        for i in range(N):  # one business transaction each (like orders), so tasks spread over workers
            with transaction.atomic():
                rows.append(
                    email_enqueue(
                        to=f"r3-{i}@example.com", kind="test", template="test_message", context={}, dedupe_key=f"r3-{i}"
                    )
                )
        expected_ids = {f"<{row.public_id.hex}@127.0.0.1>" for row in rows}

        # When a pool child of one worker is SIGKILLed mid-send ...
        seen: set[int] = set()
        attempt_1, (_, child) = _kill_next_sender(sink, [worker_a, worker_b], seen)
        os.kill(child.pid, signal.SIGKILL)
        assert attempt_1.message_id not in sink.handler.message_ids(), "the kill came too late to be mid-send"
        # ... and then a whole worker (main process and children) while one of its sends is in flight
        attempt_2, (victim, _) = _kill_next_sender(sink, [worker_a, worker_b], seen)
        survivor = worker_b if victim is worker_a else worker_a
        processes = [psutil.Process(victim.proc.pid), *psutil.Process(victim.proc.pid).children(recursive=True)]
        for proc in processes:
            proc.send_signal(signal.SIGKILL)
        victim.proc.wait(timeout=10)
        assert attempt_2.message_id not in sink.handler.message_ids(), "the kill came too late to be mid-send"

        # Then, with the relay running as beat would, everything is delivered exactly once
        def all_sent() -> bool:
            with override_settings(MESSAGING_RELAY_GRACE_SECONDS=2):
                relay()
            return OutboundEmail.objects.filter(pk__in=[r.pk for r in rows], status="sent").count() == N

        assert sink.wait_for(all_sent, timeout=60, interval=0.5), list(
            OutboundEmail.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", "attempts")
        )
        sink.wait_for(lambda: False, timeout=1.0)  # late duplicates would arrive now
        counts = Counter(sink.handler.message_ids())
        assert set(counts) == expected_ids
        assert all(n == 1 for n in counts.values()), counts
        # The two interrupted messages were really attempted twice (the kill hit them).
        interrupted = {attempt_1.message_id, attempt_2.message_id}
        assert len(interrupted) == 2
        retried = OutboundEmail.objects.filter(message_id__in=interrupted)
        assert sorted(r.attempts for r in retried) == [2, 2], list(retried.values_list("message_id", "attempts"))
        assert survivor.proc.poll() is None
    finally:
        sink.stop()
