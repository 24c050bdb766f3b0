"""Order placement and lifecycle (C4). Every write is one transaction; emails go to the
messaging outbox in that same transaction and are delivered after commit."""

import hashlib
import json
import secrets
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from carts.exceptions import CartClosed, OutOfStock, VoucherInvalid
from carts.models import Cart
from carts.pricing import PriceBreakdown, cart_price
from carts.selectors import cart_with_lines, carts_for_pricing, reservations_for
from carts.services import cart_mark_converted, voucher_check, voucher_redeem
from catalog.models import Variant
from common.money import ZERO, format_money, quantize
from customers.services import customer_get_or_create_guest
from orders.exceptions import (
    CheckoutInProgress,
    EmptyCart,
    IdempotencyKeyReused,
    IllegalTransition,
    InvalidCheckout,
    PriceChanged,
    RefundTooLarge,
)
from orders.locks import order_for_update, stock_rows_for_update
from orders.models import CheckoutClaim, Order, OrderEvent, OrderLine, Payment
from orders.payments import Authorization, provider_for

ADDRESS_FIELDS = ("full_name", "line1", "line2", "city", "region", "postal_code", "country", "phone")
REQUIRED_ADDRESS_FIELDS = ("full_name", "line1", "city", "postal_code", "country")
NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SOCIAL_SOURCES = {"instagram", "facebook", "pinterest", "tiktok", "twitter", "x", "youtube", "social"}
ORDER_LINK_SALT = "orders.guest-link"
ORDER_LINK_MAX_AGE = 60 * 60 * 24 * 180  # guest order links work for 180 days


# --- helpers -------------------------------------------------------------------------


def order_number_generate() -> str:
    """Human-friendly and unambiguous when read aloud: UC-XXXX-XXXX (no 0/O/1/I)."""
    raw = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"UC-{raw[:4]}-{raw[4:]}"


def order_source(*, placed_by, attribution: dict) -> str:
    if placed_by is not None:
        return Order.Source.AGENT
    medium = (attribution.get("utm_medium") or "").lower()
    source = (attribution.get("utm_source") or "").lower()
    if medium in {"email", "newsletter"} or source in {"email", "newsletter"} or attribution.get("email_id"):
        return Order.Source.EMAIL
    if "social" in medium or source in SOCIAL_SOURCES:
        return Order.Source.SOCIAL
    return Order.Source.ORGANIC


def _actor_kind(actor, customer) -> str:
    if actor is None:
        return OrderEvent.ActorKind.SYSTEM
    if getattr(actor, "is_staff", False) and (customer is None or actor.pk != customer.pk):
        return OrderEvent.ActorKind.AGENT
    return OrderEvent.ActorKind.SHOPPER


def _event(order: Order, kind: str, *, actor, message: str = "", data: dict | None = None) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_kind=_actor_kind(actor, order.customer),
        message=message,
        data=data or {},
    )


def order_signed_token(order: Order) -> str:
    return signing.TimestampSigner(salt=ORDER_LINK_SALT).sign(order.number)


def order_number_from_token(token: str) -> str | None:
    try:
        return signing.TimestampSigner(salt=ORDER_LINK_SALT).unsign(token, max_age=ORDER_LINK_MAX_AGE)
    except signing.BadSignature:
        return None


def order_link(order: Order) -> str:
    """Absolute link to the order page; guests' links carry a signed token."""
    path = reverse("orders:detail", kwargs={"number": order.number})
    return f"{settings.SITE_URL}{path}?t={order_signed_token(order)}"


