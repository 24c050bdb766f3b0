"""Cart writes (C3). Every change locks the cart row, checks the version the writer saw
(`expected_version`; stale → CartConflict), bumps `version` and `last_activity_at`.

`expected_version=None` skips the check; only additive storefront actions (add to cart
from a product page, which never saw the cart) should pass None. Updates, removals and
every console write pass the version they saw.

Audit (issue 13, "audit lives in the services"): each state-changing service takes the
`actor` who asked for the change and writes the audit entry itself, in its own transaction,
with an AuditAction. Overrides, approvals and stock holds are staff-only and always audited;
line, voucher, email and shipping changes are audited when the actor is staff changing
someone else's cart (an agent on the shopper's behalf: console or staff API alike). A
shopper's edits of their own cart and system writes (actor None) are not audit events.
Callers (console, API) never write their own entry for these changes.
"""

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from carts.exceptions import (
    CartClosed,
    CartConflict,
    DiscountLimitExceeded,
    InvalidQuantity,
    OutOfStock,
    OverrideNotAllowed,
    VariantUnavailable,
    VoucherInvalid,
    VoucherProblem,
)
from carts.locks import cart_for_update, carts_for_update, override_for_update
from carts.models import Cart, CartLine, CartOverride, Voucher, VoucherRedemption
from carts.pricing import HUNDRED, cart_price, voucher_problem
from carts.selectors import cart_with_lines
from catalog.exceptions import StockShortage
from catalog.models import StockReservation, Variant
from catalog.selectors import stock_available
from catalog.services import stock_hold_set
from common.audit import audit_record
from common.audit_actions import AuditAction
from common.money import format_money
from common.sql import bound_cursor
from customers.roles import is_agent, is_supervisor

MAX_LINE_QUANTITY = 99


# --- carts ---------------------------------------------------------------------------


def cart_get_or_create(*, customer=None, session_key: str | None = None, attribution: dict | None = None) -> Cart:
    """The open cart of `customer` (signed in) or of an anonymous `session_key`, created if
    missing. Safe when two requests race: the partial unique constraints pick one winner."""
    if customer is None and not session_key:
        raise ValueError("cart_get_or_create needs a customer or a session_key")
    lookup = {"customer": customer} if customer is not None else {"customer__isnull": True, "session_key": session_key}
    cart = Cart.objects.filter(status=Cart.Status.OPEN, **lookup).first()
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            return Cart.objects.create(
                customer=customer,
                session_key="" if customer is not None else session_key,
                email=getattr(customer, "email", "") or "",
                attribution=attribution or {},
            )
    except IntegrityError:
        return Cart.objects.get(status=Cart.Status.OPEN, **lookup)


def _lock_open(cart: Cart, expected_version: int | None) -> Cart:
    locked = cart_for_update(cart.pk)
    if locked.status != Cart.Status.OPEN:
        raise CartClosed(locked.status)
    if expected_version is not None and locked.version != expected_version:
        raise CartConflict(expected=expected_version, current=locked.version)
    return locked


def _bump(locked: Cart, cart: Cart, *fields: str) -> None:
    """Record a change on the locked row and mirror the new version on the caller's object."""
    locked.version += 1
    locked.last_activity_at = timezone.now()
    locked.save(update_fields=["version", "last_activity_at", "updated_at", *fields])
    cart.version = locked.version
    cart.last_activity_at = locked.last_activity_at
    for name in fields:
        setattr(cart, name, getattr(locked, name))


def _check_stock(variant: Variant, quantity: int, *, cart_id: int) -> None:
    if not variant.is_active:
        raise VariantUnavailable(variant.sku)
    available = stock_available([variant.pk], cart_id=cart_id).get(variant.pk, 0)
    if quantity > available:
        raise OutOfStock(sku=variant.sku, requested=quantity, available=available, name=str(variant))


