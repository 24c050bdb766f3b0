"""Issue 11: staff signing in at /accounts/login/ land where they work — agents and
supervisors in the console, marketers in admin — unless a safe `next` says otherwise;
shoppers stay on the storefront."""

import pytest

from customers.roles import MARKETERS
from tests.carts.factories import agent, staff_in, supervisor
from tests.customers.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db


def _sign_in(client, user, next_url=None):
    data = {"username": user.email, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


@pytest.mark.parametrize(
    ("make", "landing"),
    [
        (lambda: agent(email="a@example.com"), "/console/"),
        (lambda: supervisor(email="s@example.com"), "/console/"),
        (lambda: staff_in(MARKETERS, email="m@example.com"), "/admin/"),
        (lambda: CustomerFactory(email="shopper@example.com"), "/"),
    ],
    ids=["agent", "supervisor", "marketer", "shopper"],
)
def test_each_role_lands_where_it_works(client, make, landing):
    response = _sign_in(client, make(), next_url="")  # the form's empty hidden `next`
    assert response.status_code == 302 and response["Location"] == landing


def test_a_safe_next_wins(client):
    response = _sign_in(client, agent(email="a@example.com"), next_url="/console/approvals/")
    assert response["Location"] == "/console/approvals/"


def test_an_unsafe_next_is_ignored(client):
    marketer = staff_in(MARKETERS, email="m@example.com")
    response = _sign_in(client, marketer, next_url="https://evil.example.net/admin/")
    assert response["Location"] == "/admin/"


def test_signed_in_staff_opening_the_sign_in_page_go_to_their_landing(client):
    client.force_login(supervisor(email="s@example.com"))
    response = client.get("/accounts/login/")
    assert response.status_code == 302 and response["Location"] == "/console/"
