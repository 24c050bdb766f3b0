"""P1: storefront listing (24 products with price, stock state, image) and product page
under concurrent HTTP load (wrk, keep-alive) against gunicorn with 2 workers, beside a bare
`HttpResponse("ok")` view in the same server, on a catalog of >= 5,000 products.

Prints JSON lines {name, value, unit, reference, ratio} and merges them into
bench/results/latest.json. Uses its own database (DATABASE_NAME, default
commerce_bench_p1: created, migrated and seeded on the first run, reused afterwards) and its
own private redis-server (var/bench_p1, stopped at the end) for the cache.

Also the framework reference: an uncached 24-product listing view rendered with Django templates
and with Jinja2 (bench/p1/reference.py; same query and markup), under the same load, and the
CPU per render of each engine in-process.

Knobs: BENCH_P1_PRODUCTS (5000), BENCH_P1_SECONDS (5 per run), BENCH_P1_ROUNDS (3),
BENCH_P1_CONNECTIONS (8).
Needs `wrk` (apt-get install wrk); without it a Python keep-alive client is used instead.
"""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.p1.settings")
os.environ.setdefault("DATABASE_NAME", "commerce_bench_p1")
os.environ["DEBUG"] = "false"
# Django's psycopg connection pool (a documented deployment setting): no per-request
# CONN_HEALTH_CHECKS "SELECT 1" round trip in front of the product page's one query.
os.environ.setdefault("DATABASE_POOL", "true")
PRODUCTS = int(os.environ.get("BENCH_P1_PRODUCTS", "5000"))
SECONDS = int(os.environ.get("BENCH_P1_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_P1_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_P1_CONNECTIONS", "8"))

from commerce_platform import devservices  # noqa: E402

# A private redis-server (unix socket) for the cache: a shared Redis database can be flushed
# at any moment by someone's test run, which would turn every cached page into a miss.
BENCH_VAR = ROOT / "var" / "bench_p1"
os.environ["REDIS_URL"] = devservices.embedded_redis_url(BENCH_VAR)

import django  # noqa: E402
from _rounds import load_average  # noqa: E402
from django.db import connection  # noqa: E402


def log(msg: str) -> None:
    print(f"# {msg}", file=sys.stderr, flush=True)


