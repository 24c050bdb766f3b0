from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from customers.exceptions import EmailAlreadyRegistered
from customers.models import Consent, Customer
from customers.roles import AGENTS, MARKETERS, SUPERVISORS
from customers.selectors import customers_with_marketing_consent, may_send_marketing_email
from customers.services import consent_set, customer_get_or_create_guest, customer_register
from tests.customers.factories import PASSWORD, ConsentFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_email_is_unique_case_insensitively():
    CustomerFactory(email="Ann@Example.com")
    with pytest.raises(IntegrityError):
        CustomerFactory(email="ann@example.COM")


def test_public_id_is_a_uuid_distinct_from_pk():
    a, b = CustomerFactory(), CustomerFactory()
    assert a.public_id != b.public_id
    assert len(str(a.public_id)) == 36


def test_guest_has_unusable_password_and_cannot_sign_in(client):
    guest = customer_get_or_create_guest(email="guest@example.com", first_name="Gina")
    assert guest.is_guest and not guest.has_usable_password()
    response = client.post("/accounts/login/", {"username": "guest@example.com", "password": ""})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_guest_lookup_returns_same_record_for_any_case():
    first = customer_get_or_create_guest(email="Mixed@Example.com")
    again = customer_get_or_create_guest(email="mixed@example.com")
    assert first.pk == again.pk
    assert Customer.objects.filter(email__iexact="mixed@example.com").count() == 1


def test_sign_up_with_a_guest_email_upgrades_the_same_record():
    guest = customer_get_or_create_guest(email="buyer@example.com")
    registered = customer_register(email="BUYER@example.com", password=PASSWORD, first_name="Bea")
    assert registered.pk == guest.pk
    assert registered.public_id == guest.public_id
    registered.refresh_from_db()
    assert not registered.is_guest
    assert registered.check_password(PASSWORD)
    assert registered.first_name == "Bea"


def test_sign_up_with_a_registered_email_is_refused():
    CustomerFactory(email="taken@example.com")
    with pytest.raises(EmailAlreadyRegistered):
        customer_register(email="Taken@example.com", password=PASSWORD)


def test_no_consent_record_means_no_marketing_email():
    assert may_send_marketing_email(CustomerFactory()) is False


def test_latest_consent_decides():
    customer = CustomerFactory()
    ConsentFactory(customer=customer, granted=True, created_at=timezone.now() - timedelta(days=2))
    assert may_send_marketing_email(customer) is True
    ConsentFactory(customer=customer, granted=False, source=Consent.Source.UNSUBSCRIBE)
    assert may_send_marketing_email(customer) is False


def test_consent_for_another_purpose_does_not_count():
    customer = CustomerFactory()
    ConsentFactory(customer=customer, purpose=Consent.Purpose.SMS_MARKETING, granted=True)
    assert may_send_marketing_email(customer) is False


def test_consent_helper_accepts_an_email_address():
    customer = CustomerFactory(email="fan@example.com")
    ConsentFactory(customer=customer)
    assert may_send_marketing_email("FAN@example.com") is True
    assert may_send_marketing_email("nobody@example.com") is False


def test_inactive_or_erased_customers_never_get_marketing():
    inactive = CustomerFactory(is_active=False)
    erased = CustomerFactory(erased_at=timezone.now())
    for customer in (inactive, erased):
        ConsentFactory(customer=customer)
        assert may_send_marketing_email(customer) is False


def test_consent_queryset_filter_matches_the_helper():
    yes, no, withdrawn = CustomerFactory(), CustomerFactory(), CustomerFactory()
    ConsentFactory(customer=yes)
    ConsentFactory(customer=withdrawn, created_at=timezone.now() - timedelta(hours=1))
    ConsentFactory(customer=withdrawn, granted=False)
    ids = set(customers_with_marketing_consent().values_list("pk", flat=True))
    assert yes.pk in ids and no.pk not in ids and withdrawn.pk not in ids


def test_consent_set_writes_only_changes_and_audits_agents():
    customer, agent = CustomerFactory(), CustomerFactory(is_staff=True)
    assert consent_set(customer=customer, purpose="marketing_email", granted=True, source="preferences")
    assert consent_set(customer=customer, purpose="marketing_email", granted=True, source="preferences") is None
    consent_set(customer=customer, purpose="marketing_email", granted=False, source="agent", actor=agent)
    assert customer.consents.count() == 2
    entry = customer.audit_entries.get()
    assert entry.actor == agent and entry.after == {"purpose": "marketing_email", "granted": False}


def test_role_groups_exist_with_permissions():
    from django.contrib.auth.models import Group

    agents = Group.objects.get(name=AGENTS)
    assert agents.permissions.filter(codename="view_customer").exists()
    assert Group.objects.get(name=SUPERVISORS).permissions.filter(codename="change_customer").exists()
    marketers = Group.objects.get(name=MARKETERS)
    assert marketers.permissions.filter(codename="view_customer").exists()
    assert not marketers.permissions.filter(codename="change_customer").exists()


def test_role_groups_get_permissions_of_apps_migrated_after_customers():
    # The test database is built from scratch, so this proves the post-migrate sync ran after
    # the later apps' permissions existed.
    from django.contrib.auth.models import Group

    marketers = Group.objects.get(name=MARKETERS)
    assert marketers.permissions.filter(content_type__app_label="marketing", codename="add_campaign").exists()
    agents = Group.objects.get(name=AGENTS)
    assert agents.permissions.filter(content_type__app_label="service_console", codename="add_case").exists()


def test_address_lines_skip_a_region_that_repeats_the_city():
    from customers.models import Address

    same = Address(full_name="A", line1="1 St", city="Osaka", region="Osaka", postal_code="530-0001", country="JP")
    other = Address(full_name="A", line1="1 St", city="Shibuya", region="Tokyo", postal_code="150-0001", country="JP")
    # Latin-script Japanese addresses follow Japan Post's English order; Japan is not the
    # shop's country (US) here, so the country line is written.
    assert same.as_lines() == ["A", "1 St, Osaka", "530-0001", "Japan"]
    assert other.as_lines() == ["A", "1 St, Shibuya, Tokyo", "150-0001", "Japan"]
