from django.conf import settings

from common.money import currency_symbol


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "CURRENCY": settings.CURRENCY,
        "CURRENCY_SYMBOL": currency_symbol(),
        # Prices include consumption tax (JPY default): pages say 税込 / "incl. tax" next to them.
        "PRICES_INCLUDE_TAX": settings.PRICES_INCLUDE_TAX,
        "INVOICE_REGISTRATION_NUMBER": settings.INVOICE_REGISTRATION_NUMBER,
        "FREE_SHIPPING_THRESHOLD": getattr(settings, "FREE_SHIPPING_THRESHOLD", None),
    }
