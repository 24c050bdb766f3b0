from django.conf import settings

from common.money import currency_symbol


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "CURRENCY": settings.CURRENCY,
        "CURRENCY_SYMBOL": currency_symbol(),
        "FREE_SHIPPING_THRESHOLD": getattr(settings, "FREE_SHIPPING_THRESHOLD", None),
    }
