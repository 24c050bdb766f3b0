"""Chat writes: start, post, hand over, accept, re-assign, close, read receipts, transcript.

Contracts shared by every function here:
- Messages are rows; `message_post` updates (so locks) the conversation row before it
  inserts, so ids inside one conversation grow in commit order and "the client holds id N"
  means it holds every message up to N. A `client_id` repeated by a resend after a dropped
  socket returns the stored row instead of a second one.
- Pushes to sockets go out after commit (`conversations.realtime`) and fail open.
- Staff actions are audited in the same transaction (`common.audit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from common.audit import audit_record
from common.audit_actions import AuditAction
from conversations import assignment, bot, realtime
from conversations.exceptions import ConversationClosed, ConversationTaken, NotAnAgent
from conversations.models import ChatMessage, Conversation
from customers.models import Customer
from customers.roles import AGENTS, SUPERVISORS
from messaging.services import email_enqueue

SESSION_CHAT_KEY = "chat_conversation"
TRANSCRIPT_LIMIT = 500


def is_agent(user) -> bool:
    """Agents, supervisors and superusers (the console's rule), cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, "_chat_is_agent", None)
    if cached is None:
        cached = user.is_superuser or user.groups.filter(name__in=[AGENTS, SUPERVISORS]).exists()
        user._chat_is_agent = cached
    return cached


# --- shopper side ---------------------------------------------------------------------


@transaction.atomic
def conversation_start(*, customer: Customer | None, cart_id: int | None = None) -> tuple[Conversation, bool]:
    """The shopper's open conversation, or a new one greeted by the bot. (conversation, created)"""
    if customer is not None:
        existing = (
            Conversation.objects.filter(customer=customer, status__in=Conversation.OPEN_STATUSES)
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            return existing, False
    conversation = Conversation.objects.create(customer=customer, cart_id=None if customer else cart_id)
    bot.greet(conversation=conversation, customer=customer)
    return conversation, True


def conversation_for_shopper(*, public_id, user, session) -> Conversation | None:
    """The conversation if this shopper owns it, else None (callers answer 404 / refuse the
    socket, the same whether it exists or not). A customer's conversation needs that customer
    signed in; an anonymous one needs the browser session that started it."""
    conversation = Conversation.objects.filter(public_id=public_id).first()
    if conversation is None:
        return None
    if conversation.customer_id is not None:
        owner = getattr(user, "is_authenticated", False) and user.pk == conversation.customer_id
        return conversation if owner else None
    if session is not None and session.get(SESSION_CHAT_KEY) == str(conversation.public_id):
        return conversation
    return None


@transaction.atomic
def conversation_language_follow(*, conversation: Conversation, language: str) -> Conversation:
    """A guest's chat speaks the language of the page they are on (issue 16): the bot's
    language moves with them when they open the chat from a page in another language. A
    customer's chat speaks their saved language (bot.bot_language) and is left alone."""
    if conversation.customer_id is not None or not language or conversation.bot_state.get("language") == language:
        return conversation
    current = _locked(conversation)
    if current.customer_id is None and current.bot_state.get("language") != language:
        current.bot_state = {**current.bot_state, "language": language}
        current.save(update_fields=["bot_state"])
    return current


@transaction.atomic
def message_post(
    *,
    conversation: Conversation,
    sender: str,
    body: str,
    kind: str = ChatMessage.Kind.TEXT,
    payload: dict | None = None,
    author: Customer | None = None,
    client_id: str = "",
) -> tuple[ChatMessage, bool]:
    """Store one message and push it to the conversation's sockets after commit.
    Returns (message, created); a repeated client_id returns the stored one."""
    # The update takes the conversation's row lock before the insert draws its id.
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=timezone.now())
    if client_id:
        existing = ChatMessage.objects.filter(conversation_id=conversation.pk, client_id=client_id).first()
        if existing is not None:
            return existing, False
    message = ChatMessage.objects.create(
        conversation_id=conversation.pk,
        sender=sender,
        author=author,
        kind=kind,
        body=body[:2000],
        payload=payload or {},
        client_id=client_id,
    )
    if author is not None:
        message.author = author
    realtime.push_messages_on_commit(conversation, [message])
    return message, True


@dataclass(frozen=True)
class PendingText:
    """One text message from a socket, waiting to be stored (see `text_messages_store`)."""

    conversation_id: int
    sender: str
    body: str
    client_id: str  # required here: it is how each row finds its result
    author_id: int | None = None


def _batch_sql() -> str:
    # One text whatever the batch size (the rows come as arrays): the driver converts it once.
    conversations, messages = Conversation._meta.db_table, ChatMessage._meta.db_table
    return f"""
    WITH input AS (
        SELECT * FROM unnest(%s::int[], %s::bigint[], %s::varchar[], %s::text[], %s::varchar[], %s::bigint[])
        AS t (ord, conversation_id, sender, body, client_id, author_id)
    ),
    locked AS (
        SELECT id, status FROM {conversations}
        WHERE id IN (SELECT conversation_id FROM input) ORDER BY id FOR UPDATE
    ),
    conv AS (
        UPDATE {conversations} AS c SET last_message_at = now() FROM locked
        WHERE c.id = locked.id AND locked.status <> %s
        RETURNING c.id, c.status
    ),
    ins AS (
        INSERT INTO {messages} (conversation_id, sender, kind, body, payload, client_id, created_at, author_id)
        SELECT input.conversation_id, input.sender, %s, input.body, '{{}}'::jsonb, input.client_id, now(),
               input.author_id
        FROM input JOIN conv ON conv.id = input.conversation_id
        ORDER BY input.ord
        ON CONFLICT (conversation_id, client_id) WHERE NOT client_id = '' DO NOTHING
        RETURNING id, conversation_id, client_id, created_at
    )
    SELECT input.ord, conv.status, ins.id, ins.created_at
    FROM input LEFT JOIN conv ON conv.id = input.conversation_id
    LEFT JOIN ins ON ins.conversation_id = input.conversation_id AND ins.client_id = input.client_id
    ORDER BY input.ord
    """


_BATCH_SQL = _batch_sql()


def text_messages_store(items: list[PendingText]) -> list[tuple[dict | None, bool, str | None]]:
    """Store text messages from many sockets with one statement, so in one transaction and
    one WAL flush (group commit; conversations.writer batches them). For each item, in order:
    (message data for clients, created, conversation status); (None, False, None) when its
    conversation is closed or gone.

    Same guarantees as `message_post`: the conversations' rows are locked (in id order, so
    concurrent batches cannot deadlock) before any id is drawn, so ids inside a conversation
    grow in commit order; a client_id already stored returns the stored row."""
    params: list = [
        list(range(len(items))),
        [item.conversation_id for item in items],
        [item.sender for item in items],
        [item.body[:2000] for item in items],
        [item.client_id for item in items],
        [item.author_id for item in items],
        Conversation.Status.CLOSED,
        ChatMessage.Kind.TEXT,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_BATCH_SQL, params)
        rows = cursor.fetchall()
        resent = [(items[r[0]].conversation_id, items[r[0]].client_id) for r in rows if r[1] and r[2] is None]
        stored = {}
        if resent:
            query = Q()
            for conversation_id, client_id in resent:
                query |= Q(conversation_id=conversation_id, client_id=client_id)
            stored = {
                (m.conversation_id, m.client_id): realtime.message_data(m)
                for m in ChatMessage.objects.filter(query).select_related("author")
            }
    results: list[tuple[dict | None, bool, str | None]] = []
    created: dict[tuple[int, str], dict] = {}
    for ord_, status, message_id, created_at in rows:
        item = items[ord_]
        key = (item.conversation_id, item.client_id)
        if status is None:
            results.append((None, False, None))
        elif message_id is None:
            results.append((stored.get(key), False, status))
        elif key in created:
            # The same client id twice in one batch (a resend racing its original): one row,
            # stored from the first; the second is a resend of it, not a second message.
            results.append((created[key], False, status))
        else:
            data = {
                "id": message_id,
                "sender": item.sender,
                "kind": ChatMessage.Kind.TEXT,
                "body": item.body[:2000],
                "payload": {},
                "author": "",
                "client_id": item.client_id,
                "at": created_at.isoformat(),
            }
            created[key] = data
            results.append((data, True, status))
    return results


@transaction.atomic
def bot_respond_to(*, conversation: Conversation, text: str, customer: Customer | None) -> list[ChatMessage]:
    """The bot's answer to a message already stored by `message_post_fast` (under the
    conversation's lock, only while the bot still has the conversation)."""
    current = _locked(conversation)
    if current.status != Conversation.Status.BOT:
        return []
    return bot.respond(conversation=current, text=text, customer=customer or current.customer)


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=conversation.pk)


