"""order_place(expected_version=) is checked under the cart lock: an edit that lands after
the caller's (and placement's own) unlocked read but before the lock is still refused."""

import re
from decimal import Decimal

import pytest

from carts.exceptions import CartConflict
from carts.models import Cart
from catalog.models import Variant
from orders.models import Order, Payment
from orders.payments import APPROVE_CARD
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory
from tests.orders.helpers import place, shopper_swaps_during_authorization
from tests.orders.test_views import DETAILS


@pytest.mark.django_db(transaction=True)
def test_a_stale_expected_version_is_refused_under_the_cart_lock(monkeypatch):
    medium = VariantFactory(stock=5, price=Decimal("20.00"), size="M")
    large = VariantFactory(stock=5, price=Decimal("20.00"), size="L")
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=medium, quantity=1)
    seen = Cart.objects.get(pk=cart.pk).version
    shopper_swaps_during_authorization(monkeypatch, cart, old_variant=medium, new_variant=large)

    with pytest.raises(CartConflict, match="This cart changed"):
        place(cart, key="ev-1", expected_version=seen)

    assert not Order.objects.exists() and not Payment.objects.exists()
    assert sorted(Variant.objects.filter(pk__in=[medium.pk, large.pk]).values_list("stock", flat=True)) == [5, 5]
    current = Cart.objects.get(pk=cart.pk)
    assert current.status == Cart.Status.OPEN and current.version == seen + 2  # the shopper's two edits
    assert list(current.lines.values_list("variant_id", flat=True)) == [large.pk]


@pytest.mark.django_db
def test_the_version_seen_places_the_order_and_an_older_one_is_refused_at_once():
    variant = VariantFactory(stock=5, price=Decimal("20.00"))
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=variant, quantity=1)
    version = Cart.objects.get(pk=cart.pk).version
    with pytest.raises(CartConflict):
        place(cart, key="ev-old", expected_version=version - 1)
    order = place(cart, key="ev-ok", expected_version=version)
    assert order.total == Decimal("27.50")  # 20 + 5 shipping + 2.50 tax


@pytest.mark.django_db(transaction=True)
def test_web_checkout_refuses_a_cart_changed_after_the_review_was_read(client, monkeypatch):
    medium = VariantFactory(stock=5, price=Decimal("30.00"), size="M")
    large = VariantFactory(stock=5, price=Decimal("30.00"), size="L")
    client.post("/cart/add/", {"variant_id": medium.pk, "quantity": 1})
    cart = Cart.objects.get(session_key=client.session.session_key)
    assert client.post("/checkout/", DETAILS).status_code == 302
    html = client.get("/checkout/review/").content.decode()
    token = re.search(r'name="checkout_token" value="([0-9a-f]+)"', html).group(1)
    version = re.search(r'name="cart_version" value="(\d+)"', html).group(1)
    shopper_swaps_during_authorization(monkeypatch, cart, old_variant=medium, new_variant=large)

    response = client.post(
        "/checkout/review/",
        {
            "checkout_token": token,
            "cart_version": version,
            "card_number": APPROVE_CARD,
            "card_expiry": "12/30",
            "card_cvc": "123",
        },
        follow=True,
    )

    assert not Order.objects.exists()
    assert response.redirect_chain[-1][0] == "/checkout/review/"
    assert "Your cart changed while you were checking out" in response.content.decode()


@pytest.mark.django_db
def test_placement_is_a_fixed_handful_of_statements(django_assert_num_queries):
    """Guest cart, known email: the claim, one cart read (lines, voucher, customer), the cart
    lock, the stock lock, one decrement, one insert of order + lines + payment + event +
    claim, the cart conversion, the outbox email and the business event — 9 statements plus
    the savepoint around them (a test runs inside a transaction). Nothing is read again
    later (a deferred column would add a query here)."""
    from tests.customers.factories import CustomerFactory

    CustomerFactory(email="known.guest@example.com")
    variant = VariantFactory(stock=5, price=Decimal("20.00"))
    cart = CartFactory(customer=None, session_key="guest-session", email="known.guest@example.com")
    CartLineFactory(cart=cart, variant=variant, quantity=2)
    other = VariantFactory(stock=5, price=Decimal("5.00"))
    CartLineFactory(cart=cart, variant=other, quantity=1)
    cart = Cart.objects.get(pk=cart.pk)
    with django_assert_num_queries(11):
        order = place(cart, key="count-1", email="Known.Guest@example.com", actor=None, expected_version=cart.version)
    assert order.customer.email == "known.guest@example.com"  # the existing customer, found case-insensitively
    assert order.total == Decimal("55.00")  # 2 × 20 + 5 = 45, shipping 5 (under 50), tax 10 % of 50
