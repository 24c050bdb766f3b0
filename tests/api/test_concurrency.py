"""R2 through the API: the same checkout (same Idempotency-Key and body) sent by parallel
clients places exactly one order, and every client gets that order back."""

import threading

import pytest
from django.db import connection

from catalog.models import Variant
from orders.models import Order, Payment

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