def _email_context(order: Order, lines=None) -> dict:
    lines = [
        {
            "name": line.product_name,
            "options": line.options,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": format_money(line.unit_price),
            "total": format_money(line.total),
        }
        for line in (order.lines.all() if lines is None else lines)
    ]
    address = order.shipping_address or {}
    return {
        "order_number": order.number,
        "customer_name": order.customer.first_name or address.get("full_name", ""),
        "status": order.get_status_display(),
        "lines": lines,
        "subtotal": format_money(order.subtotal),
        "discount_total": format_money(order.discount_total),
        "has_discount": order.discount_total > 0,
        "voucher_code": order.voucher_code,
        "shipping_total": format_money(order.shipping_total),
        "tax_total": format_money(order.tax_total),
        "total": format_money(order.total),
        "refunded_total": format_money(order.refunded_total),
        "payment_method": order.get_payment_method_display(),
        "shipping_method": order.shipping_method,
        "address_lines": [
            v
            for v in (
                address.get("full_name"),
                address.get("line1"),
                address.get("line2"),
                f"{address.get('postal_code', '')} {address.get('city', '')}".strip(),
                address.get("region"),
                address.get("country"),
            )
            if v
        ],
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "order_url": order_link(order),
        "placed_by_agent": bool(order.placed_by_id),
    }


def _notify(order: Order, template: str, *, dedupe_suffix: str = "", extra: dict | None = None, lines=None) -> None:
    """Write the order email to the outbox inside the current transaction (sent after commit)."""
    from messaging.services import email_enqueue

    context = _email_context(order, lines)
    context.update(extra or {})
    email_enqueue(
        to=order.email,
        kind=template,
        template=template,
        context=context,
        dedupe_key=f"order:{order.number}:{template}{dedupe_suffix}",
        customer=order.customer,
        marketing=False,
    )


def _clean_address(address: dict) -> dict:
    cleaned = {name: str((address or {}).get(name, "") or "").strip()[:200] for name in ADDRESS_FIELDS}
    missing = [name.replace("_", " ") for name in REQUIRED_ADDRESS_FIELDS if not cleaned[name]]
    if missing:
        raise InvalidCheckout(f"The shipping address needs: {', '.join(missing)}.")
    cleaned["country"] = cleaned["country"].upper()[:2]
    return cleaned


def _request_hash(*, cart: Cart, email: str, address: dict, shipping_method: str, payment_method: str, details):
    # Never the card number: only its last four digits take part in the fingerprint.
    digits = "".join(ch for ch in str((details or {}).get("card_number", "")) if ch.isdigit())
    body = {
        "cart": cart.pk,
        "email": email.lower(),
        "address": address,
        "shipping_method": shipping_method,
        "payment_method": payment_method,
        "card_last4": digits[-4:],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _claim(key: str, request_hash: str) -> Order | None:
    """Claim `key` inside the caller's (placement) transaction, or return the order an
    earlier identical request made.

    INSERT … ON CONFLICT DO NOTHING on the unique key: while another placement holding the
    same key is still running, Postgres makes this statement wait for it; if that one
    commits, nothing is inserted and its order is returned (or IdempotencyKeyReused for a
    different body); if it rolls back (decline, out of stock, crash), this insert wins and
    this request places the order. The claim only ever becomes visible together with its
    order, so a dead process never leaves a key blocked.
    """
    table = CheckoutClaim._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("key", "request_hash", "status", "created_at") '  # noqa: S608 - table name from the model
            'VALUES (%s, %s, %s, %s) ON CONFLICT ("key") DO NOTHING RETURNING id',
            [key, request_hash, CheckoutClaim.Status.IN_PROGRESS, timezone.now()],
        )
        if cursor.fetchone() is not None:
            return None
    existing = CheckoutClaim.objects.select_related("order").get(key=key)
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused()
    if existing.order is None:  # cannot happen: claims commit with their order
        raise CheckoutInProgress()
    return existing.order


# --- placement -----------------------------------------------------------------------


