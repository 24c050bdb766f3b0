"""Service console records: cases (with notes and replies) and knowledge articles.

The console owns no commerce writes; carts and orders change only through their apps'
services. Case numbers are derived from the primary key ("CS-000042") so search by number
is an indexed pk lookup and no second write is needed to allocate one.
"""

import re

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.urls import reverse
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
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending customer"
        SOLVED = "solved", "Solved"
        CLOSED = "closed", "Closed"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Channel(models.TextChoices):
        CONSOLE = "console", "Console (agent)"
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"
        CONTACT_FORM = "contact_form", "Contact form"
        ORDER = "order", "Order"
        CHAT = "chat", "Chat"
        SOCIAL = "social", "Social"

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
    or the customer's own message (contact form)."""

    class Kind(models.TextChoices):
        NOTE = "note", "Internal note"
        REPLY = "reply", "Reply to customer"
        CUSTOMER = "customer", "Customer message"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="case_messages"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="casemessage_case_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on case {self.case_id}"


def article_search_vector():
    # The same expression backs the GIN index and the queries, so Postgres can use it.
    return SearchVector("title", weight="A", config="english") + SearchVector("body", weight="B", config="english")


class Article(models.Model):
    """Knowledge base article. Body is Markdown, rendered through nh3 (never trusted HTML)."""

    class Category(models.TextChoices):
        FAQ = "faq", "FAQ"
        ORDERS = "orders", "Orders & delivery"
        RETURNS = "returns", "Returns & refunds"
        SIZING = "sizing", "Size guides"
        ACCOUNT = "account", "Account & privacy"
        HOWTO = "howto", "How-to"
        INTERNAL = "internal", "Internal procedures"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown. HTML is sanitised when shown.")
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.FAQ, db_index=True)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    is_public = models.BooleanField(default=True, help_text="Public articles appear in the help centre at /help/.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        indexes = [
            GinIndex(article_search_vector(), name="article_search_gin"),
            GinIndex(fields=["tags"], name="article_tags_gin"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("help:article", kwargs={"slug": self.slug})
