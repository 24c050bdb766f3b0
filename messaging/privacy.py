"""Erasure support for the outbox (C1): keep delivery facts, drop address and content."""

from messaging.models import OutboundEmail


def outbox_anonymise(*, customer, replacement_email: str) -> int:
    return OutboundEmail.objects.filter(customer=customer).update(to_email=replacement_email, context={})
