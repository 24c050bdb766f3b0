from common.models import AuditEntry


def audit_record(
    *,
    actor,
    action: str,
    customer=None,
    obj=None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEntry:
    """Write one append-only audit entry (call inside the transaction of the change)."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        customer=customer,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        before=before or {},
        after=after or {},
        note=note,
    )
