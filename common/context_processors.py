from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "CURRENCY": settings.CURRENCY,
        "CURRENCY_SYMBOL": settings.CURRENCY_SYMBOL,
        "FREE_SHIPPING_THRESHOLD": getattr(settings, "FREE_SHIPPING_THRESHOLD", None),
    }
