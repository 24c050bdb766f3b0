"""Celery tasks of the SMS and push outbox (queue `mobile`): thin, ids in, idempotent."""

from celery import shared_task

from mobile.services import outbound_deliver, outbound_relay


@shared_task(name="mobile.deliver_batch", ignore_result=True, acks_late=True)
def deliver_batch(message_ids: list[int]) -> int:
    """Send each outbox row that is still due (a redelivered task finds them sent and does
    nothing). Returns how many were sent."""
    return sum(1 for message_id in message_ids if outbound_deliver(message_id=message_id).status == "sent")


@shared_task(name="mobile.relay", ignore_result=True)
def relay() -> int:
    """Beat: put back rows a lost task or a dead worker left behind, and publish."""
    return outbound_relay()
