"""Issue 11: a first-time phone caller. The agent creates the customer (name, email,
phone), adds a shipping address from the console, builds the cart and orders for them."""

import re

import pytest

from common.models import AuditEntry
from customers.models import Customer
from orders.models import Order
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ADDRESS = {  # a Japanese address: family and given name, prefecture from the list
    "addr-last_name": "Ito",
    "addr-first_name": "Mei",
    "addr-line1": "4-5-6 Shibuya",
    "addr-city": "Shibuya-ku",
    "addr-region": "Tokyo",
    "addr-postal_code": "150-0002",
    "addr-country": "JP",
    "addr-phone": "",
}


def test_agent_creates_a_customer_and_lands_on_their_record(agent_client, agent_user):
    response = agent_client.post(
        "/console/customers/new/",
        {"first_name": "Mei", "last_name": "Ito", "email": "Mei.Ito@Example.com", "phone": "+81 90 5555 0101"},
    )
    customer = Customer.objects.get(email__iexact="mei.ito@example.com")
    assert response.status_code == 302
    assert response["Location"] == f"/console/customers/{customer.public_id}/#addresses-panel"
    assert (customer.first_name, customer.last_name, customer.is_guest) == ("Mei", "Ito", True)
    assert customer.signup_source == Customer.Source.AGENT and not customer.has_usable_password()
    entry = AuditEntry.objects.get(action="customer.create")
    assert (entry.actor, entry.customer, entry.after) == (agent_user, customer, {"source": "agent"})
    page = agent_client.get(response["Location"]).content.decode()
    assert "Mei Ito is now a customer" in page and "Add a shipping address" in page


def test_an_email_on_file_points_to_the_existing_customer(agent_client):
    existing = CustomerFactory(email="taken@example.com", first_name="Taro", last_name="Yamada")
    response = agent_client.post(
        "/console/customers/new/", {"first_name": "T", "last_name": "Y", "email": "TAKEN@example.com", "phone": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "already on file" in html and f"/console/customers/{existing.public_id}/" in html
    assert 'value="T"' in html  # what was typed stays
    assert Customer.objects.filter(email__iexact="taken@example.com").count() == 1


def test_the_form_starts_from_what_the_agent_searched(agent_client):
    assert 'value="new@example.com"' in agent_client.get("/console/customers/new/?q=new@example.com").content.decode()
    by_name = agent_client.get("/console/customers/new/?q=Mei Ito").content.decode()
    assert 'value="Mei"' in by_name and 'value="Ito"' in by_name


def test_a_search_with_no_match_offers_to_create_the_customer(agent_client):
    html = agent_client.get("/console/search/?q=nobody-like-this", HTTP_HX_REQUEST="true").content.decode()
    assert "First-time caller? Create a customer" in html and "/console/customers/new/?q=nobody-like-this" in html


def test_address_added_from_the_console_is_offered_for_the_order(agent_client, agent_user, variant):
    caller = CustomerFactory(email="caller@example.com", first_name="Mei", last_name="Ito")
    url = f"/console/customers/{caller.public_id}/addresses/new/"

    refused = agent_client.post(url, {**ADDRESS, "addr-line1": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'value="Shibuya-ku"' in html and "Check the highlighted fields." in html
    assert not caller.addresses.exists()

    saved = agent_client.post(url, ADDRESS, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    address = caller.addresses.get()
    assert (address.line1, address.country, address.is_default) == ("4-5-6 Shibuya", "JP", True)
    html = saved.content.decode()
    assert "Address saved: 4-5-6 Shibuya, Shibuya-ku" in html
    assert re.search(r'id="cart-panel"[^>]*hx-swap-oob="true"', html)  # the order tool lists it now
    entry = AuditEntry.objects.get(action="customer.address_add")
    assert entry.actor == agent_user and "Shibuya" not in str(entry.after)  # no address text in the log

    # Build the cart and order on their behalf.
    cart_url = f"/console/customers/{caller.public_id}/cart/"
    agent_client.post(cart_url + "add/", {"variant_id": variant.pk, "quantity": 2}, HTTP_HX_REQUEST="true")
    cart = caller.carts.get()
    agent_client.post(
        cart_url + "place-order/",
        {"address_id": address.pk, "payment_method": "pod", "expected_version": cart.version},
        HTTP_HX_REQUEST="true",
    )
    order = Order.objects.get(customer=caller)
    assert order.placed_by == agent_user and order.shipping_address["line1"] == "4-5-6 Shibuya"
