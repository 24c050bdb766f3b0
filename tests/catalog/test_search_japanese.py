"""Japanese search (catalog.search + common.japanese): words split by SudachiPy when the
vector is built and when the query is parsed, width and kana folded, typos via trigram;
English search over the same products unchanged."""

import pytest
from django.utils import translation

from catalog.search import product_search, search_suggestions
from common.japanese import fold, search_terms
from tests.catalog.factories import CategoryFactory, product_with_variants

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    jackets = CategoryFactory(name_en="Jackets", name_ja="ジャケット", slug="jackets")
    tops = CategoryFactory(name_en="Tops", name_ja="トップス", slug="tops")
    food = CategoryFactory(name_en="Tea", name_ja="お茶", slug="tea")
    return {
        "black": product_with_variants(
            name="Black wool jacket",
            name_ja="ウールジャケット（黒）",
            category=jackets,
            slug="black-jacket",
            description_en="Warm and light.",
            description_ja="軽くて暖かいウールのジャケットです。",
        ),
        "blue": product_with_variants(
            name="Blue denim jacket",
            name_ja="デニムジャケット（青）",
            category=jackets,
            slug="blue-jacket",
            options=[("M", "Blue", 10)],  # its variants' colours are in the index too
            description_en="Washed denim.",
            description_ja="色落ち加工のデニム。",
        ),
        "tee": product_with_variants(
            name="Black cotton T-shirt",
            name_ja="黒いコットンTシャツ",
            category=tops,
            slug="black-tee",
            description_en="Soft.",
            description_ja="やわらかい綿。",
        ),
        "tea": product_with_variants(
            name="Sencha green tea",
            name_ja="煎茶 緑茶 100g",
            category=food,
            slug="sencha",
            options=[("100g", "", 10)],
        ),
    }


def _slugs(query):
    return [p.slug for p in product_search(query=query)]


def test_analyser_splits_and_folds():
    assert search_terms("黒いジャケット") == ["黒イ", "黒", "ジャケット"]
    assert fold("ｼﾞｬｹｯﾄ") == fold("じゃけっと") == "ジャケット"


def test_word_order_and_adjective_form_do_not_matter(shop):
    assert _slugs("ジャケット 黒") == ["black-jacket"]
    assert _slugs("黒いジャケット") == ["black-jacket"]
    assert _slugs("黒") == ["black-jacket", "black-tee"] or _slugs("黒") == ["black-tee", "black-jacket"]


def test_half_width_and_hiragana_find_katakana(shop):
    assert set(_slugs("ｼﾞｬｹｯﾄ")) == {"black-jacket", "blue-jacket"}
    assert set(_slugs("じゃけっと")) == {"black-jacket", "blue-jacket"}
    assert set(_slugs("ＪＡＣＫＥＴ")) == {"black-jacket", "blue-jacket"}


def test_category_and_description_words_in_japanese(shop):
    assert _slugs("緑茶") == ["sencha"]
    assert _slugs("お茶") == ["sencha"]  # its category
    assert _slugs("デニム 青") == ["blue-jacket"]


def test_japanese_typo_found_by_trigram(shop):
    assert "black-jacket" in _slugs("ウールジャケト")


def test_english_search_unchanged_next_to_japanese(shop):
    assert set(_slugs("jacket")) == {"black-jacket", "blue-jacket"}
    assert _slugs("black jacket") == ["black-jacket"]
    assert _slugs("green tea") == ["sencha"]


def test_names_and_suggestions_in_the_visitors_language(shop):
    with translation.override("ja"):
        assert [p.name for p in product_search(query="デニム")] == ["デニムジャケット（青）"]
        assert "ウールジャケット（黒）" in search_suggestions(query="ウールジャケトゥ")
    with translation.override("en"):
        assert [p.name for p in product_search(query="デニム")] == ["Blue denim jacket"]


def test_without_trigram_every_word_must_match(shop, monkeypatch):
    """The embedded Postgres has no pg_trgm: there "black jacket" is still black jackets, not
    every jacket and every black item, and a Japanese query's corrected spellings are used
    only when nothing matched as typed."""
    from catalog import search

    monkeypatch.setattr(search, "trigram_available", lambda: False)
    assert _slugs("black jacket") == ["black-jacket"]
    assert _slugs("ジャケット 黒") == ["black-jacket"]
    assert _slugs("黒いジャケット") == ["black-jacket"]
    assert set(_slugs("ジャケット")) == {"black-jacket", "blue-jacket"}
    assert _slugs("デニム 青") == ["blue-jacket"]
