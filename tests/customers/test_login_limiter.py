"""One sign-in limiter in front of every password check (customers.throttle via the
authentication backend): storefront and admin sign-in share it; per account and per IP;
atomic under concurrency; a correct password resets the account's count."""

import threading

import pytest
from django.db import connections
from django.test import Client, override_settings

from customers.models import Customer
from tests.customers.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db


def _admin_login(client, email, password):
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": password})


def test_twenty_wrong_admin_passwords_then_the_right_one_is_refused(client):
    CustomerFactory(email="root@example.com", is_staff=True, is_superuser=True)
    for _ in range(20):
        assert _admin_login(client, "root@example.com", "guess").status_code == 200
    response = _admin_login(client, "root@example.com", PASSWORD)
    assert response.status_code == 200  # the sign-in form again, not the redirect into admin
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_and_storefront_share_the_account_limit(client):
    """Five wrong guesses on the storefront (the limit) lock the admin sign-in as well."""
    CustomerFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post("/accounts/login/", {"username": "staff@example.com", "password": "guess"})
    response = _admin_login(client, "staff@example.com", PASSWORD)
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_correct_password_resets_the_account_count(client):
    CustomerFactory(email="typo@example.com")
    for _ in range(4):  # one below the limit of 5
        client.post("/accounts/login/", {"username": "typo@example.com", "password": "tpyo"})
    assert client.post("/accounts/login/", {"username": "typo@example.com", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(4):  # counted from zero again: four more mistakes still leave a try
        client.post("/accounts/login/", {"username": "typo@example.com", "password": "tpyo"})
    assert client.post("/accounts/login/", {"username": "typo@example.com", "password": PASSWORD}).status_code == 302


@override_settings(LOGIN_MAX_FAILURES_PER_IP=3)
def test_one_address_guessing_across_accounts_is_stopped_by_the_ip_limit(client):
    victims = [CustomerFactory(email=f"victim{i}@example.com") for i in range(4)]
    for victim in victims[:3]:
        assert client.post("/accounts/login/", {"username": victim.email, "password": "x"}).status_code == 200
    locked = client.post("/accounts/login/", {"username": victims[3].email, "password": PASSWORD})
    assert locked.status_code == 429
    # another address is not affected
    other = Client(REMOTE_ADDR="10.0.0.7")
    assert other.post("/accounts/login/", {"username": victims[3].email, "password": PASSWORD}).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_forty_concurrent_wrong_passwords_get_exactly_the_limit_of_checks(monkeypatch, settings):
    """The count is taken atomically before the check (Redis INCR in a Lua script), so the
    read-then-write race that let 11-12 of 40 through cannot happen: exactly 5 checks."""
    CustomerFactory(email="target@example.com")
    checks = []
    original = Customer.check_password

    def counting_check_password(self, raw_password):
        checks.append(raw_password)
        return original(self, raw_password)

    monkeypatch.setattr(Customer, "check_password", counting_check_password)
    start = threading.Barrier(40)
    statuses = []

    def attempt(i: int) -> None:
        client = Client()
        start.wait()
        try:
            response = client.post("/accounts/login/", {"username": "target@example.com", "password": f"guess-{i}"})
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == settings.LOGIN_MAX_FAILURES == 5
    assert sorted(statuses) == [200] * 5 + [429] * 35
