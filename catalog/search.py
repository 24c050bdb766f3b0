"""Product search: Postgres full-text (weighted SearchVector, GIN, SearchRank) plus trigram
word similarity on a punctuation-free name so typos and "tshirt" still match.

Where the pg_trgm extension is missing (the embedded pgserver Postgres ships no contrib
modules) typo tolerance falls back to correcting each query word against the catalog's
vocabulary with difflib, then matching the corrected words (common.search, shared with the
knowledge search)."""

import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest

from catalog.cache import cache_get, cache_set
from catalog.models import Product
from common.search import trigram_available, words_corrected

MAX_QUERY_LENGTH = 200
TRIGRAM_THRESHOLD = 0.5
SUGGESTION_THRESHOLD = 0.3

_REFRESH_SQL = """
UPDATE catalog_product AS p SET
  search_vector =
      setweight(to_tsvector('english', p.name), 'A')
   || setweight(to_tsvector('english', c.name || ' ' || coalesce(parent.name, '')), 'B')
   || setweight(to_tsvector('english', p.description), 'C'),
  search_text = lower(regexp_replace(p.name || ' ' || c.name, '[^[:alnum:][:space:]]+', '', 'g'))
FROM catalog_category AS c
LEFT JOIN catalog_category AS parent ON parent.id = c.parent_id
WHERE c.id = p.category_id
"""


def search_index_refresh(*, product_ids: Iterable[int] | None = None) -> None:
    """Recompute search_vector/search_text for the given products (all when None)."""
    with connection.cursor() as cursor:
        if product_ids is None:
            cursor.execute(_REFRESH_SQL)
        else:
            cursor.execute(_REFRESH_SQL + " AND p.id = ANY(%s)", [list(product_ids)])


def search_index_refresh_for_category(*, category_id: int) -> None:
    """After a category rename: its products and its children's products carry its name."""
    with connection.cursor() as cursor:
        cursor.execute(_REFRESH_SQL + " AND (c.id = %s OR c.parent_id = %s)", [category_id, category_id])


def search_normalize(raw: str) -> str:
    """Trim, collapse whitespace, cap the length (a 2,000-character query is cut, not an error)."""
    return re.sub(r"\s+", " ", (raw or "").replace("\x00", "")).strip()[:MAX_QUERY_LENGTH]


def _compact(text: str) -> str:
    return re.sub(r"[^\w\s]+", "", text.lower())


def _vocabulary() -> list[str]:
    words = cache_get("catalog:search-vocabulary")
    if words is None:
        texts = Product.objects.filter(is_published=True).values_list("search_text", flat=True)
        words = sorted({word for text in texts for word in (text or "").split() if len(word) > 1})
        cache_set("catalog:search-vocabulary", words, 300)
    return words


def _corrected_words(compact: str, cutoff: float = 0.8) -> list[str]:
    """Each query word mapped to the closest catalog words ("snekers" -> "sneakers").

    The cutoffs mirror the trigram thresholds: strict for matching, looser for suggestions."""
    return words_corrected(compact.split(), _vocabulary(), cutoff=cutoff)


def _product_search_without_trigram(queryset: QuerySet[Product], text: str, compact: str) -> QuerySet[Product]:
    ts_query = SearchQuery(text, config="english", search_type="websearch")
    match = Q(search_vector=ts_query)
    for word in _corrected_words(compact):
        match |= Q(search_text__contains=word)
    squashed = compact.replace(" ", "")
    if squashed:
        match |= Q(search_text__contains=squashed)
    return (
        queryset.filter(match)
        .annotate(relevance=Coalesce(SearchRank(F("search_vector"), ts_query), Value(0.0), output_field=FloatField()))
        .order_by("-relevance", "-created_at", "-id")
    )


def product_search(*, query: str, queryset: QuerySet[Product] | None = None) -> QuerySet[Product]:
    """Published products matching `query`, best first (annotated `relevance`)."""
    queryset = Product.objects.filter(is_published=True) if queryset is None else queryset
    text = search_normalize(query)
    if not text:
        return queryset.none()
    compact = _compact(text)
    if not trigram_available():
        return _product_search_without_trigram(queryset, text, compact)
    ts_query = SearchQuery(text, config="english", search_type="websearch")
    match = Q(search_vector=ts_query)
    if compact.strip():
        match |= Q(search_text__trigram_word_similar=compact)
    return (
        queryset.filter(match)
        .annotate(
            relevance=Greatest(
                Coalesce(SearchRank(F("search_vector"), ts_query), Value(0.0), output_field=FloatField()),
                TrigramWordSimilarity(Value(compact), "search_text") * Value(0.5),
                output_field=FloatField(),
            )
        )
        .order_by("-relevance", "-created_at", "-id")
    )


def search_suggestions(*, query: str, limit: int = 5) -> list[str]:
    """Product names close to a query that found nothing ("Did you mean ...")."""
    compact = _compact(search_normalize(query))
    if not compact.strip():
        return []
    if not trigram_available():
        words = set(_corrected_words(compact, cutoff=0.6)) - set(compact.split())
        if not words:
            return []
        match = Q()
        for word in words:
            match |= Q(search_text__contains=word)
        return list(
            Product.objects.filter(is_published=True)
            .filter(match)
            .order_by("name")
            .values_list("name", flat=True)[:limit]
        )
    names = (
        Product.objects.filter(is_published=True)
        .annotate(similarity=TrigramWordSimilarity(Value(compact), "search_text"))
        .filter(similarity__gte=SUGGESTION_THRESHOLD)
        .order_by("-similarity", "name")
        .values_list("name", flat=True)[: limit * 3]
    )
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
        if len(seen) == limit:
            break
    return seen
