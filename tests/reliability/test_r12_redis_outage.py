"""R12: the cache's Redis down (broker up), the broker down (cache up), and both. No
request fails because of it: storefront pages, sign-in (storefront and admin), the API
(anonymous and token) and a web checkout all succeed; the rate limits and caches fail open
and say so (common.failopen counts and logs each decision); the order's confirmation
stays in the outbox for the relay (R4 proves it goes out once the broker is back).

"Down" is a Redis URL on a port where nothing listens (connection refused), swapped in for
the cache (CACHES and REDIS_URL) and/or the Celery app's broker.
"""

import re
from decimal import Decimal

import pytest
from django.test import Client

from api.models import Scope
from commerce_platform.celery import app as celery_app
from common.failopen import FAIL_OPEN
from messaging.models import OutboundEmail
from orders.models import Order
from orders.payments import APPROVE_CARD
from tests.api.conftest import client_with_token, token_for
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.customers.factories import PASSWORD, CustomerFactory
from tests.messaging.sink import free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHECKOUT = {
    "email": "r12.buyer@example.com",
    "full_name": "Outage Buyer",
    "line1": "5 Main St",
    "city": "Springfield",
    "region": "IL",  # a US address needs its state
    "postal_code": "62701",
    "country": "US",
    "shipping_method": "standard",
    "payment_method": "test_card",
}


def _broker(url: str) -> None:
    """Point the Celery app (the process's publisher) at `url`, dropping pooled connections."""
    celery_app.conf.update(broker_url=url, CELERY_BROKER_URL=url)  # the Django-namespaced key wins
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture(params=["cache", "broker", "both"])
def outage(request, settings):
    from catalog.cache import _memo
    from catalog.page_cache import local_page_cache_clear

    dead = f"redis://127.0.0.1:{free_port()}/0"
    broker_url = settings.CELERY_BROKER_URL
    if request.param in ("cache", "both"):
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": dead}}
        settings.REDIS_URL = dead
        _memo.clear()
        local_page_cache_clear()
    if request.param in ("broker", "both"):
        _broker(dead)
        assert str(celery_app.connection_for_write().as_uri()).startswith(dead[:-2])
    before = FAIL_OPEN.copy()
    yield request.param, before
    _broker(broker_url)


def test_site_sign_in_api_and_checkout_work_while_redis_is_down(outage):
    down, fail_open_before = outage
    category = CategoryFactory(name="Tops", slug="tops")
    product = ProductFactory(name="Outage Tee", slug="outage-tee", category=category)
    variant = VariantFactory(product=product, sku="R12-M", price=Decimal("30.00"), stock=5)
    CustomerFactory(email="r12.shopper@example.com")
    CustomerFactory(email="r12.admin@example.com", is_staff=True, is_superuser=True)
    token_api = client_with_token(token_for(CustomerFactory(email="r12.api@example.com"), Scope.SHOPPER))

    # Storefront pages
    browser = Client()
    for url in ("/", "/category/tops/", "/products/outage-tee/", "/search/?q=tee", "/help/", "/cart/"):
        assert browser.get(url).status_code == 200, url

    # Sign-in: a wrong password is refused as usual, the right one signs in (storefront, admin)
    shopper = Client()
    wrong = shopper.post("/accounts/login/", {"username": "r12.shopper@example.com", "password": "nope"})
    assert wrong.status_code == 200 and "match an account" in wrong.content.decode()
    assert (
        shopper.post("/accounts/login/", {"username": "r12.shopper@example.com", "password": PASSWORD}).status_code
        == 302
    )
    assert shopper.get("/accounts/").status_code == 200
    staff = Client()
    signed_in = staff.post("/admin/login/?next=/admin/", {"username": "r12.admin@example.com", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"

    # API: anonymous and token callers (both throttled through the cache)
    assert Client().get("/api/v1/products/").status_code == 200
    cart = token_api.get("/api/v1/cart/")
    assert cart.status_code == 200
    added = token_api.post(
        "/api/v1/cart/lines/",
        {"variant_id": variant.pk, "quantity": 1, "expected_version": cart.json()["version"]},
        format="json",
    )
    assert added.status_code == 201, added.content

    # Web checkout (guest): the order is placed, its confirmation waits in the outbox
    assert browser.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1}).status_code == 302
    assert browser.post("/checkout/", CHECKOUT).status_code == 302
    html = browser.get("/checkout/review/").content.decode()
    token = re.search(r'name="checkout_token" value="([0-9a-f]+)"', html).group(1)
    version = re.search(r'name="cart_version" value="(\d+)"', html).group(1)
    placed = browser.post(
        "/checkout/review/",
        {
            "checkout_token": token,
            "cart_version": version,
            "card_number": APPROVE_CARD,
            "card_expiry": "12/30",
            "card_cvc": "123",
        },
    )
    assert placed.status_code == 302 and placed["Location"].startswith("/orders/UC-")
    order = Order.objects.get(email="r12.buyer@example.com")
    assert OutboundEmail.objects.filter(to_email="r12.buyer@example.com", template="order_confirmation").exists()
    assert browser.get(placed["Location"]).status_code == 200
    assert order.lines.get().sku == "R12-M"

    # The limits that could not be read let the requests through, and said so.
    opened = FAIL_OPEN - fail_open_before
    if down in ("cache", "both"):
        assert opened["login_limiter"] >= 2 and opened["api_throttle"] >= 2, opened
    else:
        assert not opened, opened  # the cache was up: nothing failed open