def order_place(
    *,
    cart: Cart,
    email: str,
    shipping_address: dict,
    shipping_method: str,
    payment_method: str,
    payment_details: dict | None,
    idempotency_key: str | None,
    actor,
    placed_by=None,
) -> Order:
    """Turn an open cart into an order, exactly once.

    All in one transaction:
    1. Claim the idempotency key (checkout token / Idempotency-Key), see `_claim`. A replay
       with the same body returns the first order (waiting for it if still running); a
       different body raises IdempotencyKeyReused. No payment is attempted for a replay.
    2. Price the cart and authorize the payment before any row lock (a real provider is an
       HTTP call). Decline/provider failure: PaymentDeclined/PaymentProviderError, no order,
       no stock or voucher change, the key is free again.
    3. Lock the cart, then the SKUs' stock rows in pk order; re-price (a
       different total → PriceChanged); check stock net of other carts' reservations
       (OutOfStock); decrement stock with F(); consume the voucher (its row locked, limits
       re-checked; a code that stopped applying raises VoucherInvalid);
       create the order and lines with copied prices, the payment record and the `placed`
       event; mark the cart converted; write the confirmation email to the outbox (sent
       after commit). Any failure rolls all of it back and voids the authorization.
    """
    email = (email or "").strip()
    try:
        validate_email(email)
    except Exception:
        raise InvalidCheckout("Enter a valid email address so we can send your confirmation.")
    address = _clean_address(shipping_address)
    if shipping_method not in Cart.ShippingMethod.values:
        raise InvalidCheckout("Choose a shipping method.")
    provider = provider_for(payment_method)
    key = (idempotency_key or "").strip()[:100] or None

    request_hash = ""
    if key is not None:
        request_hash = _request_hash(
            cart=cart,
            email=email,
            address=address,
            shipping_method=shipping_method,
            payment_method=payment_method,
            details=payment_details,
        )

    authorization: Authorization | None = None
    try:
        with transaction.atomic():
            if key is not None:
                earlier = _claim(key, request_hash)
                if earlier is not None:
                    return earlier
            current = cart_with_lines(cart.pk)
            if current.status != Cart.Status.OPEN:
                raise CartClosed(current.status)
            if current.shipping_method != shipping_method:
                current.shipping_method = shipping_method  # priced as chosen; saved under the lock below
            breakdown = cart_price(current)
            if breakdown.is_empty:
                raise EmptyCart()
            customer = current.customer or customer_get_or_create_guest(email=email)
            if current.voucher_id and breakdown.voucher_code:
                voucher_check(
                    voucher=current.voucher,
                    customer=customer,
                    email=email,
                    base=breakdown.subtotal - breakdown.line_discount_total,
                )
            # Authorize before taking any row lock: a real provider is an HTTP call. Only the
            # claim's key is held meanwhile, which nothing but a replay of this checkout waits on.
            authorization = provider.authorize(amount=breakdown.total, details=payment_details or {})
            order = _order_create_locked(
                cart=cart,
                customer=customer,
                email=email,
                address=address,
                shipping_method=shipping_method,
                payment_method=payment_method,
                authorization=authorization,
                key=key,
                actor=actor,
                placed_by=placed_by,
                priced_voucher_code=breakdown.voucher_code,
            )
    except BaseException:
        if authorization is not None:
            provider.void(reference=authorization.reference)
        raise
    return order


