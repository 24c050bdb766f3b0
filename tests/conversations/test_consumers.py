"""Chat sockets through the real ASGI application and the real Redis channel layer."""

import json

import pytest
from django.test import override_settings
from django.utils import translation

from conversations.assignment import available_agents, presence_effective
from conversations.models import AgentPresence, ChatMessage, Conversation
from conversations.services import conversation_start
from tests.conversations.conftest import async_test, db, is_message, open_socket, receive_until, session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


@async_test
async def test_guest_message_is_stored_pushed_with_its_id_and_answered_by_the_bot(guest_chat):
    conversation, cookie = guest_chat
    ws, connected, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    assert connected
    await ws.send_json_to({"type": "sync", "last_id": 0})
    frames = await receive_until(ws, is_message(sender="bot"))
    assert frames[0]["type"] == "state" and frames[0]["status"] == "bot"
    greeting_id = frames[-1]["message"]["id"]

    await ws.send_json_to({"type": "send", "body": "gibberish zzqx", "client_id": "c1"})
    frames = await receive_until(ws, is_message(sender="bot"))
    mine = next(f["message"] for f in frames if f["type"] == "message" and f["message"]["sender"] == "customer")
    assert mine["body"] == "gibberish zzqx" and mine["client_id"] == "c1" and mine["id"] > greeting_id
    bot = frames[-1]["message"]
    assert bot["id"] > mine["id"]
    assert "not sure" in bot["body"]  # no article matches: the fallback offers a person
    rows = await db(lambda: list(ChatMessage.objects.filter(conversation=conversation).values_list("sender", "body")))
    assert rows == [("bot", rows[0][1]), ("customer", "gibberish zzqx"), ("bot", bot["body"])]
    await ws.disconnect()


@async_test
async def test_a_resent_client_id_is_stored_once_and_replay_skips_nothing(guest_chat):
    conversation, cookie = guest_chat
    ws, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    await ws.send_json_to({"type": "send", "body": "hello there agent person", "client_id": "same-1"})
    await receive_until(ws, is_message(sender="customer"))
    await ws.disconnect()  # the socket drops before the shopper saw the answer

    ws, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    await ws.send_json_to({"type": "send", "body": "hello there agent person", "client_id": "same-1"})
    await ws.send_json_to({"type": "sync", "last_id": 0})
    frames = await receive_until(ws, lambda f: f["type"] == "state")
    frames += await receive_until(ws, is_message(body="hello there agent person"))
    count = await db(
        lambda: ChatMessage.objects.filter(conversation=conversation, body="hello there agent person").count()
    )
    assert count == 1
    await ws.disconnect()


@async_test
async def test_a_socket_for_another_shoppers_conversation_is_refused(guest_chat, shopper_chat):
    guest_conversation, _ = guest_chat
    customer, customer_conversation, customer_cookie = shopper_chat
    stranger = await db(session_cookie_for)
    for path, cookie in [
        (f"/ws/chat/{guest_conversation.public_id}/", stranger),  # another visitor's session
        (f"/ws/chat/{guest_conversation.public_id}/", customer_cookie),  # a signed-in stranger
        (f"/ws/chat/{customer_conversation.public_id}/", stranger),  # a customer's chat, not signed in
        ("/ws/chat/not-a-uuid/", customer_cookie),
        ("/ws/console/", customer_cookie),  # the agents' socket
    ]:
        ws, connected, code = await open_socket(path, cookie)
        assert not connected, path
        assert code == 4403, path
    ws, connected, _ = await open_socket(f"/ws/chat/{customer_conversation.public_id}/", customer_cookie)
    assert connected
    await ws.disconnect()


@async_test
async def test_binary_and_oversized_frames_close_the_socket(guest_chat):
    conversation, cookie = guest_chat
    ws, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    await ws.send_to(bytes_data=b"\x00\x01\x02")
    assert json.loads(await ws.receive_from())["code"] == "binary"
    assert (await ws.receive_output())["code"] == 1003

    ws, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    await ws.send_to(text_data=json.dumps({"type": "send", "body": "x" * 9000}))
    assert json.loads(await ws.receive_from())["code"] == "too_long"
    assert (await ws.receive_output())["code"] == 1009

    ws, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    for bad in ["not json", "[1,2]", '{"type": "__class__"}', '{"type": "send", "body": "a\\u0000b"}']:
        await ws.send_to(text_data=bad)
        assert json.loads(await ws.receive_from())["type"] == "error"
    await ws.send_json_to({"type": "send", "body": "y" * 2001})
    assert json.loads(await ws.receive_from())["code"] == "invalid"
    assert await db(lambda: conversation.messages.filter(sender="customer").count()) == 0
    await ws.disconnect()


