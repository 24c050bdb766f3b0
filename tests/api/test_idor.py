"""R8 for the API: every object endpoint answers 404 for another shopper's object (the same
answer as for an id that does not exist), and 200 for the caller's own."""

import pytest

from carts.services import cart_get_or_create, cart_line_add
from catalog.models import Variant
from orders.services import order_place
from service_console.services.cases import case_create

pytestmark = pytest.mark.django_db

ADDRESS = {"full_name": "Bo Chen", "line1": "2 Side St", "city": "Osaka", "postal_code": "530-0001", "country": "JP"}


@pytest.fixture
def others_objects(other_shopper, catalog):
    """Bo's order, case and open cart line (made through the services, not the API)."""
    cart = cart_get_or_create(customer=other_shopper)
    cart_line_add(cart=cart, variant=Variant.objects.get(sku="RUN-42-BLK"), quantity=1, actor=other_shopper)
    order = order_place(
        cart=cart,
        email=other_shopper.email,
        shipping_address=ADDRESS,
        shipping_method="standard",
        payment_method="pod",
        payment_details={},
        idempotency_key="bo-1",
        actor=other_shopper,
    )
    case = case_create(customer=other_shopper, subject="Bo's parcel", description="Late", channel="contact_form")
    open_cart = cart_get_or_create(customer=other_shopper)
    line = cart_line_add(cart=open_cart, variant=Variant.objects.get(sku="OXF-M-BLU"), quantity=1, actor=other_shopper)
    return {"order": order.number, "case": case.number, "line": line.pk, "version": open_cart.version}


OBJECT_CALLS = [
    ("get", "/api/v1/orders/{order}/", None),
    ("get", "/api/v1/cases/{case}/", None),
    ("patch", "/api/v1/cart/lines/{line}/", {"quantity": 2, "expected_version": 1}),
    ("delete", "/api/v1/cart/lines/{line}/?expected_version={version}", None),
]


@pytest.mark.parametrize(("method", "template", "body"), OBJECT_CALLS)
def test_another_shoppers_object_is_404_like_a_missing_one(api, others_objects, method, template, body):
    url = template.format(**others_objects)
    response = getattr(api, method)(url, body, format="json") if body else getattr(api, method)(url)
    missing = template.format(order="UC-ZZZZ-ZZZZ", case="CS-999999", line=2**31 - 2, version=1)
    response_missing = getattr(api, method)(missing, body, format="json") if body else getattr(api, method)(missing)
    assert response.status_code == 404
    assert (
        response.json()
        == response_missing.json()
        == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    )


@pytest.mark.parametrize(("method", "template", "body"), OBJECT_CALLS)
def test_the_owner_reaches_the_same_objects(other_api, others_objects, method, template, body):
    """The control for the matrix: the same URLs work for Bo, so the 404s above are scoping."""
    url = template.format(**others_objects)
    if body:
        body = {**body, "expected_version": others_objects["version"]}
    response = getattr(other_api, method)(url, body, format="json") if body else getattr(other_api, method)(url)
    assert response.status_code == 200, response.content


def test_the_same_idempotency_key_never_returns_another_shoppers_order(api, others_objects, catalog):
    api.post("/api/v1/cart/lines/", {"variant_id": Variant.objects.get(sku="LIN-M-WHT").pk}, format="json")
    response = api.post(
        "/api/v1/checkout/",
        {"shipping_address": ADDRESS, "payment_method": "pod"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="bo-1",
    )
    assert response.status_code == 201
    assert response.json()["number"] != others_objects["order"]
    assert response.json()["email"] == "ana@example.com"


def test_a_case_cannot_be_linked_to_another_shoppers_order(api, others_objects):
    response = api.post(
        "/api/v1/cases/", {"subject": "Help", "message": "Hi", "order_number": others_objects["order"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"order_number": ["You have no order with that number."]}


def test_lists_show_only_the_callers_objects(api, others_objects):
    assert api.get("/api/v1/orders/").json()["count"] == 0
    assert api.get("/api/v1/cases/").json()["count"] == 0
    assert api.get("/api/v1/cart/").json()["lines"] == []


STAFF_CALLS = [
    ("get", "/api/v1/staff/customers/?q=bo"),
    ("get", "/api/v1/staff/customers/{customer}/"),
    ("get", "/api/v1/staff/customers/{customer}/cart/"),
    ("post", "/api/v1/staff/customers/{customer}/cart/lines/"),
    ("post", "/api/v1/staff/customers/{customer}/cart/overrides/"),
    ("post", "/api/v1/staff/customers/{customer}/orders/"),
    ("get", "/api/v1/staff/orders/{order}/"),
    ("post", "/api/v1/staff/orders/{order}/transitions/"),
    ("get", "/api/v1/staff/cases/"),
    ("get", "/api/v1/staff/cases/{case}/"),
    ("patch", "/api/v1/staff/cases/{case}/"),
    ("post", "/api/v1/staff/cases/{case}/notes/"),
]


@pytest.mark.parametrize(("method", "template"), STAFF_CALLS)
def test_shoppers_are_refused_on_every_staff_endpoint(api, anon_api, other_shopper, others_objects, method, template):
    url = template.format(customer=other_shopper.public_id, **others_objects)
    assert getattr(api, method)(url, {}, format="json").status_code == 403
    assert getattr(anon_api, method)(url, {}, format="json").status_code == 401


def test_an_agent_token_without_staff_scope_is_refused(agent_user, other_shopper, others_objects):
    from api.models import Scope
    from tests.api.conftest import client_with_token, token_for

    shopper_scoped = client_with_token(token_for(agent_user, Scope.SHOPPER))
    response = shopper_scoped.get(f"/api/v1/staff/customers/{other_shopper.public_id}/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
