"""P2: order placements/s with 8 concurrent buyers (processes), against `pgbench -c 8`
TPC-B on the same Postgres, three rounds interleaved (pgbench, then each variant, per round).

Variants (each buyer calls orders.services.order_place: idempotency claim, one-query cart
read, test-card authorization, cart + stock row locks, one conditional stock decrement,
one statement for order + lines + payment + event, cart conversion, outbox email and
business event rows):
- `distinct`: every buyer on its own SKU (QUALITY.md's P2);
- `hot`: the 8 buyers on 2 SKUs (row-lock contention); then a sell-out burst on those SKUs
  with 50 units each, where every buyer keeps ordering until refused: units sold beyond the
  stock are "oversold" (must be 0);
- `voucher`: distinct SKUs, every cart carrying the same percentage code (its row is
  locked per redemption, so this shows the cost of one popular code).
The customers table holds BENCH_P2_CUSTOMERS (200,000) customers, so a lookup that misses
its index shows. Per variant: orders/s, ratio to the same round's pgbench (min/median/max
over the rounds), p50/p99 latency, Python CPU per order (buyers' process time), statements
per placement, stock accounting (oversold / lost units, must be 0).

Uses its own database (DATABASE_NAME, default commerce_bench_p2: created, migrated and
seeded with the customers on the first run, reused afterwards; orders and carts are emptied
at the start of each run) and a scratch database for pgbench. Placement makes no Redis call,
so no broker is needed. Knobs: BENCH_P2_SECONDS (6 per run), BENCH_P2_ROUNDS (3),
BENCH_P2_CUSTOMERS (200000), BENCH_P2_VARIANTS (distinct,hot,voucher), BENCH_P2_PROFILE=1
(cProfile one buyer in one extra run, top functions to stderr).
"""

import cProfile
import io
import json
import multiprocessing as mp
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_platform.settings")
os.environ.setdefault("DATABASE_NAME", "commerce_bench_p2")
os.environ["DEBUG"] = "false"
BUYERS = 8
SECONDS = float(os.environ.get("BENCH_P2_SECONDS", "6"))
ROUNDS = int(os.environ.get("BENCH_P2_ROUNDS", "3"))
CUSTOMERS = int(os.environ.get("BENCH_P2_CUSTOMERS", "200000"))
VARIANTS = [v for v in os.environ.get("BENCH_P2_VARIANTS", "distinct,hot,voucher").split(",") if v]
CARTS_PER_BUYER = int(os.environ.get("BENCH_P2_CARTS", "2000"))
PROFILE = os.environ.get("BENCH_P2_PROFILE", "") == "1"
STOCK = 1_000_000
SELLOUT_STOCK = 50

import django  # noqa: E402
from django.db import OperationalError, connection  # noqa: E402


def log(msg: str) -> None:
    print(f"# {msg}", file=sys.stderr, flush=True)


def emit(name, value, unit, reference=None, ratio=None, **extra):
    line = {"name": name, "value": value, "unit": unit, "reference": reference, "ratio": ratio, **extra}
    print(json.dumps(line), flush=True)


def database_prepare() -> None:
    """Create and migrate the benchmark database, seed the customer population (idempotent),
    and empty what earlier runs placed."""
    try:
        connection.ensure_connection()
    except OperationalError:
        name = connection.settings_dict["NAME"]
        log(f"creating database {name}")
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from customers.models import Customer

    have = Customer.objects.filter(email__endswith="@population.bench").count()
    if have < CUSTOMERS:
        log(f"seeding {CUSTOMERS - have} customers (once; later runs reuse them)")
        for start in range(have, CUSTOMERS, 5000):
            Customer.objects.bulk_create(
                [
                    Customer(email=f"c{i}@population.bench", password="!", is_guest=True, first_name="Pop")
                    for i in range(start, min(start + 5000, CUSTOMERS))
                ]
            )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        log(f"{cursor.fetchone()[0]} customers in the table")
        tables = [
            "orders_checkoutclaim",
            "orders_orderevent",
            "orders_payment",
            "orders_orderline",
            "orders_order",
            "carts_voucherredemption",
            "catalog_stockreservation",
            "carts_cartoverride",
            "carts_cartline",
            "carts_cart",
            "messaging_outboundemail",
            "common_domainevent",
        ]
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute("DELETE FROM catalog_variant WHERE sku LIKE 'BENCH-%%'")
        cursor.execute("VACUUM ANALYZE customers_customer")


