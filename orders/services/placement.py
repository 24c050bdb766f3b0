"""Order placement (C4): turn an open cart into an order exactly once."""

import hashlib
import json

from django.conf import settings
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from carts.exceptions import CartClosed, OutOfStock, VoucherInvalid, VoucherProblem
from carts.models import Cart
from carts.pricing import PriceBreakdown, cart_price
from carts.selectors import cart_with_lines, carts_for_pricing, reservations_for
from carts.services import cart_mark_converted, voucher_check, voucher_redeem
from catalog.models import Variant
from customers.phones import phone_normalize
from customers.services import customer_get_or_create_guest
from orders.exceptions import (
    CheckoutInProgress,
    EmptyCart,
    IdempotencyKeyReused,
    InvalidCheckout,
    PriceChanged,
)
from orders.locks import stock_rows_for_update
from orders.models import CheckoutClaim, Order, OrderEvent, OrderLine, Payment
from orders.payments import Authorization, provider_for
from orders.services.events import _event, _notify
from orders.services.links import order_number_generate

ADDRESS_FIELDS = (
    "full_name",
    "first_name",
    "last_name",
    "first_name_reading",
    "last_name_reading",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)
REQUIRED_ADDRESS_FIELDS = ("full_name", "line1", "city", "postal_code", "country")
SOCIAL_SOURCES = {"instagram", "facebook", "pinterest", "tiktok", "twitter", "x", "youtube", "social"}


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


def _clean_address(address: dict) -> dict:
    cleaned = {name: str((address or {}).get(name, "") or "").strip()[:200] for name in ADDRESS_FIELDS}
    missing = [name.replace("_", " ") for name in REQUIRED_ADDRESS_FIELDS if not cleaned[name]]
    if missing:
        raise InvalidCheckout(f"The shipping address needs: {', '.join(missing)}.")
    cleaned["country"] = cleaned["country"].upper()[:2]
    cleaned["phone"] = phone_normalize(cleaned["phone"], region=cleaned["country"])
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
        raise VoucherInvalid(
            breakdown.voucher_message or "Your discount code no longer applies.", reason=VoucherProblem.UNUSABLE
        )
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