def _staff_author(actor, cart: Cart):
    """The actor when staff change someone else's cart (on the shopper's behalf), else None."""
    if actor is not None and getattr(actor, "is_staff", False) and actor.pk != cart.customer_id:
        return actor
    return None


def _audit(actor, cart: Cart, action: AuditAction, *, obj=None, before=None, after=None) -> None:
    """One audit entry about `cart`'s customer, in the caller's transaction."""
    audit_record(
        actor=actor,
        action=action,
        customer=cart.customer if cart.customer_id else None,
        obj=obj if obj is not None else cart,
        before=before,
        after=after,
    )


def _item(variant: Variant, quantity: int | None = None) -> str:
    return f"{quantity} × {variant} ({variant.sku})" if quantity else f"{variant} ({variant.sku})"


def override_label(override: CartOverride) -> str:
    """ "10% off whole cart", "$5.00 off line TEE-M": how timelines and approvals name it."""
    amount = (
        f"{override.value.normalize():f}%"
        if override.kind == CartOverride.Kind.PERCENT
        else format_money(override.value)
    )
    target = f"line {override.line.variant.sku}" if override.line_id else "whole cart"
    return f"{amount} off {target}"


def _override_after(override: CartOverride, cart: Cart, **extra) -> dict:
    return {
        "kind": str(override.approval_kind.label),
        "label": override_label(override),
        "reason": f"{override.get_reason_code_display()}: {override.reason_text}",
        **extra,
        "percent_equivalent": str(override.percent_equivalent),
        "status": override.status,
        "version": cart.version,
    }


@transaction.atomic
def cart_line_add(
    *, cart: Cart, variant: Variant, quantity: int = 1, expected_version: int | None = None, actor=None
) -> CartLine:
    """Add `quantity` of `variant` (summed into an existing line). Raises OutOfStock when the
    line would exceed available stock, CartConflict on a stale version."""
    if quantity < 1 or quantity > MAX_LINE_QUANTITY:
        raise InvalidQuantity(gettext("Choose a quantity between 1 and %(max)s.") % {"max": MAX_LINE_QUANTITY})
    locked = _lock_open(cart, expected_version)
    variant = Variant.objects.select_related("product").get(pk=variant.pk)
    line = CartLine.objects.filter(cart=locked, variant=variant).first()
    new_quantity = (line.quantity if line else 0) + quantity
    if new_quantity > MAX_LINE_QUANTITY:
        raise InvalidQuantity(gettext("You can buy at most %(max)s of one item.") % {"max": MAX_LINE_QUANTITY})
    _check_stock(variant, new_quantity, cart_id=locked.pk)
    agent = _staff_author(actor, locked)
    if line is None:
        line = CartLine.objects.create(cart=locked, variant=variant, quantity=quantity, added_by=agent)
    else:
        line.quantity = new_quantity
        line.save(update_fields=["quantity", "updated_at"])
    before = locked.version
    _bump(locked, cart)
    if agent is not None:
        _audit(
            agent,
            locked,
            AuditAction.CART_LINE_ADD,
            before={"version": before},
            after={
                "item": _item(variant, quantity),
                "sku": variant.sku,
                "quantity": quantity,
                "version": locked.version,
            },
        )
    return line


def _line_of(cart: Cart, line) -> CartLine:
    line_id = line.pk if isinstance(line, CartLine) else int(line)
    try:
        return CartLine.objects.select_related("variant__product").get(pk=line_id, cart_id=cart.pk)
    except CartLine.DoesNotExist:
        raise CartConflict(expected=None, current=cart.version) from None


