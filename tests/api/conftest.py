"""API test fixtures: shoppers, an agent, tokens (raw values kept for the Authorization
header), a small catalog, and a DRF APIClient per caller."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from api.models import IntegrationToken, Scope
from tests.carts.factories import agent
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.customers.factories import AddressFactory, CustomerFactory


def token_for(customer, *scopes: str, name: str = "test token") -> str:
    token = IntegrationToken(name=name, customer=customer, scopes=list(scopes))
    raw = token.issue()
    token.save()
    return raw


def client_with_token(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def shopper(db):
    customer = CustomerFactory(email="ana@example.com", first_name="Ana", last_name="Lima")
    AddressFactory(
        customer=customer,
        full_name="Ana Lima",
        line1="1 Main St",
        city="Springfield",
        postal_code="12345",
        country="US",
    )
    return customer


@pytest.fixture
def other_shopper(db):
    customer = CustomerFactory(email="bo@example.com", first_name="Bo", last_name="Chen")
    AddressFactory(customer=customer, full_name="Bo Chen")
    return customer


@pytest.fixture
def agent_user(db):
    return agent(email="agent.api@example.com", first_name="Kenji", last_name="Tanaka")


@pytest.fixture
def shopper_token(shopper):
    return token_for(shopper, Scope.SHOPPER)


@pytest.fixture
def api(shopper_token):
    """The shopper's client, authenticated by a personal token."""
    return client_with_token(shopper_token)


@pytest.fixture
def other_api(other_shopper):
    return client_with_token(token_for(other_shopper, Scope.SHOPPER))


@pytest.fixture
def staff_api(agent_user):
    return client_with_token(token_for(agent_user, Scope.STAFF))


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture
def catalog(db):
    """Two categories (shirts under clothing), three published products, one draft."""
    clothing = CategoryFactory(name="Clothing", slug="clothing")
    shirts = CategoryFactory(name="Shirts", slug="shirts", parent=clothing)
    shoes = CategoryFactory(name="Shoes", slug="shoes")
    linen = ProductFactory(name="Linen Shirt", slug="linen-shirt", category=shirts)
    VariantFactory(product=linen, sku="LIN-M-WHT", size="M", colour="White", price=Decimal("40.00"), stock=5)
    VariantFactory(product=linen, sku="LIN-L-WHT", size="L", colour="White", price=Decimal("42.00"), stock=0)
    oxford = ProductFactory(name="Oxford Shirt", slug="oxford-shirt", category=shirts)
    VariantFactory(product=oxford, sku="OXF-M-BLU", size="M", colour="Blue", price=Decimal("55.00"), stock=3)
    runner = ProductFactory(name="Trail Runner", slug="trail-runner", category=shoes)
    VariantFactory(product=runner, sku="RUN-42-BLK", size="42", colour="Black", price=Decimal("90.00"), stock=7)
    draft = ProductFactory(name="Secret Jacket", slug="secret-jacket", category=clothing, is_published=False)
    VariantFactory(product=draft, sku="SEC-M", price=Decimal("10.00"), stock=5)
    return {
        "clothing": clothing,
        "shirts": shirts,
        "shoes": shoes,
        "linen": linen,
        "oxford": oxford,
        "runner": runner,
        "draft": draft,
    }
