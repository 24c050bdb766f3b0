"""A shopper on a phone and on a desktop: browse a category, filter, search with a typo,
open a product, choose a variant and see its stock. Screenshots go to tests/artifacts/."""

import mimetypes
from pathlib import Path

import pytest
from django.conf import settings

from catalog.demo import seed_images
from tests.catalog.factories import CategoryFactory, product_with_variants
from tests.e2e.conftest import screenshot as _screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def storefront(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    clothing = CategoryFactory(name="Clothing", slug="clothing")
    tees = CategoryFactory(name="T-Shirts", slug="t-shirts", parent=clothing)
    shoes = CategoryFactory(name="Sneakers", slug="sneakers")
    product_with_variants(
        name="Urban T-Shirt",
        category=tees,
        price="24.00",
        options=[("S", "Black", 0), ("M", "Black", 2), ("L", "Black", 9), ("M", "Navy", 5)],
        size_guide="Fits true to size. Between sizes? Choose the larger one.",
        description="Heavyweight organic cotton.",
    )
    product_with_variants(name="Classic T-Shirt", category=tees, price="18.00", options=[("S", "White", 4)])
    product_with_variants(name="Sold Out Tee", category=tees, price="15.00", options=[("M", "Sand", 0)])
    product_with_variants(name="Trail Sneakers", category=shoes, price="89.00", options=[("26", "Olive", 7)])
    seed_images()


def screenshot(page, name):
    # The header is sticky: scroll back up so a full-page capture shows it once, at the top.
    page.evaluate("window.scrollTo(0, 0)")
    return _screenshot(page, name)


def _serve_media(page):
    """The live server serves static files but not media; hand the generated images over."""
    root = Path(settings.MEDIA_ROOT)

    def handle(route):
        path = root / route.request.url.split(settings.MEDIA_URL, 1)[1]
        if path.is_file():
            route.fulfill(path=str(path), content_type=mimetypes.guess_type(str(path))[0] or "image/jpeg")
        else:
            route.fulfill(status=404, body="")

    page.route("**" + settings.MEDIA_URL + "**", handle)


@pytest.mark.parametrize("width", [375, 1280])
def test_shopper_browses_filters_searches_and_picks_a_variant(live_server, page_at, storefront, width):
    page = page_at(width)
    _serve_media(page)

    # Browse: the header's category nav leads to the category page.
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Clothing").click()
    page.wait_for_url("**/category/clothing/")
    assert page.get_by_role("heading", name="Clothing", level=1).is_visible()
    assert page.locator(".product-card").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"storefront-category-{width}")

    # Filter: size M, in stock only. On a phone the filter panel starts closed.
    summary = page.locator(".filters summary")
    if page.locator(".filters[open]").count() == 0:
        summary.click()
    page.locator(".facet").filter(has_text="Size").get_by_text("M", exact=True).click()
    page.get_by_label("In stock only").check()
    page.get_by_role("button", name="Show products").click()
    page.wait_for_url(lambda url: "size=M" in url and "in_stock=1" in url)
    cards = page.locator(".product-card")
    assert cards.count() == 1
    assert "Urban T-Shirt" in cards.first.inner_text()
    screenshot(page, f"storefront-filtered-{width}")

    # Search with a typo.
    page.get_by_role("searchbox", name="Search products").fill("snekers")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    page.wait_for_url(lambda url: "q=snekers" in url)
    assert "Trail Sneakers" in page.locator(".product-grid").inner_text()
    screenshot(page, f"storefront-search-typo-{width}")

    # "tshirt" finds T-Shirts; open one.
    page.get_by_role("searchbox", name="Search products").fill("tshirt")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Urban T-Shirt").click()
    page.wait_for_url("**/products/urban-t-shirt/")
    assert page.get_by_role("heading", name="Urban T-Shirt", level=1).is_visible()
    # Preselected: the first option in stock (M / Black, 2 left).
    assert page.locator("#stock-state").inner_text() == "Only 2 left"
    assert page.locator("#price").inner_text() == "$24.00"
    # S / Black is sold out: its size chip is disabled.
    assert page.locator('input[name="size"][value="S"]').is_disabled()

    # Choose L: plenty in stock.
    page.locator("#size-picker").get_by_role("radio", name="L").click()
    assert page.locator("#stock-state").inner_text() == "In stock"
    # Choose Navy: only M exists in Navy, so the picker moves to M and says so.
    page.locator("#colour-picker").get_by_role("radio", name="Navy").click()
    assert page.locator('input[name="size"][value="L"]').is_disabled()
    assert page.locator('input[name="size"]:checked').get_attribute("value") == "M"
    assert page.locator("#stock-state").inner_text() == "In stock"
    variant_id = page.locator("#variant_id").input_value()
    from catalog.models import Variant

    assert Variant.objects.get(pk=variant_id).colour == "Navy"
    assert page.get_by_role("button", name="Add to cart").is_enabled()
    page.get_by_text("Size guide").click()
    assert page.get_by_text("Between sizes? Choose the larger one.").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Images loaded (generated with Pillow), not broken.
    assert page.evaluate("document.getElementById('gallery-main').naturalWidth") > 0
    screenshot(page, f"storefront-product-{width}")

    # The form hands the chosen variant to the cart (carts issue) and comes back here.
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/products/urban-t-shirt/")
    assert "Added 1 × Urban T-Shirt (M / Navy)" in page.locator(".alert").first.inner_text()
    assert page.locator(".site-header .badge").inner_text() == "1"


