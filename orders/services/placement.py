"""Order placement (C4): turn an open cart into an order exactly once."""

import hashlib
import json

from django.conf import settings
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from carts.exceptions import CartClosed, CartConflict, OutOfStock, VoucherInvalid, VoucherProblem
from carts.locks import cart_state_for_update
from carts.models import Cart
from carts.pricing import PriceBreakdown, cart_price
from carts.selectors import cart_for_checkout
from carts.services import cart_mark_converted, voucher_check, voucher_redeem
from catalog.exceptions import StockShortage
from catalog.locks import stock_rows_for_update
from catalog.services import stock_decrement
from common.models import EventName
from common.sql import bound_cursor, insert_sql, mark_saved
from customers.phones import phone_normalize
from customers.services import customer_get_or_create_guest, customer_language_set
from orders.exceptions import (
    CheckoutInProgress,
    EmptyCart,
    IdempotencyKeyReused,
    InvalidCheckout,
    PriceChanged,
)
from orders.models import CheckoutClaim, Order, OrderEvent, OrderLine, Payment
from orders.payments import Authorization, provider_for
from orders.services.events import _actor_kind, _emit, _notify
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
        raise InvalidCheckout(gettext("The shipping address needs: %(fields)s.") % {"fields": ", ".join(missing)})
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
    with bound_cursor() as cursor:
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
    expected_version: int | None = None,
) -> Order:
    """Turn an open cart into an order, exactly once.

    All in one transaction, as a few set-based statements:
    1. Claim the idempotency key (checkout token / Idempotency-Key), see `_claim`. A replay
       with the same body returns the first order (waiting for it if still running); a
       different body raises IdempotencyKeyReused. No payment is attempted for a replay.
    2. Read the cart once (one query: lines, variants, overrides, voucher), price it and
       authorize the payment before any row lock (a real provider is an HTTP call).
       Decline/provider failure: PaymentDeclined/PaymentProviderError, no order, no stock
       or voucher change, the key is free again.
    3. Lock the cart row (status and version only): closed → CartClosed; a version other
       than `expected_version` (the one the shopper or agent saw) → CartConflict. The same
       version as in step 2 proves lines, overrides and voucher are unchanged (every cart
       write bumps it); otherwise the cart is read again under the lock.
    4. Lock the SKUs' stock rows in pk order (catalog.locks) and re-price with the prices
       of the locked rows (a different total → PriceChanged).
    5. One conditional UPDATE takes the stock of every line, net of other carts' live
       holds, and releases this cart's holds (catalog.services.stock_decrement; short →
       OutOfStock).
    6. One statement inserts the order, its lines (prices copied), the payment record and
       the `placed` event and completes the claim; then the cart is marked converted, the
       confirmation email goes to the outbox and `order.created` to the events table —
       rows the relays deliver after commit. Last, the voucher use is consumed under its
       row lock (limits and validity re-checked → VoucherInvalid), held only until the
       commit. No savepoint, no cache or broker call.
    Any failure rolls all of it back and voids the authorization.
    """
    email = (email or "").strip()
    try:
        validate_email(email)
    except Exception:
        raise InvalidCheckout(gettext("Enter a valid email address so we can send your confirmation."))
    address = _clean_address(shipping_address)
    if shipping_method not in Cart.ShippingMethod.values:
        raise InvalidCheckout(gettext("Choose a shipping method."))
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
            snapshot = _open_snapshot(cart.pk, expected_version, guest_email=email)
            snapshot.shipping_method = shipping_method  # priced as chosen; stored at conversion
            breakdown = cart_price(snapshot)
            if breakdown.is_empty:
                raise EmptyCart()
            customer = snapshot.customer or snapshot.guest_customer or customer_get_or_create_guest(email=email)
            if snapshot.voucher_id and breakdown.voucher_code:
                voucher_check(
                    voucher=snapshot.voucher,
                    customer=customer,
                    email=email,
                    base=breakdown.subtotal - breakdown.line_discount_total,
                )
            # Authorize before taking any row lock: a real provider is an HTTP call. Only the
            # claim's key is held meanwhile, which nothing but a replay of this checkout waits on.
            authorization = provider.authorize(amount=breakdown.total, details=payment_details or {})
            order = _order_create_locked(
                snapshot=snapshot,
                customer=customer,
                email=email,
                address=address,
                shipping_method=shipping_method,
                payment_method=payment_method,
                authorization=authorization,
                key=key,
                actor=actor,
                placed_by=placed_by,
                expected_version=expected_version,
                priced_voucher_code=breakdown.voucher_code,
            )
    except BaseException:
        if authorization is not None:
            provider.void(reference=authorization.reference)
        raise
    return order


