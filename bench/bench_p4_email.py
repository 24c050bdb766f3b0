"""P4: messages/s delivered by ONE Celery worker process (outbox claim, template rendering,
SMTP over a reused connection, "sent" update) to a local aiosmtpd sink, against a plain
smtplib loop sending the same pre-rendered messages over one connection, in the same run.

Prints JSON lines {name, value, unit, reference, ratio}. Uses the configured database
(rows it writes are removed afterwards) and its own Redis database for the broker, so a
running development worker never takes its tasks. N with BENCH_P4_MESSAGES (default 600).
"""

import json
import logging
import os
import smtplib
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_platform.settings")
os.environ["DEBUG"] = "false"  # cached template loader, as in production
BROKER_DB = int(os.environ.get("BENCH_REDIS_DB", "15"))

from commerce_platform import devservices  # noqa: E402

# Our own broker database (before settings load), shared with the worker through the env.
_redis = os.environ.get("REDIS_URL") or devservices.embedded_redis_url(Path(os.environ.get("VAR_DIR", ROOT / "var")))
os.environ["CELERY_BROKER_URL"] = devservices.celery_broker_url(devservices.redis_url_with_db(_redis, BROKER_DB))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.mail import EmailMultiAlternatives  # noqa: E402
from django.db import transaction  # noqa: E402

from commerce_platform.celery import app  # noqa: E402
from messaging.models import OutboundEmail  # noqa: E402
from messaging.rendering import email_render  # noqa: E402
from messaging.services import email_enqueue  # noqa: E402
from tests.messaging.sink import SmtpSink  # noqa: E402

N = int(os.environ.get("BENCH_P4_MESSAGES", "600"))
CONTEXT = {"requested_by": "bench"}


def _messages(run: str) -> list[tuple[str, bytes]]:
    """The same kind of message the worker sends: rendered test_message, text + HTML."""
    out = []
    for i in range(N):
        public_id = uuid.uuid4()
        rendered = email_render(
            template="test_message",
            to_email=f"bench-{run}-{i}@example.com",
            context=CONTEXT,
            marketing=False,
            public_id=public_id,
            kind="bench",
        )
        msg = EmailMultiAlternatives(
            rendered.subject, rendered.text, to=[f"bench-{run}-{i}@example.com"], headers=rendered.headers
        )
        msg.attach_alternative(rendered.html, "text/html")
        out.append((msg.to[0], msg.message().as_bytes(linesep="\r\n")))
    return out


def smtplib_loop(sink: SmtpSink, run: str) -> float:
    messages = _messages(run)
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for to, data in messages:
            smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [to], data)
    elapsed = time.perf_counter() - start
    assert len(sink.handler.messages) >= N
    return N / elapsed


def render_and_send_loop(sink: SmtpSink, run: str) -> float:
    """Informative second reference: the same loop, but rendering and building each message
    with Django inside the timed part (no outbox, no Celery) - what the worker cannot avoid."""
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


def worker_rate(sink: SmtpSink, run: str) -> float:
    broker = os.environ["CELERY_BROKER_URL"]
    # A queue of our own, so no other consumer of this Redis database can take our tasks.
    queue = f"bench-email-{run}"
    routes = {"messaging.*": {"queue": queue}}
    settings.CELERY_TASK_ROUTES = routes
    app.conf.update(task_routes=routes, CELERY_TASK_ROUTES=routes)
    assert app.amqp.router.route({}, "messaging.deliver")["queue"].name == queue
    env = {
        **os.environ,
        "EMAIL_URL": sink.url,
        "CELERY_BROKER_URL": broker,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    hostname = f"bench-p4-{os.getpid()}@localhost"
    log = open(ROOT / "bench" / "results" / "p4-worker.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "commerce_platform", "worker", "-Q", queue, "-c", "1"]
        + [
            "-n",
            hostname,
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("bench worker did not start; see bench/results/p4-worker.log")
        # warm-up: first message opens the SMTP connection and loads templates
        with transaction.atomic():
            email_enqueue(
                to="warm@example.com",
                kind="bench",
                template="test_message",
                context=CONTEXT,
                dedupe_key=f"bench-p4-{run}-warm",
            )
        _wait(sink, 1, 30)
        baseline = len(sink.handler.messages)
        # Timed from the commit that hands the tasks to the broker (writing the outbox rows
        # is the callers' cost, not the worker's) to the last message at the sink.
        marks: list[float] = []
        with transaction.atomic():
            transaction.on_commit(lambda: marks.append(time.perf_counter()))
            for i in range(N):
                email_enqueue(
                    to=f"bench-{run}-{i}@example.com",
                    kind="bench",
                    template="test_message",
                    context=CONTEXT,
                    dedupe_key=f"bench-p4-{run}-{i}",
                )
        _wait(sink, baseline + N, float(os.environ.get("BENCH_P4_TIMEOUT", "300")))
        elapsed = time.perf_counter() - marks[0]
        return N / elapsed
    except RuntimeError:
        rows = OutboundEmail.objects.filter(dedupe_key__startswith=f"bench-p4-{run}")
        errors = rows.exclude(last_error="").values_list("status", "attempts", "last_error")[:5]
        print(f"# outbox: {list(errors)}", file=sys.stderr)
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        OutboundEmail.objects.filter(dedupe_key__startswith=f"bench-p4-{run}")._raw_delete(OutboundEmail.objects.db)


def _wait(sink: SmtpSink, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(sink.handler.messages) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(sink.handler.messages)} of {count} messages arrived")
        time.sleep(0.01)


def main() -> int:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    run = uuid.uuid4().hex[:8]
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    sink = SmtpSink().start()
    try:
        reference = smtplib_loop(sink, run)
        render_reference = render_and_send_loop(sink, run)
        sink.handler.messages.clear()
        value = worker_rate(sink, run)
    finally:
        sink.stop()
    print(
        json.dumps(
            {
                "name": "p4_email_smtplib_loop",
                "value": round(reference, 1),
                "unit": "messages/s",
                "reference": None,
                "ratio": None,
            }
        )
    )
    print(
        json.dumps(
            {
                "name": "p4_email_worker_delivery",
                "value": round(value, 1),
                "unit": "messages/s",
                "reference": round(reference, 1),
                "ratio": round(value / reference, 3),
            }
        )
    )
    print(
        json.dumps(
            {
                "name": "p4_email_worker_vs_render_and_send_loop",
                "value": round(value, 1),
                "unit": "messages/s",
                "reference": round(render_reference, 1),
                "ratio": round(value / render_reference, 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
