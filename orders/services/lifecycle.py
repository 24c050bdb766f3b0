"""Order lifecycle: placed → paid → shipped → delivered, cancel with restock, refunds,
returns. Every write is one transaction; its email goes to the outbox and its business event
(order.paid, order.fulfilled) to the events table in that transaction.

Payment calls (capture, void, refund; a real provider is an HTTP call) happen outside any
row lock: under the order's action lock (orders.locks.order_action_lock, an advisory lock
that only other lifecycle actions on the same order wait for) the state is checked, the
provider is called, then one short transaction locks the order (and stock rows for a
restock), re-checks and writes."""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from catalog.services import stock_restore
from common.audit import audit_record
from common.audit_actions import AuditAction
from common.models import EventName
from common.money import ZERO, format_money, quantize
from orders.exceptions import IllegalTransition, InvalidCheckout, RefundTooLarge
from orders.locks import order_action_lock, order_for_update
from orders.models import Order, OrderEvent, Payment
from orders.payments import provider_for
from orders.services.events import _emit, _event, _notify, _notify_mobile

logger = logging.getLogger(__name__)


def _refuse(order: Order, action: str):
    raise IllegalTransition(order_number=order.number, status=order.get_status_display().lower(), action=action)


def _state(order: Order) -> dict:
    return {"status": order.status, "refunded_total": str(order.refunded_total)}


def _audit(order: Order, action: AuditAction, actor, before: dict, **after) -> None:
    """Every transition is audited here, in its own transaction, from its actor — whether the
    console, admin, the API or the shopper asked for it (one vocabulary: AuditAction)."""
    audit_record(
        actor=actor,
        action=action,
        customer=order.customer,
        obj=order,
        before=before,
        after={**_state(order), **after},
        note=order.number,
    )


def _payment(order: Order) -> Payment | None:
    return order.payments.order_by("-id").first()


def _restock(order: Order) -> None:
    quantities: dict[int, int] = {}
    for line in order.lines.all():
        if line.variant_id:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    stock_restore(quantities=quantities)


def _checked(order: Order, allowed, action: str) -> Order:
    """The order's current row (no lock) if its status allows `action`."""
    current = Order.objects.get(pk=order.pk)
    if current.status not in allowed:
        _refuse(current, action)
    return current


def _provider_done(action: str, order: Order) -> None:
    # The provider accepted the call but the write that records it failed: say so loudly.
    logger.error("payment %s for %s succeeded but recording it failed", action, order.number, exc_info=True)


def order_mark_paid(*, order: Order, actor) -> Order:
    """placed → paid: captures the authorized payment (card) or records cash collected (POD).
    The capture runs outside any row lock (see the module docstring)."""
    with order_action_lock(order.pk):
        current = _checked(order, {Order.Status.PLACED}, "marked paid")
        payment = _payment(current)
        if payment is not None:
            provider_for(payment.provider).capture(reference=payment.reference, amount=payment.amount)
        try:
            return _record_paid(order=current, payment=payment, actor=actor)
        except Exception:
            if payment is not None:
                _provider_done("capture", current)
            raise


@transaction.atomic
def _record_paid(*, order: Order, payment: Payment | None, actor) -> Order:
    order = order_for_update(order.pk)
    before = _state(order)
    if order.status != Order.Status.PLACED:
        _refuse(order, "marked paid")
    if payment is not None:
        payment.status = Payment.Status.CAPTURED
        payment.captured_amount = payment.amount
        payment.save(update_fields=["status", "captured_amount", "updated_at"])
    order.status = Order.Status.PAID
    order.paid_at = timezone.now()
    order.save(update_fields=["status", "paid_at"])
    _event(order, OrderEvent.Kind.PAID, actor=actor, message=f"Payment of {format_money(order.total)} received")
    _notify(order, "order_payment_receipt")
    _emit(order, EventName.ORDER_PAID)
    _audit(order, AuditAction.ORDER_PAID, actor, before)
    return order


@transaction.atomic
def order_fulfil(*, order: Order, actor, carrier: str, tracking_number: str) -> Order:
    """paid → fulfilled (shipped) with carrier and tracking number. Pay-on-delivery orders
    ship straight from placed."""
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier or not tracking_number:
        raise InvalidCheckout(gettext("Enter the carrier and the tracking number."))
    order = order_for_update(order.pk)
    before = _state(order)
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
    _notify_mobile(order, "order_shipped")
    _emit(order, EventName.ORDER_FULFILLED)
    _audit(
        order, AuditAction.ORDER_FULFILLED, actor, before, carrier=order.carrier, tracking_number=order.tracking_number
    )
    return order


@transaction.atomic
def order_mark_delivered(*, order: Order, actor) -> Order:
    """fulfilled → delivered. A pay-on-delivery order's payment is collected here."""
    order = order_for_update(order.pk)
    before = _state(order)
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
    _notify_mobile(order, "order_delivered")
    _audit(order, AuditAction.ORDER_DELIVERED, actor, before)
    return order


