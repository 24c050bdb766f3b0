"""P5: a campaign to a large segment, end to end: real Celery workers (one `campaigns`
worker building batches, one `email` worker delivering) to a local aiosmtpd sink, against
P4's rate (one Celery email worker delivering outbox rows, bench_p4_email.worker_rate)
measured in the same run on the same database.

Also reports the campaigns worker's peak RSS at two segment sizes (flat = memory does not
follow the segment: keyset batches, never the whole list). Everything runs in a throwaway
database (created on the configured server, migrated, dropped at the end), so workers of a
running development setup cannot take the benchmark's outbox rows.
Sizes with BENCH_P5_CUSTOMERS (default 100,000) and BENCH_P5_SMALL (default 10,000); broker
database BENCH_P5_REDIS_DB (default 15).
"""

import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
# Our own broker database (P4 uses 14 by default): no other benchmark's worker takes our tasks.
os.environ["BENCH_REDIS_DB"] = os.environ.get("BENCH_P5_REDIS_DB", "15")

import bench_p4_email as p4  # noqa: E402  (sets up Django and the bench broker database)
import psutil  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from commerce_platform.celery import app  # noqa: E402
from marketing.models import Campaign, CampaignBlock, MarketingMessage, Segment, SegmentRule  # noqa: E402
from marketing.services.campaigns import campaign_send_start  # noqa: E402
from messaging.models import OutboundEmail  # noqa: E402
from tests.messaging.sink import SmtpSink  # noqa: E402

BIG = int(os.environ.get("BENCH_P5_CUSTOMERS", "100000"))
BENCH_DB = f"bench_p5_{os.getpid()}"
SMALL = int(os.environ.get("BENCH_P5_SMALL", "10000"))


def insert_customers(run: str, count: int) -> str:
    """`count` consenting customers living in a city no one else lives in."""
    city = f"P5-{run}-{count}"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH new AS (
              INSERT INTO customers_customer (password, is_superuser, public_id, email, first_name, last_name, phone,
                                              is_staff, is_active, is_guest, signup_source, date_joined,
                                              first_name_reading, last_name_reading, language)
              SELECT '!', false, gen_random_uuid(), 'p5-' || %(city)s || '-' || g || '@bench.invalid', 'Bench', '',
                     '', false, true, true, 'import', now(), '', '', ''
              FROM generate_series(1, %(count)s) g RETURNING id)
            , consent AS (
              INSERT INTO customers_consent (customer_id, purpose, granted, source, created_at)
              SELECT id, 'marketing_email', true, 'admin', now() FROM new RETURNING customer_id)
            INSERT INTO customers_address (customer_id, label, full_name, line1, line2, city, region, postal_code,
                                           country, phone, is_default, created_at, first_name, first_name_reading,
                                           last_name, last_name_reading)
            SELECT customer_id, '', 'Bench', '1 Bench St', '', %(city)s, '', '1', 'JP', '', true, now(), 'Bench', '',
                   '', '' FROM consent
            """,
            {"city": city, "count": count},
        )
    return city


def cleanup(city: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS p5_ids ON COMMIT DROP AS "
            "SELECT customer_id AS id FROM customers_address WHERE city = %s",
            [city],
        )
        for table in (
            "messaging_outboundemail",
            "marketing_marketingmessage",
            "marketing_contactpressure",
            "customers_consent",
            "customers_address",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE customer_id IN (SELECT id FROM p5_ids)")
        cursor.execute("DELETE FROM customers_customer WHERE id IN (SELECT id FROM p5_ids)")


def start_worker(queue: str, env: dict, name: str) -> subprocess.Popen:
    hostname = f"bench-p5-{name}-{os.getpid()}@localhost"
    log = open(ROOT / "bench" / "results" / f"p5-{name}.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "commerce_platform", "worker", "-Q", queue, "-c", "1"]
        + ["-n", hostname, "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[hostname], timeout=0.5):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"bench worker {name} did not start; see bench/results/p5-{name}.log")
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


class PeakRss(threading.Thread):
    """Samples the RSS of a worker's process tree (main + pool children) every 50 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.running = True

    def run(self):
        while self.running:
            try:
                procs = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, max(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.05)


