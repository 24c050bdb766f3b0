"""WebSocket consumers: the shopper's chat widget and the agents' console.

Wire protocol (JSON text frames; see static/js/chat-widget.js and console-chat.js):
  client → server  {"type": "send", "body": "...", "client_id": "..."}
                   {"type": "sync", "last_id": N}      replay past N (sent on connect and every 25 s)
                   {"type": "typing", "on": true}      {"type": "read", "last_id": N}
                   {"type": "handover"}  {"type": "feedback", "helpful": true}  {"type": "end"}
  server → client  {"type": "message", "conversation": "<public id>", "message": {...}} {"type": "state", ...}
                   {"type": "typing", "who": "agent", "on": true}   {"type": "read", "who": ..., "last_id": N}
                   {"type": "cart", "count": N}   {"type": "error", "code": "...", "message": "..."}
The agents' socket carries the same events with a "conversation" id, plus queue events.

Bad input: binary frames and frames over MAX_FRAME_BYTES close the socket (1003 / 1009);
invalid JSON or fields get an error event; floods are refused per connection (token bucket)
and per customer or session (Redis, fail-open).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import uuid

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper
from django.conf import settings
from django.utils import translation
from django.utils.translation import get_supported_language_variant, gettext
from django.utils.translation.trans_real import parse_accept_lang_header

from conversations import assignment, bot, layer_watch, realtime, services, throttle, writer
from conversations.exceptions import ChatError, ConversationClosed
from conversations.forms import ChatMessageForm, FeedbackForm, LastIdForm
from conversations.models import AgentPresence, ChatMessage, Conversation

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 8 * 1024  # a 2,000-character message is at most ~8 KB of JSON
CLOSE_UNSUPPORTED = 1003
CLOSE_TOO_BIG = 1009
CLOSE_FORBIDDEN = 4403
CLOSE_LAYER_DOWN = 4503


def _rate(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


async def dispatch_in_turn(sources, dispatch) -> None:
    """channels.utils.await_many_dispatch's contract — one receive pending per source, events
    handled one at a time in the order they arrive, in the caller's task (and context), the
    pending receives cancelled on the way out, a source's exception raised here — without an
    asyncio.wait and a new task for every event: each source has one pump task that hands
    its event over and waits until it was handled before receiving the next. A chat message
    is three events on the server (the frame in, the push to each of two sockets), and that
    per-event machinery was a seventh of the chat's CPU under load (bench P7)."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Queue = asyncio.Queue()

    async def pump(source):
        while True:
            try:
                event = await source()
            except Exception as exc:
                ready.put_nowait((None, exc, None))
                return
            handled = loop.create_future()
            ready.put_nowait((event, None, handled))
            await handled

    pumps = [loop.create_task(pump(source)) for source in sources]
    try:
        while True:
            event, error, handled = await ready.get()
            if error is not None:
                raise error
            try:
                await dispatch(event)
            finally:
                handled.set_result(None)
    finally:
        for task in pumps:
            task.cancel()
        for task in pumps:
            with contextlib.suppress(asyncio.CancelledError):
                await task


