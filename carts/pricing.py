"""The one pricing function (C3): cart -> PriceBreakdown. Used by the cart page, checkout,
order placement, the console, the API and emails.

Rounding rules (all money is Decimal; "round" means round half up to the currency's minor
unit, `common.money.quantize`):

1. Line subtotal = unit price × quantity. Prices already have minor-unit precision, so this
   is exact and never rounded.
2. Line override (agent, applied): percent → round(line subtotal × percent / 100);
   amount → the amount, capped at the line subtotal. A line never goes below zero.
3. Merchandise after line discounts = Σ (line subtotal − line discount).
4. Voucher, on the merchandise after line discounts (its minimum spend is checked against
   that same amount): percent → round(base × percent / 100); fixed → the value capped at
   the base.
5. Cart override (agent, applied) on what remains after the voucher: percent →
   round(remaining × percent / 100); amount → capped at the remaining amount.
6. Merchandise total = merchandise after line discounts − voucher − cart override (≥ 0).
7. Shipping: standard is free when the merchandise total ≥ FREE_SHIPPING_THRESHOLD, else
   SHIPPING_FLAT_RATE; express is always SHIPPING_EXPRESS_RATE. An empty cart ships free.
8. Tax, per rate. Each line carries its product's rate (TAX_RATE, or TAX_RATE_REDUCED for
   products of the reduced class, e.g. food in Japan: 10 % and 8 %). The voucher and the
   cart override are shared out over the rates in proportion to each rate's merchandise
   after line discounts (each share rounded; the largest rate takes the remainder, so the
   shares add up exactly); shipping belongs to the standard rate. Tax is then rounded once
   per rate — never per line — as a Japanese qualified invoice (適格請求書) requires:
   - prices exclusive of tax (PRICES_INCLUDE_TAX false, USD default):
     tax(rate) = round(amount(rate) × rate), added on top;
   - prices inclusive of tax (税込, the JPY default): tax(rate) = round(amount(rate) × rate
     / (1 + rate)), the part of the price that is tax, nothing added.
   With one rate and exclusive prices this is round((merchandise + shipping) × TAX_RATE).
9. Total = merchandise total + shipping (+ tax when prices exclude it).

"Round" is half up at the currency's minor unit: with yen (no sen) every amount — discounts,
each rate's tax, the total — is whole yen, and ¥0.5 rounds up to ¥1.

The function only reads: it never writes, never takes locks and never checks stock.
Per-customer voucher limits need the order history and are checked when the voucher is
applied and again at placement (`carts.services.voucher_check`).
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from carts.models import Cart, CartOverride, Voucher
from common.dates import format_day
from common.money import ZERO, format_money, quantize

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class LinePrice:
    line_id: int | None
    variant_id: int
    sku: str
    name: str
    options: str
    unit_price: Decimal
    quantity: int
    subtotal: Decimal
    discount: Decimal
    total: Decimal
    override_id: int | None = None
    added_by_name: str = ""
    tax_rate: Decimal = ZERO


@dataclass(frozen=True)
class TaxLine:
    """One tax rate's part of a cart: the amount it applies to (what the shopper pays at
    that rate — tax included when prices include it) and the tax, rounded once."""

    rate: Decimal
    amount: Decimal
    tax: Decimal

    @property
    def is_reduced(self) -> bool:
        return self.rate != settings.TAX_RATE

    @property
    def percent(self) -> str:
        return f"{(self.rate * HUNDRED).normalize():f}"


@dataclass(frozen=True)
class PriceBreakdown:
    lines: list[LinePrice]
    subtotal: Decimal
    line_discount_total: Decimal
    voucher_code: str
    voucher_discount: Decimal
    voucher_message: str
    override_discount: Decimal
    override_id: int | None
    discount_total: Decimal
    merchandise_total: Decimal
    shipping_method: str
    shipping: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal
    item_count: int
    free_shipping_remaining: Decimal = field(default=ZERO)
    tax_lines: tuple[TaxLine, ...] = ()
    prices_include_tax: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def shipping_method_label(self) -> str:
        """ "Standard (3-5 days)" in the active language (the value is "standard")."""
        try:
            return str(Cart.ShippingMethod(self.shipping_method).label)
        except ValueError:
            return self.shipping_method

    def as_dict(self) -> dict:
        """JSON-serialisable (money as strings), for emails, the API and snapshots."""
        money = ("subtotal", "line_discount_total", "voucher_discount", "override_discount", "discount_total")
        money += ("merchandise_total", "shipping", "tax", "total")
        data = {name: str(getattr(self, name)) for name in money}
        data.update(
            voucher_code=self.voucher_code,
            voucher_message=self.voucher_message,
            shipping_method=self.shipping_method,
            tax_rate=str(self.tax_rate),
            prices_include_tax=self.prices_include_tax,
            tax_lines=[{"rate": str(t.rate), "amount": str(t.amount), "tax": str(t.tax)} for t in self.tax_lines],
            item_count=self.item_count,
            lines=[
                {
                    "sku": line.sku,
                    "name": line.name,
                    "options": line.options,
                    "unit_price": str(line.unit_price),
                    "quantity": line.quantity,
                    "subtotal": str(line.subtotal),
                    "discount": str(line.discount),
                    "total": str(line.total),
                    "tax_rate": str(line.tax_rate),
                }
                for line in self.lines
            ],
        )
        return data


def shipping_rates() -> dict[str, Decimal]:
    return {
        "standard": Decimal(str(getattr(settings, "SHIPPING_FLAT_RATE", "5.00"))),
        "express": Decimal(str(getattr(settings, "SHIPPING_EXPRESS_RATE", "15.00"))),
    }


def free_shipping_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "FREE_SHIPPING_THRESHOLD", "50.00")))


# Percent-off kinds of vouchers and agent overrides; every other kind is an amount off.
PERCENT_KINDS = frozenset({Voucher.Kind.PERCENT, CartOverride.Kind.PERCENT})


def _discount(kind: str, value: Decimal, base: Decimal) -> Decimal:
    if base <= ZERO:
        return ZERO
    if kind in PERCENT_KINDS:
        return min(quantize(base * value / HUNDRED), base)
    return min(quantize(value), base)


def product_tax_rate(product) -> Decimal:
    """The rate a product's price carries: reduced for the reduced tax class (food)."""
    if getattr(product, "tax_class", "") == "reduced":
        return settings.TAX_RATE_REDUCED
    return settings.TAX_RATE


