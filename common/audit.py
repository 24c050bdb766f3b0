from django.db import connection, transaction

from common.models import AuditEntry

# The append-only trigger (common/migrations/0003_audit_append_only.py) refuses every UPDATE
# and DELETE of an audit entry, except an UPDATE of before/after/note made while this
# transaction-local setting is on. Only `audit_redact` turns it on (erasure, R13).
AUDIT_REDACTION_SETTING = "uc.audit_redaction"


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
    """Write one append-only audit entry (call inside the transaction of the change).
    `action` must be an AuditAction (ValueError otherwise): one vocabulary everywhere."""
    from common.audit_actions import AuditAction

    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        customer=customer,
        action=AuditAction(action).value,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        before=before or {},
        after=after or {},
        note=note,
    )


@transaction.atomic
def audit_redact(subject) -> int:
    """Erasure's one sanctioned write to the audit log: redact the subject's identifiers in
    before/after/note of entries about them or quoting them. Who did what and when stays."""
    from django.db.models import Q

    from common.personal_data import mentioning, redact_rows

    fields = ("before", "after", "note")
    rows = mentioning(AuditEntry.objects.all(), subject, fields, also=Q(customer=subject.customer))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [AUDIT_REDACTION_SETTING])
    try:
        return redact_rows(rows, subject, fields)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'off', true)", [AUDIT_REDACTION_SETTING])