def _open_snapshot(cart_id: int, expected_version: int | None, guest_email: str = "") -> Cart:
    snapshot = cart_for_checkout(cart_id, guest_email=guest_email)
    if snapshot is None:
        raise CartClosed(gettext("missing"))
    if snapshot.status != Cart.Status.OPEN:
        raise CartClosed(snapshot.status)
    if expected_version is not None and snapshot.version != expected_version:
        raise CartConflict(expected=expected_version, current=snapshot.version)
    return snapshot


def _order_language(*, customer, placed_by) -> str:
    """The checkout's language (the shopper's page); an agent's order: the customer's own.
    A guest's record takes the checkout's language, so later messages follow it too."""
    if placed_by is not None:
        return customer.preferred_language
    language = translation.get_language() or settings.LANGUAGE_CODE
    language = language if language in dict(settings.LANGUAGES) else language.split("-")[0]
    if customer.is_guest and customer.language != language:
        customer_language_set(customer=customer, language=language)
    return language


def _order_create_locked(
    *,
    snapshot: Cart,
    customer,
    email: str,
    address: dict,
    shipping_method: str,
    payment_method: str,
    authorization: Authorization,
    key: str | None,
    actor,
    placed_by,
    expected_version: int | None,
    priced_voucher_code: str = "",
) -> Order:
    # Lock order: the cart row, then the SKUs' stock rows in pk order, then the voucher row.
    state = cart_state_for_update(snapshot.pk)
    if state is None:
        raise CartClosed(gettext("missing"))
    status, version = state
    if status != Cart.Status.OPEN:
        raise CartClosed(status)
    if expected_version is not None and version != expected_version:
        raise CartConflict(expected=expected_version, current=version)
    if version != snapshot.version:  # changed since it was priced: read it again, under the lock
        snapshot = _open_snapshot(snapshot.pk, None)
        snapshot.shipping_method = shipping_method
    cart_lines = list(snapshot.lines.all())
    locked = stock_rows_for_update([line.variant_id for line in cart_lines])
    for line in cart_lines:
        row = locked.get(line.variant_id)
        if row is not None:
            line.variant.price = row.price  # price as of the lock
    breakdown: PriceBreakdown = cart_price(snapshot)
    if breakdown.is_empty:
        raise EmptyCart()
    if priced_voucher_code and not breakdown.voucher_code:  # the code stopped applying meanwhile
        raise VoucherInvalid(
            breakdown.voucher_message or "Your discount code no longer applies.", reason=VoucherProblem.UNUSABLE
        )
    if breakdown.total != authorization.amount:
        raise PriceChanged()

    quantities: dict[int, int] = {}
    for line in breakdown.lines:
        quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    try:
        stock_decrement(quantities=quantities, cart_id=snapshot.pk)
    except StockShortage as exc:
        line = next(line for line in breakdown.lines if line.variant_id in exc.available)
        raise OutOfStock(
            sku=line.sku, requested=line.quantity, available=exc.available[line.variant_id], name=line.name
        ) from None

    attribution = dict(snapshot.attribution or {})
    now = timezone.now()
    # 32^8 numbers: a collision is practically impossible and the unique constraint would
    # roll the whole placement back (nothing charged: the authorization is voided).
    order = Order(
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
        tax_breakdown=[{"rate": str(t.rate), "amount": str(t.amount), "tax": str(t.tax)} for t in breakdown.tax_lines],
        prices_include_tax=breakdown.prices_include_tax,
        language=_order_language(customer=customer, placed_by=placed_by),
        total=breakdown.total,
        voucher_code=breakdown.voucher_code,
        shipping_address=address,
        shipping_method=shipping_method,
        payment_method=payment_method,
        placed_by=placed_by,
        source=order_source(placed_by=placed_by, attribution=attribution),
        attribution=attribution,
        cart_id=snapshot.pk,
        idempotency_key=key,
        placed_at=now,
    )
    order_lines = [
        OrderLine(
            variant_id=line.variant_id,
            sku=line.sku,
            product_name=line.name,
            options=line.options,
            unit_price=line.unit_price,
            quantity=line.quantity,
            subtotal=line.subtotal,
            discount=line.discount,
            total=line.total,
            tax_rate=line.tax_rate,
        )
        for line in breakdown.lines
    ]
    payment = Payment(
        provider=payment_method,
        reference=authorization.reference,
        status=Payment.Status.PENDING if payment_method == Order.PaymentMethod.POD else Payment.Status.AUTHORIZED,
        amount=authorization.amount,
        card_last4=authorization.card_last4,
        created_at=now,
    )
    event = OrderEvent(
        kind=OrderEvent.Kind.PLACED,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_kind=_actor_kind(actor, customer),
        message=f"Placed by {placed_by.get_short_name()} for the customer" if placed_by else "Order placed",
        data={"total": str(order.total), "items": breakdown.item_count},
        created_at=now,
    )
    order_id = _insert_order_rows(order=order, lines=order_lines, payment=payment, event=event, key=key)
    mark_saved(order, order_id)
    for order_line in order_lines:
        order_line.order = order
    cart_mark_converted(cart_id=snapshot.pk, version=version, shipping_method=shipping_method)
    _notify(order, "order_confirmation", lines=order_lines)
    _emit(order, EventName.ORDER_CREATED, lines=order_lines)
    if breakdown.voucher_code:
        # Last, so a popular code's row stays locked only until the commit that follows.
        voucher_redeem(
            voucher=snapshot.voucher,
            customer=customer,
            email=email,
            order_number=order.number,
            amount=breakdown.voucher_discount,
            base=breakdown.subtotal - breakdown.line_discount_total,
        )
    return order


