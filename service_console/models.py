"""Service console records: cases (with notes and replies) and knowledge articles.

The console owns no commerce writes; carts and orders change only through their apps'
services. Case numbers are derived from the primary key ("CS-000042") so search by number
is an indexed pk lookup and no second write is needed to allocate one.
"""

import re
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

CASE_NUMBER_PREFIX = "CS-"
_CASE_NUMBER_RE = re.compile(r"^\s*(?:cs-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


def case_pk_from_number(text: str) -> int | None:
    """'CS-000042', 'cs42' -> 42. The prefix is required so phone fragments never match."""
    if not text.strip().lower().startswith("cs"):
        return None
    match = _CASE_NUMBER_RE.match(text)
    return int(match.group(1)) if match else None


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending customer")
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", _("Closed")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Channel(models.TextChoices):
        CONSOLE = "console", _("Console (agent)")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        CONTACT_FORM = "contact_form", _("Contact form")
        ORDER = "order", _("Order")
        CHAT = "chat", _("Chat")
        SOCIAL = "social", _("Social")

    OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cases")
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.CONSOLE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_cases"
    )
    # Order numbers are stored as text so linking never depends on the orders schema;
    # the console resolves them to orders in one query.
    order_numbers = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    # Email thread: the Message-ID the thread started with (the customer's first email, or
    # our acknowledgement); every case email refers to it in References.
    email_message_id = models.CharField(max_length=255, blank=True)
    # SLA (service_console.services.sla): due times fixed from the priority's SlaTarget when
    # the case opens or its priority changes; first_response_at = first reply emailed.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "assignee", "-created_at"], name="case_queue_idx"),
            models.Index(fields=["customer", "-created_at"], name="case_customer_idx"),
            GinIndex(fields=["order_numbers"], name="case_order_numbers_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("console:case", kwargs={"pk": self.pk})

    @property
    def number(self) -> str:
        return f"{CASE_NUMBER_PREFIX}{self.pk:06d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class CaseMessage(models.Model):
    """A line in a case's conversation: an internal note, a reply emailed to the customer,
    or the customer's own message (contact form, email, the requests portal)."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Internal note")
        REPLY = "reply", _("Reply to customer")
        CUSTOMER = "customer", _("Customer message")

    class Via(models.TextChoices):
        CONSOLE = "console", _("Console")
        EMAIL = "email", _("Email")
        PORTAL = "portal", _("Requests page")
        CONTACT_FORM = "contact_form", _("Contact form")
        CHAT = "chat", _("Chat")
        SOCIAL = "social", _("Social")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="case_messages"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    body = models.TextField()
    via = models.CharField(max_length=20, choices=Via.choices, default=Via.CONSOLE)
    # The email this message was (an inbound customer email, or the outbox email of a
    # reply): In-Reply-To/References of a customer's answer point back to it.
    message_id = models.CharField(max_length=255, blank=True)
    inbound = models.ForeignKey(
        "InboundEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="case_messages"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at"], name="casemessage_case_idx"),
            models.Index(fields=["message_id"], name="casemessage_message_id_idx", condition=~models.Q(message_id="")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on case {self.case_id}"


def article_search_vector():
    # The same expression backs the GIN index and the queries, so Postgres can use it.
    return SearchVector("title", weight="A", config="english") + SearchVector("body", weight="B", config="english")


def article_search_vector_ja():
    # Japanese has no spaces for Postgres to split on: the words are found in Python
    # (Article.title_terms / text_terms) and indexed under 'simple', like product search.
    return SearchVector("title_terms", weight="A", config="simple") + SearchVector(
        "text_terms", weight="B", config="simple"
    )


def article_terms(*texts: str) -> str:
    """The folded Japanese words of some texts, space-separated ("" for English text)."""
    from common.japanese import search_terms

    return " ".join(dict.fromkeys(term for text in texts for term in search_terms(text or "")))


class Article(models.Model):
    """Knowledge base article. Body is Markdown, rendered through nh3 (never trusted HTML)."""

    class Category(models.TextChoices):
        FAQ = "faq", _("FAQ")
        ORDERS = "orders", _("Orders & delivery")
        RETURNS = "returns", _("Returns & refunds")
        SIZING = "sizing", _("Size guides")
        ACCOUNT = "account", _("Account & privacy")
        HOWTO = "howto", _("How-to")
        INTERNAL = "internal", _("Internal procedures")

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown. HTML is sanitised when shown.")
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.FAQ, db_index=True)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    is_public = models.BooleanField(default=True, help_text="Public articles appear in the help centre at /help/.")
    # Japanese words of the title, and of the summary and body (article_terms), kept by save().
    title_terms = models.TextField(blank=True, default="", editable=False)
    text_terms = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        indexes = [
            GinIndex(article_search_vector(), name="article_search_gin"),
            GinIndex(article_search_vector_ja(), name="article_search_ja_gin"),
            GinIndex(fields=["tags"], name="article_tags_gin"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.title_terms = article_terms(self.title)
        self.text_terms = article_terms(self.summary, self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "title_terms", "text_terms"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("help:article", kwargs={"slug": self.slug})


class SlaTarget(models.Model):
    """First-response and resolution targets for one priority (admin-editable). Changing a
    target applies to cases opened (or re-prioritised) afterwards; admin can recompute
    open cases' due times. A priority without a row uses sla.DEFAULT_TARGET_MINUTES."""

    priority = models.CharField(max_length=10, choices=Case.Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField(help_text="Minutes from opening to the first reply.")
    resolution_minutes = models.PositiveIntegerField(help_text="Minutes from opening to solved.")

    class Meta:
        ordering = ["-first_response_minutes"]
        verbose_name = "SLA target"

    def __str__(self) -> str:
        label = self.get_priority_display()
        return f"{label}: reply {self.first_response_minutes} min, solve {self.resolution_minutes} min"


class InboundEmail(models.Model):
    """Every email that reached the support address (SMTP listener or an ESP's inbound
    webhook), with the untouched original, and what was done with it."""

    class Source(models.TextChoices):
        SMTP = "smtp", _("Inbound SMTP listener")
        WEBHOOK = "webhook", _("ESP inbound webhook")

    class Outcome(models.TextChoices):
        APPENDED = "appended", _("Added to its case")
        NEW_CASE = "new_case", _("Opened a new case")
        AUTO_REPLY = "auto_reply", _("Ignored: automatic reply")
        BULK = "bulk", _("Ignored: bulk or list mail")
        BOUNCE = "bounce", _("Ignored: bounce")
        LOOP = "loop", _("Ignored: our own mail (loop)")
        FLOOD = "flood", _("Ignored: too many from this sender")

    IGNORED = (Outcome.AUTO_REPLY, Outcome.BULK, Outcome.BOUNCE, Outcome.LOOP, Outcome.FLOOD)

    source = models.CharField(max_length=10, choices=Source.choices)
    esp = models.CharField(max_length=40, blank=True, help_text="ESP name for webhook deliveries.")
    message_id = models.CharField(max_length=255, help_text="Message-ID header (or a digest when missing).")
    from_email = models.CharField(max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    recipients = models.TextField(blank=True, help_text="Envelope and header recipients, one per line.")
    subject = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True, help_text="The full text body, quotes and signature included.")
    raw = models.BinaryField(editable=False, help_text="The original message (RFC 5322), as received.")
    size = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    outcome_detail = models.CharField(max_length=255, blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["message_id"], name="inbound_message_id_unique")]
        indexes = [models.Index(Lower("from_email"), "received_at", name="inbound_sender_idx")]

    def __str__(self) -> str:
        return f"{self.from_email}: {self.subject} ({self.get_outcome_display()})"


def _attachment_path(instance: "CaseAttachment", filename: str) -> str:
    # A random directory per file: names can repeat and must not be guessable.
    return f"case-attachments/{instance.case_id}/{uuid.uuid4().hex}/{filename}"


class CaseAttachment(models.Model):
    """A file a customer sent with a message (type and size checked on the way in).
    Served only to staff and to the case's customer, always as a download."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(CaseMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class AgentNotification(models.Model):
    """Tells an agent in the console that something happened on their case (the customer
    answered by email or on the requests page). Read when the agent opens the case."""

    class Kind(models.TextChoices):
        CUSTOMER_REPLY = "customer_reply", _("Customer replied")
        CUSTOMER_CLOSED = "customer_closed", _("Customer closed the case")

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="console_notifications")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["agent", "-created_at"], name="notification_unread_idx", condition=models.Q(read_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on case {self.case_id}"
