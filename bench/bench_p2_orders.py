"""P2: order placements/s with 8 concurrent buyers (processes) on distinct SKUs, against
`pgbench -c 8` TPC-B on the same Postgres, measured in the same run.

Each buyer calls orders.services.order_place (the full path: idempotency claim, pricing,
test-card authorization, cart + stock row locks, re-price, F() decrement, order + lines +
payment + event, outbox email) on pre-built carts for its own SKU for BENCH_P2_SECONDS
(default 8). Prints JSON lines {name, value, unit, reference, ratio}, including p50/p99
latency and an oversell check. Uses the configured database (rows it writes are removed
afterwards), a scratch database for pgbench, and its own Redis database for the broker so
a running development worker never takes its tasks.
"""

import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_platform.settings")
os.environ["DEBUG"] = "false"
BROKER_DB = int(os.environ.get("BENCH_P2_REDIS_DB", "15"))
BUYERS = 8
SECONDS = float(os.environ.get("BENCH_P2_SECONDS", "8"))
CARTS_PER_BUYER = int(os.environ.get("BENCH_P2_CARTS", "1200"))
PGBENCH_SECONDS = int(os.environ.get("BENCH_P2_PGBENCH_SECONDS", "8"))

from commerce_platform import devservices  # noqa: E402

_redis = os.environ.get("REDIS_URL") or devservices.embedded_redis_url(Path(os.environ.get("VAR_DIR", ROOT / "var")))
BROKER_URL = devservices.celery_broker_url(devservices.redis_url_with_db(_redis, BROKER_DB))
os.environ["CELERY_BROKER_URL"] = BROKER_URL

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from carts.models import Cart, CartLine  # noqa: E402
from catalog.models import Category, Product, Variant  # noqa: E402
from customers.models import Customer  # noqa: E402
from messaging.models import OutboundEmail  # noqa: E402
from orders.models import CheckoutClaim, Order  # noqa: E402
from orders.payments import APPROVE_CARD  # noqa: E402
from orders.services import order_place  # noqa: E402

ADDRESS = {
    "full_name": "Bench Buyer",
    "line1": "1 Bench St",
    "city": "Tokyo",
    "postal_code": "100-0001",
    "country": "JP",
}
STOCK = 1_000_000


def emit(name, value, unit, reference=None, ratio=None, **extra):
    line = {"name": name, "value": value, "unit": unit, "reference": reference, "ratio": ratio, **extra}
    print(json.dumps(line), flush=True)


def pgbench_binary() -> str:
    candidates = [shutil.which("pgbench"), "/usr/bin/pgbench"]
    try:
        import pgserver

        candidates.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"))
    except ImportError:
        pass
    for path in candidates:
        if path and Path(path).exists():
            return path
    raise SystemExit("pgbench not found")


