"""P4: messages/s delivered by ONE Celery worker process (outbox relay, batch claim,
rendering, built MIME bytes, SMTP over a reused connection with the claim fence, "sent"
marks) against a plain smtplib loop sending pre-rendered messages over one connection,
three rounds interleaved (loop, worker, loop per round; each worker round against the mean
of the two loops beside it). The SMTP sink (aiosmtpd) runs in its own process
(bench/smtp_sink.py) and only counts.

The worker's rate is measured at the sink from its first to its last message of the round
(steady delivery; the relay's poll interval before the first one is reported separately as
`p4_email_first_message_ms`).

Uses its own database (DATABASE_NAME, default commerce_bench_p4: created and migrated on
the first run, its outbox emptied at each start) and its own broker queue on
BENCH_REDIS_DB (15), routed by bench.p4.settings, so no other worker takes its tasks.
Knobs: BENCH_P4_MESSAGES (600 per round), BENCH_P4_ROUNDS (3).
"""

import os
import smtplib
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUEUE = f"bench-p4-email-{os.getpid()}"
os.environ["BENCH_EMAIL_QUEUE"] = QUEUE
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.p4.settings"
os.environ.setdefault("DATABASE_NAME", "commerce_bench_p4")
os.environ["DEBUG"] = "false"  # cached template loader, as in production
BROKER_DB = int(os.environ.get("BENCH_REDIS_DB", "15"))
N = int(os.environ.get("BENCH_P4_MESSAGES", "600"))
ROUNDS = int(os.environ.get("BENCH_P4_ROUNDS", "3"))

from commerce_platform import devservices  # noqa: E402

_redis = os.environ.get("REDIS_URL") or devservices.embedded_redis_url(Path(os.environ.get("VAR_DIR", ROOT / "var")))
os.environ["CELERY_BROKER_URL"] = devservices.celery_broker_url(devservices.redis_url_with_db(_redis, BROKER_DB))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.mail import EmailMultiAlternatives  # noqa: E402
from django.db import OperationalError, connection, transaction  # noqa: E402

from bench._rounds import emit, load_average, log, ratio_summary  # noqa: E402
from bench.smtp_sink import SinkProcess  # noqa: E402
from commerce_platform.celery import app  # noqa: E402
from messaging.rendering import email_render  # noqa: E402
from messaging.services import email_enqueue  # noqa: E402

CONTEXT = {"requested_by": "bench"}


def database_prepare() -> None:
    try:
        connection.ensure_connection()
    except OperationalError:
        name = connection.settings_dict["NAME"]
        log(f"creating database {name}")
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE messaging_outboundemail CASCADE")


def prerendered(run: str) -> list[tuple[str, bytes]]:
    """The same kind of message the worker sends (test_message, text + HTML), rendered and
    built with Django ahead of time: the reference only sends."""
    out = []
    for i in range(N):
        to = f"bench-{run}-{i}@example.com"
        rendered = email_render(
            template="test_message", to_email=to, context=CONTEXT, marketing=False, public_id=uuid.uuid4(), kind="b"
        )
        msg = EmailMultiAlternatives(rendered.subject, rendered.text, to=[to], headers=rendered.headers)
        msg.attach_alternative(rendered.html, "text/html")
        out.append((to, msg.message().as_bytes(linesep="\r\n")))
    return out


def smtplib_loop(sink: SinkProcess, messages: list[tuple[str, bytes]], cpu: list[float]) -> float:
    start, start_cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for to, data in messages:
            smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [to], data)
    cpu.append((time.process_time() - start_cpu) * 1000 / len(messages))
    return len(messages) / (time.perf_counter() - start)


