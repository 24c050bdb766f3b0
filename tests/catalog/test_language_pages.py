"""Cached storefront pages are per language (issue 16): an anonymous visitor reading in
Japanese never gets the English page from the cache, nor the other way round."""

import pytest
from django.test import Client

from tests.catalog.factories import CategoryFactory, product_with_variants

pytestmark = pytest.mark.django_db


@pytest.fixture
def jacket():
    jackets = CategoryFactory(name_en="Jackets", name_ja="ジャケット", slug="jackets")
    return product_with_variants(name="Wool jacket", name_ja="ウールジャケット", category=jackets, slug="wool-jacket")


@pytest.mark.parametrize("path", ["/products/wool-jacket/", "/category/jackets/", "/search/?q=jacket"])
def test_each_language_has_its_own_cached_page(jacket, path):
    for _ in range(2):  # the second round is served from the page cache
        japanese = Client(HTTP_ACCEPT_LANGUAGE="ja").get(path).content.decode()
        english = Client(HTTP_ACCEPT_LANGUAGE="en").get(path).content.decode()
        assert '<html lang="ja">' in japanese and "ウールジャケット" in japanese and "Wool jacket" not in japanese
        assert '<html lang="en">' in english and "Wool jacket" in english and "ウールジャケット" not in english


def test_a_japanese_name_left_empty_falls_back_to_english(jacket):
    plain = product_with_variants(name="Canvas cap", category=jacket.category, slug="canvas-cap")
    html = Client(HTTP_ACCEPT_LANGUAGE="ja").get(f"/products/{plain.slug}/").content.decode()
    assert "Canvas cap" in html and "カートに入れる" in html


def test_colour_names_are_in_the_readers_language_on_the_product_page_listing_and_cart():
    """Variant colours are stored as typed ("Black"); a Japanese shopper reads ブラック on the
    picker, the filters, the cart line and the order email; a colour outside the list is shown
    as stored."""
    from django.template.loader import render_to_string
    from django.utils import translation

    jackets = CategoryFactory(name_en="Jackets", name_ja="ジャケット", slug="jackets")
    product_with_variants(
        name="Field jacket",
        category=jackets,
        slug="field-jacket",
        options=[("M", "Black", 4), ("L", "Sand", 2), ("S", "Heather", 1)],
    )
    shopper = Client(HTTP_ACCEPT_LANGUAGE="ja")
    page = shopper.get("/products/field-jacket/").content.decode()
    assert "<span>ブラック</span>" in page and "<span>サンド</span>" in page and "<span>Heather</span>" in page
    assert '<span id="colour-chosen">ブラック</span>' in page
    assert ">Black<" not in page
    listing = shopper.get("/category/jackets/").content.decode()
    assert "<span>ブラック</span>" in listing
    from catalog.models import Variant

    black = Variant.objects.get(colour="Black")
    shopper.post("/cart/add/", {"variant_id": black.pk, "quantity": 1})
    cart = shopper.get("/cart/").content.decode()
    assert "M / ブラック" in cart and "M / Black" not in cart
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/products/field-jacket/").content.decode()
    assert "<span>Black</span>" in english
    lines = [{"quantity": 1, "name": "Field jacket", "options": "M / Black", "total": "$95.00"}]
    with translation.override("ja"):
        assert "(M / ブラック)" in render_to_string("emails/order_summary_block.txt", {"lines": lines})


def test_free_shipping_reads_free_in_the_order_email_as_on_the_pages():
    from django.template.loader import render_to_string
    from django.utils import translation

    context = {"lines": [], "subtotal": "$60.00", "shipping_total": "$0.00", "shipping_free": True, "total": "$66.00"}
    text = render_to_string("emails/order_summary_block.txt", context)
    html = render_to_string("emails/order_summary_block.html", context)
    assert "Shipping: free" in text and "$0.00" not in text
    assert ">Free</td>" in html
    with translation.override("ja"):
        assert "送料：無料" in render_to_string("emails/order_summary_block.txt", context)
    paid = render_to_string(
        "emails/order_summary_block.txt", {**context, "shipping_total": "$5.00", "shipping_free": False}
    )
    assert "Shipping: $5.00" in paid
