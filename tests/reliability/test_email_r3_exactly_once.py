"""R3: email delivery under dying and frozen workers, with real Celery workers and a real
SMTP server (aiosmtpd). Messages are counted at the server by Message-ID.

- A worker's child and then a whole worker are SIGKILLed while their SMTP transaction is
  in flight: Redis redelivers the unacked tasks, the relay re-enqueues rows whose lease
  ran out, and every message arrives exactly once.
- A worker frozen (SIGSTOP) past its lease while waiting for the server, whose row another
  worker then sends: when it resumes, the claim fence before the message is committed
  stops it, and the message still arrives once (issue 13: it used to arrive twice).
- Repeated SIGKILLs of pool processes during a stream of deliveries: duplicates per 1,000
  deliveries are counted and reported (none without kills; at most one per kill, the
  message whose 250 came in just before the kill and whose "sent" mark did not leave).
"""

import json
import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest
from django.db import transaction
from django.test import override_settings

from messaging.models import OutboundEmail
from messaging.services import email_enqueue
from messaging.tasks import relay
from tests.messaging.sink import SmtpSink

pytestmark = [pytest.mark.celery, pytest.mark.slow]

LEASE = 10  # seconds; the send deadline (3 s) fits three times, the 2 s sink delays fit in it
DEADLINE = 3
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def _env(sink: SmtpSink, lease: float = LEASE, deadline: float = DEADLINE) -> dict:
    return {
        "EMAIL_URL": sink.url,
        "MESSAGING_SEND_LEASE_SECONDS": str(lease),
        "MESSAGING_SEND_DEADLINE_SECONDS": str(deadline),
    }


def _enqueue(prefix: str, count: int) -> list[OutboundEmail]:
    rows = []
    for i in range(count):  # one business transaction each (like orders), so tasks spread over workers
        with transaction.atomic():
            rows.append(
                email_enqueue(
                    to=f"{prefix}-{i}@example.com",
                    kind="test",
                    template="test_message",
                    context={},
                    dedupe_key=f"{prefix}-{i}",
                )
            )
    return rows


def _deliver_all(sink: SmtpSink, rows: list[OutboundEmail], timeout: float = 90) -> None:
    """Run the relay as beat would until every row is sent, then wait for late copies."""

    def all_sent() -> bool:
        with override_settings(MESSAGING_RELAY_GRACE_SECONDS=2):
            relay()
        return OutboundEmail.objects.filter(pk__in=[r.pk for r in rows], status="sent").count() == len(rows)

    assert sink.wait_for(all_sent, timeout=timeout, interval=0.5), Counter(
        OutboundEmail.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    )
    sink.wait_for(lambda: False, timeout=1.0)  # late duplicates would arrive now


def _processes(worker) -> list[psutil.Process]:
    main = psutil.Process(worker.proc.pid)
    return [main, *main.children(recursive=True)]


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


