"""Phone numbers: stored in E.164, read in the right country, shown for the customer's
country. Expected forms are Japan's and the US's usual ways of writing numbers."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test import override_settings

from customers.models import Customer
from customers.phones import (
    looks_like_phone,
    phone_display,
    phone_normalize,
    phone_search_candidates,
    phone_search_digits,
)
from tests.customers.factories import AddressFactory, CustomerFactory


@override_settings(SHOP_COUNTRY="US")
@pytest.mark.parametrize("typed", ["+81 90 1234 5678", "090-1234-5678", "09012345678", "０９０－１２３４－５６７８"])
def test_every_way_of_writing_a_japanese_mobile_means_one_e164_number(typed):
    assert "+819012345678" in phone_search_candidates(typed)
    assert looks_like_phone(typed)


def test_national_numbers_are_read_in_the_given_country():
    assert phone_normalize("090-1234-5678", region="JP") == "+819012345678"
    assert phone_normalize("(503) 555-0123", region="US") == "+15035550123"
    assert phone_normalize("not a number", region="JP") == "not a number"  # kept as typed


def test_display_is_national_at_home_and_international_abroad():
    assert phone_display("+819012345678", country="JP") == "090-1234-5678"
    assert phone_display("+819012345678", country="US") == "+81 90-1234-5678"
    assert phone_display("+15035550123", country="US") == "(503) 555-0123"
    assert phone_display("+15035550123", country="JP") == "+1 503-555-0123"
    assert phone_display("call me", country="JP") == "call me"


def test_names_and_short_fragments_are_not_phone_queries():
    assert not looks_like_phone("Hana Sato")
    assert not looks_like_phone("1234")
    assert phone_search_digits("090-1234") == "901234"  # trunk 0 dropped: E.164 has none


@pytest.mark.django_db
def test_model_stores_e164_whatever_was_typed():
    customer = CustomerFactory(phone="+81 90 1234 5678")
    AddressFactory(customer=customer, phone="+1 (503) 555-0123", country="US")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM customers_customer WHERE id = %s", [customer.pk])
        assert cursor.fetchone()[0] == "+819012345678"
        cursor.execute("SELECT phone FROM customers_address WHERE customer_id = %s", [customer.pk])
        assert cursor.fetchone()[0] == "+15035550123"


@pytest.mark.django_db
@override_settings(SHOP_COUNTRY="US")
def test_data_migration_rewrites_old_numbers_in_their_country():
    migration = importlib.import_module("customers.migrations.0004_phones_to_e164")
    in_japan = CustomerFactory()
    AddressFactory(customer=in_japan, country="JP")
    at_home = CustomerFactory()
    garbled = CustomerFactory()
    with connection.cursor() as cursor:
        for customer, raw in ((in_japan, "090-1234-5678"), (at_home, "503 555 0123"), (garbled, "ask at desk")):
            cursor.execute("UPDATE customers_customer SET phone = %s WHERE id = %s", [raw, customer.pk])
    with connection.schema_editor() as schema_editor:
        migration.phones_to_e164(apps, schema_editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, phone FROM customers_customer WHERE id = ANY(%s)", [[in_japan.pk, at_home.pk, garbled.pk]]
        )
        stored = dict(cursor.fetchall())
    assert stored == {in_japan.pk: "+819012345678", at_home.pk: "+15035550123", garbled.pk: "ask at desk"}
    assert Customer.objects.filter(phone="+819012345678").get() == in_japan