@transaction.atomic
def cart_line_update(
    *, cart: Cart, line: CartLine | int, quantity: int, expected_version: int | None, actor=None
) -> CartLine | None:
    """Set a line's quantity (0 removes it). Returns the line, or None when removed."""
    if quantity < 0 or quantity > MAX_LINE_QUANTITY:
        raise InvalidQuantity(gettext("Choose a quantity between 0 and %(max)s.") % {"max": MAX_LINE_QUANTITY})
    locked = _lock_open(cart, expected_version)
    line_obj = _line_of(locked, line)
    old_quantity = line_obj.quantity
    if quantity == 0:
        line_obj.delete()
    else:
        if quantity > line_obj.quantity:
            _check_stock(line_obj.variant, quantity, cart_id=locked.pk)
        line_obj.quantity = quantity
        line_obj.save(update_fields=["quantity", "updated_at"])
    _bump(locked, cart)
    agent = _staff_author(actor, locked)
    if agent is not None:
        _audit(
            agent,
            locked,
            AuditAction.CART_LINE_UPDATE if quantity else AuditAction.CART_LINE_REMOVE,
            before={"quantity": old_quantity},
            after={"item": _item(line_obj.variant), "quantity": quantity, "version": locked.version},
        )
    return line_obj if quantity else None


@transaction.atomic
def cart_line_remove(*, cart: Cart, line: CartLine | int, expected_version: int | None, actor=None) -> None:
    locked = _lock_open(cart, expected_version)
    line_obj = _line_of(locked, line)
    line_obj.delete()
    _bump(locked, cart)
    agent = _staff_author(actor, locked)
    if agent is not None:
        _audit(
            agent,
            locked,
            AuditAction.CART_LINE_REMOVE,
            before={"quantity": line_obj.quantity},
            after={"item": _item(line_obj.variant), "version": locked.version},
        )


@transaction.atomic
def cart_email_set(*, cart: Cart, email: str, expected_version: int | None = None, actor=None) -> Cart:
    locked = _lock_open(cart, expected_version)
    before = locked.email
    locked.email = email.strip()
    _bump(locked, cart, "email")
    agent = _staff_author(actor, locked)
    if agent is not None and before != locked.email:
        _audit(agent, locked, AuditAction.CART_EMAIL_SET, before={"email": before}, after={"email": locked.email})
    return cart


@transaction.atomic
def cart_shipping_method_set(*, cart: Cart, method: str, expected_version: int | None = None, actor=None) -> Cart:
    if method not in Cart.ShippingMethod.values:
        raise InvalidQuantity(f"Unknown shipping method {method!r}.")
    locked = _lock_open(cart, expected_version)
    if locked.shipping_method != method:
        before = locked.shipping_method
        locked.shipping_method = method
        _bump(locked, cart, "shipping_method")
        agent = _staff_author(actor, locked)
        if agent is not None:
            _audit(
                agent,
                locked,
                AuditAction.CART_SHIPPING_SET,
                before={"shipping_method": before},
                after={"shipping_method": method},
            )
    return cart


def cart_attribution_set(*, cart: Cart, attribution: dict) -> None:
    """Remember the latest campaign/source of the session that works on this cart (last
    non-empty touch wins, as in catalog.attribution); orders copy it. No version bump: it
    changes nothing the shopper or agent edits."""
    if attribution and attribution != cart.attribution:
        Cart.objects.filter(pk=cart.pk).update(attribution=attribution)
        cart.attribution = attribution


def cart_mark_converted(*, cart_id: int, version: int, shipping_method: str | None = None) -> int:
    """Called by order placement inside its transaction with the cart locked at `version`:
    one UPDATE marks it converted (and records the shipping method chosen at checkout).
    Its stock holds were released by the stock decrement. Returns the new version."""
    now = timezone.now()
    table = connection.ops.quote_name(Cart._meta.db_table)
    with bound_cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, converted_at = %s, updated_at = %s, version = %s, "  # noqa: S608 - table name from the model
            "shipping_method = COALESCE(%s, shipping_method) WHERE id = %s",
            [Cart.Status.CONVERTED, now, now, version + 1, shipping_method, cart_id],
        )
    return version + 1


# --- sign-in merge -------------------------------------------------------------------