def _shares(total: Decimal, weights: dict[Decimal, Decimal]) -> dict[Decimal, Decimal]:
    """`total` shared out in proportion to `weights`, each share rounded; the largest weight
    takes the remainder so the shares add up to `total` exactly."""
    base = sum(weights.values(), ZERO)
    if total == ZERO or base <= ZERO:
        return dict.fromkeys(weights, ZERO)
    largest = max(weights, key=lambda rate: (weights[rate], rate))
    shares = {rate: quantize(total * weight / base) for rate, weight in weights.items() if rate != largest}
    shares[largest] = total - sum(shares.values(), ZERO)
    return shares


def tax_lines_compute(
    *, merchandise: dict[Decimal, Decimal], discount: Decimal, shipping: Decimal, include: bool
) -> tuple[TaxLine, ...]:
    """Rules 8: per-rate amounts after the shared-out cart discounts, plus shipping at the
    standard rate; tax rounded once per rate. Highest rate first (as receipts list them)."""
    standard = settings.TAX_RATE
    weights = dict(merchandise)
    shares = _shares(discount, weights)
    amounts = {rate: weights[rate] - shares.get(rate, ZERO) for rate in weights}
    if shipping:
        amounts[standard] = amounts.get(standard, ZERO) + shipping
    if not amounts:
        return ()
    lines = []
    for rate in sorted(amounts, reverse=True):
        amount = amounts[rate]
        tax = quantize(amount * rate / (1 + rate)) if include else quantize(amount * rate)
        lines.append(TaxLine(rate=rate, amount=amount, tax=tax))
    return tuple(lines)