def _next_sender(ports, workers, seen: set[int]):
    """Wait for a sender the server is holding (port in `ports`) and return it with its owner."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for item in list(ports):
            port = getattr(item, "peer_port", item)
            if port in seen:
                continue
            owner = _owner_of(port, workers)
            if owner is not None:
                seen.add(port)
                return item, owner
        time.sleep(0.02)
    raise AssertionError("no sender in flight")


@pytest.mark.django_db(transaction=True)
def test_every_email_reaches_the_sink_exactly_once_when_workers_die_mid_send(start_celery_worker):
    # Given an SMTP sink slow enough that a kill lands inside the SMTP transaction
    # (2 s: even on a loaded machine the SIGKILL lands before the server answers 250)
    sink = SmtpSink(delay=2.0).start()
    try:
        worker_a = start_celery_worker(queues="email", concurrency=2, name="r3-a", extra_env=_env(sink))
        worker_b = start_celery_worker(queues="email", concurrency=2, name="r3-b", extra_env=_env(sink))
        rows = _enqueue("r3", 16)
        expected_ids = {f"<{row.public_id.hex}@127.0.0.1>" for row in rows}

        # When a pool child of one worker is SIGKILLed mid-send ...
        seen: set[int] = set()
        attempt_1, (_, child) = _next_sender(sink.handler.in_data, [worker_a, worker_b], seen)
        os.kill(child.pid, signal.SIGKILL)
        assert attempt_1.message_id not in sink.handler.message_ids(), "the kill came too late to be mid-send"
        # ... and then a whole worker (main process and children) while one of its sends is in flight
        attempt_2, (victim, _) = _next_sender(sink.handler.in_data, [worker_a, worker_b], seen)
        survivor = worker_b if victim is worker_a else worker_a
        for proc in _processes(victim):
            proc.send_signal(signal.SIGKILL)
        victim.proc.wait(timeout=10)
        assert attempt_2.message_id not in sink.handler.message_ids(), "the kill came too late to be mid-send"

        # Then, with the relay running as beat would, everything is delivered exactly once
        _deliver_all(sink, rows)
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


@pytest.mark.django_db(transaction=True)
def test_a_worker_frozen_past_its_lease_does_not_send_a_copy_when_it_resumes(start_celery_worker):
    # Given a server that takes 2 s to accept each recipient, and two workers
    sink = SmtpSink(rcpt_delay=2.0).start()
    lease, deadline = 12, 4
    try:
        worker_a = start_celery_worker(
            queues="email", concurrency=1, name="r3-frozen-a", extra_env=_env(sink, lease, deadline)
        )
        worker_b = start_celery_worker(
            queues="email", concurrency=1, name="r3-frozen-b", extra_env=_env(sink, lease, deadline)
        )
        (row,) = _enqueue("r3-frozen", 1)

        # When the worker sending it is frozen (SIGSTOP) while the server holds its RCPT ...
        _, (frozen, _) = _next_sender(sink.handler.in_rcpt, [worker_a, worker_b], set())
        other = worker_b if frozen is worker_a else worker_a
        processes = _processes(frozen)
        for proc in processes:
            proc.send_signal(signal.SIGSTOP)
        try:
            # ... past its lease, and the relay hands the row to the other worker, which sends it
            time.sleep(lease + 0.5)
            _deliver_all(sink, [row], timeout=30)
            assert sink.handler.message_ids() == [row.message_id]
            owner = OutboundEmail.objects.get(pk=row.pk)
            assert (owner.status, owner.attempts) == ("sent", 2)
        finally:
            # Then the frozen worker wakes up in the middle of its SMTP transaction
            for proc in processes:
                proc.send_signal(signal.SIGCONT)
        sink.wait_for(lambda: False, timeout=4.0)  # it reads the server's answers, asks the fence, gives up
        assert sink.handler.message_ids() == [row.message_id], "the resumed worker delivered a copy"
        assert frozen.proc.poll() is None and other.proc.poll() is None
        assert "claim lost before the send completed" in frozen.log_path.read_text(errors="replace")
    finally:
        sink.stop()


@pytest.mark.django_db(transaction=True)
def test_duplicates_per_thousand_deliveries_under_repeated_kills(start_celery_worker):
    sink = SmtpSink().start()
    try:
        workers = [
            start_celery_worker(queues="email", concurrency=2, name=f"r3-kill-{n}", extra_env=_env(sink)) for n in "ab"
        ]
        # Given a stream of deliveries with no process dying: no message arrives twice
        calm = _enqueue("r3-calm", 40)
        _deliver_all(sink, calm)
        calm_counts = Counter(sink.handler.message_ids())
        assert set(calm_counts) == {r.message_id for r in calm}
        assert max(calm_counts.values()) == 1

        # When pool processes are SIGKILLed again and again while a larger stream is sent (the
        # server takes 0.1 s to accept each message, so the stream outlasts several kills
        # however fast the workers are, and a kill can land while a message is being accepted)
        sink.handler.delay = 0.1
        rows = _enqueue("r3-kill", 200)
        ids = [r.pk for r in rows]
        kills, rng = 0, random.Random(13)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if kills >= 8 or not OutboundEmail.objects.filter(pk__in=ids).exclude(status="sent").exists():
                break  # enough kills landed mid-stream (or, on a very fast machine, all was sent)
            children = [c for w in workers for c in psutil.Process(w.proc.pid).children(recursive=True)]
            if children:
                try:
                    rng.choice(children).send_signal(signal.SIGKILL)
                    kills += 1
                except psutil.NoSuchProcess:
                    pass
            time.sleep(rng.uniform(0.2, 0.5))
        _deliver_all(sink, rows)

        # Then every message arrived, and copies are few: at most one per kill
        counts = Counter(sink.handler.message_ids())
        assert {r.message_id for r in rows} <= set(counts)
        duplicates = sum(counts[r.message_id] - 1 for r in rows)
        per_thousand = duplicates * 1000 / len(rows)
        report = {
            "deliveries": len(rows),
            "kills": kills,
            "duplicates": duplicates,
            "duplicates_per_1000": round(per_thousand, 2),
            "duplicates_without_kills": 0,
        }
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "r3-duplicates.json").write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nR3 duplicates under repeated kills: {json.dumps(report)}")
        assert kills >= 5, "the stream ended before the kills could matter"
        assert duplicates <= kills
        assert all(w.proc.poll() is None for w in workers)
    finally:
        sink.stop()
