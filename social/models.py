"""Social listening: posts pushed by integrations, the admin-editable rules that classify
them, and the replies agents post back (social.services has the workflow)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import SocialNetwork


class Category(models.TextChoices):
    """What a post is about (a rule's category; the post takes its strongest rule's)."""

    DELIVERY = "delivery", _("Delivery")
    QUALITY = "quality", _("Product quality")
    SIZING = "sizing", _("Size and fit")
    REFUND = "refund", _("Returns and refunds")
    BILLING = "billing", _("Payment and billing")
    SERVICE = "service", _("Customer service")
    PRAISE = "praise", _("Praise")
    QUESTION = "question", _("Question")
    OTHER = "other", _("Other")


class RuleLanguage(models.TextChoices):
    ANY = "", _("Any language")
    EN = "en", _("English")
    JA = "ja", _("Japanese")


class SocialRule(models.Model):
    """A keyword or phrase that signals what a post is about and how bad it is. Matched on
    whole words in English (`*` = any word ending: refund* matches refunded) and as text in
    Japanese (`*` = up to ten characters within a sentence: まだ*届 matches まだ商品が届)."""

    term = models.CharField(max_length=100)
    language = models.CharField(max_length=2, choices=RuleLanguage.choices, blank=True, default=RuleLanguage.ANY)
    category = models.CharField(max_length=20, choices=Category.choices)
    weight = models.FloatField(
        validators=[MinValueValidator(-1.0), MaxValueValidator(1.0)],
        help_text="Added to the post's sentiment (−1 … +1): negative for complaints, positive for praise.",
    )
    opens_case = models.BooleanField(
        "complaint rule",
        default=False,
        help_text="A match opens a case unless the post as a whole is clearly positive.",
    )
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why this rule exists (for the next editor).")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "term"]
        constraints = [models.UniqueConstraint(Lower("term"), "language", name="socialrule_unique_term_language")]

    def __str__(self) -> str:
        return f"{self.term} ({self.get_category_display()}, {self.weight:+.2f})"


class SocialPost(models.Model):
    """A post mentioning the shop, pushed by an integration (POST /api/v1/social/posts),
    with what the classifier made of it: language, sentiment, rules that fired, score, and
    the case it opened or joined."""

    Platform = SocialNetwork  # the API's name for the network

    class Status(models.TextChoices):
        RECEIVED = "received", _("Waiting for classification")
        IGNORED = "ignored", _("No action needed")
        FLAGGED = "flagged", _("Needs attention")
        REPLIED = "replied", _("Replied")
        HANDLED = "handled", _("Handled")
        DISMISSED = "dismissed", _("Dismissed: not actionable")

    REVIEWED_ACTIONABLE = (Status.REPLIED, Status.HANDLED)

    platform = models.CharField(max_length=20, choices=SocialNetwork.choices)
    handle = models.CharField(max_length=100, db_index=True)
    text = models.TextField()
    url = models.URLField(max_length=500, blank=True)
    posted_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=100, blank=True, help_text="The integration (token name) that sent it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    # What the classifier found (social.classification): kept so an agent can see why.
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.FloatField(null=True, blank=True, help_text="Lexicon sentiment, −1 … +1.")
    sentiment_words = models.JSONField(default=list, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="Sentiment plus the weights of the rules that fired.")
    matched_rules = models.JSONField(default=list, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    needs_case = models.BooleanField(null=True)
    why = models.JSONField(default=dict, blank=True, help_text="What decided it (social.classification).")
    terms = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    order_numbers = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    classified_at = models.DateTimeField(null=True, blank=True)
    # The customer whose profile has this handle (None: nobody yet) and the case it opened/joined.
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="social_posts"
    )
    case = models.ForeignKey(
        "service_console.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="social_posts"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "url"], condition=~models.Q(url=""), name="socialpost_unique_platform_url"
            )
        ]
        indexes = [
            models.Index(fields=["status", "-received_at"], name="socialpost_queue_idx"),
            models.Index(fields=["platform", "handle", "-received_at"], name="socialpost_author_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} @{self.handle}: {self.text[:40]}"

    @property
    def reason(self) -> str:
        """Why it was (not) flagged, in the reader's language."""
        from social.classification import reason_text

        return reason_text(self.why)

    @property
    def complaint_rules(self) -> list[dict]:
        return [rule for rule in self.matched_rules if rule.get("opens_case")]


class SocialReply(models.Model):
    """An agent's public answer to a post, posted through the network's adapter
    (social.networks; in development the log adapter only logs it)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Posting")
        SENT = "sent", _("Posted")
        LOGGED = "logged", _("Logged (development adapter)")
        FAILED = "failed", _("Failed")

    post = models.ForeignKey(SocialPost, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    network_reference = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "social replies"

    def __str__(self) -> str:
        return f"Reply to post {self.post_id} ({self.status})"