@transaction.atomic
def cart_merge_on_login(*, customer, anonymous_cart_id: int | None) -> Cart | None:
    """Attach the anonymous cart to `customer` at sign-in.

    Rule: if the customer has no open cart, the anonymous one becomes theirs. Otherwise
    each anonymous line is summed into the customer's line for the same SKU and capped at
    the stock available (a SKU with no stock is dropped); the customer's voucher wins,
    else the anonymous cart's; empty email/attribution are filled; the anonymous cart is
    marked `merged`. Returns the customer's open cart (or None if there is none).
    """
    existing = Cart.objects.filter(customer=customer, status=Cart.Status.OPEN).first()
    anon = None
    if anonymous_cart_id:
        anon = Cart.objects.filter(pk=anonymous_cart_id, customer__isnull=True, status=Cart.Status.OPEN).first()
    if anon is None:
        return existing
    if existing is None:
        locked = cart_for_update(anon.pk)
        if locked.status != Cart.Status.OPEN or locked.customer_id is not None:
            return Cart.objects.filter(customer=customer, status=Cart.Status.OPEN).first()
        locked.customer = customer
        locked.email = locked.email or customer.email
        locked.version += 1
        locked.last_activity_at = timezone.now()
        try:
            with transaction.atomic():
                locked.save(update_fields=["customer", "email", "version", "last_activity_at", "updated_at"])
            return locked
        except IntegrityError:  # a concurrent sign-in created the customer's cart first
            existing = Cart.objects.get(customer=customer, status=Cart.Status.OPEN)
    carts = carts_for_update([existing.pk, anon.pk])
    target, source = carts[existing.pk], carts[anon.pk]
    if source.status != Cart.Status.OPEN:
        return target
    target_lines = {line.variant_id: line for line in CartLine.objects.filter(cart=target)}
    source_lines = list(CartLine.objects.filter(cart=source).select_related("variant"))
    availability = stock_available([line.variant_id for line in source_lines], cart_id=target.pk)
    for line in source_lines:
        available = min(availability.get(line.variant_id, 0), MAX_LINE_QUANTITY)
        current = target_lines.get(line.variant_id)
        wanted = min((current.quantity if current else 0) + line.quantity, available)
        if current is not None:
            if wanted != current.quantity and wanted > 0:
                current.quantity = wanted
                current.save(update_fields=["quantity", "updated_at"])
        elif wanted > 0:
            CartLine.objects.create(cart=target, variant=line.variant, quantity=wanted, added_by=line.added_by)
    fields = ["version", "last_activity_at", "updated_at"]
    if target.voucher_id is None and source.voucher_id is not None:
        target.voucher_id = source.voucher_id
        fields.append("voucher")
    if not target.attribution and source.attribution:
        target.attribution = source.attribution
        fields.append("attribution")
    target.version += 1
    target.last_activity_at = timezone.now()
    target.save(update_fields=fields)
    source.status = Cart.Status.MERGED
    source.version += 1
    source.save(update_fields=["status", "version", "updated_at"])
    return target


# --- vouchers ------------------------------------------------------------------------


def voucher_by_code(code: str) -> Voucher | None:
    code = (code or "").strip()
    if not code:
        return None
    return Voucher.objects.filter(code__iexact=code).first()


def voucher_check(*, voucher: Voucher, customer, email: str = "", base: Decimal, now: datetime | None = None) -> None:
    """Raise VoucherInvalid (with a message for the shopper) if `voucher` cannot be used by
    this customer on merchandise worth `base`."""
    now = now or timezone.now()
    problem = voucher_problem(voucher, base=base, now=now)
    if problem:
        raise VoucherInvalid(problem, reason=VoucherProblem.UNUSABLE)
    if voucher.customer_id is not None and (customer is None or customer.pk != voucher.customer_id):
        raise VoucherInvalid(
            gettext("The code %(code)s belongs to another account.") % {"code": voucher.code},
            reason=VoucherProblem.NOT_YOURS,
        )
    per_customer = 1 if voucher.single_use else voucher.usage_limit_per_customer
    if per_customer is not None:
        who = Q()
        if customer is not None:
            who |= Q(customer=customer)
        if email:
            who |= Q(email__iexact=email)
        if who and VoucherRedemption.objects.filter(who, voucher=voucher).count() >= per_customer:
            raise VoucherInvalid(
                f"You have already used the code {voucher.code}.", reason=VoucherProblem.USED_BY_CUSTOMER
            )


