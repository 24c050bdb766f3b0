import pytest

from customers.models import Consent
from tests.customers.factories import ConsentFactory, CustomerFactory

PHONE = "+819012345678"  # a Tokyo mobile number (Asia/Tokyo, UTC+9)


@pytest.fixture(autouse=True)
def sms_outbox():
    """The in-memory SMS backend's list (test settings), emptied for each test."""
    from mobile import sms

    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def texter(db):
    """A customer with a phone number who chose order updates by SMS."""
    customer = CustomerFactory(phone=PHONE, first_name="Hana")
    ConsentFactory(customer=customer, purpose=Consent.Purpose.SMS_TRANSACTIONAL, granted=True)
    return customer


@pytest.fixture
def marketing_texter(texter):
    ConsentFactory(customer=texter, purpose=Consent.Purpose.SMS_MARKETING, granted=True)
    return texter