@async_test
async def test_html_in_a_message_is_kept_as_text_never_markup(guest_chat):
    conversation, cookie = guest_chat
    ws, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    body = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    await ws.send_json_to({"type": "send", "body": body, "client_id": "h1"})
    frames = await receive_until(ws, is_message(sender="customer"))
    assert frames[-1]["message"]["body"] == body  # a JSON string; the widget sets textContent
    await ws.disconnect()


@override_settings(CHAT_BURST_PER_CONNECTION=3, CHAT_REFILL_SECONDS=60, CHAT_RATE_PER_MINUTE=1000)
@async_test
async def test_a_flood_from_one_connection_is_refused(guest_chat):
    conversation, cookie = guest_chat
    await db(lambda: Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.ACTIVE))
    ws, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    for i in range(5):
        await ws.send_json_to({"type": "send", "body": f"spam {i}", "client_id": f"s{i}"})
    frames = await receive_until(ws, lambda f: f.get("code") == "rate_limited")
    frames += await receive_until(ws, lambda f: f.get("code") == "rate_limited")
    stored = await db(lambda: conversation.messages.filter(sender="customer").count())
    assert stored == 3
    await ws.disconnect()


@override_settings(CHAT_BURST_PER_CONNECTION=100, CHAT_RATE_PER_MINUTE=4)
@async_test
async def test_a_flood_across_connections_is_refused_per_customer(shopper_chat):
    customer, conversation, cookie = shopper_chat
    await db(lambda: Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.ACTIVE))
    first, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    second, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    for i in range(3):
        await first.send_json_to({"type": "send", "body": f"a{i}", "client_id": f"a{i}"})
        await second.send_json_to({"type": "send", "body": f"b{i}", "client_id": f"b{i}"})
    await receive_until(second, lambda f: f.get("code") == "rate_limited")
    await receive_until(first, lambda f: f.get("code") == "rate_limited")
    assert await db(lambda: conversation.messages.filter(sender="customer").count()) == 4
    await first.disconnect()
    await second.disconnect()


@override_settings(REDIS_URL="redis://127.0.0.1:1/0", CHAT_RATE_PER_MINUTE=1)
@async_test
async def test_the_rate_limiter_fails_open_when_its_redis_is_down(guest_chat):
    conversation, cookie = guest_chat
    await db(lambda: Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.ACTIVE))
    ws, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    for i in range(3):
        await ws.send_json_to({"type": "send", "body": f"still here {i}", "client_id": f"r{i}"})
        await receive_until(ws, is_message(body=f"still here {i}"))
    await ws.disconnect()


@async_test
async def test_agent_and_shopper_see_messages_typing_and_read_receipts_both_ways(shopper_chat, make_agent):
    customer, conversation, cookie = shopper_chat
    kenji = await db(make_agent, email="kenji@example.com", first_name="Kenji")
    shopper, _, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    console, connected, _ = await open_socket("/ws/console/", await db(session_cookie_for, user=kenji))
    assert connected
    await receive_until(console, lambda f: f["type"] == "presence")

    await shopper.send_json_to({"type": "handover"})
    await receive_until(shopper, lambda f: f["type"] == "state" and f["status"] == "waiting")
    await console.send_json_to({"type": "watch", "conversation": str(conversation.public_id), "last_id": 0})
    await receive_until(console, is_message(sender="system"))

    await console.send_json_to(
        {"type": "send", "conversation": str(conversation.public_id), "body": "Hi Hana, Kenji here.", "client_id": "k1"}
    )
    frames = await receive_until(shopper, is_message(body="Hi Hana, Kenji here."))
    agent_message = frames[-1]["message"]
    assert agent_message["sender"] == "agent" and agent_message["author"] == "Kenji"
    assert any(f["type"] == "state" and f["status"] == "active" and f["agent"] == "Kenji" for f in frames)

    await shopper.send_json_to({"type": "typing", "on": True})
    typing = await receive_until(console, lambda f: f["type"] == "typing")
    assert typing[-1] == {"type": "typing", "who": "customer", "on": True, "conversation": str(conversation.public_id)}
    await console.send_json_to({"type": "typing", "conversation": str(conversation.public_id), "on": True})
    assert (await receive_until(shopper, lambda f: f["type"] == "typing"))[-1]["who"] == "agent"

    await shopper.send_json_to({"type": "read", "last_id": agent_message["id"]})
    read = await receive_until(console, lambda f: f["type"] == "read")
    assert read[-1]["who"] == "customer" and read[-1]["last_id"] == agent_message["id"]

    await shopper.send_json_to({"type": "send", "body": "Thanks!", "client_id": "h1"})
    frames = await receive_until(console, is_message(body="Thanks!"))
    await console.send_json_to(
        {"type": "read", "conversation": str(conversation.public_id), "last_id": frames[-1]["message"]["id"]}
    )
    read = await receive_until(shopper, lambda f: f["type"] == "read")
    assert read[-1]["who"] == "agent" and read[-1]["last_id"] == frames[-1]["message"]["id"]

    stored = await db(Conversation.objects.get, pk=conversation.pk)
    assert (stored.status, stored.assignee_id, stored.outcome) == ("active", kenji.pk, "handed_over")
    assert stored.customer_read_id == agent_message["id"]
    await shopper.disconnect()
    await console.disconnect()