def _order_create_locked(
    *,
    cart: Cart,
    customer,
    email: str,
    address: dict,
    shipping_method: str,
    payment_method: str,
    authorization: Authorization,
    key: str | None,
    actor,
    placed_by,
    priced_voucher_code: str = "",
) -> Order:
    # Lock the cart (with what pricing needs), then the SKUs' stock rows in pk order.
    priced_cart = carts_for_pricing().select_for_update(of=("self",)).get(pk=cart.pk)
    if priced_cart.status != Cart.Status.OPEN:
        raise CartClosed(priced_cart.status)
    if priced_cart.shipping_method != shipping_method:
        Cart.objects.filter(pk=priced_cart.pk).update(shipping_method=shipping_method)
        priced_cart.shipping_method = shipping_method
    cart_lines = list(priced_cart.lines.all())
    variant_ids = [line.variant_id for line in cart_lines]
    variants = stock_rows_for_update(variant_ids)
    for line in cart_lines:
        line.variant = variants[line.variant_id]  # price and stock as of the lock
    breakdown: PriceBreakdown = cart_price(priced_cart)
    if breakdown.is_empty:
        raise EmptyCart()
    if priced_voucher_code and not breakdown.voucher_code:  # the code stopped applying meanwhile
        raise VoucherInvalid(breakdown.voucher_message or "Your discount code no longer applies.", reason="unusable")
    if breakdown.total != authorization.amount:
        raise PriceChanged()
    locked_cart = priced_cart

    held, own_reservations = reservations_for(variant_ids, cart_id=locked_cart.pk)
    for line in breakdown.lines:
        variant = variants[line.variant_id]
        available = variant.stock - held.get(variant.pk, 0)
        if not variant.is_active or line.quantity > available:
            raise OutOfStock(sku=variant.sku, requested=line.quantity, available=max(available, 0), name=f"{line.name}")
    for line in breakdown.lines:
        updated = Variant.objects.filter(pk=line.variant_id, stock__gte=line.quantity).update(
            stock=F("stock") - line.quantity
        )
        if updated != 1:  # cannot happen under the lock; the DB constraint is the last guard
            raise OutOfStock(sku=line.sku, requested=line.quantity, available=0, name=line.name)

    attribution = dict(priced_cart.attribution or {})
    # 32^8 numbers: a collision is practically impossible and the unique constraint would
    # roll the whole placement back (nothing charged: the authorization is voided).
    order = Order.objects.create(
        number=order_number_generate(),
        customer=customer,
        email=email,
        currency=settings.CURRENCY,
        subtotal=breakdown.subtotal,
        discount_total=breakdown.discount_total,
        voucher_discount=breakdown.voucher_discount,
        override_discount=breakdown.override_discount + breakdown.line_discount_total,
        shipping_total=breakdown.shipping,
        tax_total=breakdown.tax,
        total=breakdown.total,
        voucher_code=breakdown.voucher_code,
        shipping_address=address,
        shipping_method=shipping_method,
        payment_method=payment_method,
        placed_by=placed_by,
        source=order_source(placed_by=placed_by, attribution=attribution),
        attribution=attribution,
        cart=locked_cart,
        idempotency_key=key,
    )

    order_lines = OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                variant_id=line.variant_id,
                sku=line.sku,
                product_name=line.name,
                options=line.options,
                unit_price=line.unit_price,
                quantity=line.quantity,
                subtotal=line.subtotal,
                discount=line.discount,
                total=line.total,
            )
            for line in breakdown.lines
        ]
    )
    if breakdown.voucher_code:
        voucher_redeem(
            voucher=priced_cart.voucher,
            customer=customer,
            email=email,
            order_number=order.number,
            amount=breakdown.voucher_discount,
        )
    Payment.objects.create(
        order=order,
        provider=payment_method,
        reference=authorization.reference,
        status=Payment.Status.PENDING if payment_method == Order.PaymentMethod.POD else Payment.Status.AUTHORIZED,
        amount=authorization.amount,
        card_last4=authorization.card_last4,
    )
    _event(
        order,
        OrderEvent.Kind.PLACED,
        actor=actor,
        message=f"Placed by {placed_by.get_short_name()} for the customer" if placed_by else "Order placed",
        data={"total": str(order.total), "items": breakdown.item_count},
    )
    cart_mark_converted(cart=locked_cart, has_reservations=own_reservations)
    if key:
        CheckoutClaim.objects.filter(key=key).update(status=CheckoutClaim.Status.COMPLETED, order=order)
    _notify(order, "order_confirmation", lines=order_lines)
    return order


# --- lifecycle -----------------------------------------------------------------------


def _refuse(order: Order, action: str):
    raise IllegalTransition(order_number=order.number, status=order.get_status_display().lower(), action=action)


def _payment(order: Order) -> Payment | None:
    return order.payments.order_by("-id").first()


def _restock(order: Order) -> None:
    quantities = {}
    for line in order.lines.all():
        if line.variant_id:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    stock_rows_for_update(list(quantities))
    for variant_id, quantity in quantities.items():
        Variant.objects.filter(pk=variant_id).update(stock=F("stock") + quantity)