def _insert_order_rows(*, order: Order, lines: list[OrderLine], payment: Payment, event: OrderEvent, key) -> int:
    """The order, its lines, payment and `placed` event, and the claim's completion, in one
    statement (data-modifying CTEs; each child row points at the new order's id)."""
    parent = {"order_id": "(SELECT id FROM new_order)"}
    order_sql, params = insert_sql([order])
    lines_sql, lines_params = insert_sql(lines, expressions=parent)
    payment_sql, payment_params = insert_sql([payment], expressions=parent)
    event_sql, event_params = insert_sql([event], expressions=parent)
    parts = [
        f"WITH new_order AS ({order_sql} RETURNING id)",
        f"new_lines AS ({lines_sql})",
        f"new_payment AS ({payment_sql})",
        f"new_event AS ({event_sql})",
    ]
    params += lines_params + payment_params + event_params
    if key is not None:
        claim = connection.ops.quote_name(CheckoutClaim._meta.db_table)
        parts.append(
            f"claimed AS (UPDATE {claim} SET status = %s, order_id = (SELECT id FROM new_order) WHERE key = %s)"  # noqa: S608 - table name from the model
        )
        params += [CheckoutClaim.Status.COMPLETED, key]
    with bound_cursor() as cursor:
        cursor.execute(", ".join(parts) + " SELECT id FROM new_order", params)
        return cursor.fetchone()[0]