class _ChatSocket(AsyncWebsocketConsumer):
    """Shared frame handling: size/type checks, JSON parsing, flood control, errors."""

    groups_joined: list[str]
    language: str = ""  # errors are written in it: the shopper's (bot.bot_language) or the agent's

    async def __call__(self, scope, receive, send):
        """AsyncConsumer.__call__ (channels 4.3, pinned) with `dispatch_in_turn` in place of
        await_many_dispatch."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
        self.base_send = send
        # Frames go straight to the server's send: the session middleware's wrapper only acts
        # on HTTP responses, yet inspected the session on every frame (a few % of the CPU).
        wrapper = getattr(send, "__self__", None)
        self.frame_send = wrapper.real_send if isinstance(wrapper, InstanceSessionWrapper) else send
        try:
            await dispatch_in_turn(sources, self.dispatch)
        except StopConsumer:
            pass

    async def dispatch(self, message):
        """Channels closes stale database connections (a thread hop) before every handler;
        chat sockets handle many events that touch no database (frames in, pushes out), and
        every database call here already goes through database_sync_to_async (which does
        that itself) or the writer's pool (which closes a failed connection)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send_frame(self, text: str) -> None:
        await self.frame_send({"type": "websocket.send", "text": text})

    async def send_json(self, content: dict) -> None:
        await self.send_frame(json.dumps(content, separators=(",", ":")))

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "code": code, "message": message})

    async def join(self, group: str) -> bool:
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception:
            logger.warning("chat: channel layer unavailable joining %s", group, exc_info=True)
            return False
        self.groups_joined.append(group)
        return True

    async def leave_all(self) -> None:
        for group in getattr(self, "groups_joined", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.info("chat: could not leave %s", group, exc_info=True)
        self.groups_joined = []

    def speak(self, language: str) -> None:
        """Errors (and anything else translated) on this socket are in `language`. A consumer
        handles all its events in one task, whose context keeps the active language (Django
        keeps it in a context variable), so this holds for the socket's life without an
        override per frame; database calls made from it inherit it too."""
        self.language = language or settings.LANGUAGE_CODE
        translation.activate(self.language)

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None:
            await self.send_error("binary", gettext("Messages are text only."))
            await self.close(code=CLOSE_UNSUPPORTED)
            return
        if text_data is None or len(text_data) > MAX_FRAME_BYTES:
            await self.send_error("too_long", gettext("That message is too long (2,000 characters at most)."))
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_error("invalid", gettext("That was not a chat message."))
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("invalid", gettext("That was not a chat message."))
            return
        handler = getattr(self, f"on_{content['type']}", None) if content["type"].isidentifier() else None
        if handler is None:
            await self.send_error("invalid", gettext("Unknown request."))
            return
        try:
            await handler(content)
        except ChatError as exc:
            await self.send_error(exc.code, exc.message)

    @staticmethod
    def message_cleaned(content: dict) -> dict | None:
        """A frame's body and client_id through ChatMessageForm's fields and rules."""
        body, client_id = content.get("body"), content.get("client_id")
        return ChatMessageForm.frame_cleaned(
            body if isinstance(body, str) else "", client_id if isinstance(client_id, str) else ""
        )

    async def flood_ok(self, owner: str) -> bool:
        if not self.bucket.take():
            await self.send_error(
                "rate_limited", gettext("You're sending messages too fast. Wait a moment and try again.")
            )
            return False
        allowed = await throttle.allow(
            owner,
            limit=_rate("CHAT_RATE_PER_MINUTE", 30),
            window_seconds=60,
        )
        if not allowed:
            await self.send_error(
                "rate_limited", gettext("You're sending messages too fast. Wait a moment and try again.")
            )
        return allowed

    def new_bucket(self) -> throttle.TokenBucket:
        return throttle.TokenBucket(
            burst=_rate("CHAT_BURST_PER_CONNECTION", 6),
            per_seconds=float(getattr(settings, "CHAT_REFILL_SECONDS", 1.0)),
        )

    async def push_message(self, message: dict) -> None:
        """Push a stored message to its conversation's sockets; if the channel layer is down,
        at least the sender sees it (with its id); the others re-read it when they re-sync."""
        event = realtime.message_event(str(self.conversation_key), message)
        if not await realtime.agroup_send(realtime.conversation_group(self.conversation_pk), event):
            await self.chat_message(event)

    @staticmethod
    def last_id_of(content: dict) -> int:
        form = LastIdForm({"last_id": content.get("last_id")})
        return (form.cleaned_data.get("last_id") or 0) if form.is_valid() else 0


# --- shopper -------------------------------------------------------------------------


def page_language(scope) -> str:
    """The language of the page that opened the socket, chosen as for the page itself
    (customers.middleware): the language cookie, else the browser's Accept-Language; "" if
    neither names a language the shop speaks."""
    wanted = [scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME) or ""]
    header = dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1")
    wanted += [code for code, _ in parse_accept_lang_header(header) if code != "*"]
    for code in wanted:
        try:
            return get_supported_language_variant(code) if code else ""
        except LookupError:
            continue
    return ""


@database_sync_to_async
def _shopper_conversation(public_id, user, session, language: str) -> tuple[Conversation | None, str]:
    """The conversation (if this shopper owns it) and the language the shopper is answered
    in; a guest's follows the page's `language`."""
    conversation = services.conversation_for_shopper(public_id=public_id, user=user, session=session)
    if conversation is None:
        return None, ""
    customer = user if getattr(user, "is_authenticated", False) else None
    if customer is None:
        conversation = services.conversation_language_follow(conversation=conversation, language=language)
    return conversation, bot.bot_language(conversation, customer)


@database_sync_to_async
def _replay(conversation_id: int, last_id: int) -> tuple[list[dict], dict]:
    conversation = Conversation.objects.select_related("assignee").get(pk=conversation_id)
    messages = [realtime.message_data(m) for m in services.messages_after(conversation, last_id)]
    agent_name = conversation.assignee.get_short_name() if conversation.assignee_id else ""
    return messages, realtime.state_data(conversation, agent_name=agent_name)


