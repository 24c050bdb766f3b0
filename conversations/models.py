"""Live chat records: conversations, their messages, agents' presence and assignment settings.

Messages are rows: the id a client acknowledges is the message's primary key. Within one
conversation ids grow in commit order, because every insert first updates (and so locks)
the conversation row (see services.message_post); a client that has id N has every
message up to N.

A conversation links to a case by the case's primary key, not a foreign key: cases live in
service_console, which sits above this app (README "Layout"), like cases store order
numbers as text.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    class Status(models.TextChoices):
        BOT = "bot", _("With the bot")
        WAITING = "waiting", _("Waiting for an agent")
        ACTIVE = "active", _("With an agent")
        CLOSED = "closed", _("Closed")

    class Intent(models.TextChoices):
        NONE = "", _("None yet")
        ORDER_STATUS = "order_status", _("Where is my order")
        RETURNS = "returns", _("Returns")
        KNOWLEDGE = "knowledge", _("Help article")
        HANDOVER = "handover", _("Asked for a person")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        OPEN = "", _("Still open")
        BOT_RESOLVED = "bot_resolved", _("Closed by the bot")
        HANDED_OVER = "handed_over", _("Handed over to an agent")
        ABANDONED = "abandoned", _("Left without an answer")

    OPEN_STATUSES = (Status.BOT, Status.WAITING, Status.ACTIVE)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="conversations"
    )
    # An anonymous conversation belongs to the browser session that started it (its public
    # id is kept in that session's data, which survives sign-in) until it joins a customer.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOT)
    intent = models.CharField(max_length=20, choices=Intent.choices, default=Intent.NONE, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.OPEN, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    # Bot memory between turns (e.g. waiting for an order number and email). Small, typed by bot.py.
    bot_state = models.JSONField(default=dict, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True, help_text="service_console.Case primary key")
    # A guest's session cart (carts.Cart pk), so an agent can add to it; signed-in
    # shoppers' carts are found by customer.
    cart_id = models.BigIntegerField(null=True, blank=True)
    customer_read_id = models.BigIntegerField(default=0)
    agent_read_id = models.BigIntegerField(default=0)
    last_message_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "handed_over_at"], name="conv_queue_idx"),
            models.Index(fields=["customer", "-created_at"], name="conv_customer_idx"),
            models.Index(fields=["assignee", "status"], name="conv_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"Chat {self.short_id}"

    @property
    def short_id(self) -> str:
        return str(self.public_id)[:8]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ChatMessage(models.Model):
    class Sender(models.TextChoices):
        CUSTOMER = "customer", _("Shopper")
        BOT = "bot", _("Bot")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        ARTICLE = "article", _("Help article card")
        PRODUCT = "product", _("Product added to cart")
        LINK = "link", _("Link card")
        ORDERS = "orders", _("Order status card")
        FEEDBACK = "feedback", _("Did this help?")
        EVENT = "event", _("Event")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_messages"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(max_length=2000)
    # Card data (title, url, summary, items); plain values, rendered as text by every client.
    payload = models.JSONField(default=dict, blank=True)
    # The sender's own id for a message, so a resend after a dropped socket stores it once.
    client_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"], condition=~Q(client_id=""), name="chatmessage_client_id_unique"
            )
        ]
        indexes = [models.Index(fields=["conversation", "id"], name="chatmessage_conv_idx")]

    def __str__(self) -> str:
        return f"{self.get_sender_display()} #{self.pk}"


class AgentPresence(models.Model):
    """Whether an agent takes new chats. `status` is the agent's choice (the console's
    toggle); they count as online only while a console socket is open (`connections`) and
    was seen within assignment.PRESENCE_FRESH_SECONDS, so closing the last console tab (or a
    crashed browser) makes them away for assignment."""

    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")

    agent = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AWAY)
    connections = models.PositiveIntegerField(default=0)
    seen_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(auto_now=True)
    # Round-robin cursor: the agent offered work longest ago goes first.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "agent presence"

    def __str__(self) -> str:
        return f"{self.agent} {self.status}"


class AssignmentSettings(models.Model):
    """One row, edited in admin: how new chats and cases reach agents."""

    chats_round_robin = models.BooleanField(
        default=True, help_text="Offer each new chat to the next online agent (else it waits in the shared queue)."
    )
    cases_round_robin = models.BooleanField(
        default=True, help_text="Assign each new incoming case (contact form, email, chat) to the next online agent."
    )
    max_chats_per_agent = models.PositiveSmallIntegerField(
        default=4, help_text="An agent holding this many open chats is skipped for new ones."
    )

    class Meta:
        verbose_name = "assignment settings"
        verbose_name_plural = "assignment settings"

    def __str__(self) -> str:
        return "Assignment settings"

    @classmethod
    def current(cls) -> "AssignmentSettings":
        row = cls.objects.order_by("pk").first()
        return row if row is not None else cls(pk=None)
