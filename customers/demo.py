"""Demo customers and staff for `manage.py seed_demo`."""

import os
import random
from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from customers.models import Address, Consent, Customer
from customers.roles import AGENTS, MARKETERS, SUPERVISORS

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")

DEMO_USERS = [
    # email, first, last, groups, is_staff, is_superuser
    ("shopper@example.com", "Hana", "Sato", [], False, False),
    ("agent@example.com", "Kenji", "Tanaka", [AGENTS], True, False),
    ("supervisor@example.com", "Yui", "Suzuki", [SUPERVISORS], True, False),
    ("marketer@example.com", "Mai", "Ito", [MARKETERS], True, False),
    ("admin@example.com", "Admin", "User", [], True, True),
]

FIRST = [
    "Aiko",
    "Ben",
    "Chloe",
    "Daichi",
    "Emma",
    "Felix",
    "Grace",
    "Haruto",
    "Isla",
    "Jun",
    "Kai",
    "Lena",
    "Mika",
    "Noah",
    "Olivia",
    "Ren",
    "Sora",
    "Tom",
    "Uma",
    "Yuki",
]
LAST = [
    "Abe",
    "Brown",
    "Clark",
    "Doi",
    "Evans",
    "Fujita",
    "Garcia",
    "Hayashi",
    "Ishii",
    "Jones",
    "Kato",
    "Lee",
    "Mori",
    "Nakamura",
    "Ogawa",
    "Park",
    "Reed",
    "Smith",
    "Takeda",
    "Wong",
]
# (city, region key as the address form stores it, country, postal codes, street pattern):
# coherent per country so every demo address validates and prints its country's way.
CITIES = [
    ("Shibuya-ku", "東京都", "JP", ("150-0001", "150-0002"), "{a}-{b}-{c} Jingumae"),
    ("Osaka", "大阪府", "JP", ("530-0001", "542-0086"), "{a}-{b}-{c} Umeda"),
    ("Kyoto", "京都府", "JP", ("600-8216", "604-8005"), "{a}-{b}-{c} Karasuma"),
    ("Seattle", "WA", "US", ("98101", "98104", "98109"), "{n} Pine St"),
    ("Austin", "TX", "US", ("78701", "78704"), "{n} Congress Ave"),
    ("London", "", "GB", ("SW1A 1AA", "EC1Y 8SY", "W1A 4ZZ"), "{b} Baker Street"),
]


# Demo data is history, not news: everyone seeded joined (and consented) long ago, so the
# welcome journey (only consents younger than 2 days, marketing.services.journeys) never
# mistakes them for fresh sign-ups, and the frequency cap has room for the first campaign.
STAFF_JOINED_DAYS_AGO = 400
CUSTOMER_JOINED_DAYS_AGO = (200, 700)  # before every seeded order (orders.demo: up to 180 days)
UNSUBSCRIBED_SHARE = 0.08  # of the consenting, later used the unsubscribe link


def seed_staff_and_shopper() -> list[tuple[str, str, bool]]:
    """Create the demo logins that are missing; returns (email, role, created) triples.

    An existing account is left exactly as it is (name, password, groups, phone, address,
    consents): re-running `make run` must not undo what a person changed or sign them out
    (a new password hash would end their sessions)."""
    joined = timezone.now() - timedelta(days=STAFF_JOINED_DAYS_AGO)
    result = []
    for email, first, last, groups, is_staff, is_superuser in DEMO_USERS:
        role = groups[0] if groups else ("superuser" if is_superuser else "shopper")
        customer = Customer.objects.filter(email__iexact=email).first()
        # A guest row (a checkout without an account) is not an account yet: it becomes the login.
        claim = customer is not None and customer.is_guest
        if customer is not None and not claim:
            result.append((email, role, False))
            continue
        customer = customer or Customer(email=email, date_joined=joined)
        customer.first_name, customer.last_name = first, last
        customer.is_staff, customer.is_superuser, customer.is_guest = is_staff, is_superuser, False
        customer.set_password(DEMO_PASSWORD)
        if email == SHOPPER_EMAIL:
            customer.phone = SHOPPER_PHONE
        customer.save()
        if groups:
            customer.groups.set(Group.objects.filter(name__in=groups))
        if email == SHOPPER_EMAIL:
            _seed_shopper_profile(customer)
        result.append((email, role, True))
    return result