def send(run: str, count: int, sink: SmtpSink) -> tuple[float, int, float]:
    """Seconds from "send now" until every message reached the sink; peak campaigns-worker RSS."""
    city = insert_customers(run, count)
    segment = Segment.objects.create(name=f"P5 bench {city}")
    SegmentRule.objects.create(segment=segment, field="city", operator="eq", value=city)
    campaign = Campaign.objects.create(name=f"P5 {city}", subject="Hello {{ first_name }}", segment=segment)
    CampaignBlock.objects.create(campaign=campaign, kind="text", text="Hi {{ first_name }}, this is a benchmark.")
    env = {**os.environ, "EMAIL_URL": sink.url, "DEBUG": "false", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    # Email tasks go to this run's own queue (bench/p4/settings.py routes messaging.* there).
    workers = [start_worker("campaigns", env, "campaigns"), start_worker(p4.QUEUE, env, "email")]
    sampler = PeakRss(workers[0].pid)
    sampler.start()
    baseline = len(sink.handler.messages)
    try:
        start = time.perf_counter()
        campaign_send_start(campaign=campaign)
        deadline = time.monotonic() + 120 + count / 20  # fail rather than hang
        built = None
        while len(sink.handler.messages) < baseline + count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(sink.handler.messages) - baseline} of {count} arrived")
            if built is None and Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENT).exists():
                built = time.perf_counter() - start
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        built = built or elapsed
    finally:
        sampler.running = False
        for proc in workers:
            stop(proc)
        MarketingMessage.objects.filter(campaign=campaign).delete()
        cleanup(city)
        campaign.delete()
        segment.delete()
    return elapsed, sampler.peak, built


def use_bench_database() -> str:
    from django.core.management import call_command

    original = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{BENCH_DB}"')
    connection.close()
    connection.settings_dict["NAME"] = BENCH_DB
    os.environ["DATABASE_NAME"] = BENCH_DB  # the workers' settings read it
    call_command("migrate", verbosity=0)
    return original


def drop_bench_database(original: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = original
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def main() -> int:
    original = use_bench_database()
    try:
        return measure()
    finally:
        drop_bench_database(original)


def measure() -> int:
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    run = uuid.uuid4().hex[:8]
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    sink = SmtpSink().start()
    try:
        small_t, small_rss, _ = send(run, SMALL, sink)
        sink.handler.messages.clear()
        big_t, big_rss, big_built = send(run, BIG, sink)
        sink.handler.messages.clear()
        reference = p4.worker_rate(run)  # P4's rate, same machine, same database
    finally:
        sink.stop()
        OutboundEmail.objects.filter(to_email__endswith="@bench.invalid")._raw_delete(OutboundEmail.objects.db)
    rate = BIG / big_t
    mb = 1024 * 1024
    lines = [
        {"name": "p5_campaign_send_rate", "value": round(rate, 1), "unit": "messages/s",
         "reference": round(reference, 1), "ratio": round(rate / reference, 3)},
        {"name": "p5_campaign_outbox_write_rate", "value": round(BIG / big_built, 1), "unit": "messages/s",
         "reference": round(reference, 1), "ratio": round(BIG / big_built / reference, 3)},
        {"name": "p5_campaign_worker_peak_rss", "value": round(big_rss / mb, 1), "unit": "MB",
         "reference": 300, "ratio": round(big_rss / mb / 300, 3)},
        {"name": "p5_campaign_worker_rss_flatness", "value": round(big_rss / mb, 1), "unit": "MB",
         "reference": round(small_rss / mb, 1), "ratio": round(big_rss / small_rss, 3)},
    ]  # fmt: skip
    for line in lines:
        print(json.dumps(line))
    print(f"# {BIG} customers in {big_t:.1f}s; {SMALL} in {small_t:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
