"""R7: schemathesis fuzzes every operation of the live OpenAPI schema (bounded examples per
operation) through the WSGI app: no 5xx, documented statuses, bodies and content types
conform to the schema. Staff paths run with a staff token, social ingest with a
social:write token, everything else with a shopper's personal token."""

import json
import zlib

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import Scope
from carts.models import Cart
from carts.services import cart_get_or_create, cart_line_add
from commerce_platform.wsgi import application
from orders.services import order_place
from service_console.services.cases import case_create
from tests.api.conftest import token_for
from tests.carts.factories import agent
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.customers.factories import AddressFactory, CustomerFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# No NUL in generated strings: Postgres text cannot hold one, so the API refuses it with a
# 400 in any string (test_catalog_query_validation tests that), which no schema pattern on
# every string field could say; positive cases with one would be "valid data rejected".
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=15, allow_x00=False
)
# A schema-valid request can still break a rule no JSON schema states: a reference that must
# exist (a purchasable variant, the customer's address, a customer, the shopper's order, a
# staff member's email); a field another one makes required or bounds (card_number for card
# payments, carrier and tracking_number to ship, line_id for a line override, a percentage
# `value` over 100); a phone number libphonenumber cannot dial; a URL Django's URLValidator
# refuses though format "uri" allows it (a host label over 63 characters); a reading that
# is not kana after Unicode folding. The API answers those with a 400 naming the field, and
# domain rules (voucher_invalid, invalid_quantity over 99 of an item, idempotency_key_reused
# 422) with their own code. Only those answers are let through: any other 400 or 422 to
# valid data (a schema promising more than the code accepts) fails positive_data_acceptance.
RULES_BEYOND_SCHEMA = {
    "variant_id",
    "address_id",
    "customer_id",
    "order_number",
    "assignee_email",
    "card_number",
    "carrier",
    "tracking_number",
    "line_id",
    "phone",
    "url",
    "shipping_address.last_name_reading",
    "shipping_address.first_name_reading",
    "value",
}


def _rejected_by_a_rule_beyond_the_schema(response) -> bool:
    if response.status_code not in (400, 422):
        return False
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    if error["code"] not in ("validation_error", "malformed_request"):
        return True
    return bool(error["fields"]) and set(error["fields"]) <= RULES_BEYOND_SCHEMA


def positive_data_acceptance_beyond_the_schema(ctx, response, case):
    if _rejected_by_a_rule_beyond_the_schema(response):
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance_beyond_the_schema,
]


@pytest.fixture
def wsgi_in_test_transaction():
    """Schemathesis calls the real WSGI handler, whose request signals would close the
    test's connection (and its transaction); Django's test client detaches them the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_tokens(db, settings, wsgi_in_test_transaction):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "caller": "100000/min"},
    }
    category = CategoryFactory(name="Tops", slug="tops")
    product = ProductFactory(name="Fuzz Tee", slug="fuzz-tee", category=category)
    variant = VariantFactory(product=product, sku="FUZZ-1", price="12.50", stock=50)
    shopper = CustomerFactory(email="fuzz.shopper@example.com")
    address = AddressFactory(customer=shopper)
    staff = agent(email="fuzz.agent@example.com")
    case = case_create(customer=shopper, subject="Where is my parcel?", description="It is late.", actor=staff)
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=1, actor=shopper)
    order = order_place(
        cart=cart,
        email=shopper.email,
        shipping_address={"full_name": "F", "line1": "1 St", "city": "C", "postal_code": "1", "country": "US"},
        shipping_method="standard",
        payment_method="pod",
        payment_details={},
        idempotency_key="fuzz-order",
        actor=shopper,
    )
    line = cart_line_add(cart=cart_get_or_create(customer=shopper), variant=variant, quantity=1, actor=shopper)
    return {
        "shopper": token_for(shopper, Scope.SHOPPER),
        "staff": token_for(staff, Scope.STAFF),
        "social": token_for(None, Scope.SOCIAL_WRITE),
        # Real ids, so most generated requests reach the write paths instead of stopping at 404.
        "ids": {
            "customer_id": str(shopper.public_id),
            "slug": "fuzz-tee",
            "line_id": line.pk,
            "variant_id": variant.pk,
            "address_id": address.pk,
            "number": {"/orders/": order.number, "/cases/": case.number},
        },
    }


def _token_for_path(tokens: dict, path: str) -> str:
    if "/staff/" in path:
        return tokens["staff"]
    if "/social/" in path:
        return tokens["social"]
    return tokens["shopper"]


def _use_real_ids(case, ids: dict) -> None:
    """Three in four positive cases get real path ids and the cart's current version
    (deterministically, by their content), so fuzzed bodies reach the write paths; the rest
    keep the generated values (unknown ids must be a clean 404, stale versions a 409).
    Negative cases are sent as generated: a real id or version put in place of the invalid
    value would make the request valid, and negative_data_rejection would blame the API."""
    if not case.meta.generation.mode.is_positive:
        return
    params = case.path_parameters or {}
    if zlib.crc32(repr((params, case.body, case.query)).encode()) % 4 == 0:
        return
    cart = (
        Cart.objects.filter(customer__public_id=ids["customer_id"], status=Cart.Status.OPEN)
        .prefetch_related("lines")
        .first()
    )
    version = cart.version if cart else None
    lines = list(cart.lines.all()) if cart else []
    ids = {**ids, "line_id": lines[0].pk if lines else ids["line_id"]}
    for container in (case.body, case.query):
        if not isinstance(container, dict):
            continue
        if "expected_version" in container and version is not None:
            container["expected_version"] = version
        for name in ("variant_id", "address_id", "customer_id", "line_id"):
            if name in container and name in ids:
                container[name] = ids[name]
    for name in params:
        if name == "number":
            params[name] = ids["number"]["/cases/" if "/cases/" in case.path else "/orders/"]
        elif name in ids:
            params[name] = ids[name]


@schema.parametrize()
@hypothesis_settings(
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz_no_server_errors_and_schema_conformance(case, fuzz_tokens):
    _use_real_ids(case, fuzz_tokens["ids"])
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {_token_for_path(fuzz_tokens, case.path)}"}
    case.call_and_validate(checks=CHECKS)