class ShopperChatConsumer(_ChatSocket):
    """/ws/chat/<public_id>/ — only the conversation's owner may connect."""

    async def connect(self):
        self.groups_joined = []
        self.bucket = self.new_bucket()
        self.conversation = None
        try:
            public_id = uuid.UUID(str(self.scope["url_route"]["kwargs"]["public_id"]))
        except (KeyError, ValueError):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        user = self.scope.get("user")
        conversation, language = await _shopper_conversation(
            public_id, user, self.scope.get("session"), page_language(self.scope)
        )
        if conversation is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.speak(language)
        self.conversation = conversation
        self.conversation_pk, self.conversation_key = conversation.pk, conversation.public_id
        self.customer = user if getattr(user, "is_authenticated", False) else None
        if not layer_watch.layer_healthy() or not await self.join(realtime.conversation_group(conversation.pk)):
            await self.close(code=CLOSE_LAYER_DOWN)
            return
        await self.accept()
        layer_watch.watch(self)

    async def disconnect(self, code):
        layer_watch.unwatch(self)
        await self.leave_all()

    @property
    def owner_key(self) -> str:
        if self.customer is not None:
            return f"c{self.customer.pk}"
        return f"v{self.conversation.pk}"

    # client requests

    async def on_sync(self, content):
        messages, state = await _replay(self.conversation.pk, self.last_id_of(content))
        await self.send_json({"type": "state", **state})
        for message in messages:
            await self.send_json({"type": "message", "message": message})

    async def on_send(self, content):
        cleaned = self.message_cleaned(content)
        if cleaned is None:
            await self.send_error("invalid", gettext("Messages are text of 1 to 2,000 characters."))
            return
        if not await self.flood_ok(self.owner_key):
            return
        body, client_id = cleaned["body"], cleaned["client_id"] or uuid.uuid4().hex
        message, created, status = await writer.writer().store(
            services.PendingText(
                conversation_id=self.conversation_pk, sender=ChatMessage.Sender.CUSTOMER, body=body, client_id=client_id
            )
        )
        if message is None:
            raise ConversationClosed()
        await self.push_message(message)
        if created and status == Conversation.Status.BOT:
            await database_sync_to_async(services.bot_respond_to)(
                conversation=self.conversation, text=body, customer=self.customer
            )

    async def on_typing(self, content):
        await realtime.agroup_send(
            realtime.conversation_group(self.conversation.pk),
            {
                "type": "chat.typing",
                "who": "customer",
                "on": bool(content.get("on")),
                "conversation": str(self.conversation.public_id),
            },
        )

    async def on_read(self, content):
        await database_sync_to_async(services.conversation_mark_read)(
            conversation=self.conversation, by_agent=False, last_id=self.last_id_of(content)
        )

    async def on_handover(self, content):
        await database_sync_to_async(services.conversation_hand_over)(conversation=self.conversation)

    async def on_feedback(self, content):
        form = FeedbackForm({"helpful": content.get("helpful") is True})
        form.is_valid()
        await database_sync_to_async(services.shopper_feedback)(
            conversation=self.conversation, helpful=form.cleaned_data.get("helpful", False)
        )

    async def on_end(self, content):
        await database_sync_to_async(services.conversation_end_by_shopper)(conversation=self.conversation)

    # channel layer events

    async def chat_message(self, event):
        await self.send_frame(event["frame"])

    async def chat_state(self, event):
        await self.send_json({"type": "state", **event["state"]})

    async def chat_typing(self, event):
        if event.get("who") == "agent":
            await self.send_json({"type": "typing", "who": "agent", "on": event.get("on", False)})

    async def chat_read(self, event):
        if event["who"] == "agent":
            await self.send_json({"type": "read", "who": "agent", "last_id": event["last_id"]})

    async def chat_cart(self, event):
        await self.send_json({"type": "cart", "count": event["count"]})


# --- agents --------------------------------------------------------------------------


@database_sync_to_async
def _is_agent(user) -> bool:
    return services.is_agent(user)


@database_sync_to_async
def _agent_conversation(public_id) -> Conversation | None:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return Conversation.objects.filter(public_id=key).first()


