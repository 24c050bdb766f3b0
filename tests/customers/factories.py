import factory
from factory.django import DjangoModelFactory

from customers.models import Address, Consent, Customer

PASSWORD = "correct-horse-battery-staple"


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class GuestFactory(CustomerFactory):
    is_guest = True
    password = factory.LazyFunction(lambda: "!unusable")


class AddressFactory(DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    full_name = factory.LazyAttribute(lambda o: o.customer.full_name or "Test Person")
    line1 = "1 Test Street"
    city = "Tokyo"
    postal_code = "150-0001"
    country = "JP"
    is_default = True


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    customer = factory.SubFactory(CustomerFactory)
    purpose = Consent.Purpose.MARKETING_EMAIL
    granted = True
    source = Consent.Source.SIGNUP