def test_search_with_no_results_suggests_alternatives(live_server, page_at, storefront):
    page = page_at(375)
    page.goto(live_server.url + "/search/?q=sneekerz")
    assert page.get_by_role("heading", name="No products found for “sneekerz”").is_visible()
    assert page.get_by_role("link", name="Trail Sneakers").is_visible()
    screenshot(page, "storefront-search-empty-375")


@pytest.mark.parametrize("width", [375, 1280])
def test_account_pages_on_phone_and_desktop(live_server, page_at, width):
    from customers.models import Address
    from tests.customers.factories import PASSWORD, CustomerFactory

    customer = CustomerFactory(email="pages@example.com", first_name="Mio")
    page = page_at(width)
    page.goto(live_server.url + "/accounts/login/?next=/accounts/")
    page.get_by_label("Email", exact=True).fill("pages@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/")
    assert page.get_by_role("heading", name="Your profile").is_visible()
    screenshot(page, f"account-profile-{width}")

    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Address book").click()
    page.get_by_role("link", name="Add an address").first.click()
    # Japan: the fields redraw in Japanese order (name + furigana, 〒, prefecture, city, street).
    page.get_by_label("Country").select_option("JP")
    page.locator('.address-fields[data-country="JP"]').wait_for()
    page.get_by_label("Family name", exact=True).fill("田中")
    page.get_by_label("Given name", exact=True).fill("美緒")
    page.get_by_label("Family name reading (furigana)").fill("たなか")
    page.get_by_label("Given name reading (furigana)").fill("ミオ")
    page.get_by_label("Postal code").fill("1040061")
    page.get_by_label("Prefecture").select_option("東京都")
    page.get_by_label("City, ward, town or village").fill("中央区")
    page.get_by_label("Street address").fill("銀座2-1")
    page.get_by_role("button", name="Save address").click()
    page.wait_for_url("**/accounts/addresses/")
    printed = page.locator("address").inner_text().splitlines()
    assert printed[:3] == ["〒104-0061", "東京都中央区銀座2-1", "田中 美緒 様"]
    address = Address.objects.get(customer=customer)
    assert address.is_default and address.last_name_reading == "タナカ"
    screenshot(page, f"account-addresses-{width}")

    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Privacy and emails").click()
    page.get_by_label("Email me news, offers and product updates").check()
    page.get_by_role("button", name="Save my choices").click()
    assert page.get_by_text("Your choices are saved.").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"account-privacy-{width}")


