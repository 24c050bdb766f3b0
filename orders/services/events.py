"""Order events (the order's own timeline) and order emails written to the outbox."""

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
