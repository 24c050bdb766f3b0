"""{% load variants %}: `{{ variant.colour|colour }}`, `{{ line.options|variant_options }}`."""

from django import template

from catalog.colours import colour_label, options_label

register = template.Library()


@register.filter
def colour(value):
    return colour_label(value)


@register.filter
def variant_options(value):
    return options_label(value)