def test_a_long_unbroken_search_term_does_not_widen_the_phone_page(live_server, page_at, storefront):
    page = page_at(375)
    page.goto(live_server.url + "/search/?q=" + "x" * 200)
    assert page.get_by_role("heading", name="No products found for").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_order_history_on_a_phone_shows_every_total_without_sideways_scrolling(live_server, page_at):
    from tests.carts.factories import CartFactory, CartLineFactory
    from tests.customers.factories import PASSWORD, CustomerFactory
    from tests.orders.helpers import place

    customer = CustomerFactory(email="history@example.com")
    for _ in range(2):
        cart = CartFactory(customer=customer)
        CartLineFactory(cart=cart)
        place(cart)
    page = page_at(375)
    page.goto(live_server.url + "/accounts/login/?next=/orders/")
    page.get_by_label("Email", exact=True).fill("history@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/orders/")
    totals = page.locator(".orders-table td.num")
    assert totals.count() == 2
    for i in range(2):
        box = totals.nth(i).bounding_box()
        assert box["x"] + box["width"] <= 375 - 16  # inside the card, not clipped by the scroll box
    wrap = page.locator(".orders-table").locator("xpath=..")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    screenshot(page, "orders-history-375")


def test_cancelling_an_order_takes_a_second_deliberate_tap(live_server, page_at):
    from orders.models import Order
    from tests.carts.factories import CartFactory, CartLineFactory
    from tests.customers.factories import PASSWORD, CustomerFactory
    from tests.orders.helpers import place

    customer = CustomerFactory(email="cancel@example.com")
    cart = CartFactory(customer=customer)
    CartLineFactory(cart=cart)
    order = place(cart)
    page = page_at(375)
    page.goto(live_server.url + f"/accounts/login/?next=/orders/{order.number}/")
    page.get_by_label("Email", exact=True).fill("cancel@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/orders/{order.number}/")
    assert page.get_by_role("link", name="Contact us").get_attribute("href") == "/help/contact/"
    confirm = page.get_by_role("button", name=f"Yes, cancel order {order.number}")
    assert not confirm.is_visible()
    page.get_by_text("Cancel this order…").click()  # first tap only opens the confirmation
    assert confirm.is_visible()
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    confirm.click()
    page.get_by_text("is cancelled").first.wait_for()
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


def test_on_a_phone_the_chat_launcher_leaves_the_bottom_of_the_screen_tappable(live_server, page_at, storefront):
    """The chat box is fixed at the bottom right and, on a phone, as wide as its (hidden) panel:
    only the launcher itself takes taps, so a colour swatch scrolled beside it can be chosen."""
    from catalog.models import Product

    page = page_at(375, 812)
    page.goto(live_server.url + Product.objects.get(name="Urban T-Shirt").get_absolute_url())
    launcher = page.locator("#chat .chat-launcher")
    launcher.wait_for()
    box = launcher.bounding_box()
    # Every point of the bottom strip left of the launcher belongs to the page, not to the chat.
    y = box["y"] + box["height"] / 2
    for x in range(10, int(box["x"]) - 2, 20):
        assert page.evaluate(f"!document.getElementById('chat').contains(document.elementFromPoint({x}, {y}))"), x
    # A swatch scrolled into that strip is chosen with an ordinary tap.
    navy = page.locator("#colour-picker label", has_text="Navy")
    swatch = navy.bounding_box()
    page.evaluate(f"window.scrollBy(0, {swatch['y'] + swatch['height'] / 2 - y})")
    swatch = navy.bounding_box()
    assert swatch["x"] + swatch["width"] < box["x"] and abs(swatch["y"] + swatch["height"] / 2 - y) < 2
    navy.click(timeout=3000)
    assert page.locator("#colour-picker input[value=Navy]").is_checked()


def test_the_picker_names_the_chosen_colour_in_japanese(live_server, browser, storefront):
    """The picker's script writes the chosen colour as its chip shows it (ネイビー, not Navy)."""
    from catalog.models import Product

    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(live_server.url + Product.objects.get(name="Urban T-Shirt").get_absolute_url())
        assert page.locator("#colour-chosen").inner_text() == "ブラック"
        page.locator("#colour-picker input[value=Navy]").check()
        assert page.locator("#colour-chosen").inner_text() == "ネイビー"
        # Only M is made in navy: the other sizes say so in Japanese.
        assert page.locator("#size-picker label", has_text="S").get_attribute("title") == "この色の展開はありません"
    finally:
        context.close()