SHOPPER_EMAIL = "shopper@example.com"
SHOPPER_PHONE = "+81 90 1234 5678"


def _seed_shopper_profile(shopper: Customer) -> None:
    if not shopper.addresses.exists():
        Address.objects.create(
            customer=shopper,
            label="Home",
            full_name="Hana Sato",
            line1="1-2-3 Jingumae",
            city="Shibuya",
            region="Tokyo",
            postal_code="150-0001",
            country="JP",
            phone=shopper.phone,
            is_default=True,
        )
    if not shopper.consents.exists():
        for purpose in (Consent.Purpose.MARKETING_EMAIL, Consent.Purpose.PERSONALISATION):
            Consent.objects.create(
                customer=shopper, purpose=purpose, granted=True, source=Consent.Source.SIGNUP,
                created_at=shopper.date_joined,
            )  # fmt: skip


def seed_customers(count: int, progress) -> list[Customer]:
    """`count` demo shoppers customerNNNN@example.com with addresses and mixed consent, who
    joined 200–700 days ago (consents dated then; a few unsubscribed since)."""
    rng = random.Random(42)
    now = timezone.now()
    existing = set(
        Customer.objects.filter(email__startswith="customer", email__endswith="@example.com").values_list(
            "email", flat=True
        )
    )
    to_create = []
    for i in range(count):
        email = f"customer{i:04d}@example.com"
        if email in existing:
            continue
        customer = Customer(
            email=email,
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            phone=f"+81 80 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            date_joined=now - timedelta(days=rng.randint(*CUSTOMER_JOINED_DAYS_AGO), minutes=rng.randint(0, 1439)),
        )
        customer.set_unusable_password()
        to_create.append(customer)
    Customer.objects.bulk_create(to_create, batch_size=500)
    customers = list(Customer.objects.filter(email__in=[c.email for c in to_create]))
    addresses, consents = [], []
    for customer in customers:
        city, region, country, postal_codes, street = rng.choice(CITIES)
        numbers = {
            "a": rng.randint(1, 6),
            "b": rng.randint(1, 30),
            "c": rng.randint(1, 20),
            "n": rng.randint(100, 2999),
        }
        addresses.append(
            Address(
                customer=customer,
                full_name=customer.full_name,
                line1=street.format(**numbers),
                city=city,
                region=region,
                postal_code=rng.choice(postal_codes),
                country=country,
                is_default=True,
            )
        )
        if rng.random() < 0.7:
            consents.extend(
                Consent(
                    customer=customer,
                    purpose=purpose,
                    granted=True,
                    source=Consent.Source.SIGNUP,
                    created_at=customer.date_joined,
                )
                for purpose in (Consent.Purpose.MARKETING_EMAIL, Consent.Purpose.PERSONALISATION)
            )
            if rng.random() < UNSUBSCRIBED_SHARE:
                left = customer.date_joined + (now - customer.date_joined) * rng.uniform(0.3, 0.9)
                consents.append(
                    Consent(
                        customer=customer,
                        purpose=Consent.Purpose.MARKETING_EMAIL,
                        granted=False,
                        source=Consent.Source.UNSUBSCRIBE,
                        created_at=left,
                    )
                )
        progress.update(1)
    Address.objects.bulk_create(addresses, batch_size=500)
    Consent.objects.bulk_create(consents, batch_size=500)
    progress.update(count - len(customers))
    return customers


def customers_japanese_by_default() -> int:
    """A yen shop's demo: customers with a Japanese address and no language chosen yet read
    the shop (and get their emails) in Japanese."""
    japanese = Customer.objects.filter(language="", addresses__country="JP").values("pk")
    return Customer.objects.filter(pk__in=japanese).update(language="ja")
