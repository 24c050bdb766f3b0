"""The agent journey (issue 6 "Done when"): sign in, find the shopper, add a recommended
product, apply a 10 % override with a reason, place the order on their behalf; the
shopper's confirmation email is delivered by a real Celery worker to a real SMTP server.
Console screenshots at 1280 px go to tests/artifacts/."""

from decimal import Decimal

import pytest

from carts.models import CartOverride
from catalog.models import Recommendation
from common.models import AuditEntry
from customers.models import Consent
from orders.models import Order
from service_console.models import Case
from tests.carts.factories import VariantFactory, agent, supervisor
from tests.customers.factories import PASSWORD, AddressFactory, ConsentFactory, CustomerFactory
from tests.e2e.conftest import screenshot
from tests.messaging.sink import SmtpSink
from tests.service_console.factories import ArticleFactory, CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def _world():
    staff = agent(email="agent@example.com", first_name="Kenji", last_name="Tanaka", password=PASSWORD)
    supervisor(email="supervisor@example.com", first_name="Yui", last_name="Suzuki")
    shopper = CustomerFactory(
        email="shopper@example.com", first_name="Hana", last_name="Sato", phone="+81 90 1234 5678"
    )
    AddressFactory(customer=shopper, full_name="Hana Sato", line1="1-2-3 Jingumae")
    ConsentFactory(customer=shopper, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True)
    scarf = VariantFactory(price=Decimal("48.00"), stock=12, size="", colour="Indigo", product__name="Silk Scarf")
    VariantFactory(price=Decimal("30.00"), stock=5, product__name="Linen Shirt")
    Recommendation.objects.create(
        customer=shopper,
        kind=Recommendation.Kind.PERSONAL,
        product=scarf.product,
        reason="Matches the linen shirt she viewed",
        rank=1,
    )
    CaseFactory(
        customer=shopper,
        subject="Parcel has not arrived yet",
        channel=Case.Channel.CONTACT_FORM,
        priority=Case.Priority.HIGH,
        description="Tracking has not moved since Monday.",
    )
    CaseFactory(customer=shopper, subject="Which size should I order?", assignee=staff, status=Case.Status.OPEN)
    ArticleFactory(
        title="Delivery times and tracking",
        slug="delivery-times",
        body="Standard delivery takes **3-5 days**. Parcel late? Tracking not moving? Tell us.",
        summary="Standard delivery takes 3-5 days.",
    )
    ArticleFactory(title="Returns and refunds", slug="returns", body="Return within 30 days.")
    return staff, shopper, scarf


