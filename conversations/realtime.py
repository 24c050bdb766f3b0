"""Pushing chat events through the channel layer (Redis).

Every event is also in the database (messages are rows; states are columns), so a push that
fails — the channel layer's Redis restarting — loses nothing: clients re-read past the last
id they hold when they reconnect or sync. Pushes therefore fail open (logged, never raised
into the business transaction) and are sent only after commit.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from conversations.models import ChatMessage, Conversation

logger = logging.getLogger(__name__)

AGENTS_GROUP = "chat-agents"


def conversation_group(conversation_id: int) -> str:
    return f"chat-conv-{conversation_id}"


def agent_group(agent_id: int) -> str:
    return f"chat-agent-{agent_id}"


def message_data(message: ChatMessage, *, author_name: str | None = None) -> dict:
    """A message as clients see it (JSON). Text is sent as text: clients never render it as HTML."""
    if author_name is None:
        author_name = message.author.get_short_name() if message.author_id and message.author else ""
    return {
        "id": message.pk,
        "sender": message.sender,
        "kind": message.kind,
        "body": message.body,
        "payload": message.payload or {},
        "author": author_name,
        "client_id": message.client_id,
        "at": message.created_at.isoformat(),
    }


def state_data(conversation: Conversation, *, agent_name: str = "") -> dict:
    return {
        "conversation": str(conversation.public_id),
        "status": conversation.status,
        "status_label": str(conversation.get_status_display()),
        "agent": agent_name,
        "customer_read_id": conversation.customer_read_id,
        "agent_read_id": conversation.agent_read_id,
        "signed_in": conversation.customer_id is not None,
    }


async def agroup_send(group: str, event: dict) -> bool:
    try:
        await get_channel_layer().group_send(group, event)
        return True
    except Exception:  # Redis down or restarting: the rows are stored; clients re-sync.
        logger.warning("chat push to %s failed", group, exc_info=True)
        return False


def group_send(group: str, event: dict) -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        try:
            return async_to_sync(agroup_send)(group, event)
        except Exception:
            logger.warning("chat push to %s failed", group, exc_info=True)
            return False
    # Called from synchronous code in a thread that runs an event loop (async_to_sync refuses):
    # push from a short-lived thread with its own loop instead.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(agroup_send(group, event))).result()


def send_on_commit(group: str, event: dict) -> None:
    transaction.on_commit(lambda: group_send(group, event), robust=True)


def push_messages_on_commit(conversation: Conversation, messages: list[ChatMessage]) -> None:
    for message in messages:
        send_on_commit(
            conversation_group(conversation.pk),
            {"type": "chat.message", "conversation": str(conversation.public_id), "message": message_data(message)},
        )


def push_state_on_commit(conversation: Conversation, *, agent_name: str = "") -> None:
    send_on_commit(
        conversation_group(conversation.pk),
        {"type": "chat.state", "state": state_data(conversation, agent_name=agent_name)},
    )


def push_queue_changed_on_commit(conversation: Conversation | None = None) -> None:
    event = {"type": "queue.changed", "conversation": str(conversation.public_id) if conversation else ""}
    send_on_commit(AGENTS_GROUP, event)


def push_cart_changed_on_commit(conversation: Conversation, *, count: int) -> None:
    send_on_commit(conversation_group(conversation.pk), {"type": "chat.cart", "count": count})
