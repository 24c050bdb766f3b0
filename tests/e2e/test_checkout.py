"""Checkout journeys in a real browser at phone width (375 px): a guest checkout by card,
and a signed-in checkout with a voucher and a saved address."""

import re
from decimal import Decimal

import pytest

from carts.models import Voucher
from messaging.models import OutboundEmail
from orders.models import Order
from tests.carts.factories import ProductFactory, VariantFactory
from tests.customers.factories import PASSWORD, AddressFactory, CustomerFactory
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.evaluate("window.scrollTo(0, 0)")  # full-page screenshots from the top (sticky header)


def _add_to_cart_from_product_page(page, base, product):
    page.goto(f"{base}/products/{product.slug}/")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_load_state()
    page.goto(f"{base}/cart/")
    assert page.get_by_test_id("cart-line").count() == 1


def test_guest_checkout_by_card(live_server, page_at):
    product = ProductFactory(name="Linen Shirt", slug="linen-shirt")
    variant = VariantFactory(product=product, price=Decimal("42.00"), stock=3, size="M", colour="White")
    page = page_at(WIDTH)
    base = live_server.url

    _add_to_cart_from_product_page(page, base, product)
    # 42.00 + 5.00 shipping (under 50) + 4.70 tax
    assert page.get_by_test_id("cart-total").inner_text() == "$51.70"
    _fits(page)
    screenshot(page, "cart-375")

    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_label("Email for your receipt").fill("walk.in@example.com")
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Full name").fill("Walk In")
    page.get_by_label("Address line 1").fill("10 Market Street")
    page.get_by_label("City").fill("San Francisco")
    page.get_by_label("State").select_option("CA")
    page.get_by_label("ZIP code").fill("94103")
    assert not page.get_by_label("Email me news and offers").is_checked()
    _fits(page)
    screenshot(page, "checkout-details-375")
    page.get_by_role("button", name="Continue to review").click()

    # The US way: city, state ZIP on one line; no country line for the shop's own country.
    assert page.get_by_test_id("review-address").inner_text() == "Walk In\n10 Market Street\nSan Francisco, CA 94103"
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    _fits(page)
    screenshot(page, "checkout-review-375")
    page.get_by_role("button", name=re.compile(r"^Place order")).click()

    page.wait_for_url(re.compile(r"/orders/UC-[A-Z0-9-]+/\?t="))
    order = Order.objects.get()
    assert page.get_by_role("heading", name=f"Order {order.number}").is_visible()
    assert page.get_by_test_id("order-status").inner_text() == "Placed"
    assert order.total == Decimal("51.70") and order.customer.email == "walk.in@example.com"
    variant.refresh_from_db()
    assert variant.stock == 2
    assert OutboundEmail.objects.filter(to_email="walk.in@example.com", template="order_confirmation").count() == 1
    _fits(page)
    screenshot(page, "order-placed-375")


def test_signed_in_checkout_with_voucher_and_saved_address(live_server, page_at):
    customer = CustomerFactory(email="member.e2e@example.com", first_name="Mina")
    AddressFactory(customer=customer, full_name="Mina Member", line1="3-1 Kita", city="Sapporo")
    Voucher.objects.create(code="WELCOME10", kind="percent", value=Decimal("10"))
    product = ProductFactory(name="Wool Scarf", slug="wool-scarf")
    VariantFactory(product=product, price=Decimal("80.00"), stock=5, size="", colour="Grey")
    page = page_at(WIDTH)
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")

    _add_to_cart_from_product_page(page, base, product)
    page.get_by_label("Discount code").fill("welcome10")
    page.get_by_role("button", name="Apply code").click()
    assert page.get_by_text("Code WELCOME10 applied: 10% off.").is_visible()
    # 80.00 - 8.00 = 72.00, free shipping, tax 7.20
    assert page.get_by_test_id("cart-total").inner_text() == "$79.20"
    _fits(page)
    screenshot(page, "cart-voucher-375")

    page.get_by_role("link", name="Go to checkout").click()
    assert page.get_by_label("Email for your receipt").input_value() == customer.email
    assert page.get_by_label(re.compile("3-1 Kita")).is_checked()
    page.get_by_label(re.compile("Pay on delivery")).check()
    page.get_by_role("button", name="Continue to review").click()
    assert page.get_by_text("when your parcel arrives").is_visible()
    page.get_by_role("button", name="Place order · $79.20").click()

    page.wait_for_url(re.compile(r"/orders/UC-[A-Z0-9-]+/$"))
    order = Order.objects.get(customer=customer)
    assert (order.voucher_code, order.discount_total, order.total) == ("WELCOME10", Decimal("8.00"), Decimal("79.20"))
    assert order.shipping_address["city"] == "Sapporo"
    page.get_by_role("link", name="Orders", exact=True).click()
    assert page.get_by_role("link", name=order.number).is_visible()
    _fits(page)
    screenshot(page, "orders-list-375")