def database_prepare() -> None:
    """Create, migrate and seed the benchmark database (idempotent)."""
    # Checked with a plain connection to the server's `postgres` database: the pooled default
    # connection would keep retrying a database that does not exist yet.
    import psycopg
    from psycopg import sql

    db = connection.settings_dict
    server = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in server.items() if v}) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone() is None:
            log(f"creating database {db['NAME']}")
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tqdm import tqdm

    from catalog import demo
    from catalog.models import Product

    missing = PRODUCTS - Product.objects.filter(slug__startswith="demo-").count()
    if missing > 0:
        log(f"seeding {PRODUCTS} products (once; later runs reuse them)")
        with tqdm(total=PRODUCTS, desc="products", file=sys.stderr) as bar:
            demo.seed_products(PRODUCTS, bar)
    demo.seed(sys.stderr, True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_start(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.p1.settings", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "commerce_platform.wsgi:application",
            "--workers",
            "2",
            "--worker-class",
            "gthread",  # sync workers close every connection; gthread keeps them alive
            "--threads",
            "4",
            "--keep-alive",
            "30",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/ok")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def wrk_script_run(port: int, lua: str, seconds: int | None = None) -> dict:
    """Run wrk with a Lua request script against 127.0.0.1:port: requests/s, p99 (ms), errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds or SECONDS}s",
            "--latency",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p99_ms": round(float(p99.group(1)) * factor[p99.group(2)], 1) if p99 else None,
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def wrk_run(port: int, paths: list[str]) -> dict:
    return wrk_script_run(port, LUA % ", ".join(json.dumps(p) for p in paths))


def python_run(port: int, paths: list[str]) -> dict:
    """Fallback client: CONNECTIONS threads, one keep-alive connection each."""
    stop = time.monotonic() + SECONDS
    counts, errors, latencies = [0] * CONNECTIONS, [0] * CONNECTIONS, []
    lock = threading.Lock()

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n, mine = i, []
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            conn.request("GET", paths[n % len(paths)])
            resp = conn.getresponse()
            resp.read()
            mine.append((time.perf_counter() - t0) * 1000)
            counts[i] += 1
            errors[i] += resp.status >= 400
            n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CONNECTIONS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    latencies.sort()
    return {
        "rps": sum(counts) / elapsed,
        "p99_ms": latencies[int(len(latencies) * 0.99)] if latencies else None,
        "errors": sum(errors),
    }


def listing_queries(paths: list[str]) -> int:
    """Queries for a cold (uncached) listing page, measured in-process."""
    from django.core.cache import cache
    from django.db import reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    client = Client()
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(paths[0]).status_code == 200
    return len(ctx.captured_queries)


def reference_render_cpu(renders: int = 200, blocks: int = 5) -> dict[str, float]:
    """CPU ms per render of the 24-product reference page, Django templates vs Jinja2, in this
    process (the same context, blocks alternating; the lowest block of each), after checking
    both engines produce the same HTML, so the comparison is of the engines alone."""
    from bench.p1 import reference

    values = reference.context()
    django_html, jinja_html = reference.render_django(values), reference.render_jinja2(values)

    def same_shape(html: str) -> str:  # whitespace between tags aside
        return re.sub(r">\s+<", "><", " ".join(html.split()))

    assert same_shape(django_html) == same_shape(jinja_html), "the two reference templates differ"
    best = {"django": float("inf"), "jinja2": float("inf")}
    for _ in range(blocks):
        for engine, render in (("django", reference.render_django), ("jinja2", reference.render_jinja2)):
            start = time.process_time()
            for _ in range(renders):
                render(values)
            best[engine] = min(best[engine], (time.process_time() - start) / renders * 1000)
    log(f"24-product page render, CPU per render: Django {best['django']:.2f} ms, Jinja2 {best['jinja2']:.2f} ms")
    return {engine: round(ms, 3) for engine, ms in best.items()}


def main() -> int:
    django.setup()
    database_prepare()
    from catalog.models import Category, Product

    leaves = list(Category.objects.filter(parent__isnull=False).values_list("slug", flat=True))
    tops = list(Category.objects.filter(parent__isnull=True).values_list("slug", flat=True))
    listing_paths = [f"/category/{slug}/" for slug in tops + leaves]
    listing_paths += [f"/category/{slug}/?page=2" for slug in leaves]
    product_paths = [
        f"/products/{slug}/"
        for slug in Product.objects.filter(is_published=True).order_by("?").values_list("slug", flat=True)[:50]
    ]
    total = Product.objects.count()
    queries = listing_queries(listing_paths)
    render_cpu = reference_render_cpu()
    load_before = load_average()
    connection.close()

    from django.core.cache import cache

    cache.clear()
    port = free_port()
    server = gunicorn_start(port)
    run = wrk_run if shutil.which("wrk") else python_run
    client_name = "wrk" if run is wrk_run else "python-threads"
    try:
        # Warm every URL once (caches, connections), as a running shop would be.
        for path in listing_paths + product_paths:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path)
            status = conn.getresponse().status
            assert status == 200, (path, status)
        # The machine may be shared: measure in ROUNDS of (bare, listing, bare, product, bare) and
        # compare each page with the bare runs right beside it; report the median round.
        rounds = []
        for _ in range(ROUNDS):
            bare_a = run(port, ["/bench/ok"])
            listing = run(port, listing_paths)
            bare_b = run(port, ["/bench/ok"])
            product = run(port, product_paths)
            bare_c = run(port, ["/bench/ok"])
            ref_django = run(port, ["/bench/ref24/django"])
            bare_d = run(port, ["/bench/ok"])
            ref_jinja2 = run(port, ["/bench/ref24/jinja2"])
            bare_e = run(port, ["/bench/ok"])
            rounds.append(
                {
                    "bare": (bare_a["rps"] + 2 * bare_b["rps"] + bare_c["rps"]) / 4,
                    "listing": listing,
                    "listing_ratio": listing["rps"] / ((bare_a["rps"] + bare_b["rps"]) / 2),
                    "product": product,
                    "product_ratio": product["rps"] / ((bare_b["rps"] + bare_c["rps"]) / 2),
                    "ref_django": ref_django,
                    "ref_django_ratio": ref_django["rps"] / ((bare_c["rps"] + bare_d["rps"]) / 2),
                    "ref_jinja2": ref_jinja2,
                    "ref_jinja2_ratio": ref_jinja2["rps"] / ((bare_d["rps"] + bare_e["rps"]) / 2),
                }
            )
            last = rounds[-1]
            log(
                f"round: bare {last['bare']:.0f}/s listing {listing['rps']:.0f}/s ({last['listing_ratio']:.2f}) "
                f"product {product['rps']:.0f}/s ({last['product_ratio']:.2f}) "
                f"24-product view: Django templates {ref_django['rps']:.0f}/s ({last['ref_django_ratio']:.2f}), "
                f"Jinja2 {ref_jinja2['rps']:.0f}/s ({last['ref_jinja2_ratio']:.2f})"
            )
    finally:
        server.terminate()
        server.wait(timeout=20)
        devservices.stop_redis(BENCH_VAR)

    def median_round(ratio_key: str) -> dict:
        return sorted(rounds, key=lambda r: r[ratio_key])[len(rounds) // 2]

    listing_round, product_round = median_round("listing_ratio"), median_round("product_ratio")
    references = []
    for engine in ("django", "jinja2"):
        picked = median_round(f"ref_{engine}_ratio")
        ratios = sorted(r[f"ref_{engine}_ratio"] for r in rounds)
        references.append(
            {
                "name": f"p1_reference_24_products_{engine}",
                "value": round(picked[f"ref_{engine}"]["rps"], 1),
                "unit": "req/s",
                "reference": round(picked[f"ref_{engine}"]["rps"] / picked[f"ref_{engine}_ratio"], 1),
                "ratio": round(picked[f"ref_{engine}_ratio"], 3),
                "ratio_min": round(ratios[0], 3),
                "ratio_max": round(ratios[-1], 3),
                "p99_ms": picked[f"ref_{engine}"]["p99_ms"],
                "cpu_ms_per_render": render_cpu[engine],
                "note": f"uncached 24-product listing view, {'Django templates' if engine == 'django' else 'Jinja2'}"
                " (bench/p1/reference.py), ratio against the bare view beside it",
            }
        )
    listing, product = listing_round["listing"], product_round["product"]
    bare = sorted(r["bare"] for r in rounds)[len(rounds) // 2]
    note = (
        f"gunicorn 2 workers (gthread x4), DATABASE_POOL={os.environ['DATABASE_POOL']}, {client_name} "
        f"{CONNECTIONS} keep-alive connections, {total} products; "
        f"median of {ROUNDS} rounds, ratio against the bare view measured beside it; "
        f"load average {load_before:.1f} before, {load_average():.1f} after"
    )
    lines = [
        {"name": "p1_bare_ok", "value": round(bare, 1), "unit": "req/s", "reference": None, "ratio": None},
        {
            "name": "p1_listing",
            "value": round(listing["rps"], 1),
            "unit": "req/s",
            "reference": round(listing["rps"] / listing_round["listing_ratio"], 1),
            "ratio": round(listing_round["listing_ratio"], 3),
            "ratio_min": round(min(r["listing_ratio"] for r in rounds), 3),
            "ratio_max": round(max(r["listing_ratio"] for r in rounds), 3),
            "p99_ms": listing["p99_ms"],
            "errors": listing["errors"],
            "note": note,
        },
        {
            "name": "p1_product_page",
            "value": round(product["rps"], 1),
            "unit": "req/s",
            "reference": round(product["rps"] / product_round["product_ratio"], 1),
            "ratio": round(product_round["product_ratio"], 3),
            "ratio_min": round(min(r["product_ratio"] for r in rounds), 3),
            "ratio_max": round(max(r["product_ratio"] for r in rounds), 3),
            "p99_ms": product["p99_ms"],
            "errors": product["errors"],
            "note": note,
        },
        *references,
        {
            "name": "p1_listing_queries_cold",
            "value": queries,
            "unit": "queries",
            "reference": 6,
            "ratio": round(queries / 6, 3),
            "note": "uncached category page incl. header nav; target <= 6",
        },
    ]
    for line in lines:
        print(json.dumps(line), flush=True)
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "p1_storefront.json").write_text(json.dumps(lines, indent=2) + "\n")
    latest = results / "latest.json"
    try:
        existing = json.loads(latest.read_text()) if latest.exists() else []
    except ValueError:
        existing = []
    merged = [r for r in existing if not str(r.get("name", "")).startswith("p1_")] + lines
    latest.write_text(json.dumps(merged, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