@transaction.atomic
def shopper_message_receive(
    *, conversation: Conversation, body: str, client_id: str = "", customer: Customer | None = None
) -> list[ChatMessage]:
    """A shopper's message; while the bot has the conversation, the bot answers it in the
    same transaction. Returns the new rows (the shopper's first)."""
    current = _locked(conversation)
    if current.status == Conversation.Status.CLOSED:
        raise ConversationClosed()
    message, created = message_post(
        conversation=current, sender=ChatMessage.Sender.CUSTOMER, body=body, client_id=client_id
    )
    if not created:
        return [message]
    if current.status == Conversation.Status.BOT:
        return [message, *bot.respond(conversation=current, text=body, customer=customer or current.customer)]
    return [message]


@transaction.atomic
def shopper_feedback(*, conversation: Conversation, helpful: bool) -> list[ChatMessage]:
    """The shopper's answer to the bot's "Did this help?"."""
    current = _locked(conversation)
    if current.status != Conversation.Status.BOT:
        return []
    return bot.feedback(conversation=current, helpful=helpful)


@transaction.atomic
def conversation_hand_over(*, conversation: Conversation) -> Conversation:
    """ "Talk to a person": at once, whatever the bot was doing. The chat waits in the agents'
    queue and is offered to the next online agent (round-robin, when switched on)."""
    current = _locked(conversation)
    if current.status == Conversation.Status.CLOSED:
        raise ConversationClosed()
    if current.status != Conversation.Status.BOT:
        return current
    now = timezone.now()
    current.status = Conversation.Status.WAITING
    current.outcome = Conversation.Outcome.HANDED_OVER
    current.intent = current.intent or Conversation.Intent.HANDOVER
    current.handed_over_at = now
    # The bot's memory goes; the language it spoke stays (the closing notes are written in it).
    current.bot_state = {k: v for k, v in current.bot_state.items() if k == "language"}
    offered = assignment.agent_next(for_chat=True)
    current.assignee = offered
    current.save(update_fields=["status", "outcome", "intent", "handed_over_at", "bot_state", "assignee"])
    with translation.override(bot.bot_language(current)):
        note = gettext("Connecting you with a person. You can keep typing; they will see everything above.")
    message_post(conversation=current, sender=ChatMessage.Sender.SYSTEM, kind=ChatMessage.Kind.EVENT, body=note)
    realtime.push_state_on_commit(current)
    realtime.push_queue_changed_on_commit(current)
    if offered is not None:
        realtime.send_on_commit(
            realtime.agent_group(offered.pk), {"type": "queue.offer", "conversation": str(current.public_id)}
        )
    return current


