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