@transaction.atomic
def order_mark_paid(*, order: Order, actor) -> Order:
    """placed → paid: captures the authorized payment (card) or records cash collected (POD)."""
    order = order_for_update(order.pk)
    if order.status != Order.Status.PLACED:
        _refuse(order, "marked paid")
    payment = _payment(order)
    if payment is not None:
        provider_for(payment.provider).capture(reference=payment.reference, amount=payment.amount)
        payment.status = Payment.Status.CAPTURED
        payment.captured_amount = payment.amount
        payment.save(update_fields=["status", "captured_amount", "updated_at"])
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.save(update_fields=["status", "paid_at"])
    _event(order, OrderEvent.Kind.PAID, actor=actor, message=f"Payment of {format_money(order.total)} received")
    _notify(order, "order_payment_receipt")
    return order


@transaction.atomic
def order_fulfil(*, order: Order, actor, carrier: str, tracking_number: str) -> Order:
    """paid → fulfilled (shipped) with carrier and tracking number. Pay-on-delivery orders
    ship straight from placed."""
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier or not tracking_number:
        raise InvalidCheckout("Enter the carrier and the tracking number.")
    order = order_for_update(order.pk)
    allowed = {Order.Status.PAID}
    if order.payment_method == Order.PaymentMethod.POD:
        allowed.add(Order.Status.PLACED)
    if order.status not in allowed:
        _refuse(order, "shipped")
    order.status = Order.Status.FULFILLED
    order.carrier, order.tracking_number = carrier[:60], tracking_number[:80]
    order.fulfilled_at = timezone.now()
    order.save(update_fields=["status", "carrier", "tracking_number", "fulfilled_at"])
    _event(
        order,
        OrderEvent.Kind.FULFILLED,
        actor=actor,
        message=f"Shipped with {order.carrier}, tracking {order.tracking_number}",
        data={"carrier": order.carrier, "tracking_number": order.tracking_number},
    )
    _notify(order, "order_shipped")
    return order


@transaction.atomic
def order_mark_delivered(*, order: Order, actor) -> Order:
    """fulfilled → delivered. A pay-on-delivery order's payment is collected here."""
    order = order_for_update(order.pk)
    if order.status != Order.Status.FULFILLED:
        _refuse(order, "marked delivered")
    now = timezone.now()
    fields = ["status", "delivered_at"]
    if order.payment_method == Order.PaymentMethod.POD and order.paid_at is None:
        payment = _payment(order)
        if payment is not None:
            payment.status = Payment.Status.CAPTURED
            payment.captured_amount = payment.amount
            payment.save(update_fields=["status", "captured_amount", "updated_at"])
        order.paid_at = now
        fields.append("paid_at")
    order.status = Order.Status.DELIVERED
    order.delivered_at = now
    order.save(update_fields=fields)
    _event(order, OrderEvent.Kind.DELIVERED, actor=actor, message="Delivered")
    _notify(order, "order_delivered")
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str = "") -> Order:
    """placed/paid → cancelled: restocks every line, voids an authorization or refunds a
    captured payment in full. Shipped orders cannot be cancelled (use a return)."""
    order = order_for_update(order.pk)
    if order.status not in (Order.Status.PLACED, Order.Status.PAID):
        _refuse(order, "cancelled")
    _restock(order)
    payment = _payment(order)
    refunded = ZERO
    if payment is not None:
        provider = provider_for(payment.provider)
        if payment.captured_amount > payment.refunded_amount:
            refunded = payment.captured_amount - payment.refunded_amount
            provider.refund(reference=payment.reference, amount=refunded)
            payment.refunded_amount += refunded
            payment.status = Payment.Status.REFUNDED
        else:
            provider.void(reference=payment.reference)
            payment.status = Payment.Status.VOIDED
        payment.save(update_fields=["status", "refunded_amount", "updated_at"])
    order.status = Order.Status.CANCELLED
    order.cancelled_at = timezone.now()
    order.refunded_total = order.refunded_total + refunded
    order.save(update_fields=["status", "cancelled_at", "refunded_total"])
    _event(
        order,
        OrderEvent.Kind.CANCELLED,
        actor=actor,
        message=f"Cancelled{': ' + reason.strip() if reason.strip() else ''}",
        data={"reason": reason.strip(), "refunded": str(refunded)},
    )
    _notify(
        order,
        "order_cancelled",
        extra={"reason": reason.strip(), "refunded": format_money(refunded), "has_refund": refunded > 0},
    )
    return order


