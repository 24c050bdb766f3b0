import pytest

from customers.models import Consent
from tests.carts.factories import VariantFactory, agent, supervisor
from tests.customers.factories import AddressFactory, ConsentFactory, CustomerFactory


@pytest.fixture
def agent_user(db):
    return agent(email="kenji@example.com", first_name="Kenji", last_name="Tanaka")


@pytest.fixture
def supervisor_user(db):
    return supervisor(email="yui@example.com", first_name="Yui", last_name="Suzuki")


@pytest.fixture
def shopper(db):
    customer = CustomerFactory(email="hana@example.com", first_name="Hana", last_name="Sato", phone="+81 90 1234 5678")
    AddressFactory(customer=customer, full_name="Hana Sato")
    ConsentFactory(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True)
    return customer


@pytest.fixture
def agent_client(client, agent_user):
    client.force_login(agent_user)
    return client


@pytest.fixture
def supervisor_client(client, supervisor_user):
    client.force_login(supervisor_user)
    return client


@pytest.fixture
def variant(db):
    return VariantFactory(price="40.00", stock=20, product__name="Linen Shirt")
