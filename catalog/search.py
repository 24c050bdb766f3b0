"""Product search: Postgres full-text (weighted SearchVector, GIN, SearchRank) plus trigram
word similarity on a punctuation-free name so typos and "tshirt" still match.

Where the pg_trgm extension is missing (the embedded pgserver Postgres ships no contrib
modules) typo tolerance falls back to correcting each query word against the catalog's
vocabulary with difflib, then matching the corrected words (common.search, shared with the
knowledge search)."""

import hashlib
import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest

from catalog.cache import cache_get, cache_set
from catalog.colours import colour_search_words
from catalog.models import Product
from common.japanese import fold, has_japanese, query_alternatives, search_terms
from common.search import trigram_available, words_corrected

MAX_QUERY_LENGTH = 200
TRIGRAM_THRESHOLD = 0.5
SUGGESTION_THRESHOLD = 0.3

# English text goes through Postgres's English configuration (stemming: "jackets" finds
# "jacket"); Japanese text is split by the analyser in Python (common.japanese) and stored as
# space-separated folded terms under the 'simple' configuration, same weights.
_REFRESH_SQL = """
UPDATE catalog_product AS p SET
  search_vector =
      setweight(to_tsvector('english', coalesce(nullif(p.name_en, ''), p.name)), 'A')
   || setweight(to_tsvector('english',
        coalesce(c.name_en, c.name) || ' ' || coalesce(parent.name_en, parent.name, '')), 'B')
   || setweight(to_tsvector('english', coalesce(nullif(p.description_en, ''), p.description)), 'C')
   || setweight(to_tsvector('english', ja.colours), 'B')
   || setweight(to_tsvector('simple', ja.name_terms), 'A')
   || setweight(to_tsvector('simple', ja.category_terms), 'B')
   || setweight(to_tsvector('simple', ja.description_terms), 'C'),
  search_text = ja.search_text
FROM catalog_category AS c
LEFT JOIN catalog_category AS parent ON parent.id = c.parent_id,
unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
  AS ja(id, name_terms, category_terms, description_terms, search_text, colours)
WHERE c.id = p.category_id AND ja.id = p.id
"""

_TEXTS_SQL = """
SELECT p.id, p.name, p.name_en, p.name_ja, p.description, p.description_en, p.description_ja,
       c.name, c.name_en, c.name_ja, parent.name, parent.name_en, parent.name_ja,
       (SELECT array_agg(DISTINCT v.colour) FROM catalog_variant AS v
        WHERE v.product_id = p.id AND v.is_active AND v.colour <> '') AS colours
FROM catalog_product AS p
JOIN catalog_category AS c ON c.id = p.category_id
LEFT JOIN catalog_category AS parent ON parent.id = c.parent_id
"""
_BATCH = 2000


def _terms(*texts: str | None) -> str:
    return " ".join(dict.fromkeys(term for text in texts for term in search_terms(text or "")))


def _search_text(*texts: str | None) -> str:
    """Names without punctuation, folded (width, case, kana) for trigram matching."""
    joined = " ".join(dict.fromkeys(text for text in texts if text))
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]+|_", "", fold(joined))).strip()


def _refresh(where: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_TEXTS_SQL + where + " ORDER BY p.id", params)
        rows = cursor.fetchall()
        for start in range(0, len(rows), _BATCH):
            columns: list[list] = [[], [], [], [], [], []]
            for row in rows[start : start + _BATCH]:
                pid, name, name_en, name_ja, desc, desc_en, desc_ja = row[:7]
                cat, cat_en, cat_ja, parent, parent_en, parent_ja, colours = row[7:]
                # Colours of the variants weigh like the category: "jacket black" finds the black one.
                colours_en, colours_ja = colour_search_words(sorted(colours or []))
                name_en = name_en or name
                cat_en = cat_en or cat
                columns[0].append(pid)
                columns[1].append(_terms(name_en, name_ja))
                columns[2].append(_terms(cat_en, cat_ja, parent_en or parent, parent_ja, colours_ja))
                columns[3].append(_terms((desc_en or desc or "")[:2000], (desc_ja or "")[:2000]))
                columns[4].append(_search_text(name_en, name_ja, cat_en, cat_ja))
                columns[5].append(colours_en)
            cursor.execute(_REFRESH_SQL, columns)


