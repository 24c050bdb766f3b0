"""Strict input (issue #13, schemathesis' negative_data_rejection): list endpoints validate
their query parameters with a serializer and answer a malformed value with a 400 naming it;
JSON bodies take the types the schema documents (no "0" for 0, no "5" for 5, no "true" for
true); the schema's parameters come from the same serializers."""

import json

import pytest
from django.core.management import call_command

from carts.services import cart_get_or_create, cart_line_add
from catalog.models import Variant
from customers.models import Customer

pytestmark = pytest.mark.django_db


def assert_field_error(response, *fields: str) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == set(fields)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "AAA"}, "sort"),
        ({"sort": ""}, "sort"),
        ({"min_price": "abc"}, "min_price"),
        ({"min_price": "-1"}, "min_price"),
        ({"max_price": "1e3"}, "max_price"),
        ({"max_price": "10.999"}, "max_price"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"size": [f"S{n}" for n in range(11)]}, "size"),
        ({"category": "not a slug"}, "category"),
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": ""}, "page_size"),
        ({"page": "last"}, "page"),
        ({"page": "0"}, "page"),
    ],
)
def test_a_malformed_product_list_parameter_is_a_400_naming_it(anon_api, catalog, params, field):
    assert_field_error(anon_api.get("/api/v1/products/", params), field)


def test_well_formed_product_filters_still_filter(anon_api, catalog):
    def slugs(**params):
        response = anon_api.get("/api/v1/products/", params)
        assert response.status_code == 200, response.content
        return [p["slug"] for p in response.json()["results"]]

    assert slugs(in_stock="true", size=["M", "L"], sort="price_asc") == ["linen-shirt", "oxford-shirt"]
    assert slugs(colour="White", in_stock="false") == ["linen-shirt"]
    assert slugs(min_price="60", max_price="50.5") == ["oxford-shirt"]  # bounds the wrong way round: swapped
    assert slugs(min_price="89.99", page_size="1", page="1") == ["trail-runner"]
    assert slugs(unknown_parameter="ignored", q="") == ["trail-runner", "oxford-shirt", "linen-shirt"]


def test_recommendation_limits_are_validated(api, anon_api, catalog):
    path = "/api/v1/products/linen-shirt/recommendations/"
    assert_field_error(anon_api.get(path, {"limit": "abc"}), "limit")
    assert_field_error(anon_api.get(path, {"limit": "13"}), "limit")
    assert anon_api.get(path, {"limit": "12"}).status_code == 200
    assert_field_error(api.get("/api/v1/me/recommendations/", {"limit": "0"}), "limit")
    assert api.get("/api/v1/me/recommendations/", {"limit": "24"}).status_code == 200


def test_staff_list_parameters_are_validated(staff_api, shopper):
    assert_field_error(staff_api.get("/api/v1/staff/cases/", {"status": "lost"}), "status")
    assert_field_error(staff_api.get("/api/v1/staff/cases/", {"status": ""}), "status")
    assert_field_error(staff_api.get("/api/v1/staff/cases/", {"customer_id": "42"}), "customer_id")
    assert staff_api.get("/api/v1/staff/cases/", {"customer_id": str(shopper.public_id)}).status_code == 200
    assert_field_error(staff_api.get("/api/v1/staff/customers/", {"q": ""}), "q")
    assert_field_error(staff_api.get("/api/v1/staff/customers/", {"q": "x" * 201}), "q")


def test_a_cart_version_in_the_query_must_be_a_positive_integer(api, shopper, catalog):
    cart = cart_get_or_create(customer=shopper)
    line = cart_line_add(cart=cart, variant=Variant.objects.get(sku="LIN-M-WHT"), quantity=1, actor=shopper)
    for version in ("0", "abc", ""):
        response = api.delete(f"/api/v1/cart/lines/{line.pk}/?expected_version={version}")
        assert_field_error(response, "expected_version")
    cart.refresh_from_db()
    assert api.delete(f"/api/v1/cart/lines/{line.pk}/?expected_version={cart.version}").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"last_name": 0}, "last_name"),
        ({"first_name": 1.5}, "first_name"),
        ({"first_name": True}, "first_name"),
        ({"phone": 2025550143}, "phone"),
        ({"first_name": "A\x00"}, "first_name"),
    ],
)
def test_a_string_field_refuses_what_is_not_a_string(api, shopper, body, field):
    assert_field_error(api.patch("/api/v1/me/", body, format="json"), field)
    shopper.refresh_from_db()
    assert (shopper.first_name, shopper.last_name, str(shopper.phone or "")) == ("Ana", "Lima", "")


