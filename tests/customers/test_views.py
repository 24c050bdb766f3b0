from decimal import Decimal

import pytest
from django.test import override_settings

from customers.models import Customer
from customers.selectors import may_send_marketing_email
from customers.services import customer_get_or_create_guest
from tests.customers.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db


def test_sign_in_page_renders_with_landmarks(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    for landmark in ('<header class="site-header" role="banner">', '<main id="main"', 'role="contentinfo"'):
        assert landmark in html
    assert 'for="id_username"' in html and 'for="id_password"' in html


def test_sign_in_with_any_email_case(client):
    customer = CustomerFactory(email="case@example.com")
    response = client.post("/accounts/login/", {"username": "CASE@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(customer.pk)


def test_wrong_password_shows_a_message(client):
    CustomerFactory(email="who@example.com")
    response = client.post("/accounts/login/", {"username": "who@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "don&#x27;t match an account" in response.content.decode()


@override_settings(LOGIN_MAX_FAILURES=3)
def test_sign_in_is_throttled_after_repeated_failures(client):
    CustomerFactory(email="target@example.com")
    for _ in range(3):
        client.post("/accounts/login/", {"username": "target@example.com", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "target@example.com", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_up_creates_account_signs_in_and_records_consent(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "New@Example.com", "first_name": "Nao", "password": PASSWORD, "marketing_consent": "on"},
    )
    assert response.status_code == 302
    customer = Customer.objects.get(email__iexact="new@example.com")
    assert client.session["_auth_user_id"] == str(customer.pk)
    assert may_send_marketing_email(customer) is True


def test_sign_up_without_the_box_gives_no_consent(client):
    client.post("/accounts/signup/", {"email": "quiet@example.com", "password": PASSWORD})
    assert may_send_marketing_email(Customer.objects.get(email="quiet@example.com")) is False


def test_sign_up_rejects_weak_password_next_to_the_field(client):
    response = client.post("/accounts/signup/", {"email": "weak@example.com", "password": "123"})
    assert response.status_code == 400
    assert "This password is too short" in response.content.decode()
    assert not Customer.objects.filter(email="weak@example.com").exists()


def test_guest_signing_up_keeps_one_record(client):
    guest = customer_get_or_create_guest(email="guest2@example.com")
    client.post("/accounts/signup/", {"email": "guest2@example.com", "password": PASSWORD})
    assert Customer.objects.filter(email__iexact="guest2@example.com").count() == 1
    guest.refresh_from_db()
    assert guest.has_usable_password() and not guest.is_guest


def test_sign_up_with_taken_email_explains(client):
    CustomerFactory(email="dup@example.com")
    response = client.post("/accounts/signup/", {"email": "dup@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Featured and new" in response.content.decode()


def test_home_page_states_the_configured_free_shipping_threshold(client, settings):
    settings.FREE_SHIPPING_THRESHOLD = Decimal("75.00")
    assert "Free shipping on orders over $75.00." in client.get("/").content.decode()