@transaction.atomic
def order_out_for_delivery(*, order: Order, actor) -> Order:
    """A shipped order is on the courier's van today (the carrier said so): recorded on the
    order's history and told by SMS (customers who chose order texts) and push. The status
    stays "shipped"; it may be reported more than once (a failed attempt, a new day), one
    message per day."""
    order = order_for_update(order.pk)
    if order.status != Order.Status.FULFILLED:
        _refuse(order, "marked out for delivery")
    before = _state(order)
    _event(order, OrderEvent.Kind.OUT_FOR_DELIVERY, actor=actor, message="Out for delivery today")
    # One "delivery today" text per order and day (the dedupe key carries the day).
    _notify_mobile(order, "order_out_for_delivery", dedupe_suffix=f":{timezone.localdate().isoformat()}")
    _audit(order, AuditAction.ORDER_OUT_FOR_DELIVERY, actor, before)
    return order


def order_cancel(*, order: Order, actor, reason: str = "") -> Order:
    """placed/paid → cancelled: restocks every line, voids an authorization or refunds a
    captured payment in full (the provider call outside any row lock). Shipped orders
    cannot be cancelled (use a return)."""
    with order_action_lock(order.pk):
        current = _checked(order, {Order.Status.PLACED, Order.Status.PAID}, "cancelled")
        payment = _payment(current)
        refunded = ZERO
        if payment is not None:
            provider = provider_for(payment.provider)
            if payment.captured_amount > payment.refunded_amount:
                refunded = payment.captured_amount - payment.refunded_amount
                provider.refund(reference=payment.reference, amount=refunded)
            else:
                provider.void(reference=payment.reference)
        try:
            return _record_cancelled(order=current, payment=payment, refunded=refunded, actor=actor, reason=reason)
        except Exception:
            if payment is not None:
                _provider_done("refund" if refunded else "void", current)
            raise


@transaction.atomic
def _record_cancelled(*, order: Order, payment: Payment | None, refunded: Decimal, actor, reason: str) -> Order:
    order = order_for_update(order.pk)
    before = _state(order)
    if order.status not in (Order.Status.PLACED, Order.Status.PAID):
        _refuse(order, "cancelled")
    _restock(order)
    if payment is not None:
        if refunded:
            payment.refunded_amount += refunded
            payment.status = Payment.Status.REFUNDED
        else:
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
        extra={"reason": reason.strip(), "refunded": refunded, "has_refund": refunded > 0},
    )
    _audit(order, AuditAction.ORDER_CANCELLED, actor, before, reason=reason.strip())
    return order


REFUNDABLE = (
    Order.Status.PAID,
    Order.Status.FULFILLED,
    Order.Status.DELIVERED,
    Order.Status.RETURN_REQUESTED,
    Order.Status.RETURNED,
)


def order_refund(*, order: Order, actor, amount: Decimal | None = None, reason: str = "") -> Order:
    """Refund all (amount=None) or part of what was captured. A refund that brings the
    refunded total to the order total makes the order `refunded`; a partial one keeps the
    status. Money only: stock comes back through cancel or return_receive. The provider's
    refund runs outside any row lock (see the module docstring)."""
    with order_action_lock(order.pk):
        current = _checked(order, REFUNDABLE, "refunded")
        payment = _payment(current)
        amount = _refund_amount(current, payment, amount)
        reference = provider_for(payment.provider).refund(reference=payment.reference, amount=amount)
        try:
            return _record_refund(
                order=current, payment=payment, amount=amount, reference=reference, actor=actor, reason=reason
            )
        except Exception:
            _provider_done("refund", current)
            raise


def _refund_amount(order: Order, payment: Payment | None, amount: Decimal | None) -> Decimal:
    captured = payment.captured_amount if payment else ZERO
    refundable = min(order.total - order.refunded_total, captured - (payment.refunded_amount if payment else ZERO))
    amount = refundable if amount is None else quantize(Decimal(amount))
    if amount <= ZERO:
        raise RefundTooLarge(gettext("Enter a refund amount above zero."))
    if amount > refundable:
        raise RefundTooLarge(
            gettext("At most %(amount)s can be refunded on %(number)s.")
            % {"amount": format_money(refundable), "number": order.number}
        )
    return amount


@transaction.atomic
def _record_refund(*, order: Order, payment: Payment, amount: Decimal, reference: str, actor, reason: str) -> Order:
    order = order_for_update(order.pk)
    before = _state(order)
    if order.status not in REFUNDABLE:
        _refuse(order, "refunded")
    payment.refresh_from_db()
    _refund_amount(order, payment, amount)  # re-checked under the lock
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
        extra={"refund_amount": amount, "full_refund": full, "reason": reason.strip()},
    )
    _audit(order, AuditAction.ORDER_REFUNDED, actor, before, reason=reason.strip())
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
    before = _state(order)
    if order.status != Order.Status.RETURN_REQUESTED:
        _refuse(order, "received back")
    if restock:
        _restock(order)
    order.status = Order.Status.RETURNED
    order.save(update_fields=["status"])
    _event(order, OrderEvent.Kind.RETURN_RECEIVED, actor=actor, message="Return received", data={"restocked": restock})
    _notify(order, "order_return_received")
    _audit(order, AuditAction.ORDER_RETURN_RECEIVED, actor, before, restocked=restock)
    return order


def order_note_add(*, order: Order, actor, message: str) -> OrderEvent:
    return _event(order, OrderEvent.Kind.NOTE, actor=actor, message=message.strip()[:300])
