"""P1 for shoppers: the storefront as seen by a visitor WITH a session and a cart (category
listing, product page, cart page) and search results, under concurrent HTTP load (wrk,
keep-alive) against gunicorn with 2 workers, each run interleaved with a bare
`HttpResponse("ok")` view in the same server, on a catalog of >= 5,000 products.

Rounds: (bare, page, bare) for every page kind, ROUNDS times; each page's ratio is against
the mean of the two bare runs beside it, reported as min/median/max over the rounds, with the
load average before and after. Queries per page are counted in-process (Django test client
with the same session cookie), cold (caches cleared) and warm.

Search is measured twice: with the shopper's session (the same 24 queries again and again,
as a shop sees its popular searches: cached per catalog generation) and "cold": every request
a query never seen in this catalog generation (a product number), so each one runs the single
match query and renders.

Shares bench_p1_storefront's database, seeding, gunicorn and wrk helpers.
Knobs: BENCH_P1_PRODUCTS (5000), BENCH_P1_SECONDS (5), BENCH_P1_ROUNDS (3),
BENCH_P1_CONNECTIONS (8), BENCH_P1B_SESSIONS (16 shoppers, cycled), BENCH_P1B_EXPLAIN (1:
print EXPLAIN ANALYZE of a search's match query to stderr).
"""

import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_p1_storefront as p1  # noqa: E402  (sets settings, database and the private redis)
from _rounds import emit, load_average, log  # noqa: E402

SESSIONS = int(os.environ.get("BENCH_P1B_SESSIONS", "16"))
SEARCHES = [
    "jacket",
    "black jacket",
    "hoodie",
    "sneakers",
    "snekers",  # typo: trigram / corrected words
    "tshirt",
    "linen duvet",
    "ceramic mug",
    "tote bag",
    "organic cap",
    "urban boots",
    "trail sandals",
    "ジャケット",
    "スニーカー",
    "黒",
    "パーカー",
    "classic",
    "heritage hoodie",
    "minimal",
    "soft",
    "everyday",
    "boots 3",
    "cosy",
    "lightweight jacket",
]

LUA = """
paths = {%s}
cookies = {%s}
counter = 0
request = function()
  counter = counter + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(counter %% #cookies) + 1] end
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
"""


def wrk_run(port: int, paths: list[str], cookies: list[str], seconds: int | None = None) -> dict:
    lua = LUA % (", ".join(json.dumps(p) for p in paths), ", ".join(json.dumps(c) for c in cookies))
    return p1.wrk_script_run(port, lua, seconds)


def python_run(port: int, paths: list[str], cookies: list[str], seconds: int | None = None) -> dict:
    """Fallback without wrk: the P1 Python client (no cookies per request: one per thread)."""
    import http.client
    import threading

    stop = time.monotonic() + (seconds or p1.SECONDS)
    counts, errors, latencies = [0] * p1.CONNECTIONS, [0] * p1.CONNECTIONS, []
    lock = threading.Lock()

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n, mine = i, []
        headers = {"Cookie": cookies[i % len(cookies)]} if cookies else {}
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            conn.request("GET", paths[n % len(paths)], headers=headers)
            resp = conn.getresponse()
            resp.read()
            mine.append((time.perf_counter() - t0) * 1000)
            counts[i] += 1
            errors[i] += resp.status >= 400
            n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(p1.CONNECTIONS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return {
        "rps": sum(counts) / (time.monotonic() - start),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)], 1) if latencies else None,
        "errors": sum(errors),
    }


def shoppers(count: int) -> list[str]:
    """`count` anonymous shoppers, each with a session holding an open cart of 2-3 lines.
    Returns their Cookie headers."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from carts.services import cart_get_or_create, cart_line_add
    from carts.signals import SESSION_CART_KEY
    from catalog.models import Variant

    variants = list(
        Variant.objects.filter(is_active=True, stock__gt=50, product__is_published=True)
        .select_related("product")
        .order_by("id")[: count * 3]
    )
    cookies = []
    for i in range(count):
        session = SessionStore()
        session.create()
        cart = cart_get_or_create(session_key=session.session_key, attribution={})
        for variant in variants[i * 3 : i * 3 + 2 + i % 2]:
            cart_line_add(cart=cart, variant=variant, quantity=1 + i % 2, expected_version=None, actor=None)
        session[SESSION_CART_KEY] = cart.pk
        session.save()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


def queries_per_page(path: str, cookie: str | None) -> tuple[int, int]:
    """Queries for one request with this cookie: cold (caches cleared) and warm (second request)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalog.cache import catalog_cache_invalidate

    counts = []
    cache.clear()
    catalog_cache_invalidate()
    for _ in range(2):
        client = Client()
        if cookie:
            name, value = cookie.split("=", 1)
            client.cookies[name] = value
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts.append(len(ctx.captured_queries))
    return counts[0], counts[1]


def explain_search(query: str) -> None:
    from django.db import connection

    from catalog.search import product_search_ids_sql

    sql, params = product_search_ids_sql(query)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    log(f"EXPLAIN ANALYZE search {query!r}:\n{plan}")


