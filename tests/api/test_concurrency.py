"""R2 through the API: the same checkout (same Idempotency-Key and body) sent by parallel
clients places exactly one order, and every client gets that order back."""

import threading

import pytest
from django.db import connection

from carts.models import Cart
from catalog.models import Variant
from orders.models import Order, Payment
from tests.carts.factories import VariantFactory
from tests.orders.helpers import shopper_swaps_during_authorization

ADDRESS = {
    "full_name": "Ana Lima",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}


@pytest.mark.django_db(transaction=True)
def test_parallel_replays_of_one_checkout_make_one_order(shopper_token, catalog):
    from tests.api.conftest import client_with_token

    api = client_with_token(shopper_token)
    variant = Variant.objects.get(sku="OXF-M-BLU")  # 3 in stock
    cart = api.post("/api/v1/cart/lines/", {"variant_id": variant.pk, "quantity": 2}, format="json").json()
    body = {
        "shipping_address": ADDRESS,
        "payment_method": "test_card",
        "card_number": "4242424242424242",
        "expected_version": cart["version"],
    }
    results: list[tuple[int, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def checkout():
        client = client_with_token(shopper_token)
        try:
            start.wait()
            response = client.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="same-click")
            with lock:
                results.append((response.status_code, response.json().get("number", response.content.decode())))
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Order.objects.count() == 1
    number = Order.objects.get().number
    assert results == [(201, number)] * 12
    assert Payment.objects.count() == 1
    assert Variant.objects.get(pk=variant.pk).stock == 1


def test_checkout_with_a_stale_expected_version_is_a_conflict(api, catalog):
    variant = Variant.objects.get(sku="LIN-M-WHT")
    cart = api.post("/api/v1/cart/lines/", {"variant_id": variant.pk, "quantity": 1}, format="json").json()
    api.post("/api/v1/cart/lines/", {"variant_id": variant.pk, "quantity": 1}, format="json")  # a second device
    body = {"shipping_address": ADDRESS, "payment_method": "pod", "expected_version": cart["version"]}
    response = api.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="stale-1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "cart_conflict"
    assert "This cart changed" in response.json()["error"]["message"]
    assert not Order.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_checkout_is_a_conflict_when_the_cart_changes_between_the_read_and_the_lock(
    shopper_token, catalog, monkeypatch
):
    from tests.api.conftest import client_with_token

    api = client_with_token(shopper_token)
    medium = VariantFactory(price="30.00", size="M", stock=5)
    large = VariantFactory(price="30.00", size="L", stock=5)
    cart = api.post("/api/v1/cart/lines/", {"variant_id": medium.pk, "quantity": 1}, format="json").json()
    shopper_swaps_during_authorization(
        monkeypatch, Cart.objects.get(pk=cart["id"]), old_variant=medium, new_variant=large
    )
    body = {"shipping_address": ADDRESS, "payment_method": "pod", "expected_version": cart["version"]}
    response = api.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
    assert response.status_code == 409 and response.json()["error"]["code"] == "cart_conflict"
    assert not Order.objects.exists()
