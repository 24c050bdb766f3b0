"""Pausing marketing for one customer at another team's request (the service console while a
case is open). The console calls these; marketing's flows check `contact_on_hold`."""

from django.db import transaction
from django.utils import timezone

from common.audit import audit_record
from common.audit_actions import AuditAction
from marketing.models import ContactHold


@transaction.atomic
def contact_hold(*, customer, reason: str, reference: str, actor=None) -> ContactHold:
    """Hold marketing for `customer` until released (idempotent per reference)."""
    hold, created = ContactHold.objects.get_or_create(customer=customer, reason=reason, reference=reference)
    if not created and hold.released_at is not None:
        hold.released_at = None
        hold.save(update_fields=["released_at"])
    elif not created:
        return hold
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditAction.CONTACT_PAUSE,
            customer=customer,
            obj=hold,
            after={"reason": reason, "reference": reference},
        )
    return hold


def contact_hold_release(*, customer, reason: str, reference: str) -> int:
    return ContactHold.objects.filter(
        customer=customer, reason=reason, reference=reference, released_at__isnull=True
    ).update(released_at=timezone.now())


def contact_on_hold(customer_id: int) -> bool:
    return ContactHold.objects.filter(customer_id=customer_id, released_at__isnull=True).exists()
