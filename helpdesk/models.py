"""Channel-agnostic helpdesk records: saved replies (macros) and satisfaction ratings.

Cases (service_console) and chats both use them, so they name the conversation by channel
and id instead of a foreign key to either; this app sits below both (catalog → helpdesk →
messaging) and imports neither.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedReply(models.Model):
    """A reply an agent inserts into a case or chat reply, with {tokens} filled in
    (helpdesk.services.saved_reply_render)."""

    title = models.CharField(max_length=120, unique=True)
    body = models.TextField(
        help_text="Plain text. Tokens: {first_name}, {last_name}, {full_name}, {email}, {order_number}, "
        "{case_number}, {agent_name}, {site_name}."
    )
    is_active = models.BooleanField(default=True, help_text="Only active replies are offered to agents.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "saved replies"

    def __str__(self) -> str:
        return self.title


class SatisfactionRating(models.Model):
    """One 1–5 rating asked for after a case is resolved or a chat ends. Created unrated
    when asked (`requested_at`); `score` and `rated_at` are set when the customer answers."""

    class Channel(models.TextChoices):
        CASE = "case", _("Case")
        CHAT = "chat", _("Chat")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    object_id = models.PositiveBigIntegerField(help_text="The case or chat conversation id.")
    reference = models.CharField(max_length=40, help_text="What the customer saw, e.g. CS-000042.")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ratings_given"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ratings_received"
    )
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "object_id"], name="rating_one_per_conversation"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="rating_score_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["agent", "rated_at"], name="rating_agent_idx")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.score or '—'}/5"
