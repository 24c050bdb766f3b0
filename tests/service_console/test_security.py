"""R8 for the console: shoppers and other staff cannot reach any console URL; agents cannot
exceed their discount limit; htmx posts need the CSRF token."""

import uuid
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import get_resolver

from carts.models import CartOverride
from carts.services import cart_get_or_create, cart_line_add
from customers.roles import MARKETERS
from tests.carts.factories import staff_in
from tests.customers.factories import CustomerFactory
from tests.service_console.factories import ArticleFactory, CaseFactory

pytestmark = pytest.mark.django_db


def _console_urls(shopper, case, article) -> list[tuple[str, str]]:
    """Every console route, filled with real ids (a new route is picked up automatically)."""
    resolver = get_resolver()
    console = resolver.url_patterns
    urls = []
    for pattern in console:
        if str(pattern.pattern) == "console/":
            for sub in pattern.url_patterns:
                route = "/console/" + str(sub.pattern)
                route = (
                    route.replace("<uuid:public_id>", str(shopper.public_id))
                    .replace("<int:pk>", str(case.pk if "cases" in route else article.pk))
                    .replace("<int:line_id>", "1")
                    .replace("<int:override_id>", "1")
                    .replace("<int:attachment_id>", "1")
                    .replace("<int:handle_id>", "1")
                )
                urls.append(route)
    assert len(urls) >= 25
    return urls


@pytest.fixture
def targets(shopper):
    return _console_urls(shopper, CaseFactory(customer=shopper), ArticleFactory())


def test_anonymous_is_sent_to_sign_in_from_every_console_url(client, targets):
    for url in targets:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/?next="), url


@pytest.mark.parametrize("who", ["shopper", "marketer", "plain_staff"])
def test_signed_in_non_agents_get_403_everywhere(client, targets, who):
    if who == "shopper":
        user = CustomerFactory()
    elif who == "marketer":
        user = staff_in(MARKETERS)
    else:
        user = CustomerFactory(is_staff=True)
    client.force_login(user)
    for url in targets:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"expected_version": "1"}).status_code == 403, url


def test_agent_cannot_exceed_discount_limit_via_the_console(agent_client, shopper, variant):
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=1, expected_version=None)  # $40.00
    with override_settings(AGENT_DISCOUNT_LIMIT_PERCENT=Decimal("15")):
        over = agent_client.post(
            f"/console/customers/{shopper.public_id}/cart/override/",
            {
                "kind": "percent",
                "value": "16",
                "reason_code": "goodwill",
                "reason_text": "Asked nicely",
                "expected_version": cart.version,
            },
            HTTP_HX_REQUEST="true",
        )
        # $6.01 off $40.00 is 15.03 %: also over the limit.
        amount = agent_client.post(
            f"/console/customers/{shopper.public_id}/cart/override/",
            {
                "kind": "amount",
                "value": "6.01",
                "reason_code": "goodwill",
                "reason_text": "Asked nicely",
                "expected_version": cart.version,
            },
            HTTP_HX_REQUEST="true",
        )
    assert over.status_code == 403 and "over your limit of 15" in over.content.decode()
    assert "Send to a supervisor for approval" in over.content.decode()
    assert amount.status_code == 403
    assert not CartOverride.objects.filter(cart=cart).exists()


def test_agent_cannot_approve_their_own_request(agent_client, shopper, variant, agent_user):
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=1, expected_version=None)
    agent_client.post(
        f"/console/customers/{shopper.public_id}/cart/override/",
        {
            "kind": "percent",
            "value": "30",
            "reason_code": "damaged",
            "reason_text": "Torn seam",
            "expected_version": cart.version,
            "request_approval": "1",
        },
        HTTP_HX_REQUEST="true",
    )
    pending = CartOverride.objects.get(cart=cart)
    assert pending.status == CartOverride.Status.PENDING_APPROVAL
    response = agent_client.post(f"/console/approvals/{pending.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == CartOverride.Status.PENDING_APPROVAL


def test_htmx_post_without_csrf_token_is_refused(agent_user, shopper, variant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent_user)
    response = client.post(
        f"/console/customers/{shopper.public_id}/cart/add/",
        {"variant_id": variant.pk, "quantity": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    assert not shopper.carts.filter(lines__isnull=False).exists()


def test_htmx_post_with_the_header_token_from_the_page_is_accepted(agent_user, shopper, variant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent_user)
    page = client.get(f"/console/customers/{shopper.public_id}/")
    token = str(page.context["csrf_token"])
    assert f'"X-CSRFToken": "{token}"' in page.content.decode()  # base.html hx-headers
    response = client.post(
        f"/console/customers/{shopper.public_id}/cart/add/",
        {"variant_id": variant.pk, "quantity": 1, "expected_version": ""},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    assert shopper.carts.get().lines.count() == 1


def test_unknown_or_staff_customer_ids_are_404(agent_client, supervisor_user):
    assert agent_client.get(f"/console/customers/{uuid.uuid4()}/").status_code == 404
    assert agent_client.get(f"/console/customers/{supervisor_user.public_id}/").status_code == 404


def test_console_pages_never_show_password_hashes_or_card_numbers(agent_client, shopper):
    html = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    assert shopper.password not in html
    assert "md5$" not in html and "argon2" not in html


def test_agent_cannot_touch_lines_or_overrides_of_another_customers_cart(agent_client, shopper, variant):
    from carts.services import cart_override_apply
    from tests.carts.factories import agent as make_agent

    other = CustomerFactory()
    other_cart = cart_get_or_create(customer=other)
    other_line = cart_line_add(cart=other_cart, variant=variant, quantity=2, expected_version=None)
    override = cart_override_apply(
        cart=other_cart,
        actor=make_agent(),
        scope="cart",
        kind="percent",
        value=Decimal("5"),
        reason_code="goodwill",
        reason_text="ok",
        expected_version=other_cart.version,
    )
    cart_get_or_create(customer=shopper)
    base = f"/console/customers/{shopper.public_id}/cart"
    responses = [
        agent_client.post(f"{base}/lines/{other_line.pk}/", {"quantity": 9}, HTTP_HX_REQUEST="true"),
        agent_client.post(f"{base}/lines/{other_line.pk}/remove/", {}, HTTP_HX_REQUEST="true"),
        agent_client.post(f"{base}/lines/{other_line.pk}/reserve/", {}, HTTP_HX_REQUEST="true"),
        agent_client.post(f"{base}/override/{override.pk}/remove/", {}, HTTP_HX_REQUEST="true"),
    ]
    # Lines are looked up inside the shopper's own cart only: a foreign id reads as "not in
    # this cart" (409/400); a foreign override is not found at all.
    assert [r.status_code for r in responses] == [409, 409, 400, 404]
    other_line.refresh_from_db()
    override.refresh_from_db()
    assert other_line.quantity == 2 and override.status == CartOverride.Status.APPLIED
    assert not other_cart.reservations.exists()


def test_htmx_poll_after_sign_out_redirects_the_whole_page(client, shopper):
    response = client.get(
        f"/console/customers/{shopper.public_id}/cart/?part=live",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver/console/customers/{shopper.public_id}/",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert f"/console/customers/{shopper.public_id}/" in response["HX-Redirect"]
