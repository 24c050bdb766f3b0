from decimal import Decimal

from django import template

from common.money import format_money

register = template.Library()


@register.filter(name="money")
def money_filter(value):
    if value is None or value == "":
        return ""
    return format_money(Decimal(value))
