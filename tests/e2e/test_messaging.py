"""Browser checks (Debian chromium via Playwright): the footer newsletter form and the
unsubscribe page work at phone width."""

import pytest

from messaging.models import OutboundEmail
from messaging.rendering import unsubscribe_url
from tests.customers.factories import CustomerFactory
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_footer_newsletter_form_asks_to_confirm_by_email(live_server, page_at, width):
    page = page_at(width)
    page.goto(live_server.url + "/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_label("Get news and offers by email").fill(f"browser-{width}@example.com")
    footer.get_by_role("button", name="Subscribe").click()
    footer.get_by_text("Check your inbox").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"newsletter-footer-{width}")
    row = OutboundEmail.objects.get(kind="newsletter_confirm")
    assert row.to_email == f"browser-{width}@example.com"


def test_unsubscribe_page_at_phone_width(live_server, page_at):
    CustomerFactory(email="phone@example.com")
    path = unsubscribe_url(to_email="phone@example.com").removeprefix("http://127.0.0.1:8000")
    page = page_at(375)
    page.goto(live_server.url + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Unsubscribe phone@example.com").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    screenshot(page, "unsubscribe-375")