def search_index_refresh(*, product_ids: Iterable[int] | None = None) -> None:
    """Recompute search_vector/search_text for the given products (all when None)."""
    if product_ids is None:
        _refresh("", [])
    else:
        _refresh(" WHERE p.id = ANY(%s)", [list(product_ids)])


def search_index_refresh_for_category(*, category_id: int) -> None:
    """After a category rename: its products and its children's products carry its name."""
    _refresh(" WHERE (c.id = %s OR c.parent_id = %s)", [category_id, category_id])


def search_normalize(raw: str) -> str:
    """Trim, collapse whitespace, cap the length (a 2,000-character query is cut, not an error)."""
    return re.sub(r"\s+", " ", (raw or "").replace("\x00", "")).strip()[:MAX_QUERY_LENGTH]


def _compact(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]+|_", "", fold(text))).strip()


def _text_query(text: str) -> SearchQuery:
    """English words (websearch syntax, English stemming) or, for Japanese, the analyser's
    word groups under 'simple': every group must match, any term of a group will do, any
    reading of the query will do (common.japanese.query_alternatives)."""
    english = SearchQuery(text, config="english", search_type="websearch")
    alternatives = query_alternatives(text)
    if not alternatives:
        return english
    raw = " | ".join(
        "(" + " & ".join("(" + " | ".join(_quoted(term) for term in group) + ")" for group in groups) + ")"
        for groups in alternatives
    )
    return english | SearchQuery(raw, config="simple", search_type="raw")


def _quoted(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


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
    """Full-text match, or every query word (as typed or corrected) in the product's text:
    "ジャケット 黒" and "jacket black" find black jackets, not every jacket and every black item."""
    ts_query = _text_query(text)
    match = Q(search_vector=ts_query)
    vocabulary = _vocabulary()
    fuzzy = Q()
    for word in compact.split():
        any_spelling = Q()
        for candidate in words_corrected([word], vocabulary):
            any_spelling |= Q(search_text__contains=candidate)
        fuzzy &= any_spelling
    squashed = compact.replace(" ", "")
    if squashed:
        fuzzy |= Q(search_text__contains=squashed)
    if has_japanese(text):
        # As with trigrams: Japanese words are short and run together, so the corrected
        # spellings are the fallback for a query whose words matched nothing (a typo).
        if not queryset.filter(match).exists():
            match = fuzzy
    elif fuzzy:
        match |= fuzzy
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
    ts_query = _text_query(text)
    match = Q(search_vector=ts_query)
    if compact.strip():
        fuzzy = Q(search_text__trigram_word_similar=compact)
        if has_japanese(text):
            # Japanese words are short (黒 is one character), so a query's trigrams overlap
            # with any name sharing its longest word: similarity is the fallback for a
            # query whose words matched nothing (a typo), not an addition to exact hits.
            if not queryset.filter(match).exists():
                match = fuzzy
        else:
            match |= fuzzy
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


# --- match once, reuse the ids ----------------------------------------------------------
SEARCH_IDS_TTL = 600  # the catalog generation is in the key: a catalog change retires them
SEARCH_IDS_MAX = 5000  # a query matching more than this lists its best 5,000


def _match_ids(query: str) -> list[int]:
    """Ids of the published products matching `query`, best first: the one match query
    (the FTS and trigram GIN indexes) that listing, count and facets then reuse."""
    return list(product_search(query=query).values_list("pk", flat=True)[:SEARCH_IDS_MAX])


def product_search_ids(query: str) -> list[int]:
    """`_match_ids`, cached per catalog generation and normalised query (search_normalize)."""
    from catalog.cache import generation_key

    text = search_normalize(query)
    if not text:
        return []
    key = generation_key("search-ids", hashlib.sha256(text.encode()).hexdigest()[:32])
    ids = cache_get(key)
    if ids is None:
        ids = _match_ids(text)
        cache_set(key, ids, SEARCH_IDS_TTL)
    return ids


def product_search_ids_sql(query: str) -> tuple[str, tuple]:
    """The match query's SQL and parameters (bench: EXPLAIN ANALYZE)."""
    return product_search(query=query).values_list("pk", flat=True)[:SEARCH_IDS_MAX].query.sql_with_params()
