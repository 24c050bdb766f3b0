"""Search pieces shared by product search (catalog.search) and knowledge search
(service_console.selectors): whether pg_trgm is there, and the fallback when it is not.

The embedded Postgres (pgserver) ships no contrib modules, so pg_trgm may be missing; then
typo tolerance corrects each query word against the searched texts' own vocabulary with
difflib ("snekers" -> "sneakers", "retrun" -> "return") and the corrected words are matched
instead. With pg_trgm, callers use trigram similarity in SQL."""

import difflib
import re
from collections.abc import Iterable

from django.db import connection

_trigram_by_db: dict[str, bool] = {}
_WORD = re.compile(r"[^\W_]+")


def trigram_available() -> bool:
    """Is pg_trgm installed in this database? (asked once per process and database)"""
    key = f"{connection.settings_dict.get('HOST')}/{connection.settings_dict.get('NAME')}"
    if key not in _trigram_by_db:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            _trigram_by_db[key] = cursor.fetchone() is not None
    return _trigram_by_db[key]


def vocabulary_of(texts: Iterable[str], *, min_length: int = 2) -> list[str]:
    """The distinct lower-case words of some texts, sorted (the corrector's dictionary)."""
    return sorted({word for text in texts for word in _WORD.findall((text or "").lower()) if len(word) >= min_length})


def words_corrected(words: Iterable[str], vocabulary: list[str], *, cutoff: float = 0.8) -> list[str]:
    """Each word kept when the vocabulary has it, else replaced by its closest vocabulary
    words (difflib ratio >= cutoff), else kept as typed. A word written without its space
    ("tshirt") also matches a vocabulary entry with one ("t shirt")."""
    known = set(vocabulary)
    corrected: list[str] = []
    for word in words:
        if word in known:
            corrected.append(word)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=2, cutoff=cutoff)
        close += [entry for entry in vocabulary if entry.replace(" ", "") == word and entry not in close]
        corrected.extend(close or [word])
    return corrected
