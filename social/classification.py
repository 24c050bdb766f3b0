"""Does a post need a case? Rules (admin-editable keywords and phrases) plus a lexicon
sentiment score, for the post's language.

    score = clamp(sentiment + Σ weights of the rules that fired, −1, +1)
    needs a case  ⇔  score ≤ SOCIAL_NEGATIVE_THRESHOLD
                     or (a complaint rule fired and score < SOCIAL_COMPLAINT_POSITIVE_LIMIT)

The second clause catches complaints the lexicon misses (sarcasm: "Great, my order is late
again"; Japanese complaints without a polarity word: まだ届きません); the limit keeps a
post that mentions a problem but is plainly happy ("delivery was slow but worth the wait,
gorgeous coat") out of the queue. Everything here is pure: `classify` takes the rules as
values, so the labelled-set test and the worker run the same code.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.utils.translation import gettext

from social.language import detect_language
from social.models import Category
from social.sentiment import sentiment_for
from social.terms import content_terms

_ORDER_NUMBER = re.compile(r"(?<![A-Z0-9])UC[-\s]?([A-Z0-9]{4})[-\s]?([A-Z0-9]{4})(?![A-Z0-9])")
_JA_GAP = r"[^。．.!！?？\n]{0,10}"


@dataclass(frozen=True)
class RuleSpec:
    id: int | None
    term: str
    language: str  # "" = any
    category: str
    weight: float
    opens_case: bool


@dataclass
class Classification:
    language: str
    sentiment: float | None
    sentiment_words: list[dict]
    matched: list[dict]
    score: float
    needs_case: bool
    category: str
    why: dict  # what decided it, in data (reason_text() says it in the reader's language)
    order_numbers: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return reason_text(self.why)


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits to half-width, half-width kana to full-width),
    curly apostrophes straightened, case folded."""
    text = unicodedata.normalize("NFKC", text or "").replace("\u2019", "'").replace("\u2018", "'")
    return text.casefold()


def _rule_pattern(term: str, language: str) -> re.Pattern:
    term = normalise(term).strip()
    if language == "ja" or re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", term):
        parts = [re.escape(part) for part in term.split("*")]
        return re.compile(_JA_GAP.join(parts))
    words = []
    for word in term.split():
        words.append(re.escape(word).replace(r"\*", r"[\w']*"))
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


_pattern_cache: dict[tuple[str, str], re.Pattern] = {}


def rule_matches(rule: RuleSpec, normalised_text: str) -> bool:
    key = (rule.term, rule.language)
    pattern = _pattern_cache.get(key)
    if pattern is None:
        pattern = _pattern_cache[key] = _rule_pattern(rule.term, rule.language)
    return bool(pattern.search(normalised_text))


def order_numbers_in(text: str) -> list[str]:
    found = _ORDER_NUMBER.findall(unicodedata.normalize("NFKC", text or "").upper())
    return sorted({f"UC-{a}-{b}" for a, b in found})


def reason_text(why: dict) -> str:
    """Why a post did (not) need a case, in the active language, from Classification.why."""
    if not why:
        return ""
    values = {
        "score": f"{why['score']:+.2f}",
        "threshold": f"{why['threshold']:+.2f}",
        "terms": ", ".join(f"“{term}”" for term in why.get("terms", [])),
        "language": why.get("language", ""),
    }
    kind = why.get("kind")
    if kind == "negative":
        text = gettext("Negative: score %(score)s is at or below %(threshold)s") % values
    elif kind == "complaint":
        text = gettext("Complaint rule %(terms)s and the post is not clearly positive (score %(score)s)") % values
    elif kind == "complaint_positive":
        text = gettext("Complaint rule fired but the post is clearly positive (score %(score)s)") % values
    else:
        text = gettext("Not negative (score %(score)s) and no complaint rule") % values
    if not why.get("analyser", True):
        text += gettext("; no sentiment analyser for language “%(language)s”") % values
    return text


def priority_for(score: float) -> str:
    """Case priority from the score (values of service_console's Case.Priority)."""
    if score <= -0.85:
        return "urgent"
    if score <= -0.6:
        return "high"
    if score <= -0.3:
        return "normal"
    return "low"


def classify(text: str, rules: list[RuleSpec], *, language: str | None = None) -> Classification:
    language = language or detect_language(text)
    normalised = normalise(text)
    matched = [
        rule for rule in rules if rule.language in ("", language) and rule_matches(rule, normalised) and rule.term
    ]
    # A phrase that contains another matched phrase of the same category wins alone
    # ("still no refund" over "no refund"), so one complaint is not counted twice.
    matched = [
        rule
        for rule in matched
        if not any(
            other is not rule
            and other.category == rule.category
            and len(other.term) > len(rule.term)
            and normalise(rule.term).replace("*", "") in normalise(other.term)
            for other in matched
        )
    ]
    sentiment = sentiment_for(text, language)
    base = sentiment.score or 0.0
    score = max(-1.0, min(1.0, base + sum(rule.weight for rule in matched)))
    negative = score <= settings.SOCIAL_NEGATIVE_THRESHOLD
    complaints = [rule for rule in matched if rule.opens_case]
    complaint = bool(complaints) and score < settings.SOCIAL_COMPLAINT_POSITIVE_LIMIT
    needs_case = negative or complaint
    if matched:
        strongest = max(matched, key=lambda rule: (abs(rule.weight), rule.opens_case))
        category = strongest.category
    elif score >= 0.5:
        category = Category.PRAISE
    else:
        category = Category.OTHER
    why = {
        "kind": "negative"
        if negative
        else "complaint"
        if complaint
        else "complaint_positive"
        if complaints
        else "calm",
        "score": round(score, 4),
        "threshold": settings.SOCIAL_NEGATIVE_THRESHOLD,
        "terms": [rule.term for rule in complaints],
        "language": language,
        "analyser": sentiment.score is not None,
    }
    return Classification(
        language=language,
        sentiment=sentiment.score,
        sentiment_words=sentiment.words,
        matched=[asdict(rule) for rule in matched],
        score=round(score, 4),
        needs_case=needs_case,
        category=str(category),
        why=why,
        order_numbers=order_numbers_in(text),
        terms=content_terms(text, language),
    )