@async_test
async def test_closing_the_last_console_socket_sets_the_agent_away(make_agent):
    kenji = await db(make_agent, email="kenji@example.com", first_name="Kenji")
    cookie = await db(session_cookie_for, user=kenji)
    first, _, _ = await open_socket("/ws/console/", cookie)
    second, _, _ = await open_socket("/ws/console/", cookie)
    await receive_until(first, lambda f: f["type"] == "presence")
    await first.send_json_to({"type": "presence", "status": "online"})
    assert (await receive_until(first, lambda f: f["type"] == "presence"))[-1]["status"] == "online"
    assert await db(available_agents) == [kenji]

    await first.disconnect()
    assert await db(available_agents) == [kenji]  # another console tab is still open
    await second.disconnect()
    assert await db(available_agents) == []  # away: offered nothing
    presence = await db(AgentPresence.objects.get, agent=kenji)
    assert presence_effective(presence) == "away"
    assert presence.status == "online"  # their choice is kept for when they come back

    third, _, _ = await open_socket("/ws/console/", cookie)
    await receive_until(third, lambda f: f["type"] == "presence")
    assert await db(available_agents) == [kenji]
    await third.disconnect()


def _japanese_guest_chat():
    with translation.override("ja"):
        conversation, _ = conversation_start(customer=None)
    return conversation, session_cookie_for(chat=conversation)


@override_settings(CHAT_BURST_PER_CONNECTION=2, CHAT_REFILL_SECONDS=60, CHAT_RATE_PER_MINUTE=1000)
@async_test
async def test_a_guest_from_a_japanese_page_is_answered_and_refused_in_japanese_over_the_socket(transactional_db):
    conversation, cookie = await db(_japanese_guest_chat)
    ws, connected, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie)
    assert connected
    await ws.send_json_to({"type": "send", "body": "ﾍﾝﾋﾟﾝしたいです", "client_id": "j1"})
    frames = await receive_until(ws, lambda f: f.get("type") == "message" and f["message"]["kind"] == "feedback")
    bot = [f["message"] for f in frames if f.get("type") == "message" and f["message"]["sender"] == "bot"]
    assert bot[0]["body"].startswith("商品はお届けから 30 日以内であれば返品いただけます。")
    assert bot[-1]["body"] == "お役に立ちましたか？"

    await ws.send_json_to({"type": "send", "body": "オペレーターをお願いします", "client_id": "j2"})
    frames = await receive_until(ws, lambda f: f.get("type") == "state" and f.get("status") == "waiting")
    note = next(f["message"] for f in frames if is_message(sender="system")(f))
    assert note["body"].startswith("担当者におつなぎしています。")

    await ws.send_json_to({"type": "send", "body": "まだですか", "client_id": "j3"})
    error = (await receive_until(ws, lambda f: f.get("type") == "error"))[-1]
    assert error == {
        "type": "error",
        "code": "rate_limited",
        "message": "短時間に多くのメッセージが送信されました。少し時間をおいてから、もう一度お試しください。",
    }
    await ws.disconnect()


@async_test
async def test_a_guests_socket_follows_the_language_of_the_page_it_is_opened_from(guest_chat):
    conversation, cookie = guest_chat  # started on an English page
    ws, connected, _ = await open_socket(f"/ws/chat/{conversation.public_id}/", cookie + b"; django_language=ja")
    assert connected
    await ws.send_json_to({"type": "send", "body": "オペレーターをお願いします", "client_id": "l1"})
    frames = await receive_until(ws, lambda f: f.get("type") == "state" and f.get("status") == "waiting")
    note = next(f["message"] for f in frames if is_message(sender="system")(f))
    assert note["body"].startswith("担当者におつなぎしています。")
    await ws.disconnect()
    assert (await db(lambda: Conversation.objects.get(pk=conversation.pk).bot_state))["language"] == "ja"