@transaction.atomic
def conversation_end_by_shopper(*, conversation: Conversation) -> Conversation:
    current = _locked(conversation)
    if current.status == Conversation.Status.CLOSED:
        return current
    if current.status == Conversation.Status.BOT and not current.outcome:
        declined = current.bot_state.get("last_feedback") == "no"
        current.outcome = Conversation.Outcome.ABANDONED if declined else Conversation.Outcome.BOT_RESOLVED
    with translation.override(bot.bot_language(current)):
        return _close(current, note=gettext("You ended the chat."))


def _close(current: Conversation, *, note: str) -> Conversation:
    current.status = Conversation.Status.CLOSED
    current.closed_at = timezone.now()
    current.save(update_fields=["status", "outcome", "closed_at"])
    message_post(conversation=current, sender=ChatMessage.Sender.SYSTEM, kind=ChatMessage.Kind.EVENT, body=note)
    realtime.push_state_on_commit(current)
    realtime.push_queue_changed_on_commit(current)
    return current


@transaction.atomic
def conversation_mark_read(*, conversation: Conversation, by_agent: bool, last_id: int) -> bool:
    """Move the read mark forward (never back) and tell the other side."""
    field = "agent_read_id" if by_agent else "customer_read_id"
    newest = conversation.messages.order_by("-id").values_list("id", flat=True).first() or 0
    last_id = min(last_id, newest)
    changed = Conversation.objects.filter(pk=conversation.pk, **{f"{field}__lt": last_id}).update(**{field: last_id})
    if changed:
        realtime.send_on_commit(
            realtime.conversation_group(conversation.pk),
            {
                "type": "chat.read",
                "who": "agent" if by_agent else "customer",
                "last_id": last_id,
                "conversation": str(conversation.public_id),
            },
        )
    return bool(changed)


