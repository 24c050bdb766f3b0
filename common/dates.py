"""Dates per the active language (Babel/CLDR), in the site's time zone. Used by the `dates`
template filters and by Python strings shown to people (voucher messages, console notes)."""

from datetime import date, datetime

from babel.dates import format_date, format_skeleton, format_time
from django.utils import timezone

from common.money import current_locale


def _local(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def format_day(value: date | datetime) -> str:
    """November 30, 2026 / 2026年11月30日"""
    return format_date(_local(value), format="long", locale=current_locale())


def format_day_short(value: date | datetime) -> str:
    """Nov 30 / 11月30日"""
    return format_skeleton("MMMd", _local(value), locale=current_locale())


def format_month_year(value: date | datetime) -> str:
    """Nov 2026 / 2026年11月"""
    return format_skeleton("yMMM", _local(value), locale=current_locale())


def format_day_time(value: datetime) -> str:
    """Nov 30, 2026, 14:05 / 2026/11/30 14:05"""
    value, locale = _local(value), current_locale()
    if not isinstance(value, datetime):
        return format_day(value)
    day = format_date(value, format="medium", locale=locale)
    clock = format_time(value, "HH:mm", locale=locale)
    return str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", clock)


def format_clock(value: datetime) -> str:
    """14:05"""
    return format_time(_local(value), "HH:mm", locale=current_locale())