REFUNDABLE = (
    Order.Status.PAID,
    Order.Status.FULFILLED,
    Order.Status.DELIVERED,
    Order.Status.RETURN_REQUESTED,
    Order.Status.RETURNED,
)


@transaction.atomic
def order_refund(*, order: Order, actor, amount: Decimal | None = None, reason: str = "") -> Order:
    """Refund all (amount=None) or part of what was captured. A refund that brings the
    refunded total to the order total makes the order `refunded`; a partial one keeps the
    status. Money only: stock comes back through cancel or return_receive."""
    order = order_for_update(order.pk)
    if order.status not in REFUNDABLE:
        _refuse(order, "refunded")
    payment = _payment(order)
    captured = payment.captured_amount if payment else ZERO
    refundable = min(order.total - order.refunded_total, captured - (payment.refunded_amount if payment else ZERO))
    amount = refundable if amount is None else quantize(Decimal(amount))
    if amount <= ZERO:
        raise RefundTooLarge("Enter a refund amount above zero.")
    if amount > refundable:
        raise RefundTooLarge(f"At most {format_money(refundable)} can be refunded on {order.number}.")
    reference = provider_for(payment.provider).refund(reference=payment.reference, amount=amount)
    payment.refunded_amount += amount
    payment.status = (
        Payment.Status.REFUNDED
        if payment.refunded_amount >= payment.captured_amount
        else Payment.Status.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    order.refunded_total += amount
    fields = ["refunded_total"]
    full = order.refunded_total >= order.total
    if full:
        order.status = Order.Status.REFUNDED
        fields.append("status")
    order.save(update_fields=fields)
    event = _event(
        order,
        OrderEvent.Kind.REFUNDED,
        actor=actor,
        message=f"{'Refunded in full' if full else 'Partial refund'}: {format_money(amount)}",
        data={"amount": str(amount), "reason": reason.strip(), "reference": reference, "full": full},
    )
    _notify(
        order,
        "order_refunded",
        dedupe_suffix=f":{event.pk}",
        extra={"refund_amount": format_money(amount), "full_refund": full, "reason": reason.strip()},
    )
    return order


@transaction.atomic
def order_return_request(*, order: Order, actor, reason: str = "") -> Order:
    """delivered → return_requested (shopper or agent); emails the return instructions."""
    order = order_for_update(order.pk)
    if order.status != Order.Status.DELIVERED:
        _refuse(order, "returned")
    order.status = Order.Status.RETURN_REQUESTED
    order.save(update_fields=["status"])
    _event(order, OrderEvent.Kind.RETURN_REQUESTED, actor=actor, message="Return requested", data={"reason": reason})
    _notify(order, "order_return_requested")
    return order


@transaction.atomic
def order_return_receive(*, order: Order, actor, restock: bool = True) -> Order:
    """return_requested → returned; puts the items back in stock unless `restock=False`
    (damaged goods). Refund separately with order_refund."""
    order = order_for_update(order.pk)
    if order.status != Order.Status.RETURN_REQUESTED:
        _refuse(order, "received back")
    if restock:
        _restock(order)
    order.status = Order.Status.RETURNED
    order.save(update_fields=["status"])
    _event(order, OrderEvent.Kind.RETURN_RECEIVED, actor=actor, message="Return received", data={"restocked": restock})
    _notify(order, "order_return_received")
    return order


def order_note_add(*, order: Order, actor, message: str) -> OrderEvent:
    return _event(order, OrderEvent.Kind.NOTE, actor=actor, message=message.strip()[:300])
