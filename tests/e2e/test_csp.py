"""Content-Security-Policy: every main page (storefront, checkout, account, console, admin
campaign and segment pages, API docs) loads with the policy *enforced* (test settings, as
in production) and the browser reports no violation — neither a `securitypolicyviolation`
event nor a "Refused to ..." console message. Polled console panels get one poll in."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from carts.services import cart_get_or_create, cart_line_add
from customers.roles import MARKETERS
from marketing.models import Campaign, Segment, SegmentRule
from orders.services import order_place
from service_console.services.cases import case_create
from tests.carts.factories import agent, supervisor
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.customers.factories import AddressFactory, CustomerFactory
from tests.service_console.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.sourceFile + ":" + e.lineNumber;
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + where);
});
"""


@pytest.fixture
def world(db):
    category = CategoryFactory(name="Tops", slug="tops")
    product = ProductFactory(name="Policy Tee", slug="policy-tee", category=category)
    variant = VariantFactory(product=product, sku="CSP-M", size="M", colour="Blue", price=Decimal("25.00"), stock=50)
    shopper = CustomerFactory(email="csp.shopper@example.com", first_name="Ana", last_name="Policy")
    AddressFactory(customer=shopper, country="JP", city="Tokyo", postal_code="150-0001")
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=1, actor=shopper)
    order = order_place(
        cart=cart,
        email=shopper.email,
        shipping_address={
            "full_name": "Ana Policy",
            "line1": "1 St",
            "city": "Tokyo",
            "postal_code": "150-0001",
            "country": "JP",
        },
        shipping_method="standard",
        payment_method="pod",
        payment_details={},
        idempotency_key="csp-order",
        actor=shopper,
    )
    cart_line_add(cart=cart_get_or_create(customer=shopper), variant=variant, quantity=1, actor=shopper)
    staff_agent = agent(email="csp.agent@example.com")
    case = case_create(customer=shopper, subject="Parcel late", description="Where is it?", actor=staff_agent)
    ArticleFactory(title="Returns", slug="returns")
    marketer = CustomerFactory(email="csp.marketer@example.com", is_staff=True)
    marketer.groups.add(Group.objects.get_or_create(name=MARKETERS)[0])
    segment = Segment.objects.create(name="Tokyo shoppers")
    SegmentRule.objects.create(
        segment=segment, field=SegmentRule.Field.CITY, operator=SegmentRule.Operator.EQ, value="Tokyo"
    )
    campaign = Campaign.objects.create(name="Spring", subject="Hello {{ first_name }}", segment=segment)
    return {
        "shopper": shopper,
        "agent": staff_agent,
        "supervisor": supervisor(email="csp.supervisor@example.com"),
        "marketer": marketer,
        "order": order,
        "case": case,
        "segment": segment,
        "campaign": campaign,
    }


def _signed_in_page(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda msg: page.console_messages.append(msg.text))
    return context, page


def _visit(page, live_server, path: str, *, wait_ms: int = 0) -> list[str]:
    response = page.goto(live_server.url + path)
    assert response is not None and response.status < 400, f"{path}: HTTP {response and response.status}"
    assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers
    page.wait_for_load_state("networkidle")
    if wait_ms:
        page.wait_for_timeout(wait_ms)
    return _collected(page, path)


def _collected(page, label: str) -> list[str]:
    """Violations seen on the current page so far (events and console messages)."""
    events = page.evaluate("window.__cspViolations")
    refused = [m for m in page.console_messages if "Content Security Policy" in m or m.startswith("Refused to")]
    page.console_messages.clear()
    return [f"{label}: {v}" for v in events + refused]


def test_main_pages_load_with_the_policy_enforced_and_no_violation(live_server, browser, world):
    order, case = world["order"], world["case"]
    customer_page = f"/console/customers/{world['shopper'].public_id}/"
    journeys = {
        None: [
            "/",
            "/category/tops/",
            "/category/tops/?size=M",
            "/products/policy-tee/",
            "/search/?q=tee",
            "/search/?q=zzzz",
            "/help/",
            "/help/articles/returns/",
            "/help/contact/",
            "/accounts/login/",
            "/accounts/signup/",
            "/newsletter/",
            "/api/docs/",
        ],
        "shopper": [
            "/",
            "/cart/",
            "/checkout/",
            "/orders/",
            f"/orders/{order.number}/",
            "/accounts/",
            "/accounts/addresses/",
            "/accounts/addresses/new/",
            "/accounts/privacy/",
            "/accounts/data/",
        ],
        "agent": [
            "/console/",
            "/console/search/?q=policy",
            customer_page,
            "/console/cases/",
            f"/console/cases/{case.pk}/",
            "/console/knowledge/",
            "/console/approvals/",
        ],
        "supervisor": ["/console/approvals/", "/console/reports/overrides/"],
        "marketer": [
            "/admin/",
            "/admin/marketing/campaign/",
            f"/admin/marketing/campaign/{world['campaign'].pk}/change/",
            f"/admin/marketing/campaign/{world['campaign'].pk}/metrics/",
            "/admin/marketing/campaign/add/",
            "/admin/marketing/segment/",
            f"/admin/marketing/segment/{world['segment'].pk}/change/",
        ],
    }
    violations: list[str] = []
    for role, paths in journeys.items():
        context, page = _signed_in_page(browser, live_server, world[role] if role else None)
        try:
            for path in paths:
                # The Customer 360 polls its live cart every 4 s: stay for one poll.
                violations += _visit(page, live_server, path, wait_ms=4500 if path == customer_page else 0)
            if role == "shopper":
                # Checkout: the saved address is chosen; continue to the review step.
                page.goto(live_server.url + "/checkout/")
                page.get_by_role("button", name="Continue to review").click()
                page.wait_for_url("**/checkout/review/")
                page.wait_for_load_state("networkidle")
                violations += _collected(page, "/checkout/review/")
            if role == "marketer":
                # The segment page counts members live as the rules are edited (fetch + DOM).
                page.goto(live_server.url + f"/admin/marketing/segment/{world['segment'].pk}/change/")
                page.locator("#id_rules-0-value").fill("Osaka")
                page.wait_for_timeout(1200)
                violations += _collected(page, "segment live count")
        finally:
            context.close()
    assert not violations, "\n".join(violations)
