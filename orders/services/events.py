"""Order events (the order's own timeline) and order emails written to the outbox."""

from decimal import Decimal

from django.conf import settings
from django.utils import translation

from common.events import event_record
from common.money import format_money
from orders.models import Order, OrderEvent
from orders.services.links import _email_context


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


def _notify(order: Order, template: str, *, dedupe_suffix: str = "", extra: dict | None = None, lines=None) -> None:
    """Write the order email to the outbox inside the current transaction (sent after commit)."""
    from messaging.services import email_enqueue, email_language

    # The order's emails speak the language of its checkout (an agent's order: the customer's).
    language = order.language or email_language(customer=order.customer)
    with translation.override(language):
        context = _email_context(order, lines)
        context.update(
            {key: format_money(value) if isinstance(value, Decimal) else value for key, value in (extra or {}).items()}
        )
    email_enqueue(
        language=language,
        to=order.email,
        kind=template,
        template=template,
        context=context,
        dedupe_key=f"order:{order.number}:{template}{dedupe_suffix}",
        customer=order.customer,
        marketing=False,
    )


def _notify_mobile(order: Order, kind: str, *, dedupe_suffix: str = "") -> None:
    """Order updates by SMS (to customers who chose them) and web push (browsers that opted
    in), written to the mobile outbox in the current transaction. The texts are
    `templates/sms/<kind>.txt` in the order's language; consent is asked here (no row for
    customers who never chose) and again when the message is sent."""
    from django.template.loader import render_to_string

    from messaging.services import email_language
    from mobile.services import customer_phone, may_push, may_text, push_enqueue, sms_enqueue

    customer = order.customer
    phone = customer_phone(customer) or str((order.shipping_address or {}).get("phone") or "")
    wants_sms = phone.startswith("+") and may_text(customer, marketing=False, phone=phone)
    wants_push = may_push(customer)
    if not (wants_sms or wants_push):
        return
    language = order.language or email_language(customer=customer)
    with translation.override(language):
        context = {**_email_context(order), "site_name": settings.SITE_NAME}
        text = render_to_string(f"sms/{kind}.txt", context).strip()
        title = render_to_string(f"sms/{kind}_title.txt", context).strip()
    if wants_sms:
        sms_enqueue(
            customer=customer,
            kind=kind,
            body=text,
            dedupe_key=f"order:{order.number}:{kind}{dedupe_suffix}:sms",
            to_phone=phone,
        )
    if wants_push:
        push_enqueue(
            customer=customer,
            kind=kind,
            title=title,
            body=text,
            url=context["order_url"],
            dedupe_key=f"order:{order.number}:{kind}{dedupe_suffix}",
        )


def order_payload(order: Order, lines=None) -> dict:
    """The order as webhook subscribers receive it (order.created/paid/fulfilled)."""
    return {
        "number": order.number,
        "status": order.status,
        "customer_id": str(order.customer.public_id),
        "email": order.email,
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        "discount_total": str(order.discount_total),
        "shipping_total": str(order.shipping_total),
        "tax_total": str(order.tax_total),
        "total": str(order.total),
        "shipping_method": order.shipping_method,
        "payment_method": order.payment_method,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "source": order.source,
        "placed_by_agent": order.placed_by_id is not None,
        "placed_at": order.placed_at.isoformat(),
        "lines": [
            {
                "sku": line.sku,
                "name": line.product_name,
                "options": line.options,
                "unit_price": str(line.unit_price),
                "quantity": line.quantity,
                "total": str(line.total),
            }
            for line in (order.lines.all() if lines is None else lines)
        ],
    }


def _emit(order: Order, name: str, *, lines=None) -> None:
    """Record the business event in the current transaction (the webhook relay delivers it
    after commit)."""
    event_record(name=name, payload=order_payload(order, lines))