@transaction.atomic
def voucher_apply(*, cart: Cart, code: str, expected_version: int | None = None, actor=None) -> Voucher:
    """Attach a voucher to the cart after checking it (VoucherInvalid says why not)."""
    voucher = voucher_by_code(code)
    if voucher is None:
        raise VoucherInvalid(
            gettext("We don't recognise the code “%(code)s”. Check it and try again.") % {"code": code.strip()},
            reason=VoucherProblem.UNKNOWN,
        )
    locked = _lock_open(cart, expected_version)
    breakdown = cart_price(cart_with_lines(locked.pk))
    if breakdown.is_empty:
        raise VoucherInvalid(gettext("Add something to your cart before using a code."), reason=VoucherProblem.EMPTY)
    base = breakdown.subtotal - breakdown.line_discount_total
    voucher_check(voucher=voucher, customer=locked.customer, email=locked.email, base=base)
    locked.voucher = voucher
    _bump(locked, cart, "voucher")
    agent = _staff_author(actor, locked)
    if agent is not None:
        _audit(agent, locked, AuditAction.CART_VOUCHER_APPLY, after={"code": voucher.code, "version": locked.version})
    return voucher


@transaction.atomic
def voucher_remove(*, cart: Cart, expected_version: int | None = None, actor=None) -> None:
    locked = _lock_open(cart, expected_version)
    if locked.voucher_id is not None:
        agent = _staff_author(actor, locked)
        code = locked.voucher.code if agent is not None else ""
        locked.voucher = None
        _bump(locked, cart, "voucher")
        if agent is not None:
            _audit(
                agent, locked, AuditAction.CART_VOUCHER_REMOVE, before={"code": code}, after={"version": locked.version}
            )


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O/1/I: easy to read out on the phone


