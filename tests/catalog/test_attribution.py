import pytest
from django.test import RequestFactory

from catalog.attribution import session_attribution
from tests.catalog.factories import CategoryFactory, product_with_variants

pytestmark = pytest.mark.django_db


@pytest.fixture
def cap():
    return product_with_variants(name="Sun Cap", category=CategoryFactory(name="Hats", slug="hats"))


def test_utm_and_ref_on_any_storefront_url_are_stored_on_the_session(client, cap):
    client.get("/products/sun-cap/?utm_source=instagram&utm_medium=social&utm_campaign=summer&ref=post-42&x=1")
    stored = client.session["attribution"]
    assert {k: v for k, v in stored.items() if k not in {"captured_at"}} == {
        "utm_source": "instagram",
        "utm_medium": "social",
        "utm_campaign": "summer",
        "ref": "post-42",
        "landing_path": "/products/sun-cap/",
    }


def test_attribution_survives_later_pages_and_is_replaced_by_a_newer_link(client, cap):
    client.get("/category/hats/?utm_source=pinterest")
    client.get("/products/sun-cap/")
    client.get("/search/?q=cap")
    assert client.session["attribution"]["utm_source"] == "pinterest"
    client.get("/?ref=newsletter-7")
    assert client.session["attribution"]["ref"] == "newsletter-7"
    assert "utm_source" not in client.session["attribution"]


def test_values_are_trimmed_and_capped(client, cap):
    client.get("/", {"utm_source": "  x" + "y" * 500, "utm_term": ""})
    stored = client.session["attribution"]
    assert len(stored["utm_source"]) == 200
    assert "utm_term" not in stored


def test_session_attribution_reads_the_session(client, cap):
    client.get("/?utm_campaign=launch")
    request = RequestFactory().get("/")
    request.session = client.session
    assert session_attribution(request)["utm_campaign"] == "launch"
    bare = RequestFactory().get("/")
    assert session_attribution(bare) == {}
