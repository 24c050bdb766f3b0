"""R6 through the console: the agent and the shopper change the same cart at the same time
with the version they both saw. Exactly one write lands; the other gets a conflict."""

import threading

import pytest
from django.db import connection

from carts.exceptions import CartConflict
from carts.selectors import cart_with_lines
from carts.services import cart_get_or_create, cart_line_add, cart_line_update
from common.models import AuditEntry
from service_console.services.cart_edit import console_line_update
from tests.carts.factories import VariantFactory, agent
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 20


def test_agent_and_shopper_editing_at_once_never_lose_an_update():
    staff = agent()
    shopper = CustomerFactory()
    variant = VariantFactory(stock=200)
    cart = cart_get_or_create(customer=shopper)
    line = cart_line_add(cart=cart, variant=variant, quantity=1, expected_version=None)
    outcomes = {"agent": 0, "shopper": 0, "conflicts": 0}
    lock = threading.Lock()

    for round_no in range(ROUNDS):
        seen = cart_with_lines(cart.pk)
        barrier = threading.Barrier(2)

        def run(who, quantity, seen=seen):
            try:
                barrier.wait()
                if who == "agent":
                    console_line_update(
                        cart=seen, line_id=line.pk, quantity=quantity, expected_version=seen.version, actor=staff
                    )
                else:
                    cart_line_update(
                        cart=seen, line=line.pk, quantity=quantity, expected_version=seen.version, actor=shopper
                    )
                with lock:
                    outcomes[who] += 1
            except CartConflict:
                with lock:
                    outcomes["conflicts"] += 1
            finally:
                connection.close()

        agent_qty, shopper_qty = 10 + round_no, 50 + round_no
        threads = [
            threading.Thread(target=run, args=("agent", agent_qty)),
            threading.Thread(target=run, args=("shopper", shopper_qty)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        line.refresh_from_db()
        assert line.quantity in (agent_qty, shopper_qty)

    assert outcomes["agent"] + outcomes["shopper"] == ROUNDS
    assert outcomes["conflicts"] == ROUNDS
    cart.refresh_from_db()
    assert cart.version == 2 + ROUNDS  # created at 1, one add, then exactly one winner per round
    # Only the agent's winning writes are audited (a conflicting attempt rolls its entry back).
    assert AuditEntry.objects.filter(action="cart.line_update").count() == outcomes["agent"]