@transaction.atomic
def conversation_join_customer(*, public_id, customer: Customer) -> Conversation | None:
    """An anonymous conversation joins the customer record (sign-in, or a guest giving an
    email to an agent). A conversation that already has a customer is left alone."""
    current = Conversation.objects.select_for_update().filter(public_id=public_id, customer__isnull=True).first()
    if current is None:
        return None
    current.customer = customer
    current.save(update_fields=["customer"])
    realtime.push_state_on_commit(current, agent_name=current.assignee.get_short_name() if current.assignee else "")
    realtime.push_queue_changed_on_commit(current)
    return current


def messages_after(conversation: Conversation, last_id: int, *, limit: int = 200) -> list[ChatMessage]:
    return list(
        ChatMessage.objects.filter(conversation=conversation, id__gt=last_id)
        .select_related("author")
        .order_by("id")[:limit]
    )


@transaction.atomic
def transcript_email_send(*, conversation: Conversation, to_email: str) -> None:
    """Email the conversation so far to the shopper (one email per address and last message)."""
    messages = list(
        conversation.messages.select_related("author")
        .exclude(kind=ChatMessage.Kind.FEEDBACK)
        .order_by("id")[:TRANSCRIPT_LIMIT]
    )
    last_id = messages[-1].pk if messages else 0
    language = bot.bot_language(conversation)
    with translation.override(language):
        lines = [
            {
                "who": _speaker(message),
                "at": timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M"),
                "text": _transcript_text(message),
            }
            for message in messages
        ]
    customer = conversation.customer
    email_enqueue(
        to=to_email,
        language=language,
        kind="chat_transcript",
        template="chat_transcript",
        context={
            "first_name": customer.first_name if customer else "",
            "started_at": timezone.localtime(conversation.created_at).strftime("%Y-%m-%d %H:%M"),
            "lines": lines,
            "help_url": settings.SITE_URL + reverse("help:index"),
        },
        dedupe_key=f"chat-transcript-{conversation.pk}-{last_id}-{to_email.lower()}",
        customer=customer,
    )


def _speaker(message: ChatMessage) -> str:
    if message.sender == ChatMessage.Sender.AGENT:
        return message.author.get_short_name() if message.author else gettext("Agent")
    if message.sender == ChatMessage.Sender.CUSTOMER:
        return gettext("You")
    return gettext("Shop assistant") if message.sender == ChatMessage.Sender.BOT else "—"


