"""R6: a shopper and an agent edit one cart at the same moment: no lost update."""

import pytest

from carts.exceptions import CartConflict
from carts.models import Cart, CartLine
from carts.services import cart_line_add, cart_line_update
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, agent
from tests.reliability.commerce_helpers import run_concurrently


@pytest.mark.django_db(transaction=True)
def test_r6_two_writers_with_the_same_version_one_wins_the_other_gets_a_conflict():
    staff = agent()
    cart = CartFactory()
    line = CartLineFactory(cart=cart, variant=VariantFactory(stock=50), quantity=1)
    extra = VariantFactory(stock=50)
    for round_no in range(10):
        seen = Cart.objects.get(pk=cart.pk).version
        shopper_cart = Cart.objects.get(pk=cart.pk)
        agent_cart = Cart.objects.get(pk=cart.pk)

        def shopper(c=shopper_cart, v=seen, q=round_no + 2):
            return cart_line_update(cart=c, line=line.pk, quantity=q, expected_version=v, actor=c.customer)

        def agent_add(c=agent_cart, v=seen):
            return cart_line_add(cart=c, variant=extra, quantity=1, expected_version=v, actor=staff)

        results = run_concurrently(lambda f: f(), [(shopper,), (agent_add,)], workers=2)
        errors = [e for _, e in results if e is not None]
        assert len(errors) == 1, round_no
        assert isinstance(errors[0], CartConflict)
        assert "Reload" in str(errors[0])
        assert Cart.objects.get(pk=cart.pk).version == seen + 1

        # the loser reloads and retries: both edits survive
        if results[0][1] is not None:
            fresh = Cart.objects.get(pk=cart.pk)
            cart_line_update(cart=fresh, line=line.pk, quantity=round_no + 2, expected_version=fresh.version)
        else:
            fresh = Cart.objects.get(pk=cart.pk)
            cart_line_add(cart=fresh, variant=extra, quantity=1, expected_version=fresh.version, actor=staff)
        assert CartLine.objects.get(pk=line.pk).quantity == round_no + 2
        assert CartLine.objects.get(cart=cart, variant=extra).quantity == round_no + 1
        assert Cart.objects.get(pk=cart.pk).version == seen + 2
