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