def _transcript_text(message: ChatMessage) -> str:
    payload = message.payload or {}
    if message.kind in (ChatMessage.Kind.ARTICLE, ChatMessage.Kind.LINK, ChatMessage.Kind.PRODUCT):
        bits = [message.body, payload.get("title", ""), payload.get("url", "")]
        return " · ".join(b for b in bits if b)
    return message.body


# --- agent side ----------------------------------------------------------------------


def _require_agent(actor) -> None:
    if not is_agent(actor):
        raise NotAnAgent()


@transaction.atomic
def conversation_accept(*, conversation: Conversation, agent: Customer) -> Conversation:
    """An agent takes a waiting chat. Two agents accepting at once: one wins, the other
    gets ConversationTaken."""
    _require_agent(agent)
    current = _locked(conversation)
    if current.status == Conversation.Status.ACTIVE and current.assignee_id == agent.pk:
        return current
    if current.status == Conversation.Status.CLOSED:
        raise ConversationClosed(gettext("This chat has ended."))
    if current.status == Conversation.Status.ACTIVE:
        raise ConversationTaken()
    if current.status == Conversation.Status.BOT:
        # An agent may step in before the shopper asks: it counts as handed over.
        current.outcome = Conversation.Outcome.HANDED_OVER
        current.intent = current.intent or Conversation.Intent.OTHER
        current.handed_over_at = timezone.now()
    current.status = Conversation.Status.ACTIVE
    current.assignee = agent
    current.accepted_at = timezone.now()
    current.save(update_fields=["status", "assignee", "accepted_at", "outcome", "intent", "handed_over_at"])
    with translation.override(bot.bot_language(current)):
        note = gettext("%(name)s from customer care joined the chat.") % {"name": agent.get_short_name()}
    message_post(conversation=current, sender=ChatMessage.Sender.SYSTEM, kind=ChatMessage.Kind.EVENT, body=note)
    audit_record(
        actor=agent, action=AuditAction.CHAT_ACCEPT, customer=current.customer, obj=current, note=current.short_id
    )
    realtime.push_state_on_commit(current, agent_name=agent.get_short_name())
    realtime.push_queue_changed_on_commit(current)
    return current


@transaction.atomic
def conversation_reassign(*, conversation: Conversation, agent: Customer | None, actor: Customer) -> Conversation:
    """Hand a chat to another agent (or back to the shared queue with agent=None)."""
    _require_agent(actor)
    if agent is not None:
        _require_agent(agent)
    current = _locked(conversation)
    if current.status == Conversation.Status.CLOSED:
        raise ConversationClosed(gettext("This chat has ended."))
    before = current.assignee.email if current.assignee else None
    current.assignee = agent
    if agent is None and current.status == Conversation.Status.ACTIVE:
        current.status = Conversation.Status.WAITING
    current.save(update_fields=["assignee", "status"])
    if agent is not None and current.status == Conversation.Status.ACTIVE:
        with translation.override(bot.bot_language(current)):
            note = gettext("%(name)s from customer care is now helping you.") % {"name": agent.get_short_name()}
        message_post(conversation=current, sender=ChatMessage.Sender.SYSTEM, kind=ChatMessage.Kind.EVENT, body=note)
    audit_record(
        actor=actor,
        action=AuditAction.CHAT_REASSIGN,
        customer=current.customer,
        obj=current,
        before={"assignee": before},
        after={"assignee": agent.email if agent else None},
        note=current.short_id,
    )
    realtime.push_state_on_commit(current, agent_name=agent.get_short_name() if agent else "")
    realtime.push_queue_changed_on_commit(current)
    if agent is not None:
        realtime.send_on_commit(
            realtime.agent_group(agent.pk), {"type": "queue.offer", "conversation": str(current.public_id)}
        )
    return current