def voucher_create_single_use(
    *,
    kind: str = Voucher.Kind.PERCENT,
    value: Decimal,
    valid_days: int | None = 7,
    valid_to: datetime | None = None,
    customer=None,
    min_spend: Decimal = Decimal("0"),
    prefix: str = "UC",
    source: str = "",
    description: str = "",
) -> Voucher:
    """A generated code usable once in total (and once per customer), optionally reserved
    to `customer`, expiring at `valid_to` or after `valid_days`. Used by abandonment
    reminders and the console."""
    now = timezone.now()
    if valid_to is None and valid_days is not None:
        valid_to = now + timedelta(days=valid_days)
    for _ in range(10):
        code = f"{prefix.upper()}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        try:
            with transaction.atomic():
                return Voucher.objects.create(
                    code=code,
                    kind=kind,
                    value=Decimal(value),
                    min_spend=Decimal(min_spend),
                    valid_from=now,
                    valid_to=valid_to,
                    usage_limit_total=1,
                    usage_limit_per_customer=1,
                    single_use=True,
                    customer=customer,
                    source=source,
                    description=description or f"Single-use code ({source or 'generated'})",
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not generate a unique voucher code")


def voucher_redeem(
    *, voucher: Voucher, customer, email: str, order_number: str, amount: Decimal, base: Decimal | None = None
) -> None:
    """Consume one use, inside order placement's transaction (lock order: cart, variants,
    then this voucher row; placement calls it last, so the row — shared by everyone using a
    popular code — stays locked only until the commit that follows).

    One UPDATE takes the row lock and counts the use; under that lock the code's validity
    (active, dates, minimum spend on `base` when given) and its total and per-customer
    limits are checked on the row as it was, so concurrent orders never use a code more
    often than allowed. A refusal raises VoucherInvalid and the caller's rollback undoes
    the count."""
    table = connection.ops.quote_name(Voucher._meta.db_table)
    columns = [field.column for field in Voucher._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET times_used = times_used + 1 WHERE id = %s "  # noqa: S608 - names from the model
            f"RETURNING {', '.join(connection.ops.quote_name(c) for c in columns)}",
            [voucher.pk],
        )
        row = cursor.fetchone()
    locked = Voucher.from_db(connection.alias, [f.attname for f in Voucher._meta.concrete_fields], row)
    locked.times_used -= 1  # the row as it was before this use, read under its lock
    limit = 1 if locked.single_use else locked.usage_limit_total
    if limit is not None and locked.times_used >= limit:
        raise VoucherInvalid(
            gettext("The code %(code)s has already been used up.") % {"code": locked.code},
            reason=VoucherProblem.USED_UP,
        )
    if base is not None:
        problem = voucher_problem(locked, base=base, now=timezone.now())
        if problem:
            raise VoucherInvalid(problem, reason=VoucherProblem.UNUSABLE)
    per_customer = 1 if locked.single_use else locked.usage_limit_per_customer
    if per_customer is not None:
        who = Q(customer=customer) if customer is not None else Q()
        if email:
            who |= Q(email__iexact=email)
        if who and VoucherRedemption.objects.filter(who, voucher=locked).count() >= per_customer:
            raise VoucherInvalid(
                f"You have already used the code {locked.code}.", reason=VoucherProblem.USED_BY_CUSTOMER
            )
    VoucherRedemption.objects.create(
        voucher=locked, customer=customer, email=email, order_number=order_number, amount=amount
    )


# --- agent overrides -----------------------------------------------------------------


def discount_limit_for(actor) -> Decimal:
    if is_supervisor(actor):
        return settings.SUPERVISOR_DISCOUNT_LIMIT_PERCENT
    if is_agent(actor) or getattr(actor, "is_staff", False):
        return settings.AGENT_DISCOUNT_LIMIT_PERCENT
    raise OverrideNotAllowed(gettext("Only service agents can discount a cart."))


def _percent_equivalent(*, kind: str, value: Decimal, base: Decimal) -> Decimal:
    if kind == CartOverride.Kind.PERCENT:
        return Decimal(value).quantize(Decimal("0.01"))
    if base <= 0:
        return HUNDRED
    return (Decimal(value) * HUNDRED / base).quantize(Decimal("0.01"))


def _replace_applied(override: CartOverride) -> None:
    same_target = CartOverride.objects.filter(
        cart_id=override.cart_id, scope=override.scope, line_id=override.line_id, status=CartOverride.Status.APPLIED
    ).exclude(pk=override.pk)
    same_target.update(status=CartOverride.Status.REMOVED, decided_at=timezone.now())


@transaction.atomic
def cart_override_apply(
    *,
    cart: Cart,
    actor,
    scope: str,
    kind: str,
    value: Decimal,
    reason_code: str,
    reason_text: str,
    line: CartLine | int | None = None,
    expected_version: int | None,
    request_approval: bool = False,
    voucher: Voucher | None = None,
) -> CartOverride:
    """Discount a line or the whole cart on the agent's authority.

    The discount's size as a percent of its target (line subtotal, or the cart's
    merchandise after line discounts and voucher) must be within the actor's limit
    (settings.AGENT_DISCOUNT_LIMIT_PERCENT, supervisors SUPERVISOR_DISCOUNT_LIMIT_PERCENT).
    Over the limit: DiscountLimitExceeded, unless an agent passes `request_approval=True`
    and it is within the supervisor limit, in which case the override is stored
    `pending_approval` (not priced) for `cart_override_approve`. A new applied override
    replaces the previous one on the same target. Reason code and text are mandatory.
    `voucher` marks the discount as an honoured (expired) coupon; the same limits apply.
    """
    limit = discount_limit_for(actor)
    if scope not in CartOverride.Scope.values or kind not in CartOverride.Kind.values:
        raise OverrideNotAllowed(gettext("Choose a line or cart discount, as an amount or a percent."))
    if reason_code not in CartOverride.ReasonCode.values:
        raise OverrideNotAllowed(gettext("Choose a reason for the discount."))
    if not (reason_text or "").strip():
        raise OverrideNotAllowed(gettext("Explain the discount in a few words (the reason is mandatory)."))
    value = Decimal(value)
    if value <= 0 or (kind == CartOverride.Kind.PERCENT and value > HUNDRED):
        raise OverrideNotAllowed(gettext("Enter a discount above zero (a percent at most 100)."))
    locked = _lock_open(cart, expected_version)
    breakdown = cart_price(cart_with_lines(locked.pk))
    line_obj = None
    if scope == CartOverride.Scope.LINE:
        if line is None:
            raise OverrideNotAllowed(gettext("Choose the line to discount."))
        line_obj = _line_of(locked, line)
        base = next(lp.subtotal for lp in breakdown.lines if lp.line_id == line_obj.pk)
    else:
        base = breakdown.subtotal - breakdown.line_discount_total - breakdown.voucher_discount
    percent = _percent_equivalent(kind=kind, value=value, base=base)
    status = CartOverride.Status.APPLIED
    if percent > limit:
        supervisor_limit = settings.SUPERVISOR_DISCOUNT_LIMIT_PERCENT
        if request_approval and not is_supervisor(actor) and percent <= supervisor_limit:
            status = CartOverride.Status.PENDING_APPROVAL
        else:
            raise DiscountLimitExceeded(requested_percent=percent, limit_percent=limit)
    override = CartOverride.objects.create(
        cart=locked,
        line=line_obj,
        scope=scope,
        kind=kind,
        value=value,
        reason_code=reason_code,
        reason_text=reason_text.strip(),
        agent=actor,
        status=status,
        percent_equivalent=percent,
        voucher=voucher,
    )
    if status == CartOverride.Status.APPLIED:
        _replace_applied(override)
    _bump(locked, cart)
    if status == CartOverride.Status.PENDING_APPROVAL:
        action = AuditAction.CART_OVERRIDE_REQUEST
    else:
        action = AuditAction.CART_COUPON_HONOUR if voucher is not None else AuditAction.CART_OVERRIDE_APPLY
    _audit(actor, locked, action, obj=override, after=_override_after(override, locked))
    return override


def _target_base(cart: Cart, override: CartOverride) -> Decimal:
    """What `override` is measured against on the cart as it is now (see cart_override_apply)."""
    breakdown = cart_price(cart_with_lines(cart.pk))
    if override.scope == CartOverride.Scope.LINE:
        return next((lp.subtotal for lp in breakdown.lines if lp.line_id == override.line_id), Decimal("0"))
    return breakdown.subtotal - breakdown.line_discount_total - breakdown.voucher_discount


def _pending_for_update(override: CartOverride) -> CartOverride:
    locked = override_for_update(override.pk)
    if locked is None or locked.status != CartOverride.Status.PENDING_APPROVAL:
        raise OverrideNotAllowed(gettext("This discount was already decided (or its cart line was removed)."))
    return locked


@transaction.atomic
def cart_override_approve(*, override: CartOverride, actor, note: str = "") -> CartOverride:
    """A supervisor approves a pending override: it is applied (replacing the previous one
    on its target) and the cart's version is bumped, so an agent's stale form cannot
    overwrite it unseen.

    Locks the cart (it must still be open), then the override row. The cart may have changed
    since the request: the discount is measured again against the cart as it is now, and
    refused (DiscountLimitExceeded) if that is over the supervisor limit.
    """
    if not is_supervisor(actor):
        raise OverrideNotAllowed(gettext("Only a supervisor can approve a discount."))
    locked_cart = _lock_open(override.cart, None)
    locked = _pending_for_update(override)
    percent = _percent_equivalent(kind=locked.kind, value=locked.value, base=_target_base(locked_cart, locked))
    limit = settings.SUPERVISOR_DISCOUNT_LIMIT_PERCENT
    if percent > limit:
        raise DiscountLimitExceeded(requested_percent=percent, limit_percent=limit)
    locked.status = CartOverride.Status.APPLIED
    locked.percent_equivalent = percent
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = (note or "").strip()
    locked.save(update_fields=["status", "percent_equivalent", "decided_by", "decided_at", "decision_note"])
    _replace_applied(locked)
    _bump(locked_cart, override.cart)
    _audit_decision(actor, locked_cart, locked, AuditAction.CART_OVERRIDE_APPROVE)
    return locked


def _audit_decision(actor, cart: Cart, decided: CartOverride, action: AuditAction) -> None:
    _audit(
        actor,
        cart,
        action,
        obj=decided,
        before={"status": CartOverride.Status.PENDING_APPROVAL},
        after=_override_after(decided, cart, requested_by=decided.agent.email, note=decided.decision_note),
    )


@transaction.atomic
def cart_override_reject(*, override: CartOverride, actor, note: str) -> CartOverride:
    """A supervisor turns a pending override down with a note the agent sees on the cart.
    Nothing is priced, so the cart's version is left alone (the agent's edits stay valid)."""
    if not is_supervisor(actor):
        raise OverrideNotAllowed(gettext("Only a supervisor can reject a discount."))
    note = (note or "").strip()
    if not note:
        raise OverrideNotAllowed(gettext("Tell the agent why in a few words (a note is needed to reject)."))
    locked = _pending_for_update(override)
    locked.status = CartOverride.Status.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _audit_decision(actor, override.cart, locked, AuditAction.CART_OVERRIDE_REJECT)
    return locked


@transaction.atomic
def cart_override_remove(*, override: CartOverride, actor, expected_version: int | None = None) -> None:
    discount_limit_for(actor)  # staff only
    locked = _lock_open(override.cart, expected_version)
    before = CartOverride.objects.select_related("line__variant").get(pk=override.pk)
    CartOverride.objects.filter(pk=override.pk).update(
        status=CartOverride.Status.REMOVED, decided_by=actor, decided_at=timezone.now()
    )
    _bump(locked, override.cart)
    _audit(
        actor,
        locked,
        AuditAction.CART_OVERRIDE_REMOVE,
        obj=before,
        before={"label": override_label(before), "status": before.status},
        after={"status": CartOverride.Status.REMOVED},
    )


# --- agent stock reservations ----------------------------------------------------------


@transaction.atomic
def stock_reservation_set(*, cart: Cart, variant: Variant, quantity: int, actor, minutes: int = 30) -> StockReservation:
    """Hold `quantity` of `variant` for this cart until now + `minutes` (agents only).
    Other carts see less available stock; placement of other carts respects it. Lock order
    as in order placement: the cart here, then the variant row in catalog.services."""
    discount_limit_for(actor)  # staff only
    locked = _lock_open(cart, None)
    try:
        reservation = stock_hold_set(
            cart_id=locked.pk, variant_id=variant.pk, quantity=quantity, actor=actor, minutes=minutes
        )
    except StockShortage as exc:
        raise OutOfStock(
            sku=variant.sku, requested=quantity, available=exc.available.get(variant.pk, 0), name=str(variant)
        ) from None
    _audit(
        actor,
        locked,
        AuditAction.CART_RESERVE,
        after={"item": _item(variant, quantity), "expires_at": reservation.expires_at.isoformat()},
    )
    return reservation
