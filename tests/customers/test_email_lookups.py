"""Every case-insensitive email lookup is answered from the lower(email) index.

`email__iexact` used to compile to UPPER(email::text) = UPPER(…), which matches no index:
at 200,000 customers a guest checkout's lookup scanned the table. Each lookup below runs
for real, its SQL is captured, and Postgres is asked for the plan with sequential scans
priced out of the question: a plan that still cannot use the index means the SQL does not
match it."""

import pytest
from django.contrib.auth import authenticate
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from customers.selectors import customer_by_email
from customers.services import customer_get_or_create_guest
from messaging.services import suppression_add, suppression_for
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _plans_for(table: str, run) -> list[str]:
    """Run `run()`, then EXPLAIN every captured SELECT on `table` that filters on an email."""
    with CaptureQueriesContext(connection) as captured:
        run()
    statements = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]
    statements = [sql for sql in statements if "email" in sql.split("WHERE", 1)[-1]]
    assert statements, f"no email lookup on {table} was run"
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in statements:
            cursor.execute(f"EXPLAIN {sql.removesuffix(' FOR UPDATE')}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


@pytest.mark.parametrize(
    "lookup",
    [
        pytest.param(lambda: customer_by_email("Mixed.Case@Example.com"), id="customer_by_email"),
        pytest.param(lambda: customer_get_or_create_guest(email="MIXED.case@example.com"), id="guest_checkout"),
        pytest.param(lambda: authenticate(email="mixed.CASE@example.com", password="wrong"), id="sign_in"),
        pytest.param(lambda: Customer.objects.get_by_natural_key("Mixed.Case@example.COM"), id="natural_key"),
    ],
)
def test_customer_email_lookups_use_the_lower_email_index(lookup):
    CustomerFactory(email="mixed.case@example.com")
    for plan in _plans_for(Customer._meta.db_table, lookup):
        assert "customer_email_ci_unique" in plan, plan
        assert "upper(" not in plan.lower(), plan


def test_the_lookup_still_matches_regardless_of_case():
    customer = CustomerFactory(email="Ana.Lima@Example.com")
    assert customer_by_email("ana.lima@EXAMPLE.COM") == customer
    assert customer_get_or_create_guest(email="ANA.LIMA@example.com") == customer
    assert Customer.objects.count() == 1


def test_suppression_lookups_use_the_lower_email_index():
    suppression_add(email_address="Bounced@Example.com", reason="hard_bounce")
    for plan in _plans_for("messaging_suppression", lambda: suppression_for("bounced@example.COM")):
        assert "suppression_email_ci_unique" in plan, plan
    assert suppression_for("BOUNCED@example.com") is not None
