"""Chat reads: the agents' queue, a customer's conversations, the bot's deflection report."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from conversations.models import ChatMessage, Conversation

QUEUE_LIMIT = 100


def _with_counts(qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
    unread = (
        ChatMessage.objects.filter(
            conversation=OuterRef("pk"), sender=ChatMessage.Sender.CUSTOMER, id__gt=OuterRef("agent_read_id")
        )
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0))


def chat_queue(*, agent) -> dict[str, list[Conversation]]:
    """Waiting chats (oldest hand-over first) and active ones (oldest first), in 2 queries.
    `offered` marks waiting chats offered to this agent by round-robin."""
    base = _with_counts(Conversation.objects.select_related("customer", "assignee"))
    waiting = list(base.filter(status=Conversation.Status.WAITING).order_by("handed_over_at", "id")[:QUEUE_LIMIT])
    active = list(base.filter(status=Conversation.Status.ACTIVE).order_by("accepted_at", "id")[:QUEUE_LIMIT])
    for conversation in waiting:
        conversation.offered = conversation.assignee_id == agent.pk
    return {
        "waiting": waiting,
        "mine": [c for c in active if c.assignee_id == agent.pk],
        "others": [c for c in active if c.assignee_id != agent.pk],
    }


def waiting_count() -> int:
    return Conversation.objects.filter(status=Conversation.Status.WAITING).count()


def conversations_for_customer(customer, *, limit: int = 20) -> list[Conversation]:
    """The customer's chats, newest first, with their message counts (one query)."""
    return list(
        Conversation.objects.filter(customer=customer)
        .select_related("assignee")
        .annotate(message_count=Count("messages", filter=~Q(messages__kind=ChatMessage.Kind.FEEDBACK)))
        .order_by("-created_at")[:limit]
    )


@dataclass(frozen=True)
class DeflectionRow:
    intent: str
    label: str
    bot_resolved: int
    handed_over: int
    abandoned: int
    open: int

    @property
    def total(self) -> int:
        return self.bot_resolved + self.handed_over + self.abandoned + self.open

    @property
    def deflection_rate(self) -> float | None:
        decided = self.bot_resolved + self.handed_over + self.abandoned
        return (self.bot_resolved / decided) if decided else None


def deflection_report(queryset: QuerySet[Conversation] | None = None) -> list[DeflectionRow]:
    """Conversations closed by the bot vs handed over (and abandoned), per intent: one query."""
    qs = Conversation.objects.all() if queryset is None else queryset
    rows = (
        qs.order_by()
        .values("intent")
        .annotate(
            bot_resolved=Count("id", filter=Q(outcome=Conversation.Outcome.BOT_RESOLVED)),
            handed_over=Count("id", filter=Q(outcome=Conversation.Outcome.HANDED_OVER)),
            abandoned=Count("id", filter=Q(outcome=Conversation.Outcome.ABANDONED)),
            open=Count("id", filter=Q(outcome=Conversation.Outcome.OPEN)),
        )
    )
    labels = dict(Conversation.Intent.choices)
    result = [
        DeflectionRow(
            intent=row["intent"],
            label=labels.get(row["intent"], row["intent"]) or "No question yet",
            bot_resolved=row["bot_resolved"],
            handed_over=row["handed_over"],
            abandoned=row["abandoned"],
            open=row["open"],
        )
        for row in rows
    ]
    order = {value: i for i, value in enumerate(Conversation.Intent.values)}
    return sorted(result, key=lambda r: order.get(r.intent, 99))
