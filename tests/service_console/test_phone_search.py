"""Console search finds a customer by their phone number however the agent types it (issue
11), and shows it the way the customer's country writes it."""

import pytest
from django.test import override_settings

from tests.customers.factories import AddressFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caller_in_japan(db):
    customer = CustomerFactory(email="kaito@example.com", first_name="海斗", last_name="中村", phone="+819012345678")
    customer.first_name_reading, customer.last_name_reading = "カイト", "ナカムラ"
    customer.save(update_fields=["first_name_reading", "last_name_reading"])
    AddressFactory(customer=customer, country="JP", full_name="中村 海斗")
    # Someone whose number shares digits but is not the same number.
    other = CustomerFactory(email="other@example.com", phone="+15035550123")
    AddressFactory(customer=other, country="US")
    return customer


def _search(client, query):
    return client.get("/console/search/", {"q": query}, HTTP_HX_REQUEST="true").content.decode()


@override_settings(SHOP_COUNTRY="US")
@pytest.mark.parametrize("typed", ["+81 90 1234 5678", "090-1234-5678", "09012345678", "+819012345678"])
def test_search_finds_a_japanese_customer_by_any_way_of_writing_the_number(agent_client, caller_in_japan, typed):
    html = _search(agent_client, typed)
    assert f"/console/customers/{caller_in_japan.public_id}/" in html
    assert "other@example.com" not in html
    # Shown for the customer's country (Japan): national form, no +81.
    assert "kaito@example.com · 090-1234-5678" in html


def test_search_by_a_fragment_and_by_the_names_reading(agent_client, caller_in_japan):
    assert "kaito@example.com" in _search(agent_client, "1234 5678")
    assert "kaito@example.com" in _search(agent_client, "なかむら")  # hiragana finds the katakana reading
    assert "kaito@example.com" in _search(agent_client, "中村")
    assert "kaito@example.com" not in _search(agent_client, "555-0123")


def test_a_number_nobody_has_finds_nobody(agent_client, caller_in_japan):
    assert "Nothing matches" in _search(agent_client, "080-9999-0000")
