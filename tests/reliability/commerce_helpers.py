"""Helpers for the carts/orders reliability tests: real threads, each closing its DB connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from carts.models import Cart, CartLine
from customers.models import Customer


def run_concurrently(fn, args_list, *, workers: int = 25):
    """Run fn(*args) for every args in args_list on `workers` threads released together.
    Returns a list of (result, exception) in input order."""
    gate = threading.Barrier(min(workers, len(args_list)))
    started = threading.local()

    def call(args):
        try:
            if not getattr(started, "done", False):
                started.done = True
                try:
                    gate.wait(timeout=30)
                except threading.BrokenBarrierError:
                    pass
            return fn(*args), None
        except Exception as exc:  # collected and asserted on by the test
            return None, exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(call, args_list))


def carts_with(variants_per_cart: list[list], *, prefix: str) -> list[Cart]:
    """One customer and one open cart per entry, lines added in the given variant order."""
    customers = Customer.objects.bulk_create(
        [Customer(email=f"{prefix}{i}@example.com", password="!") for i in range(len(variants_per_cart))]
    )
    carts = Cart.objects.bulk_create([Cart(customer=c, email=c.email) for c in customers])
    lines = []
    for cart, variants in zip(carts, variants_per_cart, strict=True):
        for variant in variants:
            lines.append(CartLine(cart=cart, variant=variant, quantity=1))
    CartLine.objects.bulk_create(lines)  # created in list order: the line order is as given
    return carts
