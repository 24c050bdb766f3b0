"""Social listening fixtures: the shipped rules, people, an integration token's client."""

import importlib

import pytest

from api.models import Scope
from customers.models import CustomerHandle
from orders.models import Order
from tests.api.conftest import client_with_token, token_for
from tests.carts.factories import agent, staff_in, supervisor
from tests.customers.factories import CustomerFactory


@pytest.fixture
def social_rules(db):
    """The rules social/migrations/0003 ships, created by the test itself (a transactional
    test's flush removes migration data)."""
    from social.models import SocialRule

    rules = importlib.import_module("social.migrations.0003_default_rules").RULES
    for term, language, category, weight, opens_case in rules:
        SocialRule.objects.get_or_create(
            term=term, language=language, defaults={"category": category, "weight": weight, "opens_case": opens_case}
        )
    return SocialRule.objects.all()


@pytest.fixture
def agent_user(db):
    return agent(email="kenji@example.com", first_name="Kenji", last_name="Tanaka")


@pytest.fixture
def supervisor_user(db):
    return supervisor(email="yui@example.com", first_name="Yui", last_name="Suzuki")


@pytest.fixture
def marketer_user(db):
    from customers.roles import MARKETERS, roles_sync

    roles_sync()  # the role groups with every app's permissions (a flush may have removed them)
    return staff_in(MARKETERS, email="mika@example.com", first_name="Mika", last_name="Ono")


@pytest.fixture
def hana(db):
    """A Japanese shopper with her Instagram handle on her profile."""
    customer = CustomerFactory(email="hana@example.com", first_name="花子", last_name="佐藤")
    CustomerHandle.objects.create(customer=customer, network="instagram", handle="hana_0312", source="customer")
    return customer


@pytest.fixture
def ana(db):
    """An English-speaking shopper with her X handle on her profile."""
    customer = CustomerFactory(email="ana@example.com", first_name="Ana", last_name="Lima")
    CustomerHandle.objects.create(customer=customer, network="x", handle="ana.shops", source="customer")
    return customer


@pytest.fixture
def social_api(db):
    return client_with_token(token_for(None, Scope.SOCIAL_WRITE, name="Listener"))


def make_order(customer, number: str) -> Order:
    return Order.objects.create(
        number=number,
        customer=customer,
        email=customer.email,
        subtotal="40.00",
        total="44.00",
        payment_method=Order.PaymentMethod.TEST_CARD,
    )