def test_new_address_fields_show_only_for_a_new_address(live_server, page_at):
    customer = CustomerFactory(email="two.homes.e2e@example.com", first_name="Aki")
    AddressFactory(customer=customer, full_name="Aki Saved", line1="2 Second Avenue", city="Nagoya")
    product = ProductFactory(name="Clay Mug", slug="clay-mug")
    VariantFactory(product=product, price=Decimal("20.00"), stock=5, size="", colour="Sand")
    page = page_at(WIDTH)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")
    _add_to_cart_from_product_page(page, base, product)
    page.get_by_role("link", name="Go to checkout").click()

    new_address = page.get_by_test_id("new-address")
    assert page.get_by_label(re.compile("2 Second Avenue")).is_checked()
    assert new_address.is_hidden()
    _fits(page)
    screenshot(page, "checkout-saved-address-375")

    page.get_by_label("A new address").check()
    assert new_address.is_visible()
    new_address.get_by_label("Street address").fill("99 Typed Road")  # the Japanese form: a JP saved address
    _fits(page)
    screenshot(page, "checkout-new-address-375")

    # Back to the saved address: the typed fields hide again, and the saved address is used.
    page.get_by_label(re.compile("2 Second Avenue")).check()
    assert new_address.is_hidden()
    page.get_by_role("button", name="Continue to review").click()
    review = page.get_by_test_id("review-address").inner_text()
    assert "2 Second Avenue" in review and "99 Typed Road" not in review


@pytest.mark.parametrize(("width", "height"), [(WIDTH, 600), (1280, 500)])
def test_refused_discount_code_is_said_beside_the_field(live_server, page_at, width, height):
    """Short screens, so the page scrolls to the code field: the field and the reason are on
    screen and not under the header (which stays at the top on wide screens)."""
    product = ProductFactory(name="Field Notebook", slug="field-notebook")
    VariantFactory(product=product, price=Decimal("12.00"), stock=5, size="", colour="Kraft")
    page = page_at(width, height)
    base = live_server.url
    _add_to_cart_from_product_page(page, base, product)

    page.get_by_label("Discount code").fill("NOPE-42")
    page.get_by_role("button", name="Apply code").click()
    page.wait_for_load_state()
    field = page.get_by_label("Discount code")
    error = page.get_by_text(re.compile("recognise the code"))
    assert error.count() == 1  # once, beside the field; not also at the top of the page
    assert error.is_visible()
    assert field.input_value() == "NOPE-42"
    assert field.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in field.get_attribute("aria-describedby").split()
    # Where the shopper is looking: on screen and right under the field.
    field_box, error_box = field.bounding_box(), error.bounding_box()
    assert abs(error_box["y"] - (field_box["y"] + field_box["height"])) < 200
    assert error_box["y"] >= 0 and error_box["y"] + error_box["height"] <= page.viewport_size["height"]
    for locator, box in ((field, field_box), (error, error_box)):  # seen, not covered by the header
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert locator.evaluate("(el, [x, y]) => el.contains(document.elementFromPoint(x, y))", centre)
    _fits(page)
    screenshot(page, f"cart-refused-code-{width}")


def test_cart_and_checkout_at_desktop_width(live_server, page_at):
    product = ProductFactory(name="Canvas Tote", slug="canvas-tote")
    VariantFactory(product=product, price=Decimal("18.00"), stock=4, size="", colour="Natural")
    page = page_at(1280)
    base = live_server.url
    _add_to_cart_from_product_page(page, base, product)
    assert page.get_by_text("Add $32.00 more for free standard shipping.").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "cart-1280")
    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_role("button", name="Continue to review").click()
    # nothing filled in: field errors next to the fields, nothing lost
    assert page.get_by_text("This field is required.").first.is_visible()
    screenshot(page, "checkout-errors-1280")