# --- pgbench (the reference) --------------------------------------------------------------


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


class PgBench:
    def __init__(self) -> None:
        db = connection.settings_dict
        self.scratch = f"bench_p2_pgbench_{os.getpid()}"
        self.env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
        self.args = []
        for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
            if db.get(key):
                self.args += [flag, str(db[key])]
        self.binary = pgbench_binary()

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{self.scratch}"')
        subprocess.run(
            [self.binary, *self.args, "-i", "-s", "10", "-q", self.scratch],
            env=self.env,
            check=True,
            capture_output=True,
        )
        return self

    def __exit__(self, *exc):
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.scratch}"')

    def run(self) -> float:
        out = subprocess.run(
            [self.binary, *self.args, "-c", "8", "-j", "2", "-T", str(int(SECONDS)), "-n", self.scratch],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for line in out.splitlines():
            if line.startswith("tps =") and "without" in line:
                return float(line.split("=")[1].split()[0])
        for line in out.splitlines():
            if line.startswith("tps ="):
                return float(line.split("=")[1].split()[0])
        raise SystemExit(f"could not parse pgbench output:\n{out}")


# --- order placement ----------------------------------------------------------------------

ADDRESS = {
    "full_name": "Bench Buyer",
    "line1": "1 Bench St",
    "city": "Tokyo",
    "postal_code": "100-0001",
    "country": "JP",
}


def _place(cart, email, key):
    from orders.payments import APPROVE_CARD
    from orders.services import order_place

    return order_place(
        cart=cart,
        email=email,
        shipping_address=ADDRESS,
        shipping_method="standard",
        payment_method="test_card",
        payment_details={"card_number": APPROVE_CARD},
        idempotency_key=key,
        actor=None,
        expected_version=cart.version,
    )


def setup(run: str, variant: str, stock: int = STOCK) -> tuple[list[list], list[int]]:
    """Carts per buyer (guest carts with the buyer's email, one line of one unit) and the SKUs."""
    from carts.models import Cart, CartLine, Voucher
    from catalog.models import Category, Product, Variant

    category, _ = Category.objects.get_or_create(slug="bench-p2", defaults={"name": "Bench"})
    skus = BUYERS if variant != "hot" else 2
    variants = []
    for i in range(skus):
        product = Product.objects.create(category=category, name=f"Bench item {i}", slug=f"bench-p2-{run}-{i}")
        variants.append(
            Variant.objects.create(product=product, sku=f"BENCH-{run}-{i}", price=Decimal("19.99"), stock=stock)
        )
    voucher = None
    if variant == "voucher":
        voucher = Voucher.objects.create(code=f"BENCH{run.upper()}", kind="percent", value=Decimal("10"))
    carts_by_buyer = []
    for buyer in range(BUYERS):
        carts = Cart.objects.bulk_create(
            [
                Cart(session_key=f"b-{run}-{buyer}-{i}", email=f"buyer{buyer}-{run}@example.com", voucher=voucher)
                for i in range(CARTS_PER_BUYER)
            ],
            batch_size=2000,
        )
        sku = variants[buyer % len(variants)]
        CartLine.objects.bulk_create([CartLine(cart=c, variant=sku, quantity=1) for c in carts], batch_size=2000)
        carts_by_buyer.append([c.pk for c in carts])
    # The first order of each guest email creates its customer: keep that out of the timed part.
    for ids in carts_by_buyer:
        cart = Cart.objects.get(pk=ids.pop(0))
        _place(cart, cart.email, f"warm-{cart.pk}")
    return carts_by_buyer, [v.pk for v in variants]


def buyer(cart_ids, barrier, results, seconds, until_refused, profile):
    from django.db import connection as conn

    from carts.exceptions import OutOfStock
    from carts.models import Cart

    conn.close()
    carts = list(Cart.objects.filter(pk__in=cart_ids).order_by("pk"))
    email = carts[0].email
    # CPU time: waiting for locks or for a share of the CPU is not the buyer's own cost.
    profiler = cProfile.Profile(time.process_time) if profile else None
    barrier.wait()
    latencies, refused = [], 0
    cpu0, start = time.process_time(), time.perf_counter()
    deadline = start + seconds
    if profiler:
        profiler.enable()
    for cart in carts:
        if time.perf_counter() >= deadline:
            break
        t0 = time.perf_counter()
        try:
            _place(cart, email, f"bench-{uuid.uuid4().hex}")
        except OutOfStock:
            refused += 1
            if until_refused:
                break
            continue
        latencies.append(time.perf_counter() - t0)
    if profiler:
        profiler.disable()
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(30)
        sys.stderr.write(buffer.getvalue())
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
    conn.close()
    results.put((len(latencies), refused, elapsed, cpu, latencies))


def run_buyers(carts_by_buyer, *, seconds=SECONDS, until_refused=False, profile=False) -> dict:
    connection.close()
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(BUYERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=buyer, args=(ids, barrier, results, seconds, until_refused, profile and n == 0))
        for n, ids in enumerate(carts_by_buyer)
    ]
    for p in procs:
        p.start()
    collected = [results.get(timeout=seconds + 300) for _ in procs]
    for p in procs:
        p.join()
    orders = sum(n for n, *_ in collected)
    latencies = sorted(lat for *_, lats in collected for lat in lats)
    return {
        "orders": orders,
        "refused": sum(r for _, r, *_ in collected),
        "rate": orders / max(e for _, _, e, _, _ in collected),
        "p50": latencies[len(latencies) // 2] * 1000 if latencies else None,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else None,
        "cpu_ms": sum(c for *_, c, _ in collected) / max(orders, 1) * 1000,
    }


def stock_accounting(variant_ids, initial: int) -> dict:
    """Units taken vs units on order lines: oversold (sold beyond the initial stock) and
    lost (taken from stock but on no order, or the reverse) must both be 0."""
    from catalog.models import Variant
    from orders.models import OrderLine

    stocks = dict(Variant.objects.filter(pk__in=variant_ids).values_list("pk", "stock"))
    sold = dict.fromkeys(variant_ids, 0)
    for pk, quantity in OrderLine.objects.filter(variant_id__in=variant_ids).values_list("variant_id", "quantity"):
        sold[pk] += quantity
    oversold = sum(max(sold[pk] - initial, 0) for pk in variant_ids) + sum(1 for s in stocks.values() if s < 0)
    lost = sum(abs((initial - stocks[pk]) - sold[pk]) for pk in variant_ids)
    return {"oversold": oversold, "lost": lost, "sold": sum(sold.values())}


def statements_per_order(variant: str) -> int:
    from django.test.utils import CaptureQueriesContext

    carts_by_buyer, _ = setup(f"q{uuid.uuid4().hex[:6]}", variant)
    from carts.models import Cart

    cart = Cart.objects.get(pk=carts_by_buyer[0][0])
    with CaptureQueriesContext(connection) as captured:
        _place(cart, cart.email, f"count-{cart.pk}")
    return len(captured.captured_queries)


def summary(name: str, runs: list[dict], refs: list[float], note: str, **extra) -> None:
    ratios = [r["rate"] / ref for r, ref in zip(runs, refs, strict=True)]
    emit(
        name,
        round(statistics.median(r["rate"] for r in runs), 1),
        "orders/s",
        round(statistics.median(refs), 1),
        round(statistics.median(ratios), 3),
        ratio_min=round(min(ratios), 3),
        ratio_max=round(max(ratios), 3),
        rates=[round(r["rate"], 1) for r in runs],
        p50_ms=round(statistics.median(r["p50"] for r in runs), 2),
        p99_ms=round(statistics.median(r["p99"] for r in runs), 2),
        p99_ms_max=round(max(r["p99"] for r in runs), 2),
        python_cpu_ms_per_order=round(statistics.median(r["cpu_ms"] for r in runs), 2),
        orders=sum(r["orders"] for r in runs),
        note=note,
        **extra,
    )


NOTES = {
    "distinct": "8 buyer processes on distinct SKUs",
    "hot": "8 buyer processes on 2 SKUs (stock row locks contended)",
    "voucher": "8 buyers on distinct SKUs, every cart with the same 10% code (its row locked per redemption)",
}


def main() -> int:
    django.setup()
    database_prepare()
    load = os.getloadavg()
    runs: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    accounting: dict[str, dict] = {v: {"oversold": 0, "lost": 0} for v in VARIANTS}
    refs: list[float] = []
    with PgBench() as pgbench:
        for round_no in range(1, ROUNDS + 1):
            refs.append(pgbench.run())
            log(f"round {round_no}: pgbench {refs[-1]:.0f} tps")
            for variant in VARIANTS:
                run = uuid.uuid4().hex[:8]
                carts_by_buyer, variant_ids = setup(run, variant)
                result = run_buyers(carts_by_buyer)
                runs[variant].append(result)
                check = stock_accounting(variant_ids, STOCK)
                for key in ("oversold", "lost"):
                    accounting[variant][key] += check[key]
                log(
                    f"round {round_no} {variant}: {result['rate']:.0f} orders/s "
                    f"({result['rate'] / refs[-1]:.3f}x), p99 {result['p99']:.1f} ms, "
                    f"{result['cpu_ms']:.2f} ms Python CPU/order"
                )
    for index, ref in enumerate(refs, 1):
        emit("p2_pgbench_tpcb_c8", round(ref, 1), "tx/s", round=index)
    for variant in VARIANTS:
        summary(
            "p2_order_placements" if variant == "distinct" else f"p2_order_placements_{variant}",
            runs[variant],
            refs,
            f"{NOTES[variant]}; {CUSTOMERS} customers in the table; reference pgbench -c 8 -j 2 TPC-B scale 10, "
            f"{ROUNDS} rounds interleaved; load average at start {load[0]:.1f}",
            oversold_units=accounting[variant]["oversold"],
            lost_units=accounting[variant]["lost"],
        )
    if "hot" in VARIANTS:
        # Sell-out: 50 units on each hot SKU, every buyer orders until refused.
        carts_by_buyer, variant_ids = setup(uuid.uuid4().hex[:8], "hot", stock=SELLOUT_STOCK)
        burst = run_buyers(carts_by_buyer, seconds=60, until_refused=True)
        check = stock_accounting(variant_ids, SELLOUT_STOCK)
        emit(
            "p2_hot_sellout_oversold",
            check["oversold"],
            "units",
            0,
            None,
            sold=check["sold"],
            stock=SELLOUT_STOCK * len(variant_ids),
            refused=burst["refused"],
            lost_units=check["lost"],
            note="8 buyers on 2 SKUs with 50 units each (4 placed in warm-up), ordering until refused",
        )
    for variant in ("distinct", "voucher"):
        if variant in VARIANTS:
            emit(f"p2_statements_per_order_{variant}", statements_per_order(variant), "statements")
    if PROFILE:
        carts_by_buyer, _ = setup(uuid.uuid4().hex[:8], "distinct")
        run_buyers(carts_by_buyer, profile=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
