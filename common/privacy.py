"""Personal data held by `common` (R13): audit entries, Django admin's change log, and
business events (webhook payloads waiting for, or kept after, the relay)."""

from common.audit import audit_redact
from common.models import DomainEvent
from common.personal_data import ErasureSubject, mentioning, redact_rows


def common_erase(subject: ErasureSubject) -> None:
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    audit_redact(subject)
    # Admin's change log names the object as str(obj) (a customer's email) when it was edited.
    customer_type = ContentType.objects.get_for_model(type(subject.customer))
    about_customer = LogEntry.objects.filter(content_type=customer_type, object_id=str(subject.customer.pk))
    about_customer.update(object_repr=subject.replacement_email)
    redact_rows(
        mentioning(LogEntry.objects.all(), subject, ("object_repr", "change_message")),
        subject,
        ("object_repr", "change_message"),
    )
    redact_rows(mentioning(DomainEvent.objects.all(), subject, ("payload",)), subject, ("payload",))


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "common",
        holds=("common.AuditEntry", "admin.LogEntry", "common.DomainEvent"),
        erase=common_erase,
        # Framework tables: permissions, groups, content types and beat schedules hold no one's data.
        without=(
            "auth.Group",
            "auth.Permission",
            "contenttypes.ContentType",
            "django_celery_beat.ClockedSchedule",
            "django_celery_beat.CrontabSchedule",
            "django_celery_beat.IntervalSchedule",
            "django_celery_beat.PeriodicTask",
            "django_celery_beat.PeriodicTasks",
            "django_celery_beat.SolarSchedule",
        ),
        order=800,
    )