def voucher_problem(voucher, *, base: Decimal, now: datetime) -> str:
    """Why `voucher` cannot apply to a cart whose merchandise is `base` ('' if it can).

    Covers everything knowable from the voucher row; per-customer limits are checked by
    carts.services.voucher_check.
    """
    code = voucher.code
    if not voucher.is_active:
        return gettext("The code %(code)s is no longer active.") % {"code": code}
    if voucher.valid_from and now < voucher.valid_from:
        start = format_day(voucher.valid_from)
        return gettext("The code %(code)s is not valid yet; it starts on %(start)s.") % {"code": code, "start": start}
    if voucher.valid_to and now >= voucher.valid_to:
        end = format_day(voucher.valid_to)
        return gettext("The code %(code)s expired on %(end)s.") % {"code": code, "end": end}
    limit = 1 if voucher.single_use else voucher.usage_limit_total
    if limit is not None and voucher.times_used >= limit:
        return gettext("The code %(code)s has already been used up.") % {"code": code}
    if base < voucher.min_spend:
        return gettext("The code %(code)s needs a minimum spend of %(minimum)s; add %(missing)s more.") % {
            "code": code,
            "minimum": format_money(voucher.min_spend),
            "missing": format_money(voucher.min_spend - base),
        }
    return ""


def cart_price(cart, *, now: datetime | None = None) -> PriceBreakdown:
    """Price `cart` (see the module docstring for the rules). Reads lines, variants,
    the voucher and applied overrides; prefetch them to keep the query count constant."""
    now = now or timezone.now()
    overrides = [o for o in cart.overrides.all() if o.status == CartOverride.Status.APPLIED]
    line_overrides = {o.line_id: o for o in overrides if o.scope == CartOverride.Scope.LINE}
    cart_override = next((o for o in reversed(overrides) if o.scope == CartOverride.Scope.CART), None)

    lines: list[LinePrice] = []
    for line in cart.lines.all():
        variant = line.variant
        unit_price = variant.price
        subtotal = unit_price * line.quantity
        override = line_overrides.get(line.pk)
        discount = _discount(override.kind, override.value, subtotal) if override else ZERO
        added_by = line.added_by
        lines.append(
            LinePrice(
                line_id=line.pk,
                variant_id=variant.pk,
                sku=variant.sku,
                name=variant.product.name,
                options=variant.options_label,
                unit_price=unit_price,
                quantity=line.quantity,
                subtotal=subtotal,
                discount=discount,
                total=subtotal - discount,
                override_id=override.pk if override else None,
                added_by_name=(added_by.first_name or added_by.get_short_name()) if added_by else "",
                tax_rate=product_tax_rate(variant.product),
            )
        )

    subtotal = sum((line.subtotal for line in lines), ZERO)
    line_discount_total = sum((line.discount for line in lines), ZERO)
    after_lines = subtotal - line_discount_total

    voucher = cart.voucher
    voucher_code, voucher_discount, voucher_message = "", ZERO, ""
    if voucher is not None and lines:
        problem = voucher_problem(voucher, base=after_lines, now=now)
        if problem:
            voucher_message = problem
        else:
            voucher_code = voucher.code
            voucher_discount = _discount(voucher.kind, voucher.value, after_lines)

    remaining = after_lines - voucher_discount
    override_discount = ZERO
    if cart_override is not None:
        override_discount = _discount(cart_override.kind, cart_override.value, remaining)
    merchandise_total = remaining - override_discount

    method = cart.shipping_method or "standard"
    rates = shipping_rates()
    threshold = free_shipping_threshold()
    if not lines:
        shipping = ZERO
    elif method == "express":
        shipping = rates["express"]
    else:
        shipping = ZERO if merchandise_total >= threshold else rates["standard"]
    tax_rate = settings.TAX_RATE
    include = settings.PRICES_INCLUDE_TAX
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        by_rate[line.tax_rate] = by_rate.get(line.tax_rate, ZERO) + line.total
    tax_lines = tax_lines_compute(
        merchandise=by_rate, discount=voucher_discount + override_discount, shipping=shipping, include=include
    )
    tax = sum((t.tax for t in tax_lines), ZERO)
    total = merchandise_total + shipping + (ZERO if include else tax)
    return PriceBreakdown(
        lines=lines,
        subtotal=subtotal,
        line_discount_total=line_discount_total,
        voucher_code=voucher_code,
        voucher_discount=voucher_discount,
        voucher_message=voucher_message,
        override_discount=override_discount,
        override_id=cart_override.pk if cart_override else None,
        discount_total=line_discount_total + voucher_discount + override_discount,
        merchandise_total=merchandise_total,
        shipping_method=method,
        shipping=shipping,
        tax_rate=tax_rate,
        tax=tax,
        total=total,
        item_count=sum(line.quantity for line in lines),
        free_shipping_remaining=max(threshold - merchandise_total, ZERO) if lines and method == "standard" else ZERO,
        tax_lines=tax_lines,
        prices_include_tax=include,
    )
