"""C1 privacy: data download (JSON) and erasure that keeps orders' financial facts."""

import json
from decimal import Decimal

import pytest

from catalog.models import SearchQuery
from customers.models import Customer
from customers.selectors import may_send_marketing_email
from messaging.models import OutboundEmail
from orders.models import Order
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory
from tests.customers.factories import PASSWORD, AddressFactory, ConsentFactory, CustomerFactory
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    customer = CustomerFactory(email="erin@example.com", first_name="Erin", last_name="Moss", phone="+81 90 0000 1111")
    AddressFactory(customer=customer, line1="9 Private Lane")
    ConsentFactory(customer=customer)
    cart = CartFactory(customer=customer, email=customer.email)
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("40.00"), stock=5), quantity=2)
    order = place(cart, email=customer.email)
    SearchQuery.objects.create(query="boots", normalized="boots", results_count=3, customer=customer)
    return customer, order


def test_download_contains_profile_orders_consents_and_searches(client, buyer):
    customer, order = buyer
    client.force_login(customer)
    response = client.get("/accounts/data/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.content)
    assert data["customer"]["email"] == "erin@example.com"
    assert data["customer"]["id"] == str(customer.public_id)
    assert data["addresses"][0]["line1"] == "9 Private Lane"
    assert [c["granted"] for c in data["consents"]] == [True]
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert data["orders"][0]["total"] == str(order.total)
    assert data["orders"][0]["lines"][0]["quantity"] == 2
    assert data["searches"][0]["query"] == "boots"


def test_export_and_erase_need_a_signed_in_customer(client):
    assert client.get("/accounts/data/export.json").status_code == 302
    assert client.post("/accounts/data/", {"password": "x", "confirm": "on"}).status_code == 302


def test_erase_needs_the_password(client, buyer):
    customer, _ = buyer
    client.force_login(customer)
    response = client.post("/accounts/data/", {"password": "wrong", "confirm": "on"})
    assert response.status_code == 400
    assert "That password is not right." in response.content.decode()
    customer.refresh_from_db()
    assert customer.erased_at is None and customer.email == "erin@example.com"


def test_erase_removes_pii_everywhere_but_keeps_order_financials(client, buyer):
    customer, order = buyer
    total, number, lines = order.total, order.number, list(order.lines.values_list("sku", "quantity", "unit_price"))
    client.force_login(customer)

    response = client.post("/accounts/data/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    customer = Customer.objects.get(pk=customer.pk)
    assert customer.email == f"erased-{customer.public_id}@erased.invalid"
    assert (customer.first_name, customer.last_name, customer.phone) == ("", "", "")
    assert not customer.is_active and not customer.has_usable_password() and customer.erased_at
    assert not customer.addresses.exists()
    assert may_send_marketing_email(customer) is False
    assert not SearchQuery.objects.filter(customer=customer).exists()
    order = Order.objects.get(pk=order.pk)
    assert order.email == customer.email
    assert "9 Private Lane" not in json.dumps(order.shipping_address)
    assert (order.number, order.total) == (number, total)
    assert list(order.lines.values_list("sku", "quantity", "unit_price")) == lines
    assert not OutboundEmail.objects.filter(to_email="erin@example.com").exists()
    assert customer.audit_entries.filter(action="customer.erase").exists()
    # The old email is free again: the same person can sign up afresh.
    assert not Customer.objects.filter(email__iexact="erin@example.com").exists()