def test_a_string_field_still_takes_a_string(api, shopper):
    response = api.patch("/api/v1/me/", {"last_name": "0", "phone": "+12025550143"}, format="json")
    assert response.status_code == 200, response.content
    assert Customer.objects.get(pk=shopper.pk).last_name == "0"


def test_integers_and_booleans_in_a_body_must_be_json_ones(api, catalog):
    variant = Variant.objects.get(sku="LIN-M-WHT")
    add = "/api/v1/cart/lines/"
    assert_field_error(api.post(add, {"variant_id": str(variant.pk)}, format="json"), "variant_id")
    assert_field_error(api.post(add, {"variant_id": variant.pk, "quantity": True}, format="json"), "quantity")
    assert_field_error(api.post(add, {"variant_id": variant.pk, "quantity": 1.5}, format="json"), "quantity")
    assert api.post(add, {"variant_id": variant.pk, "quantity": 2}, format="json").status_code == 201
    consents = "/api/v1/me/consents/"
    assert_field_error(api.put(consents, {"marketing_email": "true"}, format="json"), "marketing_email")
    assert_field_error(api.put(consents, {"marketing_email": 1}, format="json"), "marketing_email")
    response = api.put(consents, {"marketing_email": True}, format="json")
    assert response.status_code == 200 and response.json()["marketing_email"] is True


def test_an_amount_is_a_decimal_string(staff_api, shopper, catalog):
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=Variant.objects.get(sku="OXF-M-BLU"), quantity=1, actor=shopper)
    path = f"/api/v1/staff/customers/{shopper.public_id}/cart/overrides/"
    body = {
        "scope": "cart",
        "kind": "amount",
        "reason_code": "goodwill",
        "reason_text": "Late parcel",
        "expected_version": cart.version,
    }
    for value in (5, "0.00", "5.001", "-5", " 5", "٥"):
        assert_field_error(staff_api.post(path, {**body, "value": value}, format="json"), "value")
    assert staff_api.post(path, {**body, "value": "5.00"}, format="json").status_code == 201


def test_a_form_encoded_body_is_refused_as_unsupported(api, catalog):
    variant = Variant.objects.get(sku="LIN-M-WHT")
    response = api.post("/api/v1/cart/lines/", {"variant_id": variant.pk})  # multipart, not JSON
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_nul_in_a_query_string_is_a_400(anon_api, catalog):
    assert_field_error(anon_api.get("/api/v1/products/", {"q": "shirt\x00"}), "q")


def test_the_schema_documents_what_the_serializers_accept(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    paths = json.loads(out.read_text())["paths"]

    def query(path: str, method: str = "get") -> dict:
        return {p["name"]: p for p in paths[path][method]["parameters"] if p["in"] == "query"}

    products = query("/api/v1/products/")
    assert products["sort"]["schema"]["enum"] == ["relevance", "newest", "price_asc", "price_desc"]
    assert products["min_price"]["schema"]["pattern"] == r"^[0-9]{1,10}(?:\.[0-9]{1,2})?$"
    assert products["size"]["schema"]["maxItems"] == 10
    assert (products["page_size"]["schema"]["minimum"], products["page_size"]["schema"]["maximum"]) == (1, 100)
    version = query("/api/v1/cart/lines/{line_id}/", "delete")["expected_version"]
    assert version["required"] is True and version["schema"]["minimum"] == 1
    assert query("/api/v1/products/{slug}/recommendations/")["limit"]["schema"]["maximum"] == 12
    assert set(paths["/api/v1/cart/lines/"]["post"]["requestBody"]["content"]) == {"application/json"}