def run_pgbench() -> float:
    db = connection.settings_dict
    scratch = f"bench_p2_pgbench_{os.getpid()}"
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    try:
        binary = pgbench_binary()
        subprocess.run([binary, *args, "-i", "-s", "10", "-q", scratch], env=env, check=True, capture_output=True)
        out = subprocess.run(
            [binary, *args, "-c", "8", "-j", "2", "-T", str(PGBENCH_SECONDS), "-n", scratch],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    for line in out.splitlines():
        if line.startswith("tps =") and "without" in line:
            return float(line.split("=")[1].split()[0])
    for line in out.splitlines():
        if line.startswith("tps ="):
            return float(line.split("=")[1].split()[0])
    raise SystemExit(f"could not parse pgbench output:\n{out}")


def setup(run: str) -> list[list[int]]:
    category = Category.objects.create(name=f"Bench {run}", slug=f"bench-p2-{run}")
    carts_by_buyer = []
    for buyer in range(BUYERS):
        product = Product.objects.create(category=category, name=f"Bench item {buyer}", slug=f"bench-p2-{run}-{buyer}")
        variant = Variant.objects.create(
            product=product, sku=f"BENCH-{run}-{buyer}", price=Decimal("19.99"), stock=STOCK
        )
        carts = Cart.objects.bulk_create(
            [
                Cart(session_key=f"bench-{run}-{buyer}-{i}", email=f"bench-p2-{run}-{buyer}@example.com")
                for i in range(CARTS_PER_BUYER)
            ],
            batch_size=1000,
        )
        CartLine.objects.bulk_create([CartLine(cart=c, variant=variant, quantity=1) for c in carts], batch_size=1000)
        carts_by_buyer.append([c.pk for c in carts])
    return carts_by_buyer


def buyer(cart_ids, barrier, results, deadline_seconds):
    from django.db import connection as conn

    conn.close()
    carts = list(Cart.objects.filter(pk__in=cart_ids).order_by("pk"))
    email = carts[0].email
    # the first placement creates the guest customer: keep it out of the timed part
    barrier.wait()
    latencies = []
    start = time.perf_counter()
    deadline = start + deadline_seconds
    for cart in carts:
        if time.perf_counter() >= deadline:
            break
        t0 = time.perf_counter()
        order_place(
            cart=cart,
            email=email,
            shipping_address=ADDRESS,
            shipping_method="standard",
            payment_method="test_card",
            payment_details={"card_number": APPROVE_CARD},
            idempotency_key=f"bench-{uuid.uuid4().hex}",
            actor=None,
        )
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    conn.close()
    results.put((len(latencies), elapsed, latencies))


def cleanup(run: str) -> None:
    emails = [f"bench-p2-{run}-{b}@example.com" for b in range(BUYERS)]
    orders = Order.objects.filter(email__in=emails)
    CheckoutClaim.objects.filter(order__in=orders).delete()
    OutboundEmail.objects.filter(to_email__in=emails).delete()
    orders.delete()
    Cart.objects.filter(session_key__startswith=f"bench-{run}-").delete()
    Variant.objects.filter(sku__startswith=f"BENCH-{run}-").delete()
    Product.objects.filter(slug__startswith=f"bench-p2-{run}-").delete()
    Category.objects.filter(slug=f"bench-p2-{run}").delete()
    Customer.objects.filter(email__in=emails).delete()


def main() -> int:
    import redis

    run = uuid.uuid4().hex[:8]
    tps = run_pgbench()
    emit("p2_pgbench_tpcb_c8", round(tps, 1), "tx/s")

    carts_by_buyer = setup(run)
    # warm-up: one order per buyer (creates the guest customers, primes caches)
    for ids in carts_by_buyer:
        cart = Cart.objects.get(pk=ids.pop(0))
        order_place(
            cart=cart,
            email=cart.email,
            shipping_address=ADDRESS,
            shipping_method="standard",
            payment_method="test_card",
            payment_details={"card_number": APPROVE_CARD},
            idempotency_key=f"bench-warm-{cart.pk}",
            actor=None,
        )
    connection.close()
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(BUYERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=buyer, args=(ids, barrier, results, SECONDS)) for ids in carts_by_buyer]
    for p in procs:
        p.start()
    collected = [results.get(timeout=SECONDS + 120) for _ in procs]
    for p in procs:
        p.join()
    try:
        total = sum(n for n, _, _ in collected)
        elapsed = max(e for _, e, _ in collected)
        latencies = sorted(lat for _, _, lats in collected for lat in lats)
        rate = total / elapsed
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        sold = Order.objects.filter(email__startswith=f"bench-p2-{run}-").count()
        stocks = list(Variant.objects.filter(sku__startswith=f"BENCH-{run}-").values_list("stock", flat=True))
        oversold = (BUYERS * STOCK - sum(stocks)) - sold  # units taken that no order accounts for
        emit(
            "p2_order_placements",
            round(rate, 1),
            "orders/s",
            round(tps, 1),
            round(rate / tps, 3),
            p50_ms=round(p50, 2),
            p99_ms=round(p99, 2),
            orders=total,
            note=f"{BUYERS} buyer processes on distinct SKUs, full order_place (claim, authorize, locks, "
            "re-price, decrement, order+lines+payment+event, outbox email); reference pgbench -c 8 -j 2 TPC-B scale 10",
        )
        emit("p2_order_place_p50", round(p50, 2), "ms")
        emit("p2_order_place_p99", round(p99, 2), "ms")
        emit("p2_oversell", abs(oversold) + sum(1 for s in stocks if s < 0), "units", 0, None)
    finally:
        cleanup(run)
        redis.Redis.from_url(devservices.redis_url_with_db(_redis, BROKER_DB)).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