def main() -> int:
    import django

    django.setup()
    p1.database_prepare()
    from django.db import connection

    # Seeding and search-index refreshes rewrite every product row: without a vacuum the
    # scans read tens of thousands of dead rows that a running shop's autovacuum would have
    # removed.
    with connection.cursor() as cursor:
        for table in ("catalog_product", "catalog_variant", "catalog_productimage", "django_session"):
            cursor.execute(f"VACUUM ANALYZE {table}")

    from catalog.models import Category, Product

    leaves = list(Category.objects.filter(parent__isnull=False).values_list("slug", flat=True))
    tops = list(Category.objects.filter(parent__isnull=True).values_list("slug", flat=True))
    listing_paths = [f"/category/{slug}/" for slug in tops + leaves]
    listing_paths += [f"/category/{slug}/?page=2" for slug in leaves]
    product_paths = [
        f"/products/{slug}/"
        for slug in Product.objects.filter(is_published=True).order_by("?").values_list("slug", flat=True)[:50]
    ]
    from urllib.parse import quote

    search_paths = [f"/search/?q={quote(q)}" for q in SEARCHES]
    # Never-seen queries ("heritage jacket 17": a product's own name), a disjoint set per round.
    import random

    from catalog.demo import ADJECTIVES, NOUNS

    names = [f"{a} {n} {k}".lower() for a in ADJECTIVES for n in NOUNS.values() for k in range(2, 51)]
    random.Random(os.getpid()).shuffle(names)
    cold_sets = [[f"/search/?q={quote(q)}" for q in names[i::4]] for i in range(4)]
    cold_search_paths = cold_sets[3]
    total = Product.objects.count()
    cookies = shoppers(SESSIONS)
    if os.environ.get("BENCH_P1B_EXPLAIN", "1") == "1":
        try:
            for q in ("jacket", "snekers", "ジャケット"):
                explain_search(q)
        except ImportError:
            log("no catalog.search.product_search_ids_sql: EXPLAIN skipped")
    pages = {
        "shopper_listing": (listing_paths, cookies),
        "shopper_product": (product_paths, cookies),
        "shopper_cart": (["/cart/"], cookies),
        "search_shopper": (search_paths, cookies),
        "search_anonymous": (search_paths, []),
        "search_cold": (cold_search_paths, cookies),
    }
    queries = {
        name: queries_per_page(paths[0], cookie[0] if cookie else None) for name, (paths, cookie) in pages.items()
    }
    connection.close()

    from django.core.cache import cache

    cache.clear()
    port = p1.free_port()
    server = p1.gunicorn_start(port)
    run = wrk_run if shutil.which("wrk") else python_run
    client_name = "wrk" if run is wrk_run else "python-threads"
    results: dict[str, dict] = {name: {"values": [], "refs": [], "p99": [], "errors": 0} for name in pages}
    load_before = load_average()
    try:
        import http.client

        for name, (paths, cookie) in pages.items():  # warm every URL once, as a running shop would be
            for i, path in enumerate(paths[:60] if name != "search_cold" else []):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers={"Cookie": cookie[i % len(cookie)]} if cookie else {})
                status = conn.getresponse().status
                assert status == 200, (path, status)
        # Every worker process loads the Japanese analyser's dictionary on its first Japanese
        # query (seconds): load both before measuring, as a running shop would have.
        warm = run(port, [p for p in search_paths if "%E" in p], cookies, seconds=15)
        log(f"warm-up (Japanese searches, both workers): {warm['rps']:.0f}/s")
        for round_no in range(p1.ROUNDS):
            for name, (paths, cookie) in pages.items():
                if name == "search_cold":
                    paths = cold_sets[round_no % 3]
                bare_a = run(port, ["/bench/ok"], [])
                page = run(port, paths, cookie)
                bare_b = run(port, ["/bench/ok"], [])
                ref = (bare_a["rps"] + bare_b["rps"]) / 2
                entry = results[name]
                entry["values"].append(page["rps"])
                entry["refs"].append(ref)
                entry["p99"].append(page["p99_ms"])
                entry["errors"] += page["errors"]
                log(
                    f"round {round_no + 1}: {name} {page['rps']:.0f}/s vs bare {ref:.0f}/s "
                    f"= {page['rps'] / ref:.3f} (p99 {page['p99_ms']} ms, load {load_average()})"
                )
    finally:
        server.terminate()
        server.wait(timeout=20)
        p1.devservices.stop_redis(p1.BENCH_VAR)
    load_after = load_average()
    note = (
        f"gunicorn 2 workers (gthread x4), {client_name} {p1.CONNECTIONS} keep-alive connections, "
        f"{total} products, {SESSIONS} shoppers each with a session and a cart of 2-3 lines; "
        f"{p1.ROUNDS} rounds of (bare, page, bare); load average {load_before} before, {load_after} after"
    )
    lines = []
    for name, entry in results.items():
        ratios = [v / r for v, r in zip(entry["values"], entry["refs"], strict=True)]
        cold, warm = queries[name]
        lines.append(
            emit(
                f"p1_{name}",
                round(statistics.median(entry["values"]), 1),
                "req/s",
                reference=round(statistics.median(entry["refs"]), 1),
                ratio=round(statistics.median(ratios), 3),
                ratio_min=round(min(ratios), 3),
                ratio_max=round(max(ratios), 3),
                rounds=[round(v, 1) for v in entry["values"]],
                reference_rounds=[round(r, 1) for r in entry["refs"]],
                p99_ms=entry["p99"],
                errors=entry["errors"],
                queries_cold=cold,
                queries_warm=warm,
                load_average=[load_before, load_after],
                note=note,
            )
        )
    out = HERE / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "p1b_shopper.json").write_text(json.dumps(lines, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
