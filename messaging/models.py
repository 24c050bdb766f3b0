"""The email outbox: one row per message, written in the transaction of the business change
that causes it, delivered by Celery (messaging.tasks.deliver)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No single-column FK index: outbox_customer_idx (customer, -created_at) serves lookups.
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_emails",
        db_index=False,
    )
    to_email = models.EmailField(max_length=254)
    kind = models.CharField(max_length=64, help_text="e.g. order_confirmation, password_reset, campaign")
    template = models.CharField(max_length=120, help_text="emails/<template>.html/.txt/_subject.txt")
    context = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=255)  # unique: see Meta (no LIKE index needed)
    marketing = models.BooleanField(default=False, help_text="Needs current marketing consent at send time.")
    language = models.CharField(max_length=8, blank=True, default="", help_text="Rendered in this language.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    subject = models.CharField(max_length=255, blank=True, help_text="Rendered at send time.")
    # Threading and reply routing set by the caller (Reply-To, In-Reply-To, References,
    # Auto-Submitted); see messaging.services.EXTRA_HEADERS.
    headers = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=255, blank=True, help_text="RFC 5322 Message-ID (fixed per row).")
    provider_message_id = models.CharField(max_length=255, blank=True)
    # Claim: a worker owns the row while status=sending and lease_until is in the future.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Every claim and "sent" mark rewrites the row and all its index entries (status is
        # indexed, so no HOT update): keep the index set small. Newest-first lists use the pk.
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="outbox_dedupe_key_unique")]
        indexes = [
            models.Index(fields=["status", "created_at"], name="outbox_status_created_idx"),
            models.Index(Lower("to_email"), name="outbox_to_email_ci_idx"),
            models.Index(fields=["customer", "-created_at"], name="outbox_customer_idx"),
            models.Index(fields=["kind", "status"], name="outbox_kind_status_idx"),
            # The relay's work list (messaging.services.outbox_publish_new): rows written but
            # never published; tiny, as rows leave it the moment they are published.
            models.Index(
                fields=["marketing", "id"],
                condition=models.Q(status="queued", last_enqueued_at__isnull=True),
                name="outbox_unpublished_idx",
            ),
        ]
        verbose_name = "outbound email"

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.status})"


class EmailEvent(models.Model):
    """What happened to a message after it left: opens, clicks, unsubscribes, bounces."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Opened")
        CLICK = "click", _("Clicked")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
        BOUNCE = "bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Complaint")

    email = models.ForeignKey(OutboundEmail, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="email_events"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(max_length=2000, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="emailevent_customer_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class Suppression(models.Model):
    """An address we must not mail. Hard bounces block all mail; complaints and manual
    entries block marketing mail only (transactional mail ignores marketing consent)."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Spam complaint")
        MANUAL = "manual", _("Manual (marketing only)")

    email = models.EmailField(max_length=254)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(Lower("email"), name="suppression_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_reason_display()})"

    @property
    def blocks_transactional(self) -> bool:
        return self.reason == self.Reason.HARD_BOUNCE
