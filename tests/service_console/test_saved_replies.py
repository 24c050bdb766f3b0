"""Saved replies (macros): tokens filled as plain text, managed in admin (unknown tokens
refused), inserted into a case reply (JSON endpoint for scripts and the chat screen, and
a no-JavaScript pre-fill)."""

from decimal import Decimal

import pytest

from helpdesk.models import SavedReply
from helpdesk.services import SavedReplyValues, saved_reply_render
from orders.models import Order
from service_console.services.cases import case_create

pytestmark = pytest.mark.django_db

BODY = "Hi {first_name}, order {order_number} ({case_number}) is on its way. — {agent_name} at {site_name} {unknown}"


def test_tokens_are_filled_and_missing_values_become_visible_placeholders():
    values = SavedReplyValues(first_name="Hana", order_number="UC-100042", case_number="CS-000007", agent_name="Kenji")
    assert saved_reply_render(body=BODY, values=values) == (
        "Hi Hana, order UC-100042 (CS-000007) is on its way. — Kenji at Unified Commerce {unknown}"
    )
    assert saved_reply_render(body="Order {order_number} for {full_name}", values=SavedReplyValues()) == (
        "Order [order number] for [full name]"
    )
    # Values are text, never template code: braces or tags in a name stay as typed.
    assert saved_reply_render(body="Hi {first_name}", values=SavedReplyValues(first_name="{{x}}<b>")) == "Hi {{x}}<b>"


def test_admin_refuses_unknown_tokens(client):
    from tests.carts.factories import supervisor

    client.force_login(supervisor(email="boss@example.com"))
    response = client.post(
        "/admin/helpdesk/savedreply/add/", {"title": "Delay", "body": "Hi {firstname}", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "Unknown token(s): {firstname}" in response.content.decode()
    response = client.post(
        "/admin/helpdesk/savedreply/add/", {"title": "Delay", "body": "Hi {first_name}", "is_active": "on"}
    )
    assert response.status_code == 302 and SavedReply.objects.get().body == "Hi {first_name}"


def test_the_console_renders_a_saved_reply_for_a_case(agent_client, shopper):
    order = Order.objects.create(
        number="UC-777",
        customer=shopper,
        email=shopper.email,
        subtotal=Decimal("10"),
        total=Decimal("10"),
        payment_method="pod",
    )
    case = case_create(customer=shopper, subject="Where is it", order_numbers=[order.number])
    saved = SavedReply.objects.create(title="Shipped", body="Hi {first_name}, {order_number} shipped. {agent_name}")
    SavedReply.objects.create(title="Old", body="x", is_active=False)

    data = agent_client.get(f"/console/saved-replies/{saved.pk}/render/?case={case.pk}").json()
    assert data == {"id": saved.pk, "title": "Shipped", "text": f"Hi Hana, {order.number} shipped. Kenji"}
    listing = agent_client.get("/console/saved-replies/").json()
    assert listing == {"saved_replies": [{"id": saved.pk, "title": "Shipped"}]}
    # For a chat: the customer by public id and the order being discussed.
    data = agent_client.get(f"/console/saved-replies/{saved.pk}/render/?customer={shopper.public_id}&order=UC-9").json()
    assert data["text"] == "Hi Hana, UC-9 shipped. Kenji"
    assert agent_client.get(f"/console/saved-replies/{saved.pk}/render/?case=abc").status_code == 400


def test_without_javascript_the_picker_prefills_the_reply(agent_client, shopper):
    case = case_create(customer=shopper, subject="Where is it")
    saved = SavedReply.objects.create(title="Hello", body="Hi {first_name}, thanks for waiting.")
    html = agent_client.get(f"/console/cases/{case.pk}/?saved_reply={saved.pk}").content.decode()
    assert "Insert saved reply" in html
    assert ">\nHi Hana, thanks for waiting.</textarea>" in html
    # A bad id is ignored, not an error.
    assert agent_client.get(f"/console/cases/{case.pk}/?saved_reply=nope").status_code == 200


def test_shoppers_cannot_use_the_endpoint(client, shopper):
    saved = SavedReply.objects.create(title="Hello", body="Hi")
    client.force_login(shopper)
    assert client.get(f"/console/saved-replies/{saved.pk}/render/").status_code == 403
