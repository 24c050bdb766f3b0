"""Storefront 404 and 500 pages: branded, helpful, and the 500 page renders without touching the database."""

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error


@pytest.mark.django_db
def test_404_is_the_branded_page_with_search_and_a_way_back(client):
    response = client.get("/products/no-such-product-anywhere/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "We can't find that page" in html
    # the shop's own header and footer, a search box and links back into the shop
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert 'action="/search/"' in html and 'for="error-search-q"' in html
    assert 'href="/">Go to the shop</a>' in html and 'href="/help/">Visit the help centre</a>' in html
    assert "<title>Page not found" in html


@pytest.mark.django_db
def test_500_page_is_branded_and_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/checkout/review/")
    # The database may be what failed: the page must not run a single query (the normal header's category nav does).
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, something went wrong on our side" in html
    assert "/static/css/app.css" in html
    assert 'href="/orders/">your orders</a>' in html


@pytest.mark.django_db
def test_403_offers_sign_in_to_a_visitor():
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/console/reports/overrides/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    html = response.content.decode()
    assert "You can't open this page" in html and 'class="site-header"' in html
    assert 'href="/accounts/login/?next=/console/reports/overrides/">Sign in</a>' in html


@pytest.mark.django_db
def test_expired_form_gets_a_plain_words_page_not_djangos_csrf_debug_text():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a@example.com", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This form has expired" in html and "Nothing was saved or charged" in html
    assert "CSRF verification failed" not in html
    assert "/static/css/app.css" in html
