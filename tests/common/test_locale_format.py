"""Money and dates per language with Babel (CLDR): the one formatter used everywhere."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from common.dates import format_day, format_day_short, format_day_time
from common.money import format_money, quantize


@pytest.fixture
def yen(settings):
    settings.CURRENCY = "JPY"
    settings.CURRENCY_DECIMAL_PLACES = 0


def test_dollars_in_english():
    with translation.override("en"):
        assert format_money(Decimal("12.8")) == "$12.80"
        assert format_money(Decimal("1234.5")) == "$1,234.50"


def test_yen_in_japanese_has_no_decimals_and_the_full_width_sign(yen):
    with translation.override("ja"):
        assert format_money(Decimal("12800")) == "￥12,800"
    with translation.override("en"):
        assert format_money(Decimal("12800")) == "¥12,800"


def test_yen_rounds_to_whole_yen_half_up(yen):
    assert quantize(Decimal("100.5")) == Decimal("101")
    assert quantize(Decimal("100.49")) == Decimal("100")


def test_money_filter_follows_the_active_language(yen):
    template = Template("{% load money %}{{ amount|money }}")
    with translation.override("ja"):
        assert template.render(Context({"amount": Decimal("12800")})) == "￥12,800"


def test_dates_per_language(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    moment = datetime(2026, 11, 30, 5, 5, tzinfo=UTC)  # 14:05 in Tokyo
    with translation.override("ja"):
        assert format_day(date(2026, 11, 30)) == "2026年11月30日"
        assert format_day_short(date(2026, 11, 30)) == "11月30日"
        assert format_day_time(moment) == "2026/11/30 14:05"
    with translation.override("en"):
        assert format_day(date(2026, 11, 30)) == "November 30, 2026"
        assert format_day_short(date(2026, 11, 30)) == "Nov 30"


# format_money formats with pieces taken once from Babel (prefix, separators, suffix) and
# Python's digit grouping; it must give Babel's text for every amount.
@pytest.mark.parametrize("language", ["en", "ja", "de", "fr"])
@pytest.mark.parametrize(("currency", "places"), [("USD", 2), ("JPY", 0), ("EUR", 2)])
def test_money_text_is_babels_for_every_amount(settings, language, currency, places):
    import random

    from babel.numbers import format_currency

    from common.money import _money_shape, babel_locale

    settings.CURRENCY = currency
    settings.CURRENCY_DECIMAL_PLACES = places
    assert _money_shape(str(babel_locale(language)), currency, places) is not None  # the fast path is taken
    rng = random.Random(f"{language}{currency}")
    amounts = [Decimal("0"), Decimal("-0"), Decimal("0.005"), Decimal("999.995"), Decimal("-1234567.5")]
    amounts += [Decimal(rng.randint(-(10**10), 10**10)).scaleb(-rng.randint(0, 4)) for _ in range(3000)]
    for amount in amounts:
        expected = format_currency(quantize(amount), currency, locale=babel_locale(language))
        assert format_money(amount, language=language) == expected, amount


def test_money_with_a_pattern_babel_must_apply_still_uses_babel(settings):
    """Indian grouping (12,34,567.00) is not "groups of three": left to Babel."""
    from common.money import _money_shape

    settings.CURRENCY = "USD"
    settings.CURRENCY_DECIMAL_PLACES = 2
    assert _money_shape("hi", "USD", 2) is None
    assert format_money(Decimal("1234567"), language="hi") == "$12,34,567.00"


def test_yen_text_in_english_and_japanese(yen):
    assert format_money(Decimal("1234567.5"), language="ja") == "￥1,234,568"
    assert format_money(Decimal("-1234567.4"), language="ja") == "-￥1,234,567"
    assert format_money(Decimal("0.4"), language="en") == "¥0"