class AgentConsoleConsumer(_ChatSocket):
    """/ws/console/ — one per console tab: presence, queue events and the chats it watches."""

    async def connect(self):
        self.groups_joined = []
        self.watching: dict[str, Conversation] = {}
        self.bucket = self.new_bucket()
        self.bucket.capacity = self.bucket.tokens = 20.0  # agents type fast and paste replies
        user = self.scope.get("user")
        if not await _is_agent(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.agent = user
        self.speak(getattr(user, "language", ""))
        joined = await self.join(realtime.AGENTS_GROUP) and await self.join(realtime.agent_group(user.pk))
        if not joined or not layer_watch.layer_healthy():
            await self.close(code=CLOSE_LAYER_DOWN)
            return
        await self.accept()
        layer_watch.watch(self)
        presence = await database_sync_to_async(assignment.presence_connected)(agent=user)
        self.connected = True
        await self.send_json({"type": "presence", "status": presence.status})

    async def disconnect(self, code):
        layer_watch.unwatch(self)
        await self.leave_all()
        if getattr(self, "connected", False):
            await database_sync_to_async(assignment.presence_disconnected)(agent=self.agent)

    async def _watched(self, content) -> Conversation | None:
        key = str(content.get("conversation", ""))
        conversation = self.watching.get(key)
        if conversation is None:
            await self.send_error("not_watching", gettext("Open the chat first."))
        return conversation

    async def on_ping(self, content):
        await database_sync_to_async(assignment.presence_seen)(agent=self.agent)
        await self.send_json({"type": "pong"})

    async def on_presence(self, content):
        status = content.get("status")
        if status not in AgentPresence.Status.values:
            await self.send_error("invalid", gettext("Presence is online or away."))
            return
        presence = await database_sync_to_async(assignment.presence_set)(agent=self.agent, status=status)
        await self.send_json({"type": "presence", "status": presence.status})

    async def on_watch(self, content):
        conversation = await _agent_conversation(content.get("conversation", ""))
        if conversation is None:
            await self.send_error("not_found", gettext("No such chat."))
            return
        key = str(conversation.public_id)
        if key not in self.watching:
            if not await self.join(realtime.conversation_group(conversation.pk)):
                await self.close(code=CLOSE_LAYER_DOWN)
                return
            self.watching[key] = conversation
        await self.on_sync({"conversation": key, "last_id": content.get("last_id")})

    async def on_sync(self, content):
        conversation = await self._watched(content)
        if conversation is None:
            return
        messages, state = await _replay(conversation.pk, self.last_id_of(content))
        await self.send_json({"type": "state", **state})
        for message in messages:
            await self.send_json({"type": "message", "conversation": state["conversation"], "message": message})

    async def on_send(self, content):
        conversation = await self._watched(content)
        if conversation is None:
            return
        cleaned = self.message_cleaned(content)
        if cleaned is None:
            await self.send_error("invalid", gettext("Messages are text of 1 to 2,000 characters."))
            return
        if not await self.flood_ok(f"a{self.agent.pk}"):
            return
        await database_sync_to_async(services.agent_message_send)(
            conversation=conversation,
            agent=self.agent,
            body=cleaned["body"],
            client_id=cleaned["client_id"],
        )

    async def on_typing(self, content):
        conversation = await self._watched(content)
        if conversation is None:
            return
        await realtime.agroup_send(
            realtime.conversation_group(conversation.pk),
            {
                "type": "chat.typing",
                "who": "agent",
                "on": bool(content.get("on")),
                "conversation": str(conversation.public_id),
            },
        )

    async def on_read(self, content):
        conversation = await self._watched(content)
        if conversation is None:
            return
        await database_sync_to_async(services.conversation_mark_read)(
            conversation=conversation, by_agent=True, last_id=self.last_id_of(content)
        )

    # channel layer events (conversation events carry the conversation's public id)

    async def chat_message(self, event):
        await self.send_frame(event["frame"])

    async def chat_state(self, event):
        await self.send_json({"type": "state", **event["state"]})

    async def chat_typing(self, event):
        if event.get("who") == "customer":
            await self.send_json(
                {
                    "type": "typing",
                    "who": "customer",
                    "on": event.get("on", False),
                    "conversation": event.get("conversation", ""),
                }
            )

    async def chat_read(self, event):
        if event["who"] == "customer":
            await self.send_json(
                {"type": "read", "who": "customer", "last_id": event["last_id"], "conversation": event["conversation"]}
            )

    async def chat_cart(self, event):
        pass  # the console's cart panel polls its own data

    async def queue_changed(self, event):
        await self.send_json({"type": "queue", "conversation": event.get("conversation", "")})

    async def queue_offer(self, event):
        await self.send_json({"type": "offer", "conversation": event.get("conversation", "")})

    async def queue_case(self, event):
        await self.send_json({"type": "case", "case": event.get("case", ""), "url": event.get("url", "")})