def test_agent_sells_on_behalf_of_the_shopper(live_server, page_at, start_celery_worker, smtp_sink):
    staff, shopper, scarf = _world()
    start_celery_worker(queues="email", concurrency=1, name="console-e2e", extra_env={"EMAIL_URL": smtp_sink.url})
    page = page_at(1280)

    page.goto(live_server.url + "/console/")
    assert "/accounts/login/" in page.url  # the console asks to sign in first
    page.get_by_label("Email", exact=True).fill("agent@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/console/")
    page.get_by_role("heading", name="Assigned to me").wait_for()
    screenshot(page, "console-home-1280")

    # Find the shopper from the one search box, with the keyboard.
    page.get_by_label("Search customers, orders and cases").fill("Hana Sa")
    page.locator("#console-search-results [data-hit]").first.wait_for()
    screenshot(page, "console-search-1280")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/customers/{shopper.public_id}/")
    page.get_by_role("heading", name="Hana Sato").wait_for()

    # Add the recommended product with one click; the live cart shows it, marked as ours.
    page.get_by_role("button", name="Add Silk Scarf to cart").click()
    panel = page.locator("#cart-panel")
    panel.get_by_text("added by Kenji").wait_for()
    assert panel.get_by_text("Silk Scarf").first.is_visible()

    # The shopper sees the agent's change on their next page load, on any device.
    shopper_page = page_at(1280)
    shopper_page.goto(live_server.url + "/accounts/login/?next=/cart/")
    shopper_page.get_by_label("Email", exact=True).fill("shopper@example.com")
    shopper_page.get_by_label("Password").fill(PASSWORD)
    shopper_page.get_by_role("button", name="Sign in").click()
    shopper_page.wait_for_url("**/cart/")
    assert shopper_page.get_by_text("Added by your advisor Kenji").is_visible()

    # A 10 % override with a reason.
    panel.get_by_text("Apply a discount").click()
    panel.get_by_label("Value").fill("10")
    panel.get_by_label("Reason").select_option("goodwill")
    panel.get_by_label("Explanation").fill("Parcel delay on last order")
    panel.get_by_role("button", name="Apply discount").click()
    panel.get_by_text("Discount applied.").wait_for()
    # $48.00 − 10 % = $43.20; shipping $5.00 (under the free threshold); tax 10 % of 48.20 = $4.82.
    assert panel.locator(".totals .grand dd").inner_text() == "$53.02"
    screenshot(page, "console-customer360-1280")

    # Place the order on the shopper's behalf (address on file, test card).
    panel.get_by_label("Card number (read out by the customer)").fill("4242 4242 4242 4242")
    panel.get_by_role("button", name="Place order for Hana").click()
    panel.get_by_text("placed for Hana").wait_for(timeout=15000)
    order = Order.objects.get(customer=shopper)
    assert order.placed_by_id == staff.pk and order.source == Order.Source.AGENT
    assert order.total == Decimal("53.02") and order.override_discount == Decimal("4.80")
    assert CartOverride.objects.get(cart=order.cart).reason_text == "Parcel delay on last order"
    assert set(AuditEntry.objects.filter(customer=shopper).values_list("action", flat=True)) >= {
        "cart.line_add",
        "cart.override_apply",
        "order.place_on_behalf",
    }

    # The shopper's confirmation email is delivered by the worker to the SMTP server.
    assert smtp_sink.wait_for(
        lambda: any(order.number in (m["Subject"] or "") for m in smtp_sink.handler.messages), timeout=30
    )
    delivered = [m for m in smtp_sink.handler.messages if order.number in (m["Subject"] or "")]
    assert len(delivered) == 1 and delivered[0]["To"] == "shopper@example.com"

    # The new order and the agent's actions are on the 360 page and its timeline.
    page.reload()
    page.get_by_role("heading", name="Timeline").wait_for()
    assert page.locator(f"#order-{order.number}").is_visible()
    assert page.get_by_text("Order placed on behalf").first.is_visible()
    screenshot(page, "console-customer360-after-order-1280")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_console_pages_look_finished(live_server, page_at):
    from carts.services import cart_get_or_create, cart_line_add, cart_override_apply

    staff, shopper, scarf = _world()
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=scarf, quantity=2, expected_version=None)
    cart_override_apply(
        cart=cart,
        actor=staff,
        scope="cart",
        kind="percent",
        value=Decimal("25"),
        reason_code="damaged",
        reason_text="Second scarf arrived torn",
        expected_version=cart.version,
        request_approval=True,
    )
    page = page_at(1280)
    page.goto(live_server.url + "/accounts/login/?next=/console/cases/")
    page.get_by_label("Email", exact=True).fill("agent@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/cases/")
    screenshot(page, "console-cases-1280")

    page.get_by_role("link", name="Parcel has not arrived yet").click()
    page.get_by_role("heading", name="Suggested articles").wait_for()
    assert page.get_by_role("link", name="Delivery times and tracking").is_visible()
    page.get_by_role("button", name="Email “Delivery times and tracki").click()
    page.get_by_text("emailed to shopper@example.com").wait_for()
    screenshot(page, "console-case-1280")

    page.goto(live_server.url + "/console/knowledge/?q=delivery")
    screenshot(page, "console-knowledge-1280")
    page.goto(live_server.url + "/console/approvals/")
    assert page.get_by_text("Second scarf arrived torn").is_visible()
    screenshot(page, "console-approvals-1280")
    page.goto(live_server.url + "/help/")
    screenshot(page, "help-1280")
    page.goto(live_server.url + "/help/articles/delivery-times/")
    assert page.locator("article strong", has_text="3-5 days").is_visible()  # Markdown rendered
    screenshot(page, "help-article-1280")
    page.goto(live_server.url + "/help/contact/")
    screenshot(page, "help-contact-1280")
    for path in ("/console/cases/", "/help/", "/console/knowledge/"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_console_is_usable_at_phone_width(live_server, page_at):
    _, shopper, _ = _world()
    page = page_at(375)
    page.goto(live_server.url + "/accounts/login/?next=/console/")
    page.get_by_label("Email", exact=True).fill("agent@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/console/")
    screenshot(page, "console-home-375")
    page.goto(live_server.url + f"/console/customers/{shopper.public_id}/")
    screenshot(page, "console-customer360-375")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_concurrent_shopper_edit_shows_as_a_conflict_in_the_console(live_server, page_at):
    from carts.services import cart_get_or_create, cart_line_add

    _, shopper, scarf = _world()
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=scarf, quantity=1, expected_version=None)
    page = page_at(1280)
    page.goto(live_server.url + f"/accounts/login/?next=/console/customers/{shopper.public_id}/")
    page.get_by_label("Email", exact=True).fill("agent@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    panel = page.locator("#cart-panel")
    panel.get_by_label("Quantity of Silk Scarf").fill("3")  # focus in the cart pauses the 4 s refresh
    # Meanwhile the shopper adds a shirt on the storefront.
    shirt = VariantFactory(price=Decimal("30.00"), stock=5, product__name="Oxford Shirt")
    cart_line_add(cart=cart, variant=shirt, quantity=1, expected_version=None, actor=shopper)
    panel.get_by_role("button", name="Update").first.click()
    panel.get_by_text("This cart changed while you were working on it").wait_for()
    assert panel.get_by_text("Oxford Shirt", exact=True).is_visible()  # the new cart is shown
    screenshot(page, "console-cart-conflict-1280")
    cart.refresh_from_db()
    assert cart.lines.get(variant=scarf).quantity == 1  # the stale change did not land
