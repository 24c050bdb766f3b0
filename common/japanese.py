"""Japanese text for search: width/kana folding and word splitting with SudachiPy (small
dictionary, from PyPI). Used the same way when a search vector is built and when a query is
parsed (catalog.search), so both sides meet on the same terms:

- `fold`: NFKC (ｼﾞｬｹｯﾄ → ジャケット, ＴＳＨＩＲＴ → TSHIRT), lower case, hiragana → katakana
  (じゃけっと → ジャケット).
- `search_terms`: the words of a text that carry meaning — nouns, verbs and adjectives, by
  their dictionary (normalised) form; particles, auxiliaries, symbols and spaces dropped; an
  i-adjective also gives its stem (黒い → 黒), so "黒いジャケット" and "ジャケット 黒" share
  黒 and ジャケット. Every term is folded.

Latin-script words go through unchanged (English keeps Postgres's English stemming)."""

import re
import threading
import unicodedata
from functools import lru_cache

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f\u3005]")
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}
# Parts of speech that carry no meaning on their own in a product search.
_SKIPPED_POS = {"助詞", "助動詞", "補助記号", "空白", "記号", "接続詞", "感動詞", "接頭辞"}
# Words that only carry a question's grammar ("教えてください", "どの", "できますか"): left out
# of keyword matching (help articles, the chat bot), kept in product search.
_QUESTION_POS = {"代名詞", "連体詞"}
_QUESTION_WORDS = {
    *("教エル", "知ル", "分カル", "思ウ", "言ウ", "下サル", "頂ク", "願ウ"),
    *("為ル", "有ル", "居ル", "成ル", "ツク", "付ク"),
}
_WORDLIKE = re.compile(r"\w")
_local = threading.local()


def has_japanese(text: str) -> bool:
    return bool(_JAPANESE.search(text or ""))


def fold(text: str) -> str:
    """NFKC, lower case, hiragana as katakana."""
    return unicodedata.normalize("NFKC", text or "").lower().translate(_HIRAGANA_TO_KATAKANA)


def _tokenizer():
    # A tokenizer is not thread-safe; one per thread (the dictionary itself is shared).
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _dictionary().tokenizer()
        _local.tokenizer = tokenizer
    return tokenizer


@lru_cache(maxsize=1)
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="small")


def _split_mode():
    from sudachipy import SplitMode

    return SplitMode.C


def _groups(text: str, *, keywords_only: bool = False) -> list[list[str]]:
    """One group per meaningful morpheme: its folded normalised form, surface and (for an
    i-adjective) stem — any of which stands for the word. `keywords_only` also drops
    pronouns, adnominals and dependent words (する, できる, ください: `_QUESTION_WORDS`)."""
    text = unicodedata.normalize("NFKC", text or "")
    if not has_japanese(text):
        return []
    groups: list[list[str]] = []
    for morpheme in _tokenizer().tokenize(text[:5000], _split_mode()):
        pos = morpheme.part_of_speech()[0]
        if pos in _SKIPPED_POS:
            continue
        normal = morpheme.normalized_form()
        if keywords_only and (
            pos in _QUESTION_POS or morpheme.part_of_speech()[1] == "非自立可能" or fold(normal) in _QUESTION_WORDS
        ):
            continue
        candidates = [normal, morpheme.surface()]
        if pos == "形容詞" and normal.endswith("い") and len(normal) > 1:
            candidates.append(normal[:-1])  # 黒い -> 黒
        group: list[str] = []
        for candidate in candidates:
            term = fold(candidate).strip()
            if term and _WORDLIKE.search(term) and term not in group:
                group.append(term)
        if group and group not in groups:
            groups.append(group)
    return groups


def search_terms(text: str) -> list[str]:
    """Every folded term of `text` (for the search vector), in order, without duplicates."""
    terms: list[str] = []
    for group in _groups(text):
        terms.extend(term for term in group if term not in terms)
    return terms


def query_alternatives(text: str) -> list[list[list[str]]]:
    """Ways to read a query, each a list of word groups that must all match (any term of a
    group will do): as typed, and — when it has hiragana — with its hiragana as katakana,
    because the analyser cuts "じゃけっと" into nonsense but reads "ジャケット"."""
    text = unicodedata.normalize("NFKC", text or "")
    readings = [_groups(text)]
    katakana = text.translate(_HIRAGANA_TO_KATAKANA)
    if katakana != text:
        readings.append(_groups(katakana))
    alternatives: list[list[list[str]]] = []
    for groups in readings:
        if groups and groups not in alternatives:
            alternatives.append(groups)
    return alternatives


def keywords(text: str) -> list[str]:
    """The folded content words of a question ("返品の方法を教えてください" → 返品, 方法), for
    matching any of them against `search_terms` of documents: the words as typed or, when
    that finds none and the text has hiragana, read as katakana ("さいず" → サイズ). Only as
    a fallback: the analyser cuts a katakana-converted sentence into noise ("ニハドノ...")."""
    text = unicodedata.normalize("NFKC", text or "")
    found: list[str] = []
    for reading in dict.fromkeys([text, text.translate(_HIRAGANA_TO_KATAKANA)]):
        for group in _groups(reading, keywords_only=True):
            found.extend(term for term in group if term not in found)
        if found:
            break
    return found
