"""A shopper goes from an empty cart to a placed order using only documented API calls."""

from decimal import Decimal

import pytest

from catalog.models import Variant
from orders.models import Order

pytestmark = pytest.mark.django_db

ADDRESS = {
    "full_name": "Ana Lima",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "us",
}


def test_empty_cart_to_placed_order_with_only_the_api(api, catalog, settings):
    settings.TAX_RATE = Decimal("0.10")
    settings.FREE_SHIPPING_THRESHOLD = "50.00"
    settings.SHIPPING_FLAT_RATE = "5.00"
    # Given: the shopper finds a product through the public catalog
    products = api.get("/api/v1/products/", {"category": "shirts", "in_stock": "true"}).json()
    assert [p["slug"] for p in products["results"]] == ["oxford-shirt", "linen-shirt"]  # newest first
    detail = api.get("/api/v1/products/linen-shirt/").json()
    white_m = next(v for v in detail["variants"] if v["sku"] == "LIN-M-WHT")
    assert white_m["stock"] == 5 and white_m["price"] == "40.00"

    # When: an empty cart is filled and checked out
    cart = api.get("/api/v1/cart/").json()
    assert cart["lines"] == [] and cart["total"] == "0.00"
    cart = api.post(
        "/api/v1/cart/lines/",
        {"variant_id": white_m["id"], "quantity": 1, "expected_version": cart["version"]},
        format="json",
    ).json()
    line_id = cart["lines"][0]["id"]
    cart = api.patch(
        f"/api/v1/cart/lines/{line_id}/", {"quantity": 2, "expected_version": cart["version"]}, format="json"
    ).json()
    # 2 × 40.00 = 80.00 ≥ 50 → free standard shipping; tax 10 % of 80.00 = 8.00; total 88.00
    assert (cart["subtotal"], cart["shipping"], cart["tax"], cart["total"]) == ("80.00", "0.00", "8.00", "88.00")
    response = api.post(
        "/api/v1/checkout/",
        {
            "shipping_address": ADDRESS,
            "shipping_method": "standard",
            "payment_method": "test_card",
            "card_number": "4242 4242 4242 4242",
            "expected_version": cart["version"],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="journey-1",
    )

    # Then: one order for 88.00, stock taken, visible in the shopper's own order list
    assert response.status_code == 201, response.content
    order = response.json()
    assert order["total"] == "88.00" and order["status"] == "placed"
    assert order["shipping_address"]["country"] == "US"
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [("LIN-M-WHT", 2)]
    assert Variant.objects.get(sku="LIN-M-WHT").stock == 3
    listed = api.get("/api/v1/orders/").json()
    assert [o["number"] for o in listed["results"]] == [order["number"]]
    assert api.get(f"/api/v1/orders/{order['number']}/").json()["events"][0]["kind"] == "placed"
    # and the next GET /cart/ is a fresh, empty cart
    assert api.get("/api/v1/cart/").json()["lines"] == []


def _fill(api, catalog) -> dict:
    variant = Variant.objects.get(sku="OXF-M-BLU")
    return api.post("/api/v1/cart/lines/", {"variant_id": variant.pk, "quantity": 1}, format="json").json()


def test_replaying_the_idempotency_key_returns_the_same_order(api, catalog):
    cart = _fill(api, catalog)
    body = {"shipping_address": ADDRESS, "payment_method": "pod", "expected_version": cart["version"]}
    first = api.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-123")
    again = api.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-123")
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["number"] == first.json()["number"]
    assert Order.objects.count() == 1
    # the same key with a different body is refused
    changed = api.post(
        "/api/v1/checkout/", {**body, "shipping_method": "express"}, format="json", HTTP_IDEMPOTENCY_KEY="k-123"
    )
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_key_reused"


def test_checkout_without_idempotency_key_is_a_field_error(api, catalog):
    _fill(api, catalog)
    response = api.post("/api/v1/checkout/", {"shipping_address": ADDRESS, "payment_method": "pod"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]


def test_stale_cart_version_is_a_conflict_naming_the_fix(api, catalog):
    cart = _fill(api, catalog)
    stale = cart["version"] - 1
    response = api.patch(
        f"/api/v1/cart/lines/{cart['lines'][0]['id']}/", {"quantity": 2, "expected_version": stale}, format="json"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "cart_conflict" and "Reload" in error["message"] and error["fields"] == {}


def test_validation_errors_are_400_with_field_level_details(api, catalog):
    response = api.post("/api/v1/cart/lines/", {"variant_id": "abc", "quantity": 0}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert set(body["error"]["fields"]) == {"variant_id", "quantity"}


def test_nested_address_errors_are_reported_per_field(api, catalog):
    _fill(api, catalog)
    response = api.post(
        "/api/v1/checkout/",
        {"shipping_address": {**ADDRESS, "city": "", "country": "USA"}, "payment_method": "pod"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="nested",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"shipping_address.city", "shipping_address.country"}


def test_out_of_stock_add_is_409(api, catalog):
    variant = Variant.objects.get(sku="OXF-M-BLU")  # 3 in stock
    response = api.post("/api/v1/cart/lines/", {"variant_id": variant.pk, "quantity": 4}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "out_of_stock"


def test_declined_card_is_402_and_places_nothing(api, catalog):
    cart = _fill(api, catalog)
    response = api.post(
        "/api/v1/checkout/",
        {
            "shipping_address": ADDRESS,
            "payment_method": "test_card",
            "card_number": "4000000000000002",
            "expected_version": cart["version"],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="declined",
    )
    assert response.status_code == 402
    assert response.json()["error"]["code"] == "payment_declined"
    assert Order.objects.count() == 0


def _place(customer, key: str):
    from carts.services import cart_get_or_create, cart_line_add
    from orders.services import order_place

    cart = cart_get_or_create(customer=customer)
    cart_line_add(cart=cart, variant=Variant.objects.get(sku="RUN-42-BLK"), quantity=1, actor=customer)
    return order_place(
        cart=cart,
        email=customer.email,
        shipping_address=ADDRESS,
        shipping_method="standard",
        payment_method="pod",
        payment_details={},
        idempotency_key=key,
        actor=customer,
    )


def test_order_list_costs_the_same_queries_for_two_or_five_orders(api, shopper, catalog, django_assert_num_queries):
    api.get("/api/v1/me/")  # the token's last_used_at is written at most every few minutes
    _place(shopper, "q-1")
    _place(shopper, "q-2")
    # token lookup + count + orders page + their lines
    with django_assert_num_queries(4):
        assert api.get("/api/v1/orders/").json()["count"] == 2
    for n in range(3, 6):
        _place(shopper, f"q-{n}")
    with django_assert_num_queries(4):
        assert api.get("/api/v1/orders/").json()["count"] == 5


def test_cart_costs_the_same_queries_for_one_or_three_lines(api, catalog, django_assert_num_queries):
    api.get("/api/v1/me/")  # token last_used_at written
    api.post("/api/v1/cart/lines/", {"variant_id": Variant.objects.get(sku="LIN-M-WHT").pk}, format="json")
    # token, open cart, cart + voucher, lines with variant/product/author, overrides
    with django_assert_num_queries(5):
        assert len(api.get("/api/v1/cart/").json()["lines"]) == 1
    for sku in ("OXF-M-BLU", "RUN-42-BLK"):
        api.post("/api/v1/cart/lines/", {"variant_id": Variant.objects.get(sku=sku).pk}, format="json")
    with django_assert_num_queries(5):
        assert len(api.get("/api/v1/cart/").json()["lines"]) == 3
