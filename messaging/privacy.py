"""Personal data held by `messaging` (R13): outbox rows (address, rendered context, subject),
tracking events, suppressions. Delivery facts (kind, status, times) stay."""

import re

from django.db.models import Q

from common.personal_data import ErasureSubject, mentioning, redact_rows
from messaging.models import EmailEvent, OutboundEmail, Suppression


def outbox_anonymise(*, customer, replacement_email: str, email: str | None = None) -> int:
    """Replace the address and drop the rendered context of every message to the customer
    (linked, or sent to their address before the link existed); unsent ones are suppressed
    so nothing goes to the placeholder address. Clears tracking details. `email`: the
    customer's address before erasure (default: their current one). Returns the number of messages."""
    email = email or customer.email
    rows = OutboundEmail.objects.filter(Q(customer=customer) | Q(to_email__iexact=email))
    rows.filter(status=OutboundEmail.Status.QUEUED).update(
        status=OutboundEmail.Status.SUPPRESSED, last_error="customer data erased"
    )
    for row in rows.filter(dedupe_key__icontains=email).only("pk", "dedupe_key"):
        key = re.sub(re.escape(email), replacement_email, row.dedupe_key, flags=re.IGNORECASE)
        OutboundEmail.objects.filter(pk=row.pk).update(dedupe_key=key)
    count = rows.update(to_email=replacement_email, context={}, subject="", customer=customer)
    EmailEvent.objects.filter(Q(customer=customer) | Q(email__customer=customer)).update(url="", user_agent="")
    return count


def messaging_erase(subject: ErasureSubject) -> None:
    outbox_anonymise(customer=subject.customer, replacement_email=subject.replacement_email, email=subject.email)
    # Errors quoting the address ("550 <ana@…> unknown"), dedupe keys made from what they
    # typed ("search:<id>:<day>:gift for <name>"), messages about them to others. The address
    # in keys was replaced by the unique erased one above, so keys stay unique.
    text_fields = ("last_error", "subject", "context", "dedupe_key")
    redact_rows(mentioning(OutboundEmail.objects.all(), subject, text_fields), subject, text_fields)
    # The suppression stays (the address must not be mailed again) under the erased identity.
    Suppression.objects.filter(email__iexact=subject.email).update(email=subject.replacement_email)
    redact_rows(mentioning(Suppression.objects.all(), subject, ("note",)), subject, ("note",))


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "messaging",
        holds=("messaging.OutboundEmail", "messaging.EmailEvent", "messaging.Suppression"),
        erase=messaging_erase,
    )
