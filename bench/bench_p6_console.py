"""P6: Customer 360 console page for a customer with 200 orders and 50 cases vs the same
page for a customer with 1 order and 1 case, measured in the same run.

Data is bulk-inserted inside one transaction on the configured database and rolled back
at the end. The page is rendered through Django's test client (full middleware stack,
signed-in agent). Prints JSON lines {name, value, unit, reference, ratio}: the query count
(bar: equal) and the median render time (bar: ratio <= 1.5).
Sizes with BENCH_P6_ORDERS (default 200), BENCH_P6_CASES (50), BENCH_P6_ROUNDS (30).
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_platform.settings")
os.environ.setdefault("DEBUG", "false")  # measure without debug-only overhead (SQL log, template debug)

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from customers.models import Customer  # noqa: E402
from customers.roles import AGENTS  # noqa: E402
from tests.service_console.history import customer_history_build  # noqa: E402

ORDERS = int(os.environ.get("BENCH_P6_ORDERS", "200"))
CASES = int(os.environ.get("BENCH_P6_CASES", "50"))
ROUNDS = int(os.environ.get("BENCH_P6_ROUNDS", "30"))


class Rollback(Exception):
    pass


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # warm-up (template loading, connection)
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(executed)


def median_times(client: Client, urls: list[str]) -> list[float]:
    """Median render time per URL; the URLs alternate every round so that noise from other
    processes on a shared machine hits both alike."""
    times: list[list[float]] = [[] for _ in urls]
    for _ in range(ROUNDS):
        for i, url in enumerate(urls):
            start = time.perf_counter()
            client.get(url)
            times[i].append((time.perf_counter() - start) * 1000)
    return [statistics.median(t) for t in times]


def main() -> None:
    results = []
    try:
        with transaction.atomic():
            agent = Customer.objects.create_user(email="p6-agent@example.com", password=None, is_staff=True)
            agent.groups.add(Group.objects.get_or_create(name=AGENTS)[0])
            small = Customer.objects.create_user(email="p6-small@example.com", first_name="Small")
            big = Customer.objects.create_user(email="p6-big@example.com", first_name="Big")
            customer_history_build(small, orders=1, cases=1)
            customer_history_build(big, orders=ORDERS, cases=CASES)
            client = Client()
            client.force_login(agent)
            small_url = f"/console/customers/{small.public_id}/"
            big_url = f"/console/customers/{big.public_id}/"
            q_small, q_big = count_queries(client, small_url), count_queries(client, big_url)
            t_small, t_big = median_times(client, [small_url, big_url])
            results = [
                {
                    "name": "p6_customer360_queries",
                    "value": q_big,
                    "unit": "queries",
                    "reference": q_small,
                    "ratio": round(q_big / q_small, 3),
                },
                {
                    "name": "p6_customer360_median_ms",
                    "value": round(t_big, 2),
                    "unit": "ms",
                    "reference": round(t_small, 2),
                    "ratio": round(t_big / t_small, 3),
                },
            ]
            raise Rollback
    except Rollback:
        pass
    for row in results:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
