"""The SMS and web push outbox, push subscriptions, SMS opt-outs and inbound texts.

`OutboundMessage` is the email outbox's design (messaging.OutboundEmail) for the two other
channels: a row written in the business transaction, published by the workers' relay,
claimed by one conditional UPDATE before it is sent, marked sent fenced by the claim
token, retried with backoff. One table for SMS and push: they share every column that
matters to delivery, and the frequency cap and the Customer 360 read both at once.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboundMessage(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        PUSH = "push", "Web push"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Not sent (no consent or opted out)"

    class DeliveryStatus(models.TextChoices):
        """What the carrier reported afterwards (Twilio status callbacks)."""

        UNKNOWN = "", "—"
        QUEUED = "queued", "Queued at the provider"
        SENT = "sent", "Sent to the carrier"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed at the provider"

    class Encoding(models.TextChoices):
        NONE = "", "—"
        GSM7 = "gsm7", "GSM-7"
        UCS2 = "ucs2", "UCS-2"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    to_phone = models.CharField(max_length=20, blank=True, help_text="E.164 (SMS).")
    subscription = models.ForeignKey(
        "mobile.PushSubscription", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    kind = models.CharField(max_length=64, help_text="e.g. order_shipped, campaign, cart_reminder_2, back_in_stock")
    marketing = models.BooleanField(default=False, help_text="Needs the marketing consent of its channel at send time.")
    title = models.CharField(max_length=120, blank=True, help_text="Push notification title.")
    body = models.TextField(help_text="The SMS text or the notification's text.")
    url = models.CharField(max_length=500, blank=True, help_text="Where a push notification opens.")
    encoding = models.CharField(max_length=4, choices=Encoding.choices, blank=True, default="")
    segments = models.PositiveSmallIntegerField(default=0, help_text="SMS parts billed by the carrier.")
    dedupe_key = models.CharField(max_length=255)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why it waits, e.g. quiet hours.")
    provider_message_id = models.CharField(max_length=64, blank=True)
    delivery_status = models.CharField(max_length=12, choices=DeliveryStatus.choices, blank=True, default="")
    delivery_error = models.CharField(max_length=200, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="mobile_outbox_dedupe_unique")]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="mobile_outbox_customer_idx"),
            models.Index(fields=["status", "created_at"], name="mobile_outbox_status_idx"),
            # The relay's work list: written (or deferred, or backing off) and not yet
            # handed to a worker. Rows leave it the moment they are published.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="queued", last_enqueued_at__isnull=True),
                name="mobile_outbox_unpublished_idx",
            ),
            models.Index(fields=["provider_message_id"], name="mobile_outbox_provider_idx"),
        ]
        verbose_name = "outbound SMS or push"
        verbose_name_plural = "outbound SMS and push"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind} ({self.status})"


class PushSubscription(models.Model):
    """One browser's push subscription (the PushManager's endpoint and keys) for a customer.
    A customer has one per browser or device; the push service's 404/410 removes it."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200, help_text="The browser's public key (base64url).")
    auth = models.CharField(max_length=60, help_text="The browser's auth secret (base64url).")
    user_agent = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"push subscription {self.pk} of {self.customer_id}"


class SmsOptOut(models.Model):
    """A number that texted STOP: nothing is sent to it (whoever's number it is) until it
    texts START. Like an email suppression, kept for numbers without a customer too."""

    phone = models.CharField(max_length=20, unique=True, help_text="E.164.")
    keyword = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "SMS opt-out"

    def __str__(self) -> str:
        return f"{self.phone} opted out"


class InboundSms(models.Model):
    """A text a customer sent us (Twilio's inbound webhook) and what we did with it."""

    class Action(models.TextChoices):
        STOP = "stop", "Opted out (STOP)"
        START = "start", "Opted back in (START)"
        HELP = "help", "Asked for help (HELP)"
        OTHER = "other", "No keyword"

    provider_message_id = models.CharField(max_length=64, unique=True)
    from_phone = models.CharField(max_length=20)
    body = models.TextField(blank=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "inbound SMS"
        verbose_name_plural = "inbound SMS"

    def __str__(self) -> str:
        return f"{self.get_action_display()} from {self.from_phone}"
