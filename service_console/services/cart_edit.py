"""Agent edits of a shopper's real cart. Every write goes through carts.services with the
agent as actor and the cart version the agent saw (a concurrent shopper edit raises
CartConflict instead of being overwritten). carts.services writes the audit entry in its own
transaction from that actor (the staff API calls the same functions): nothing here writes
one, so each agent action is audited exactly once whichever door it came through."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from carts.exceptions import VoucherInvalid, VoucherProblem
from carts.models import Cart, CartLine, CartOverride, Voucher
from carts.services import (
    cart_get_or_create,
    cart_line_add,
    cart_line_remove,
    cart_line_update,
    cart_override_apply,
    cart_override_approve,
    cart_override_reject,
    cart_override_remove,
    stock_reservation_set,
    voucher_by_code,
)
from catalog.models import Variant
from customers.models import Customer
from service_console.exceptions import ConsoleError


def console_cart(*, customer: Customer) -> Cart:
    return cart_get_or_create(customer=customer)


def console_line_add(*, cart: Cart, variant: Variant, quantity: int, expected_version: int, actor) -> CartLine:
    return cart_line_add(cart=cart, variant=variant, quantity=quantity, expected_version=expected_version, actor=actor)


def console_line_update(*, cart: Cart, line_id: int, quantity: int, expected_version: int, actor) -> None:
    cart_line_update(cart=cart, line=line_id, quantity=quantity, expected_version=expected_version, actor=actor)


def console_line_remove(*, cart: Cart, line_id: int, expected_version: int, actor) -> None:
    cart_line_remove(cart=cart, line=line_id, expected_version=expected_version, actor=actor)


def console_override_apply(
    *,
    cart: Cart,
    actor,
    scope: str,
    kind: str,
    value: Decimal,
    reason_code: str,
    reason_text: str,
    line_id: int | None,
    expected_version: int,
    request_approval: bool = False,
    voucher: Voucher | None = None,
) -> CartOverride:
    """Apply (or, over the agent's limit and asked for, queue for approval) an override.
    DiscountLimitExceeded propagates when over the limit without an approval request."""
    return cart_override_apply(
        cart=cart,
        actor=actor,
        scope=scope,
        kind=kind,
        value=value,
        reason_code=reason_code,
        reason_text=reason_text,
        line=line_id,
        expected_version=expected_version,
        request_approval=request_approval,
        voucher=voucher,
    )


def console_coupon_honour(
    *, cart: Cart, actor, code: str, expected_version: int | None, request_approval: bool = False
) -> CartOverride:
    """Give the value of an expired coupon as a cart override. The agent's limit applies:
    over it, DiscountLimitExceeded, or with `request_approval` a pending request in the
    supervisors' queue (the same rules as any cart discount). Only expired codes qualify:
    a live code is applied by the shopper as a voucher."""
    voucher = voucher_by_code(code)
    if voucher is None:
        raise VoucherInvalid(
            gettext("There is no coupon %(code)s.") % {"code": code.strip().upper()}, reason=VoucherProblem.UNKNOWN
        )
    if voucher.valid_to is None or voucher.valid_to > timezone.now():
        raise VoucherInvalid(
            gettext("The coupon %(code)s has not expired; the shopper can apply it at checkout.")
            % {"code": voucher.code},
            reason="not_expired",
        )
    kind = CartOverride.Kind.PERCENT if voucher.kind == voucher.Kind.PERCENT else CartOverride.Kind.AMOUNT
    return console_override_apply(
        cart=cart,
        actor=actor,
        scope=CartOverride.Scope.CART,
        kind=kind,
        value=voucher.value,
        reason_code=CartOverride.ReasonCode.GOODWILL,
        reason_text=f"Honoured expired coupon {voucher.code} ({voucher.label})",
        line_id=None,
        expected_version=expected_version,
        request_approval=request_approval,
        voucher=voucher,
    )


@transaction.atomic
def console_override_decide(*, override: CartOverride, actor, approve: bool, note: str = "") -> CartOverride:
    """A supervisor approves (applies, re-measured against the cart as it is now) or rejects
    (with a note for the agent) a pending override; carts.services checks the role, the
    cart and the limit, and writes the audit entry."""
    override = CartOverride.objects.select_related("cart__customer", "line__variant", "agent").get(pk=override.pk)
    if approve:
        return cart_override_approve(override=override, actor=actor, note=note)
    return cart_override_reject(override=override, actor=actor, note=note)


def console_override_remove(*, override: CartOverride, actor, expected_version: int) -> None:
    cart_override_remove(override=override, actor=actor, expected_version=expected_version)


def console_stock_reserve(*, cart: Cart, line_id: int, actor, minutes: int):
    line = CartLine.objects.select_related("variant__product").filter(pk=line_id, cart=cart).first()
    if line is None:
        raise ConsoleError(gettext("That item is no longer in this cart."))
    return stock_reservation_set(cart=cart, variant=line.variant, quantity=line.quantity, actor=actor, minutes=minutes)
