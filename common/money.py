"""Money helpers: Decimal only, quantized to the deployment currency's minor unit, and the
one formatter every page, email, console screen and admin column uses (`format_money`, the
`|money` template filter).

The minor unit comes from CLDR through Babel (settings.CURRENCY_DECIMAL_PLACES): 0.01 for USD,
1 for JPY. Rounding is half up (0.5 away from zero) at that unit; with yen a half yen rounds
to the next whole yen. Formatting follows the active language: ``$12.80`` in English,
``￥12,800`` in Japanese (CLDR's full-width yen sign, no decimals)."""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol
from django.conf import settings
from django.utils import translation

ZERO = Decimal("0")


def minor_unit() -> Decimal:
    return Decimal(1).scaleb(-settings.CURRENCY_DECIMAL_PLACES)


def quantize(amount: Decimal) -> Decimal:
    """Round half up to the currency's minor unit (0.01 USD, 1 JPY)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be Decimal, got {type(amount).__name__}")
    return amount.quantize(minor_unit(), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=16)
def babel_locale(language: str | None) -> Locale:
    """The Babel locale for a Django language code ("en", "ja", "en-us"); English if unknown."""
    try:
        return Locale.parse((language or settings.LANGUAGE_CODE).replace("-", "_"))
    except (ValueError, TypeError):
        return Locale.parse("en")


def current_locale() -> Locale:
    return babel_locale(translation.get_language())


def format_money(amount: Decimal, *, language: str | None = None) -> str:
    """`amount` in the deployment currency, formatted for `language` (default: the active one)."""
    locale = babel_locale(language) if language else current_locale()
    return format_currency(quantize(amount), settings.CURRENCY, locale=locale)


def currency_symbol(*, language: str | None = None) -> str:
    locale = babel_locale(language) if language else current_locale()
    return get_currency_symbol(settings.CURRENCY, locale=locale)
