"""Attribution (C7/C8): a click on a marketing link tags the session and the message; an
order within the window after a click is credited to that message's flow/campaign.

Which click: the message named by the order's utm_content (the session that placed it
came through our link), else the customer's last clicked marketing message within the
window (same person, another device). One Attribution per order.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from marketing.links import SESSION_KEY
from marketing.models import AbandonmentSettings, Attribution, MarketingCursor, MarketingMessage

BATCH = 500
SETTLE = timedelta(minutes=2)  # orders newer than this may still commit out of pk order


def message_click_record(*, message_id: int, request=None, now: datetime | None = None) -> MarketingMessage | None:
    """Mark the message clicked and tag the visitor's session with it."""
    now = now or timezone.now()
    message = MarketingMessage.objects.filter(pk=message_id).first()
    if message is None:
        return None
    MarketingMessage.objects.filter(pk=message_id, first_clicked_at__isnull=True).update(first_clicked_at=now)
    MarketingMessage.objects.filter(pk=message_id).update(last_clicked_at=now)
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = {
            "message_id": message.pk,
            "flow": message.flow,
            "campaign_id": message.campaign_id,
            "clicked_at": now.isoformat(),
        }
    return message


def _message_for(order, window: timedelta) -> MarketingMessage | None:
    since = order.placed_at - window
    content = str((order.attribution or {}).get("utm_content", ""))
    if content.startswith("m") and content[1:].isdigit():
        message = MarketingMessage.objects.filter(
            pk=int(content[1:]), last_clicked_at__gte=since, last_clicked_at__lte=order.placed_at
        ).first()
        if message is not None:
            return message
    return (
        MarketingMessage.objects.filter(
            customer_id=order.customer_id, last_clicked_at__gte=since, last_clicked_at__lte=order.placed_at
        )
        .exclude(flow=MarketingMessage.Flow.TEST)
        .order_by("-last_clicked_at")
        .first()
    )


def order_attribute(*, order, window: timedelta | None = None) -> Attribution | None:
    if window is None:
        window = timedelta(days=AbandonmentSettings.current().attribution_window_days)
    message = _message_for(order, window)
    if message is None:
        return None
    try:
        with transaction.atomic():
            return Attribution.objects.create(
                order=order,
                message=message,
                flow=message.flow,
                campaign_id=message.campaign_id,
                revenue=order.total,
                clicked_at=message.last_clicked_at,
            )
    except IntegrityError:
        return Attribution.objects.filter(order=order).first()


def attribution_sync(*, now: datetime | None = None) -> int:
    """Attribute orders placed since the watermark (beat, every few minutes)."""
    from orders.selectors import revenue_orders

    now = now or timezone.now()
    window = timedelta(days=AbandonmentSettings.current().attribution_window_days)
    cursor, _ = MarketingCursor.objects.get_or_create(name="attribution_order_id")
    orders = list(
        revenue_orders()
        .filter(pk__gt=cursor.value)
        .order_by("pk")
        .only("pk", "customer_id", "placed_at", "total", "attribution")[:BATCH]
    )
    made = 0
    settled_upto, advancing = cursor.value, True
    for order in orders:
        # The watermark moves only over settled orders; newer ones are looked at again.
        advancing = advancing and order.placed_at <= now - SETTLE
        if advancing:
            settled_upto = order.pk
        if not Attribution.objects.filter(order_id=order.pk).exists() and order_attribute(order=order, window=window):
            made += 1
    if settled_upto > cursor.value:
        MarketingCursor.objects.filter(pk=cursor.pk).update(value=settled_upto)
    return made
