"""{% load consents %}: `purpose|consent_label` names a consent purpose the way people read it."""

from django import template

from customers.models import Consent

register = template.Library()


@register.filter
def consent_label(purpose: str) -> str:
    """ "sms_transactional" -> "Order updates by SMS" (unknown values are shown as they are)."""
    return dict(Consent.Purpose.choices).get(purpose, purpose)
