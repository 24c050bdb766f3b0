"""API records: integration tokens, outgoing webhook subscriptions and their delivery log
(SPEC C9, C10). Social posts received from integrations live in the `social` app."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import EventName

TOKEN_PREFIX = "uc"


class Scope(models.TextChoices):
    SHOPPER = "shopper", _("Shopper: act as the token's customer (cart, checkout, orders, profile, cases)")
    STAFF = "staff", _("Staff: agent endpoints (customers, their carts, orders on behalf, cases)")
    SOCIAL_WRITE = "social:write", _("Social ingest: POST /api/v1/social/posts")


def token_digest(raw: str) -> str:
    """SHA-256 of the whole token. Tokens carry 256 bits of randomness, so a fast hash is
    enough (no dictionary to attack); only the digest is stored."""
    return hashlib.sha256(raw.encode()).hexdigest()


class IntegrationToken(models.Model):
    """A bearer token for an integration or a person. The raw value is shown once, when
    created; the database keeps its prefix (to find the row) and its SHA-256 digest."""

    name = models.CharField(max_length=100, help_text="Who uses it, e.g. 'Instagram shop' or 'Mobile app (Ana)'.")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="The customer (or agent) the token acts as. Required for shopper and staff scopes.",
    )
    scopes = ArrayField(models.CharField(max_length=20, choices=Scope.choices), default=list)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}_{self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def issue(self) -> str:
        """Set a fresh prefix and digest; return the raw token (the only time it exists)."""
        self.prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        raw = f"{TOKEN_PREFIX}_{self.prefix}_{secret}"
        self.digest = token_digest(raw)
        return raw


# One vocabulary for business events: the events table and webhook subscriptions share it.
WebhookEvent = EventName


class WebhookSubscription(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, help_text="HTTPS endpoint that receives POSTed JSON.")
    events = ArrayField(models.CharField(max_length=40, choices=WebhookEvent.choices), default=list)
    secret = models.CharField(
        max_length=100, help_text="Shared secret for the X-UC-Signature HMAC-SHA256 header (generated if empty)."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    def save(self, *args, **kwargs):
        if not self.secret:
            self.secret = f"whsec_{secrets.token_urlsafe(24)}"
        super().save(*args, **kwargs)


class WebhookDelivery(models.Model):
    """One event for one subscription; attempts are counted on the row (the log in admin)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed (retries exhausted)")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, db_index=True)
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker is POSTing: a duplicate message meanwhile skips instead of sending twice.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhookdelivery_unique_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"
