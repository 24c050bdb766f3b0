"""Template filters for addresses and phone numbers: the same formatter as emails and
Python code (customers.addresses.address_lines, customers.phones.phone_display).

    {% load addresses %}
    <address>{{ order.shipping_address|address }}</address>        lines joined by <br>
    {{ address|address_one_line }}                                  "Ana Lima, 1 Main St, Portland, OR 97201"
    {{ customer.phone|phone:country }}                              "090-1234-5678" / "+81 90-1234-5678"
    <a href="tel:{{ customer.phone|phone_e164 }}">                   "+819012345678"
"""

from django import template
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import mark_safe

from customers.addresses import address_lines
from customers.addresses import address_one_line as _address_one_line
from customers.phones import phone_display, phone_parse

register = template.Library()


def _with_country(arg):
    if arg in (None, ""):
        return None
    return str(arg).lower() not in ("no", "false", "0", "without_country")


@register.filter
def address(value, with_country=None):
    """An Address or an order's address dict as HTML lines (escaped, joined by <br>).
    `|address:"no"` leaves the country line out, `|address:"yes"` always writes it."""
    if not value:
        return ""
    lines = address_lines(value, with_country=_with_country(with_country))
    return format_html_join(mark_safe("<br>"), "{}", ((conditional_escape(line),) for line in lines))


@register.filter
def address_one_line(value, with_country=None):
    if not value:
        return ""
    return _address_one_line(value, with_country=_with_country(with_country))


@register.filter
def phone(value, country=""):
    """A stored number the way `country` writes it (national there, international elsewhere)."""
    if not value:
        return ""
    return phone_display(value, country=str(country or "") or None)


@register.filter
def phone_e164(value):
    number = phone_parse(value)
    return number.as_e164 if number else ""
