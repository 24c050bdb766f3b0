import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """Append-only record of a staff or system action: who, what, when, before/after.

    Append-only in the database too: a trigger refuses UPDATE and DELETE (migration 0003),
    so people with audit history are erased (common.audit.audit_redact), never deleted
    (PROTECT: deleting them would have to rewrite the entries' foreign keys)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_actions"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "-created_at"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit entries are append-only")


class EventName(models.TextChoices):
    """Business events other systems can subscribe to (webhooks, SPEC C9)."""

    ORDER_CREATED = "order.created", _("order.created")
    ORDER_PAID = "order.paid", _("order.paid")
    ORDER_FULFILLED = "order.fulfilled", _("order.fulfilled")
    CART_ABANDONED = "cart.abandoned", _("cart.abandoned")
    CASE_CREATED = "case.created", _("case.created")


class DomainEvent(models.Model):
    """One business event, written by the service that causes it inside its own transaction
    (like the email outbox): it exists exactly when the change committed. The webhook relay
    (api.webhooks) fans new events out to subscriptions and marks them `relayed_at`; the
    event's `public_id` is the X-UC-Delivery id every subscriber receives."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=40, choices=EventName.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    relayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The relay's work list: only events not yet fanned out (a small, hot index).
            models.Index(fields=["id"], condition=models.Q(relayed_at__isnull=True), name="domainevent_unrelayed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.public_id}"