@transaction.atomic
def agent_message_send(
    *,
    conversation: Conversation,
    agent: Customer,
    body: str,
    client_id: str = "",
    kind: str = ChatMessage.Kind.TEXT,
    payload: dict | None = None,
) -> ChatMessage:
    """An agent's reply (or card). Replying to a waiting chat accepts it."""
    _require_agent(agent)
    current = _locked(conversation)
    if current.status == Conversation.Status.CLOSED:
        raise ConversationClosed(gettext("This chat has ended."))
    if current.status != Conversation.Status.ACTIVE or current.assignee_id != agent.pk:
        if current.status == Conversation.Status.ACTIVE and current.assignee_id not in (None, agent.pk):
            raise ConversationTaken(gettext("Another agent holds this chat: ask them or a supervisor to re-assign it."))
        current = conversation_accept(conversation=current, agent=agent)
    message, _ = message_post(
        conversation=current,
        sender=ChatMessage.Sender.AGENT,
        author=agent,
        body=body,
        client_id=client_id,
        kind=kind,
        payload=payload,
    )
    return message


@transaction.atomic
def conversation_close_by_agent(*, conversation: Conversation, agent: Customer) -> Conversation:
    _require_agent(agent)
    current = _locked(conversation)
    if current.status == Conversation.Status.CLOSED:
        return current
    audit_record(
        actor=agent, action=AuditAction.CHAT_CLOSE, customer=current.customer, obj=current, note=current.short_id
    )
    with translation.override(bot.bot_language(current)):
        note = gettext("%(name)s ended the chat. Thank you for talking to us.") % {"name": agent.get_short_name()}
        return _close(current, note=note)


@transaction.atomic
def conversation_link_case(*, conversation: Conversation, case_id: int, actor: Customer, case_number: str) -> None:
    """Record the case this chat became (or joined). The case itself is written by the console."""
    _require_agent(actor)
    Conversation.objects.filter(pk=conversation.pk).update(case_id=case_id)
    conversation.case_id = case_id
    with translation.override(bot.bot_language(conversation)):
        note = gettext("We opened case %(number)s for this so nothing gets lost; replies also come by email.") % {
            "number": case_number
        }
    message_post(conversation=conversation, sender=ChatMessage.Sender.SYSTEM, kind=ChatMessage.Kind.EVENT, body=note)
    audit_record(
        actor=actor,
        action=AuditAction.CHAT_CASE_LINK,
        customer=conversation.customer,
        obj=conversation,
        after={"case": case_number},
        note=conversation.short_id,
    )


def conversation_cart_changed(
    *, customer: Customer | None = None, conversation: Conversation | None = None, count: int
) -> None:
    """Tell the shopper's open chat sockets that their cart changed (after commit)."""
    if conversation is not None:
        realtime.push_cart_changed_on_commit(conversation, count=count)
        return
    if customer is None:
        return
    for open_conversation in Conversation.objects.filter(customer=customer, status__in=Conversation.OPEN_STATUSES):
        realtime.push_cart_changed_on_commit(open_conversation, count=count)


def conversations_stale_close(*, idle_minutes: int = 120) -> int:
    """Close conversations nobody wrote in for `idle_minutes` (bot ones count as abandoned
    unless the bot had answered)."""
    cutoff = timezone.now() - timedelta(minutes=idle_minutes)
    closed = 0
    stale = Conversation.objects.filter(status__in=Conversation.OPEN_STATUSES).filter(
        Q(last_message_at__lt=cutoff) | Q(last_message_at__isnull=True, created_at__lt=cutoff)
    )
    for conversation in stale.only("pk")[:500]:
        with transaction.atomic():
            current = _locked(conversation)
            if current.status == Conversation.Status.CLOSED:
                continue
            if current.status == Conversation.Status.BOT and not current.outcome:
                answered = bool(current.intent) and current.bot_state.get("last_feedback") != "no"
                current.outcome = Conversation.Outcome.BOT_RESOLVED if answered else Conversation.Outcome.ABANDONED
            with translation.override(bot.bot_language(current)):
                _close(current, note=gettext("This chat was closed after a quiet while. Start a new one any time."))
            closed += 1
    return closed
