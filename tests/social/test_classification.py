"""The classifier on its own: language, rule matching, score, order numbers, priority — and
precision/recall of "needs a case" on the labelled set (tests/data/social_posts.tsv)."""

import csv
from pathlib import Path

import pytest

from social.classification import RuleSpec, classify, order_numbers_in, priority_for, rule_matches
from social.language import detect_language
from social.services import active_rules

DATA = Path(__file__).resolve().parent.parent / "data" / "social_posts.tsv"
FLOOR = 0.8


def _rule(term, language="en", category="delivery", weight=-0.4, opens_case=True):
    return RuleSpec(id=None, term=term, language=language, category=category, weight=weight, opens_case=opens_case)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("My parcel arrived damaged :( box crushed", "en"),
        ("lol", "en"),  # too short for n-grams: the shop's language
        ("注文した商品がまだ届きません", "ja"),
        ("Trail Runner 最高！", "ja"),  # kanji with a brand name in Latin letters
        ("サイズ感ぴったり", "ja"),
        ("Mi pedido todavía no ha llegado y nadie contesta mis correos, estoy muy enfadada", "es"),
        ("Ma commande n'est jamais arrivée et personne ne répond", "fr"),
        ("我的订单还没有到", "zh"),
    ],
)
def test_language_detection(text, language):
    assert detect_language(text) == language


def test_english_rules_match_whole_words_and_wildcards():
    assert rule_matches(_rule("refund*"), "still no refunds")
    assert rule_matches(_rule("refund*"), "refund")
    assert not rule_matches(_rule("late"), "chocolate cake")
    assert rule_matches(_rule("never arrived"), "it   never\narrived")
    assert rule_matches(_rule("delayed"), "'delayed due to weather'")
    assert rule_matches(_rule("hasn't arrived"), "it hasn't arrived")


def test_japanese_rules_match_inside_text_with_a_gap_within_one_sentence():
    rule = _rule("まだ*届", language="ja")
    assert rule_matches(rule, "まだ商品が届きません")
    assert not rule_matches(rule, "まだです。今日届きました")  # the gap never crosses a sentence end


def test_order_numbers_are_found_in_any_width_and_spacing():
    assert order_numbers_in("order uc-7kq2-mx4p and ＵＣ－ＡＢＣＤ－２３４５ (UC 9RVB K4ZE)") == [
        "UC-7KQ2-MX4P",
        "UC-9RVB-K4ZE",
        "UC-ABCD-2345",
    ]
    assert order_numbers_in("DUC-7KQ2-MX4PX") == []


def test_priority_follows_the_score():
    assert [priority_for(s) for s in (-0.95, -0.85, -0.7, -0.6, -0.4, -0.3, -0.1, 0.5)] == [
        "urgent", "urgent", "high", "high", "normal", "normal", "low", "low",
    ]  # fmt: skip


def test_score_is_sentiment_plus_rule_weights_clamped(settings):
    settings.SOCIAL_NEGATIVE_THRESHOLD = -0.35
    neutral = classify("Order UC-7KQ2-MX4P says delivered to a locker", [], language="en")
    assert neutral.sentiment == 0.0 and neutral.score == 0.0 and not neutral.needs_case
    rules = [_rule("locker", weight=-0.3, opens_case=False), _rule("says delivered", weight=-0.2, opens_case=False)]
    weighted = classify("Order UC-7KQ2-MX4P says delivered to a locker", rules, language="en")
    assert weighted.score == pytest.approx(-0.5)  # 0 + (−0.3) + (−0.2)
    assert weighted.needs_case and weighted.reason.startswith("Negative")
    assert weighted.order_numbers == ["UC-7KQ2-MX4P"]
    many = [_rule(f"w{i}", weight=-1.0, opens_case=False) for i in range(3)]
    assert classify("w0 w1 w2", many, language="en").score == -1.0


def test_a_complaint_rule_opens_a_case_unless_the_post_is_clearly_positive(settings):
    settings.SOCIAL_COMPLAINT_POSITIVE_LIMIT = 0.5
    rule = _rule("delayed", weight=-0.1)
    sarcasm = classify("Great. My order was delayed again.", [rule], language="en")
    assert sarcasm.sentiment > 0 and sarcasm.needs_case  # VADER reads "Great" as praise
    assert "Complaint rule “delayed”" in sarcasm.reason
    happy = classify("Delayed a day but honestly amazing, love it, best jacket ever!", [rule], language="en")
    assert happy.score >= 0.5 and not happy.needs_case


