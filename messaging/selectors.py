"""Reads of the messaging app worth naming (Customer 360 timeline, console)."""

from django.db.models import QuerySet

from messaging.models import EmailEvent, OutboundEmail


def emails_for_customer(*, customer, limit: int = 20) -> QuerySet[OutboundEmail]:
    """The customer's newest emails (any status), for a timeline. One query."""
    return (
        OutboundEmail.objects.filter(customer=customer)
        .only("id", "public_id", "kind", "status", "subject", "to_email", "marketing", "created_at", "sent_at")
        .order_by("-created_at", "-id")[:limit]
    )


def email_events_for_customer(*, customer, limit: int = 50) -> QuerySet[EmailEvent]:
    """Opens, clicks, unsubscribes, bounces and complaints, newest first. One query."""
    return (
        EmailEvent.objects.filter(customer=customer)
        .select_related("email")
        .only("id", "kind", "url", "created_at", "email__kind", "email__subject")
        .order_by("-created_at", "-id")[:limit]
    )
