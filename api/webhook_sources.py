"""Where webhook events come from. Lower apps never import api (import direction), so api
listens to the rows their services write, inside the same transaction:

- orders.OrderEvent(kind=placed|paid|fulfilled) created -> order.created / order.paid / order.fulfilled
- service_console.Case created -> case.created
- marketing.CartAbandonment created (the abandonment scan found the cart) -> cart.abandoned

`webhook_emit` stays the explicit entry point for any app above api or for new events.
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from api.webhooks import subscribed_events, subscribed_events_forget, webhook_emit

ORDER_EVENTS = {"placed": "order.created", "paid": "order.paid", "fulfilled": "order.fulfilled"}


def order_payload(order) -> dict:
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
            for line in order.lines.all()
        ],
    }


def case_payload(case) -> dict:
    return {
        "number": case.number,
        "subject": case.subject,
        "status": case.status,
        "priority": case.priority,
        "channel": case.channel,
        "customer_id": str(case.customer.public_id),
        "order_numbers": list(case.order_numbers),
        "created_at": case.created_at.isoformat(),
    }


def cart_payload(abandonment) -> dict:
    from carts.pricing import cart_price
    from carts.selectors import cart_with_lines

    cart = cart_with_lines(abandonment.cart_id)
    price = cart_price(cart)
    return {
        "cart_id": cart.pk,
        "customer_id": str(cart.customer.public_id) if cart.customer_id else None,
        "email": abandonment.email or cart.email,
        "last_activity_at": cart.last_activity_at.isoformat(),
        "total": str(price.total),
        "item_count": price.item_count,
        "lines": [{"sku": li.sku, "name": li.name, "quantity": li.quantity} for li in price.lines],
    }


def _on_order_event(sender, instance, created, raw=False, **kwargs):
    event = ORDER_EVENTS.get(instance.kind)
    if not created or raw or event is None or event not in subscribed_events():
        return
    webhook_emit(event, order_payload(instance.order))


def _on_case(sender, instance, created, raw=False, **kwargs):
    if created and not raw and "case.created" in subscribed_events():
        webhook_emit("case.created", case_payload(instance))


def _on_abandonment(sender, instance, created, raw=False, **kwargs):
    if created and not raw and "cart.abandoned" in subscribed_events():
        webhook_emit("cart.abandoned", cart_payload(instance))


def _on_subscription_change(sender, **kwargs):
    subscribed_events_forget()


def connect() -> None:
    for label, handler in (
        ("orders.OrderEvent", _on_order_event),
        ("service_console.Case", _on_case),
        ("marketing.CartAbandonment", _on_abandonment),
    ):
        try:
            model = apps.get_model(label)
        except LookupError:  # that app is not installed in this deployment
            continue
        post_save.connect(handler, sender=model, dispatch_uid=f"api.webhooks.{label}")
    subscription = apps.get_model("api.WebhookSubscription")
    post_save.connect(_on_subscription_change, sender=subscription, dispatch_uid="api.webhooks.sub_save")
    post_delete.connect(_on_subscription_change, sender=subscription, dispatch_uid="api.webhooks.sub_delete")
