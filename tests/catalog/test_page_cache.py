import re

import pytest
from django.test import Client

from catalog.models import Variant
from catalog.page_cache import CSRF_PLACEHOLDER
from catalog.redis_client import catalog_redis
from catalog.views_buffer import BUFFER_KEY, product_views_flush
from tests.catalog.factories import CategoryFactory, product_with_variants
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee():
    leaf = CategoryFactory(name="T-Shirts", slug="t-shirts")
    return product_with_variants(name="Plain Tee", category=leaf, options=[("M", "Black", 8)])


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_anonymous_product_page_is_served_from_cache_with_fresh_stock_in_one_query(
    client, tee, django_assert_num_queries
):
    client.get("/products/plain-tee/")
    with django_assert_num_queries(1):  # the stock/price fingerprint; the page itself is cached
        html = client.get("/products/plain-tee/").content.decode()
    assert "In stock" in html
    # Stock changed behind the cache's back (queryset update, no signal): the next page shows it.
    Variant.objects.filter(product=tee).update(stock=2)
    assert "Only 2 left" in client.get("/products/plain-tee/").content.decode()


def test_cached_pages_carry_each_visitors_own_csrf_token(tee):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get("/products/plain-tee/")
    html = second.get("/products/plain-tee/").content.decode()
    token = _token(html)
    assert CSRF_PLACEHOLDER not in html and token
    assert token != _token(first.get("/products/plain-tee/").content.decode())
    assert second.cookies["csrftoken"].value


def test_cached_views_are_still_recorded(client, tee):
    catalog_redis().delete(BUFFER_KEY)
    for _ in range(3):
        client.get("/products/plain-tee/")
    assert product_views_flush() == 3


def test_signed_in_shoppers_never_get_the_anonymous_page(client, tee):
    client.get("/category/t-shirts/")  # cached for anonymous visitors
    client.force_login(CustomerFactory())
    html = client.get("/category/t-shirts/").content.decode()
    assert "Sign out" in html
    html = client.get("/products/plain-tee/").content.decode()
    assert "Sign out" in html


def test_listing_page_cache_follows_catalog_changes(client, tee):
    assert "Plain Tee" in client.get("/category/t-shirts/").content.decode()
    tee.name = "Heavy Tee"
    tee.save()
    html = client.get("/category/t-shirts/").content.decode()
    assert "Heavy Tee" in html and "Plain Tee" not in html


def test_all_products_page_is_cached_for_sessionless_visitors_but_searches_are_not(
    client, tee, django_assert_num_queries
):
    client.get("/search/?q=")
    with django_assert_num_queries(0):
        assert "Plain Tee" in client.get("/search/?q=").content.decode()
    from catalog.models import SearchQuery
    from catalog.views_buffer import searches_flush

    client.get("/search/?q=tee")
    client.get("/search/?q=tee")
    assert searches_flush() == 2
    assert SearchQuery.objects.filter(query="tee").count() == 2


def test_storefront_still_works_when_redis_is_down(client, tee, settings):
    from catalog.cache import _memo
    from catalog.page_cache import local_page_cache_clear

    dead = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": dead}}
    settings.REDIS_URL = dead
    _memo.clear()
    local_page_cache_clear()
    for url in ["/", "/category/t-shirts/", "/products/plain-tee/", "/search/?q=tee", "/search/?q="]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Plain Tee" in client.get("/category/t-shirts/").content.decode()
    # With the search buffer unreachable, the search was written straight to the database.
    from catalog.models import SearchQuery

    assert SearchQuery.objects.filter(query="tee").count() == 1
    # A catalog edit (which invalidates the cache) still saves.
    tee.name = "Plainer Tee"
    tee.save()
    assert "Plainer Tee" in client.get("/category/t-shirts/").content.decode()
