"""Erasure support for the outbox (C1): keep delivery facts, drop address and content."""

from django.db.models import Q

from messaging.models import EmailEvent, OutboundEmail


def outbox_anonymise(*, customer, replacement_email: str) -> int:
    """Replace the address and drop the rendered context of every message to the customer
    (linked, or sent to their current address before the link existed); unsent ones are
    suppressed so nothing goes to the placeholder address. Clears tracking details.
    Call before the customer's own email is replaced. Returns the number of messages."""
    rows = OutboundEmail.objects.filter(Q(customer=customer) | Q(to_email__iexact=customer.email))
    rows.filter(status=OutboundEmail.Status.QUEUED).update(
        status=OutboundEmail.Status.SUPPRESSED, last_error="customer data erased"
    )
    count = rows.update(to_email=replacement_email, context={}, customer=customer)
    EmailEvent.objects.filter(Q(customer=customer) | Q(email__customer=customer)).update(url="", user_agent="")
    return count
