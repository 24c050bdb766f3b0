"""The socket's hot path, piece by piece against the real database and Redis: frame
validation agrees with the form, batched stores keep ids/dedupe/closed checks, batched
rate-limit counts equal one-by-one counts, batched pushes reach every socket in order."""

import asyncio

import pytest

from conversations import realtime, throttle
from conversations.forms import ChatMessageForm
from conversations.models import ChatMessage, Conversation
from conversations.services import PendingText, conversation_start, text_messages_store
from tests.conversations.conftest import async_test, db, open_socket, receive_until, session_cookie_for

FRAMES = [
    ("hello", "c-1"),
    ("  padded  ", ""),
    ("日本語\n\tです", "abc_DEF-09"),
    ("", "c-2"),
    ("   ", "c-3"),
    ("x" * 2000, "c-4"),
    ("x" * 2001, "c-5"),
    ("bell\x07", "c-6"),
    ("nul\x00", "c-7"),
    ("del\x7f", "c-8"),
    ("ok", "bad id!"),
    ("ok", "y" * 65),
    ("<script>alert(1)</script>", "c-9"),
]


@pytest.mark.parametrize("body, client_id", FRAMES)
def test_a_frame_is_cleaned_exactly_as_the_form_cleans_it(body, client_id):
    form = ChatMessageForm({"body": body, "client_id": client_id})
    expected = form.cleaned_data if form.is_valid() else None
    assert ChatMessageForm.frame_cleaned(body, client_id) == expected


@pytest.mark.django_db
def test_a_batch_stores_rows_in_order_skips_resends_and_refuses_closed_conversations():
    open_one, _ = conversation_start(customer=None)
    other, _ = conversation_start(customer=None)
    closed, _ = conversation_start(customer=None)
    Conversation.objects.filter(pk=closed.pk).update(status=Conversation.Status.CLOSED)
    first = text_messages_store([PendingText(open_one.pk, ChatMessage.Sender.CUSTOMER, "one", "k1")])
    results = text_messages_store(
        [
            PendingText(open_one.pk, ChatMessage.Sender.CUSTOMER, "two", "k2"),
            PendingText(other.pk, ChatMessage.Sender.CUSTOMER, "a 'quoted' {b}, \\ \"c\"", "k1"),
            PendingText(open_one.pk, ChatMessage.Sender.CUSTOMER, "one again", "k1"),  # a resend
            PendingText(closed.pk, ChatMessage.Sender.CUSTOMER, "too late", "k9"),
            PendingText(open_one.pk, ChatMessage.Sender.CUSTOMER, "three", "k3"),
        ]
    )
    (two, created_two, _), (quoted, _, _), (resent, created_resent, _), refused, (three, _, status) = results
    assert created_two and two["body"] == "two"
    assert quoted["body"] == "a 'quoted' {b}, \\ \"c\""
    assert not created_resent and resent["id"] == first[0][0]["id"] and resent["body"] == "one"
    assert refused == (None, False, None)
    assert status == Conversation.Status.BOT
    assert first[0][0]["id"] < two["id"] < three["id"]
    rows = list(ChatMessage.objects.filter(conversation=open_one, sender="customer").values_list("body", flat=True))
    assert rows == ["one", "two", "three"]
    assert not ChatMessage.objects.filter(conversation=closed, sender="customer").exists()


@pytest.mark.django_db
def test_the_same_client_id_twice_in_one_batch_is_one_message_and_one_resend():
    conversation, _ = conversation_start(customer=None)
    (first, first_created, _), (second, second_created, _) = text_messages_store(
        [
            PendingText(conversation.pk, ChatMessage.Sender.CUSTOMER, "original", "dup"),
            PendingText(conversation.pk, ChatMessage.Sender.CUSTOMER, "resent", "dup"),
        ]
    )
    assert (first_created, second_created) == (True, False)
    assert second == first and first["body"] == "original"
    assert list(conversation.messages.filter(client_id="dup").values_list("body", flat=True)) == ["original"]


@async_test
async def test_rate_limit_hits_arriving_together_count_as_they_would_one_by_one():
    owner = f"test-{id(object())}"
    together = await asyncio.gather(*(throttle.allow(owner, limit=5, window_seconds=60) for _ in range(8)))
    assert together == [True] * 5 + [False] * 3
    assert await throttle.allow(owner, limit=9, window_seconds=60)  # the 9th hit
    assert not await throttle.allow(owner, limit=9, window_seconds=60)


@pytest.mark.django_db(transaction=True)
@async_test
async def test_pushes_sent_together_reach_every_socket_of_the_group_in_order():
    def start():
        conversation, _ = conversation_start(customer=None)
        return conversation, session_cookie_for(chat=conversation)

    conversation, cookie = await db(start)
    first, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    second, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    group = realtime.conversation_group(conversation.pk)
    events = [{"type": "chat.cart", "count": n} for n in range(20)]
    sent = await asyncio.gather(*(realtime.agroup_send(group, event) for event in events))
    assert all(sent)
    for ws in (first, second):
        frames = await receive_until(ws, lambda f: f == {"type": "cart", "count": 19})
        assert [f["count"] for f in frames if f["type"] == "cart"] == list(range(20))
        await ws.disconnect()
