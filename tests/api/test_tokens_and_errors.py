"""Integration tokens (hashed, scoped, revocable, created in admin and shown once),
throttling and the one error body format."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import IntegrationToken, Scope, token_digest
from tests.api.conftest import client_with_token, token_for
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_only_the_digest_of_a_token_is_stored(shopper):
    raw = token_for(shopper, Scope.SHOPPER)
    token = IntegrationToken.objects.get()
    assert raw.startswith(f"uc_{token.prefix}_") and len(raw) > 40
    assert token.digest == token_digest(raw) != raw
    assert raw not in str(IntegrationToken.objects.values().get())


def test_a_personal_token_authenticates_as_its_customer(api, shopper):
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == "ana@example.com"
    assert response.json()["id"] == str(shopper.public_id)


@pytest.mark.parametrize(
    "header",
    ["Bearer uc_nothere_xxxxxxxx", "Bearer not-a-token", "Bearer", "Bearer a b"],
)
def test_bad_tokens_are_401_with_the_error_body(anon_api, header):
    response = anon_api.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_and_expired_tokens_stop_working(shopper):
    raw = token_for(shopper, Scope.SHOPPER)
    client = client_with_token(raw)
    assert client.get("/api/v1/me/").status_code == 200
    IntegrationToken.objects.update(revoked_at=timezone.now())
    assert client.get("/api/v1/me/").status_code == 401
    IntegrationToken.objects.update(revoked_at=None, expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me/").status_code == 401


def test_no_credentials_on_a_shopper_endpoint_is_401(anon_api):
    response = anon_api.get("/api/v1/cart/")
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "fields": {},
        }
    }


def test_a_social_only_token_cannot_act_as_a_shopper(shopper):
    client = client_with_token(token_for(shopper, Scope.SOCIAL_WRITE))
    assert client.get("/api/v1/cart/").status_code == 403


def test_session_sign_in_works_for_shopper_endpoints(client, shopper):
    client.force_login(shopper)
    assert client.get("/api/v1/me/").json()["email"] == "ana@example.com"


def test_unknown_api_paths_answer_in_the_error_format(anon_api):
    response = anon_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert anon_api.get("/api/v1/staff/customers/not-a-uuid/").json()["error"]["code"] == "not_found"
    hint = anon_api.get("/api/v1/products").json()["error"]["message"]
    assert hint == "No such API endpoint. Did you mean /api/v1/products/ (with a trailing slash)?"


def test_malformed_json_is_400(api):
    response = api.post("/api/v1/cart/lines/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_callers_are_throttled_per_token(shopper, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "caller": "3/min"},
    }
    first = client_with_token(token_for(shopper, Scope.SHOPPER, name="one"))
    second = client_with_token(token_for(shopper, Scope.SHOPPER, name="two"))
    statuses = [first.get("/api/v1/me/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert first.get("/api/v1/me/").json()["error"]["code"] == "throttled"
    assert second.get("/api/v1/me/").status_code == 200  # its own bucket


def test_anonymous_callers_are_throttled_per_ip(anon_api, settings, catalog):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "caller": "3/min"},
    }
    statuses = [anon_api.get("/api/v1/categories/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_admin_creates_a_token_and_shows_it_exactly_once(client, shopper):
    admin = CustomerFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/api/integrationtoken/add/",
        {"name": "Mobile app (Ana)", "customer": shopper.pk, "scopes": ["shopper"]},
        follow=True,
    )
    assert response.status_code == 200
    token = IntegrationToken.objects.get()
    shown = [str(m) for m in response.context["messages"] if "<code>" in str(m)]
    assert len(shown) == 1 and f"uc_{token.prefix}_" in shown[0]
    raw = shown[0].split("<code>")[1].split("</code>")[0]
    assert token_digest(raw) == token.digest and token.created_by == admin
    assert client_with_token(raw).get("/api/v1/me/").json()["email"] == "ana@example.com"
    # the change page never shows it again
    page = client.get(f"/admin/api/integrationtoken/{token.pk}/change/").content.decode()
    assert raw not in page and f"uc_{token.prefix}_" in page


def test_admin_refuses_a_shopper_token_without_a_customer(client):
    admin = CustomerFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post("/admin/api/integrationtoken/add/", {"name": "x", "scopes": ["shopper"]})
    assert response.status_code == 200
    assert "choose one" in response.content.decode()
    assert IntegrationToken.objects.count() == 0


def test_demo_seed_creates_each_token_once_and_prints_it_once():
    from api.demo import seed
    from tests.carts.factories import agent

    CustomerFactory(email="shopper@example.com")
    agent(email="agent@example.com")

    class Out:
        def __init__(self):
            self.lines: list[str] = []

        def write(self, text):
            self.lines.append(text)

    first, second = Out(), Out()
    seed(first)
    seed(second)
    assert IntegrationToken.objects.count() == 3
    assert sum("uc_" in line for line in first.lines) == 3
    assert not any("uc_" in line for line in second.lines)
    staff_token = IntegrationToken.objects.get(name="Demo: agent staff token")
    assert staff_token.scopes == ["staff"] and staff_token.customer.email == "agent@example.com"


def test_session_writes_need_the_csrf_token(shopper, catalog):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(shopper)
    response = client.post("/api/v1/cases/", {"subject": "x", "message": "y"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]


def test_a_superuser_session_reaches_staff_endpoints_like_the_console(client, shopper):
    admin = CustomerFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(f"/api/v1/staff/customers/{shopper.public_id}/").status_code == 200
    client.force_login(shopper)
    assert client.get(f"/api/v1/staff/customers/{shopper.public_id}/").status_code == 403
