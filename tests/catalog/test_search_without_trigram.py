"""The embedded Postgres (pgserver) has no pg_trgm: search must still tolerate typos there.
These tests take the fallback path on the real database by reporting the extension absent."""

import pytest

from catalog import search
from tests.catalog.test_search import shop  # noqa: F401 - the same small catalog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_trigram(monkeypatch):
    monkeypatch.setattr(search, "trigram_available", lambda: False)


def _names(query):
    return [p.name for p in search.product_search(query=query)]


def test_fallback_typo_snekers_finds_sneakers(shop):  # noqa: F811
    assert _names("snekers") == ["Trail Sneakers"]


def test_fallback_tshirt_without_hyphen_finds_t_shirt(shop):  # noqa: F811
    assert "Organic T-Shirt" in _names("tshirt")


def test_fallback_exact_word_still_matches_by_full_text(shop):  # noqa: F811
    assert _names("mug") == ["Ceramic Mug"]


def test_fallback_nonsense_finds_nothing_and_suggests_nothing(shop):  # noqa: F811
    assert _names("qqqzzz") == []
    assert search.search_suggestions(query="qqqzzz") == []
