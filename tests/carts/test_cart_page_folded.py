"""The cart page is rendered per request with its fixed parts folded once per language
(common.prerender.render_page). Whatever the cart holds and whoever looks, the page is
byte for byte what Django's own `render` makes of the same request and context (CSRF
tokens aside: Django masks each one differently)."""

import re
from decimal import Decimal

import pytest
from django.shortcuts import render
from django.template.loader import get_template

import carts.views
from common import prerender
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, VoucherFactory, agent
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

_TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')


@pytest.fixture
def both_ways(monkeypatch):
    """Every cart page render is done both ways; the folded one is served."""
    pages = []

    def compare(request, name, context, **kwargs):
        folded = prerender.render_page(request, name, dict(context), **kwargs)
        django = render(request, name, dict(context), **kwargs)
        pages.append(
            (_TOKENS.sub(r"\1TOKEN", folded.content.decode()), _TOKENS.sub(r"\1TOKEN", django.content.decode()))
        )
        return folded

    monkeypatch.setattr(carts.views, "render_page", compare)
    return pages


@pytest.mark.parametrize("language", ["en", "ja"])
def test_cart_pages_are_what_django_renders(client, both_ways, language):
    client.cookies["django_language"] = language
    client.get("/cart/")  # no cart yet
    shopper = CustomerFactory()
    client.force_login(shopper)
    cart = CartFactory(customer=shopper, voucher=VoucherFactory(code="TENOFF", kind="percent", value=Decimal("10")))
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("12.50"), stock=9, size="M"), quantity=2)
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("3.00"), stock=9), quantity=1, added_by=agent())
    client.get("/cart/")
    client.post("/cart/voucher/", {"remove": "1", "version": cart.version})
    client.post("/cart/voucher/", {"code": "NO-SUCH<CODE>", "version": cart.version + 1})
    client.get("/cart/")  # the refusal beside the field, the code as typed
    assert len(both_ways) == 3
    for folded, django in both_ways:
        assert folded == django
    assert "NO-SUCH&lt;CODE&gt;" in both_ways[-1][0]
    assert f'lang="{language}"' in both_ways[-1][0]


def test_the_served_cart_page_is_the_folded_one(client):
    """The view really goes through the folding renderer (a fold made once and kept)."""
    CartLineFactory(cart=CartFactory(customer=(shopper := CustomerFactory())), variant=VariantFactory(stock=3))
    client.force_login(shopper)
    response = client.get("/cart/")
    assert response.status_code == 200 and 'data-testid="cart-line"' in response.content.decode()
    assert "carts/cart.html" in [t.name for t in response.templates]
    assert get_template("carts/cart.html").template in prerender._compiled
