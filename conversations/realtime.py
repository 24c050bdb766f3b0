"""Pushing chat events through the channel layer (Redis).

Every event is also in the database (messages are rows; states are columns), so a push that
fails — the channel layer's Redis restarting — loses nothing: clients re-read past the last
id they hold when they reconnect or sync. Pushes therefore fail open (logged, never raised
into the business transaction) and are sent only after commit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.db import transaction

from conversations.batching import LoopBatcher, per_loop
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


def message_event(conversation_key: str, data: dict) -> dict:
    """The channel-layer event for one message: its frame is encoded once here, not once per
    socket (the same text serves the shopper's widget and the agents' console)."""
    frame = {"type": "message", "conversation": conversation_key, "message": data}
    return {"type": "chat.message", "frame": json.dumps(frame, separators=(",", ":"))}


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
        layer = get_channel_layer()
        if isinstance(layer, RedisPubSubChannelLayer):
            return await _publisher().submit((group, event))
        await layer.group_send(group, event)
        return True
    except Exception:  # Redis down or restarting: the rows are stored; clients re-sync.
        logger.warning("chat push to %s failed", group, exc_info=True)
        return False


# The Pub/Sub layer publishes one event per round trip, one at a time per Redis host (its
# connection lock), so under load pushes queue behind each other. Events pushed from this
# loop while one batch is in flight go together: one pipeline of PUBLISH commands per host,
# to the same channel and in the same encoding as the layer's group_send (every server's
# layer receives them as usual). Relies on channels-redis's group channel naming and
# sharding, pinned in requirements.txt; tests/conversations cover delivery through it.


_PUBLISH_SCRIPT = """
for i, channel in ipairs(KEYS) do
    redis.call('PUBLISH', channel, ARGV[i])
end
return #KEYS
"""


_publish_scripts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # shard -> script


def _shard_script(shard):
    """PUBLISH many in one command, on the shard's own client (pooled; closed with the
    layer when its loop closes), used without the shard's lock, which guards its
    subscriptions, not the pool."""
    shard._ensure_redis()
    script = _publish_scripts.get(shard)
    if script is None or script.registered_client is not shard._redis:
        script = _publish_scripts[shard] = shard._redis.register_script(_PUBLISH_SCRIPT)
    return script


async def _publish_many(items: list[tuple[str, dict]]) -> list[bool]:
    layer = get_channel_layer()
    loop_layer = layer._get_layer()
    by_shard: dict = {}
    for group, event in items:
        channel = loop_layer._get_group_channel_name(group)
        by_shard.setdefault(loop_layer._get_shard(channel), []).append((channel, layer.serialize(event)))
    for shard, publishes in by_shard.items():
        await _shard_script(shard)(keys=[c for c, _ in publishes], args=[data for _, data in publishes])
    return [True] * len(items)


_publisher = per_loop(lambda: LoopBatcher(_publish_many, max_batch=500))


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
            message_event(str(conversation.public_id), message_data(message)),
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
