"""Order row locks (after the cart and stock rows: see catalog.locks for the project's lock
order) and the per-order action lock that serialises lifecycle actions without holding any
row lock while a payment provider is called."""

from contextlib import contextmanager

from django.db import connection

from orders.models import Order

# First key of the two-part advisory lock: "orders" lifecycle actions (second key: order id).
ORDER_ACTION_LOCK_SPACE = 0x6F72


def order_for_update(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


@contextmanager
def order_action_lock(order_id: int):
    """Session-level advisory lock on one order: two lifecycle actions on the same order
    (two agents pressing "cancel" and "mark paid") run one after the other, and the second
    sees the first's result. Nothing else waits on it (no row is locked), so a slow payment
    provider call made under it blocks neither placements nor stock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [ORDER_ACTION_LOCK_SPACE, order_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ORDER_ACTION_LOCK_SPACE, order_id])
