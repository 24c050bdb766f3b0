"""Dates and times per the active language with Babel (CLDR), in the site's time zone:
``{{ order.placed_at|day }}`` → "November 30, 2026" / "2026年11月30日";
``|day_short`` → "Nov 30" / "11月30日"; ``|day_time`` → "Nov 30, 2026, 14:05" /
"2026/11/30 14:05"; ``|clock`` → "14:05"; ``|month_year`` → "Nov 2026" / "2026年11月"."""

from django import template

from common.dates import format_clock, format_day, format_day_short, format_day_time, format_month_year

register = template.Library()


@register.filter(name="day")
def day_filter(value):
    return format_day(value) if value else ""


@register.filter(name="day_short")
def day_short_filter(value):
    return format_day_short(value) if value else ""


@register.filter(name="day_time")
def day_time_filter(value):
    return format_day_time(value) if value else ""


@register.filter(name="clock")
def clock_filter(value):
    return format_clock(value) if value else ""


@register.filter(name="month_year")
def month_year_filter(value):
    return format_month_year(value) if value else ""