def test_rules_of_another_language_do_not_fire():
    result = classify("届かない", [_rule("届かない", language="en")], language="ja")
    assert result.matched == []


def test_a_longer_phrase_of_the_same_category_counts_alone():
    rules = [
        _rule("no refund", category="refund", weight=-0.5),
        _rule("still no refund", category="refund", weight=-0.6),
    ]
    result = classify("Still no refund after a month", rules, language="en")
    assert [m["term"] for m in result.matched] == ["still no refund"]


def test_japanese_sentiment_comes_from_the_dictionary_with_its_words():
    result = classify("最悪です。", [], language="ja")
    assert result.sentiment < 0
    assert {"word": "最悪", "polarity": -1} in result.sentiment_words


def _labelled():
    with DATA.open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        return list(rows)


def _score(rows, predictions):
    tp = fp = fn = 0
    misses = []
    for row in rows:
        predicted = predictions[row["id"]]
        expected = row["needs_case"] == "1"
        tp += predicted and expected
        fp += predicted and not expected
        fn += expected and not predicted
        if predicted != expected:
            misses.append(f"{row['id']} expected {int(expected)}: {row['text']}")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, misses


def test_the_labelled_set_is_large_varied_and_split():
    rows = _labelled()
    assert len(rows) >= 200
    assert {row["language"] for row in rows} == {"en", "ja"}
    for language in ("en", "ja"):
        mine = [row for row in rows if row["language"] == language]
        assert {row["needs_case"] for row in mine} == {"0", "1"}
        assert {row["split"] for row in mine} == {"train", "holdout"}
    assert len({row["id"] for row in rows}) == len(rows)
    assert len({row["text"] for row in rows}) == len(rows)


def test_precision_and_recall_of_needs_a_case_on_the_labelled_set(social_rules, capsys):
    """The shipped rules were tuned looking at the 'train' posts only; the 'holdout' posts
    show how they do on posts they were not tuned on. Both are reported; both must reach
    the floor."""
    rows = _labelled()
    rules = active_rules()
    predictions = {row["id"]: classify(row["text"], rules).needs_case for row in rows}
    report = []
    results = {}
    for split in ("train", "holdout", "all"):
        for language in ("en", "ja", "both"):
            subset = [
                r
                for r in rows
                if (split == "all" or r["split"] == split) and (language == "both" or r["language"] == language)
            ]
            precision, recall, misses = _score(subset, predictions)
            results[(split, language)] = (precision, recall)
            report.append(f"{split:<8} {language:<5} n={len(subset):<4} precision {precision:.3f}  recall {recall:.3f}")
            if split == "holdout" and language == "both":
                report += [f"    missed: {miss}" for miss in misses]
    with capsys.disabled():
        print("\nSocial listening, needs a case:\n" + "\n".join(report))
    for split in ("train", "holdout", "all"):
        precision, recall = results[(split, "both")]
        assert precision >= FLOOR, f"{split} precision {precision:.3f}"
        assert recall >= FLOOR, f"{split} recall {recall:.3f}"


def test_why_is_data_and_reads_in_the_agents_language(settings):
    from django.utils import translation

    from social.classification import reason_text

    settings.SOCIAL_NEGATIVE_THRESHOLD = -0.35
    result = classify("Where is my parcel", [_rule("where is my", weight=-0.5)], language="en")
    assert result.why == {
        "kind": "negative",
        "score": pytest.approx(result.score),
        "threshold": -0.35,
        "terms": ["where is my"],
        "language": "en",
        "analyser": True,
    }
    assert reason_text(result.why) == f"Negative: score {result.score:+.2f} is at or below -0.35"
    with translation.override("ja"):
        assert reason_text(result.why) == f"ネガティブ：スコア {result.score:+.2f} がしきい値 -0.35 以下です"
    other = classify("Mi pedido todavía no ha llegado y nadie contesta", [], language="es")
    assert other.reason.endswith("; no sentiment analyser for language “es”")
