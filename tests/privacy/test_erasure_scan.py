"""R13: erasure erases. Every model that can hold a person's data is declared by its app;
one customer's data is written into all of them; after erasure, a scan of every text,
varchar, array and JSON column of every table in the database finds none of it."""

import re

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.models.functions import Lower

from common.personal_data import personal_data_declared, personal_data_registrations
from customers.erasure import customer_erase
from tests.carts.factories import VariantFactory, agent
from tests.customers.factories import CustomerFactory
from tests.privacy import fillers
from tests.privacy.fillers import EMAIL, FIRST, HANDLE, LAST, LINE1, LINE2, PHONE, READING, World

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
LITERALS = [EMAIL, FIRST, LAST, LINE1, LINE2, HANDLE, READING]
PHONE_DIGITS = re.sub(r"\D", "", PHONE)[-9:]  # the number in any format: "+81 90 7316 4825", "090-7316-4825"


def _text_columns() -> list[tuple[str, str]]:
    """(table, column) of every text-like column of every base table in the schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
              AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
                   OR c.udt_name IN ('_text', '_varchar', '_bpchar', '_json', '_jsonb'))
            ORDER BY 1, 2
            """
        )
        return cursor.fetchall()


def scan() -> dict[tuple[str, str], int]:
    """(table, column) -> rows in which the person's email, names, address lines, handle or
    phone number (by its digits, any formatting) still appear."""
    quote = connection.ops.quote_name
    hits = {}
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            as_text = f"{quote(column)}::text"
            cursor.execute(
                f"SELECT count(*) FROM {quote(table)} WHERE {as_text} ILIKE ANY(%s)"
                f" OR regexp_replace({as_text}, '\\D', '', 'g') LIKE %s",
                [[f"%{literal}%" for literal in LITERALS], f"%{PHONE_DIGITS}%"],
            )
            (count,) = cursor.fetchone()
            if count:
                hits[(table, column)] = count
    return hits


def _has_text(model) -> bool:
    return any(isinstance(f, TEXT_FIELDS) or getattr(f, "base_field", None) for f in model._meta.concrete_fields)


def test_every_model_with_text_columns_is_declared_by_its_app():
    declared = personal_data_declared()
    undeclared = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and _has_text(model)
        if model._meta.label_lower not in declared
    ]
    assert undeclared == [], (
        "Declare these models with common.personal_data.personal_data_register(holds=/linked=/without=) "
        "in their app's AppConfig.ready (and add a filler in tests/privacy/fillers.py for `holds`)"
    )
    unknown = sorted(set(declared) - {m._meta.label_lower for m in apps.get_models()})
    assert unknown == [], "declared models that do not exist"


def test_every_app_that_holds_personal_data_has_a_filler():
    holding = sorted(r.app_label for r in personal_data_registrations() if r.holds)
    assert sorted(set(holding) - set(fillers.FILLERS)) == []


def test_erasure_leaves_none_of_the_persons_data_in_any_table(settings):
    settings.MESSAGING_WEBHOOK_SECRET = "x"
    customer = CustomerFactory(email=EMAIL, first_name=FIRST, last_name=LAST, phone=PHONE)
    world = World(customer=customer, agent=agent(first_name="Agnes"), variant=VariantFactory(stock=20))
    for fill in fillers.FILLERS.values():
        fill(world)

    before = scan()
    holds_tables = {
        apps.get_model(label)._meta.db_table: label
        for label, kind in personal_data_declared().items()
        if kind == "holds"
    }
    filled = {table for table, _ in before}
    assert sorted(label for table, label in holds_tables.items() if table not in filled) == [], (
        "these models hold personal data but their filler wrote none: the scan would prove nothing"
    )

    customer_erase(customer=customer, actor=customer)

    assert scan() == {}
    customer.refresh_from_db()
    assert customer.erased_at is not None
    assert not type(customer).objects.annotate(e=Lower("email")).filter(e=EMAIL.lower()).exists()
