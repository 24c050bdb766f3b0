"""Money helpers: Decimal only, quantized to the deployment currency's minor unit."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

ZERO = Decimal("0")


def minor_unit() -> Decimal:
    return Decimal(1).scaleb(-settings.CURRENCY_DECIMAL_PLACES)


def quantize(amount: Decimal) -> Decimal:
    """Round half up to the currency's minor unit (e.g. 0.01 USD)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be Decimal, got {type(amount).__name__}")
    return amount.quantize(minor_unit(), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal) -> str:
    value = quantize(amount)
    return f"{settings.CURRENCY_SYMBOL}{value:,.{settings.CURRENCY_DECIMAL_PLACES}f}"
