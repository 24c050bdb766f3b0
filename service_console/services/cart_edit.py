"""Agent edits of a shopper's real cart. Every write goes through carts.services with the
agent as actor and the cart version the agent saw (a concurrent shopper edit raises
CartConflict instead of being overwritten), plus one audit entry in the same transaction."""

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
from common.audit import audit_record
from common.audit_actions import AuditAction
from common.money import format_money
from customers.models import Customer
from service_console.exceptions import ConsoleError


def _override_label(override: CartOverride) -> str:
    amount = (
        f"{override.value.normalize():f}%"
        if override.kind == CartOverride.Kind.PERCENT
        else format_money(override.value)
    )
    target = f"line {override.line.variant.sku}" if override.line_id else "whole cart"
    return f"{amount} off {target}"


def console_cart(*, customer: Customer) -> Cart:
    return cart_get_or_create(customer=customer)


@transaction.atomic
def console_line_add(*, cart: Cart, variant: Variant, quantity: int, expected_version: int, actor) -> CartLine:
    before = cart.version
    line = cart_line_add(cart=cart, variant=variant, quantity=quantity, expected_version=expected_version, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.CART_LINE_ADD,
        customer=cart.customer,
        obj=cart,
        before={"version": before},
        after={
            "item": f"{quantity} × {variant} ({variant.sku})",
            "sku": variant.sku,
            "quantity": quantity,
            "version": cart.version,
        },
    )
    return line


@transaction.atomic
def console_line_update(*, cart: Cart, line_id: int, quantity: int, expected_version: int, actor) -> None:
    line = CartLine.objects.select_related("variant__product").filter(pk=line_id, cart=cart).first()
    old_quantity = line.quantity if line else None
    cart_line_update(cart=cart, line=line_id, quantity=quantity, expected_version=expected_version, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.CART_LINE_UPDATE if quantity else AuditAction.CART_LINE_REMOVE,
        customer=cart.customer,
        obj=cart,
        before={"quantity": old_quantity},
        after={
            "item": f"{line.variant} ({line.variant.sku})" if line else "",
            "quantity": quantity,
            "version": cart.version,
        },
    )


@transaction.atomic
def console_line_remove(*, cart: Cart, line_id: int, expected_version: int, actor) -> None:
    line = CartLine.objects.select_related("variant__product").filter(pk=line_id, cart=cart).first()
    cart_line_remove(cart=cart, line=line_id, expected_version=expected_version, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.CART_LINE_REMOVE,
        customer=cart.customer,
        obj=cart,
        before={"quantity": line.quantity if line else None},
        after={"item": f"{line.variant} ({line.variant.sku})" if line else "", "version": cart.version},
    )


@transaction.atomic
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
    action: str = AuditAction.CART_OVERRIDE_APPLY,
    voucher: Voucher | None = None,
) -> CartOverride:
    """Apply (or, over the agent's limit and asked for, queue for approval) an override.
    DiscountLimitExceeded propagates when over the limit without an approval request."""
    override = cart_override_apply(
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
    pending = override.status == CartOverride.Status.PENDING_APPROVAL
    audit_record(
        actor=actor,
        action=AuditAction.CART_OVERRIDE_REQUEST if pending else action,
        customer=cart.customer,
        obj=override,
        after={
            "kind": str(override.approval_kind.label),
            "label": _override_label(override),
            "reason": f"{override.get_reason_code_display()}: {override.reason_text}",
            "percent_equivalent": str(override.percent_equivalent),
            "status": override.status,
            "version": cart.version,
        },
    )
    return override


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
            f"The coupon {voucher.code} has not expired; the shopper can apply it at checkout.", reason="not_expired"
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
        action=AuditAction.CART_COUPON_HONOUR,
        voucher=voucher,
    )


@transaction.atomic
def console_override_decide(*, override: CartOverride, actor, approve: bool, note: str = "") -> CartOverride:
    """A supervisor approves (applies, re-measured against the cart as it is now) or rejects
    (with a note for the agent) a pending override; carts.services checks the role, the
    cart and the limit, and this records the audit entry in the same transaction."""
    override = CartOverride.objects.select_related("cart__customer", "line__variant", "agent").get(pk=override.pk)
    if approve:
        decided = cart_override_approve(override=override, actor=actor, note=note)
    else:
        decided = cart_override_reject(override=override, actor=actor, note=note)
    audit_record(
        actor=actor,
        action=AuditAction.CART_OVERRIDE_APPROVE if approve else AuditAction.CART_OVERRIDE_REJECT,
        customer=override.cart.customer,
        obj=decided,
        before={"status": CartOverride.Status.PENDING_APPROVAL},
        after={
            "kind": str(decided.approval_kind.label),
            "label": _override_label(override),
            "reason": f"{override.get_reason_code_display()}: {override.reason_text}",
            "requested_by": override.agent.email,
            "note": decided.decision_note,
            "percent_equivalent": str(decided.percent_equivalent),
            "status": decided.status,
            "version": override.cart.version,
        },
    )
    return decided


@transaction.atomic
def console_override_remove(*, override: CartOverride, actor, expected_version: int) -> None:
    cart_override_remove(override=override, actor=actor, expected_version=expected_version)
    audit_record(
        actor=actor,
        action=AuditAction.CART_OVERRIDE_REMOVE,
        customer=override.cart.customer,
        obj=override,
        before={"label": _override_label(override), "status": override.status},
        after={"status": CartOverride.Status.REMOVED},
    )


@transaction.atomic
def console_stock_reserve(*, cart: Cart, line_id: int, actor, minutes: int):
    line = CartLine.objects.select_related("variant__product").filter(pk=line_id, cart=cart).first()
    if line is None:
        raise ConsoleError(gettext("That item is no longer in this cart."))
    reservation = stock_reservation_set(
        cart=cart, variant=line.variant, quantity=line.quantity, actor=actor, minutes=minutes
    )
    audit_record(
        actor=actor,
        action=AuditAction.CART_RESERVE,
        customer=cart.customer,
        obj=cart,
        after={
            "item": f"{line.quantity} × {line.variant} ({line.variant.sku})",
            "expires_at": reservation.expires_at.isoformat(),
        },
    )
    return reservation