def render_and_send_loop(sink: SinkProcess, run: str) -> float:
    """Informative: the same loop rendering and building each message with Django inside
    the timed part (no outbox, no Celery)."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for i in range(N):
            to = f"bench-r-{run}-{i}@example.com"
            rendered = email_render(
                template="test_message", to_email=to, context=CONTEXT, marketing=False, public_id=uuid.uuid4(), kind="b"
            )
            msg = EmailMultiAlternatives(rendered.subject, rendered.text, to=[to], headers=rendered.headers)
            msg.attach_alternative(rendered.html, "text/html")
            smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [to], msg.message().as_bytes(linesep="\r\n"))
    return N / (time.perf_counter() - start)


class Worker:
    def __init__(self, sink: SinkProcess):
        self.hostname = f"bench-p4-{os.getpid()}@localhost"
        env = {
            **os.environ,
            "EMAIL_URL": sink.url,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        self.log = open(ROOT / "bench" / "results" / "p4-worker.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "commerce_platform", "worker", "-Q", QUEUE, "-c", "1"]
            + ["-n", self.hostname, "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while not app.control.ping(destination=[self.hostname], timeout=0.5):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bench worker did not start; see bench/results/p4-worker.log")

    def cpu_seconds(self) -> float:
        """User + system CPU of the worker's pool process(es) so far."""
        import psutil

        total = 0.0
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                times = child.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return total

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def worker_round(sink: SinkProcess, run: str, count: int) -> tuple[float, float]:
    """Enqueue `count` rows in one transaction; returns (messages/s first->last at the
    sink, ms from commit to the first message)."""
    baseline = sink.count
    marks: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda: marks.append(time.perf_counter()))
        for i in range(count):
            email_enqueue(
                to=f"bench-{run}-{i}@example.com",
                kind="bench",
                template="test_message",
                context=CONTEXT,
                dedupe_key=f"bench-p4-{run}-{i}",
            )
    deadline = time.monotonic() + float(os.environ.get("BENCH_P4_TIMEOUT", "300"))
    first = None
    while sink.count < baseline + count:
        if first is None and sink.count > baseline:
            first = time.perf_counter()
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {sink.count - baseline} of {count} messages arrived")
        time.sleep(0.002)
    last = time.perf_counter()
    first = first or last
    return (count - 1) / max(last - first, 1e-6), (first - marks[0]) * 1000


def worker_rate(run: str, count: int = N) -> float:
    """P4's measure on its own (for P5's reference): one Celery email worker delivering
    `count` outbox rows to a sink in its own process, messages/s."""
    sink = SinkProcess().start()
    worker = None
    try:
        worker = Worker(sink)
        worker_round(sink, f"warm-{run}", 20)
        return worker_round(sink, f"ref-{run}", count)[0]
    finally:
        if worker is not None:
            worker.stop()
        sink.stop()


def main() -> int:
    database_prepare()
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    load_start = load_average()
    sink = SinkProcess().start()
    worker = None
    try:
        messages = prerendered(uuid.uuid4().hex[:8])
        worker = Worker(sink)
        worker_round(sink, f"warm-{uuid.uuid4().hex[:6]}", 20)  # templates loaded, connection open
        values, references, first_ms, loop_cpu, worker_cpu = [], [], [], [], []
        for round_no in range(1, ROUNDS + 1):
            before = smtplib_loop(sink, messages, loop_cpu)
            cpu_before = worker.cpu_seconds()
            rate, first = worker_round(sink, uuid.uuid4().hex[:8], N)
            worker_cpu.append((worker.cpu_seconds() - cpu_before) * 1000 / N)
            after = smtplib_loop(sink, messages, loop_cpu)
            values.append(rate)
            references.append((before + after) / 2)
            first_ms.append(first)
            log(
                f"round {round_no}: loop {before:.0f}/s, worker {rate:.0f}/s ({worker_cpu[-1]:.2f} ms CPU/message), "
                f"loop {after:.0f}/s"
            )
        render_reference = render_and_send_loop(sink, uuid.uuid4().hex[:8])
    finally:
        if worker is not None:
            worker.stop()
        sink.stop()
    summary = ratio_summary(values, references)
    note = (
        f"one worker process (-c 1), {N} messages per round, {ROUNDS} rounds interleaved with the loop; "
        f"sink in its own process; load average {load_start} at start, {load_average()} at end"
    )
    emit("p4_email_smtplib_loop", summary["reference"], "messages/s", rounds=summary["reference_rounds"])
    emit(
        "p4_email_worker_delivery",
        summary["value"],
        "messages/s",
        summary["reference"],
        summary["ratio"],
        ratio_min=summary["ratio_min"],
        ratio_max=summary["ratio_max"],
        rounds=summary["rounds"],
        worker_cpu_ms_per_message=round(statistics.median(worker_cpu), 3),
        loop_cpu_ms_per_message=round(statistics.median(loop_cpu), 3),
        note=note,
    )
    emit(
        "p4_email_worker_vs_render_and_send_loop",
        summary["value"],
        "messages/s",
        round(render_reference, 1),
        round(summary["value"] / render_reference, 3),
        note="informative: a loop that renders and builds each message with Django, one round",
    )
    emit("p4_email_first_message_ms", round(statistics.median(first_ms), 1), "ms", note="commit to first delivery")
    return 0


if __name__ == "__main__":
    sys.exit(main())
