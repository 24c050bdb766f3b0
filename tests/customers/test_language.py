"""The language switcher and the remembered language (issue 16)."""

import pytest
from django.conf import settings

from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_switching_sets_the_cookie_and_the_page_language(client):
    response = client.post("/accounts/language/", {"language": "ja", "next": "/help/"})
    assert response.status_code == 302 and response["Location"] == "/help/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    assert '<html lang="ja">' in client.get("/help/").content.decode()


def test_signed_in_choice_is_saved_and_follows_the_customer_to_a_new_device(client):
    customer = CustomerFactory()
    client.force_login(customer)
    client.post("/accounts/language/", {"language": "ja", "next": "/"})
    customer.refresh_from_db()
    assert customer.language == "ja"
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)  # another browser, same account
    assert '<html lang="ja">' in client.get("/help/").content.decode()


def test_browser_language_is_used_until_a_choice_is_made(client):
    assert '<html lang="ja">' in client.get("/help/", HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5").content.decode()
    assert '<html lang="en">' in client.get("/help/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()


def test_unknown_language_and_foreign_next_are_refused(client):
    response = client.post("/accounts/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
