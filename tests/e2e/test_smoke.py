import pytest

from tests.customers.factories import PASSWORD, CustomerFactory
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_home_page_and_sign_in(live_server, page_at, width):
    CustomerFactory(email="smoke@example.com", first_name="Sam")
    page = page_at(width)
    page.goto(live_server.url + "/")
    assert page.get_by_role("banner").is_visible()
    assert page.get_by_role("main").is_visible()
    assert page.get_by_role("heading", name="Featured and new").is_visible()
    # Nothing wider than the viewport: the layout is usable at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"home-{width}")

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email", exact=True).fill("smoke@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    screenshot(page, f"sign-in-{width}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("button", name="Sign out").is_visible()
