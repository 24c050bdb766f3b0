"""Agents' presence and round-robin assignment of new chats and cases.

An agent is *available* when their presence is online and their console has been seen
within PRESENCE_FRESH_SECONDS (the console's socket refreshes it; a crashed browser or
server therefore drops out on its own). The next agent is the available one offered work
longest ago; taking them updates `last_assigned_at` under a row lock (SKIP LOCKED), so two
simultaneous assignments pick two different agents.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from conversations.models import AgentPresence, AssignmentSettings, Conversation
from customers.models import Customer

PRESENCE_FRESH_SECONDS = 90


def _available(now) -> Q:
    return Q(
        status=AgentPresence.Status.ONLINE,
        connections__gt=0,
        seen_at__gte=now - timedelta(seconds=PRESENCE_FRESH_SECONDS),
        agent__is_active=True,
    )


@transaction.atomic
def agent_next(*, for_chat: bool) -> Customer | None:
    """The next available agent for a new chat (for_chat) or case, or None when nobody is
    online or round-robin is switched off for that kind (the work then waits unassigned)."""
    config = AssignmentSettings.current()
    if not (config.chats_round_robin if for_chat else config.cases_round_robin):
        return None
    now = timezone.now()
    candidates = AgentPresence.objects.filter(_available(now))
    if for_chat:
        busy = (
            Conversation.objects.filter(
                assignee__isnull=False,
                status__in=[Conversation.Status.WAITING, Conversation.Status.ACTIVE],
            )
            .values("assignee")
            .annotate(n=Count("id"))
            .filter(n__gte=config.max_chats_per_agent)
            .values("assignee")
        )
        candidates = candidates.exclude(agent__in=busy)
    presence = (
        candidates.select_for_update(skip_locked=True, of=("self",))
        .select_related("agent")
        .order_by(F("last_assigned_at").asc(nulls_first=True), "agent_id")
        .first()
    )
    if presence is None:
        return None
    AgentPresence.objects.filter(pk=presence.pk).update(last_assigned_at=now)
    return presence.agent


def available_agents() -> list[Customer]:
    now = timezone.now()
    return [
        p.agent
        for p in AgentPresence.objects.filter(_available(now)).select_related("agent").order_by("agent__first_name")
    ]


def presence_of(agent: Customer) -> AgentPresence:
    presence, _ = AgentPresence.objects.get_or_create(agent=agent)
    return presence


@transaction.atomic
def presence_set(*, agent: Customer, status: str) -> AgentPresence:
    """The console's online/away toggle. Going online offers waiting, unassigned chats."""
    presence = presence_of(agent)
    AgentPresence.objects.filter(pk=presence.pk).update(
        status=status, seen_at=timezone.now(), changed_at=timezone.now()
    )
    presence.refresh_from_db()
    if status == AgentPresence.Status.ONLINE:
        waiting_chats_offer()
    return presence


@transaction.atomic
def presence_connected(*, agent: Customer) -> AgentPresence:
    presence = presence_of(agent)
    AgentPresence.objects.filter(pk=presence.pk).update(connections=F("connections") + 1, seen_at=timezone.now())
    presence.refresh_from_db()
    if presence.status == AgentPresence.Status.ONLINE:
        waiting_chats_offer()
    return presence


@transaction.atomic
def presence_disconnected(*, agent: Customer) -> AgentPresence:
    """A console socket closed. With none left the agent is away at once (not offered new
    chats) while their online/away choice is kept, so moving between console pages (each
    page reconnects within a second) does not switch them off."""
    presence = presence_of(agent)
    AgentPresence.objects.filter(pk=presence.pk, connections__gt=0).update(connections=F("connections") - 1)
    presence.refresh_from_db()
    return presence


def presence_effective(presence: AgentPresence) -> str:
    """What others see: online only while a console is open and seen recently."""
    now = timezone.now()
    fresh = presence.seen_at is not None and presence.seen_at >= now - timedelta(seconds=PRESENCE_FRESH_SECONDS)
    if presence.status == AgentPresence.Status.ONLINE and presence.connections > 0 and fresh:
        return AgentPresence.Status.ONLINE
    return AgentPresence.Status.AWAY


def presence_seen(*, agent: Customer) -> None:
    AgentPresence.objects.filter(agent=agent).update(seen_at=timezone.now())


def waiting_chats_offer() -> int:
    """Offer chats waiting with nobody assigned to available agents, oldest first."""
    from conversations import realtime

    offered = 0
    waiting = Conversation.objects.filter(status=Conversation.Status.WAITING, assignee__isnull=True).order_by(
        "handed_over_at", "id"
    )
    for conversation in waiting[:20]:
        agent = agent_next(for_chat=True)
        if agent is None:
            break
        if Conversation.objects.filter(pk=conversation.pk, assignee__isnull=True).update(assignee=agent):
            offered += 1
            realtime.send_on_commit(
                realtime.agent_group(agent.pk), {"type": "queue.offer", "conversation": str(conversation.public_id)}
            )
    if offered:
        realtime.push_queue_changed_on_commit(None)
    return offered
