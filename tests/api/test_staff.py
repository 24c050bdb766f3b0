"""Staff endpoints: customer search and 360, editing a customer's cart with overrides (agent
limit enforced, audited), ordering on behalf, the case queue."""

from decimal import Decimal

import pytest

from carts.services import cart_get_or_create, cart_line_add
from catalog.models import Variant
from common.models import AuditEntry
from orders.models import Order
from service_console.models import Case

pytestmark = pytest.mark.django_db


def test_customer_search_finds_by_name_and_email(staff_api, shopper, other_shopper):
    response = staff_api.get("/api/v1/staff/customers/", {"q": "ana"})
    assert response.status_code == 200
    assert [c["email"] for c in response.json()] == ["ana@example.com"]
    assert staff_api.get("/api/v1/staff/customers/", {"q": "bo@example"}).json()[0]["id"] == str(
        other_shopper.public_id
    )
    empty = staff_api.get("/api/v1/staff/customers/", {"q": " "})
    assert empty.status_code == 400 and list(empty.json()["error"]["fields"]) == ["q"]


def test_customer_360_summary(staff_api, shopper, catalog):
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=Variant.objects.get(sku="OXF-M-BLU"), quantity=2, actor=shopper)
    response = staff_api.get(f"/api/v1/staff/customers/{shopper.public_id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["customer"]["email"] == "ana@example.com"
    assert [a["city"] for a in body["addresses"]] == ["Springfield"]
    assert body["order_count"] == 0 and body["lifetime_value"] == "0.00"
    assert body["consents"] == {
        "marketing_email": False,
        "sms": False,
        "sms_transactional": False,
        "push": False,
        "personalisation": False,
    }
    assert body["cart"]["item_count"] == 2 and body["cart"]["subtotal"] == "110.00"


def test_unknown_customer_is_404(staff_api):
    response = staff_api.get("/api/v1/staff/customers/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404


def test_agent_edits_the_cart_applies_an_override_and_orders_on_behalf(staff_api, agent_user, shopper, catalog):
    base = f"/api/v1/staff/customers/{shopper.public_id}"
    cart = staff_api.get(f"{base}/cart/").json()
    variant = Variant.objects.get(sku="LIN-M-WHT")
    cart = staff_api.post(
        f"{base}/cart/lines/",
        {"variant_id": variant.pk, "quantity": 2, "expected_version": cart["version"]},
        format="json",
    ).json()
    assert cart["lines"][0]["added_by_agent"] is True
    # 10 % off the cart: within the agent limit (15 % by default)
    response = staff_api.post(
        f"{base}/cart/overrides/",
        {
            "scope": "cart",
            "kind": "percent",
            "value": "10",
            "reason_code": "goodwill",
            "reason_text": "Late delivery last time",
            "expected_version": cart["version"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "applied"
    cart = staff_api.get(f"{base}/cart/").json()
    # 2 × 40.00 = 80.00; −10 % = 72.00; free shipping (≥ 50); tax 7.20; total 79.20
    assert (cart["override_discount"], cart["tax"], cart["total"]) == ("8.00", "7.20", "79.20")
    address_id = shopper.addresses.get().pk
    response = staff_api.post(
        f"{base}/orders/",
        {"address_id": address_id, "payment_method": "pod", "expected_version": cart["version"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["number"])
    assert order.placed_by == agent_user and order.customer == shopper and order.total == Decimal("79.20")
    assert response.json()["placed_by_agent"] is True
    actions = set(AuditEntry.objects.filter(actor=agent_user).values_list("action", flat=True))
    assert {"cart.line_add", "cart.override_apply", "order.place_on_behalf"} <= actions


def test_an_override_over_the_agent_limit_is_refused(staff_api, shopper, catalog, settings):
    settings.AGENT_DISCOUNT_LIMIT_PERCENT = Decimal("15")
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=Variant.objects.get(sku="OXF-M-BLU"), quantity=1, actor=shopper)
    response = staff_api.post(
        f"/api/v1/staff/customers/{shopper.public_id}/cart/overrides/",
        {
            "scope": "cart",
            "kind": "percent",
            "value": "40",
            "reason_code": "goodwill",
            "reason_text": "Please",
            "expected_version": cart.version,
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "discount_limit_exceeded"


def test_order_on_behalf_refuses_another_customers_address(staff_api, shopper, other_shopper, catalog):
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=Variant.objects.get(sku="OXF-M-BLU"), quantity=1, actor=shopper)
    response = staff_api.post(
        f"/api/v1/staff/customers/{shopper.public_id}/orders/",
        {"address_id": other_shopper.addresses.get().pk, "payment_method": "pod", "expected_version": cart.version},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["address_id"]
    assert Order.objects.count() == 0


def test_case_queue_create_update_and_note(staff_api, agent_user, shopper):
    response = staff_api.post(
        "/api/v1/staff/cases/",
        {"customer_id": str(shopper.public_id), "subject": "Parcel damaged", "priority": "high"},
        format="json",
    )
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert response.json()["customer_email"] == "ana@example.com"
    response = staff_api.patch(
        f"/api/v1/staff/cases/{number}/", {"status": "open", "assignee_email": agent_user.email}, format="json"
    )
    assert response.json()["status"] == "open" and response.json()["assignee_email"] == agent_user.email
    response = staff_api.post(f"/api/v1/staff/cases/{number}/notes/", {"body": "Called the courier"}, format="json")
    assert response.status_code == 201
    assert [m["kind"] for m in response.json()["messages"]] == ["note"]
    queue = staff_api.get("/api/v1/staff/cases/", {"status": "open"}).json()
    assert [c["number"] for c in queue["results"]] == [number]
    assert staff_api.get("/api/v1/staff/cases/", {"status": "nope"}).status_code == 400


def test_an_illegal_case_transition_is_409(staff_api, shopper):
    number = staff_api.post(
        "/api/v1/staff/cases/", {"customer_id": str(shopper.public_id), "subject": "x"}, format="json"
    ).json()["number"]
    staff_api.patch(f"/api/v1/staff/cases/{number}/", {"status": "closed"}, format="json")
    response = staff_api.patch(f"/api/v1/staff/cases/{number}/", {"status": "pending"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "case_transition_invalid"


def test_shopper_opens_a_case_and_never_sees_internal_notes(api, staff_api, shopper):
    response = api.post("/api/v1/cases/", {"subject": "Wrong size", "message": "Sent M, ordered L"}, format="json")
    assert response.status_code == 201
    number = response.json()["number"]
    case = Case.objects.get(subject="Wrong size")
    assert case.customer == shopper and case.channel == "contact_form"
    staff_api.post(f"/api/v1/staff/cases/{number}/notes/", {"body": "internal: VIP"}, format="json")
    mine = api.get(f"/api/v1/cases/{number}/").json()
    assert [m["body"] for m in mine["messages"]] == ["Sent M, ordered L"]


def _placed_order(shopper):
    from orders.services import order_place

    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=Variant.objects.get(sku="OXF-M-BLU"), quantity=1, actor=shopper)
    return order_place(
        cart=cart,
        email=shopper.email,
        shipping_address={"full_name": "Ana", "line1": "1 Main St", "city": "X", "postal_code": "1", "country": "US"},
        shipping_method="standard",
        payment_method="test_card",
        payment_details={"card_number": "4242424242424242"},
        idempotency_key="staff-order",
        actor=shopper,
    )


def test_agent_moves_an_order_to_paid_and_shipped_audited(staff_api, agent_user, shopper, catalog):
    order = _placed_order(shopper)
    url = f"/api/v1/staff/orders/{order.number}/transitions/"
    assert staff_api.get(f"/api/v1/staff/orders/{order.number}/").json()["customer_id"] == str(shopper.public_id)
    missing = staff_api.post(url, {"action": "fulfilled"}, format="json")
    assert missing.status_code == 400 and set(missing.json()["error"]["fields"]) == {"carrier", "tracking_number"}
    assert staff_api.post(url, {"action": "paid"}, format="json").json()["status"] == "paid"
    shipped = staff_api.post(
        url, {"action": "fulfilled", "carrier": "Yamato", "tracking_number": "1234-5678"}, format="json"
    ).json()
    assert (shipped["status"], shipped["carrier"], shipped["tracking_number"]) == ("fulfilled", "Yamato", "1234-5678")
    assert [e["kind"] for e in shipped["events"]] == ["placed", "paid", "fulfilled"]
    entries = AuditEntry.objects.filter(actor=agent_user, object_id=str(order.pk)).order_by("created_at", "id")
    assert [(e.action, e.before["status"], e.after["status"]) for e in entries] == [
        ("order.paid", "placed", "paid"),
        ("order.fulfilled", "paid", "fulfilled"),
    ]
    # shipped orders cannot be cancelled: a clear 409, nothing changes
    refused = staff_api.post(url, {"action": "cancelled"}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "illegal_transition"
    assert Order.objects.get(pk=order.pk).status == "fulfilled"
