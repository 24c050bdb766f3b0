"""The bot speaks the customer's language, else the page's when the chat started, and
understands Japanese (issue 16)."""

import pytest
from django.utils import translation

from conversations.models import ChatMessage
from conversations.services import conversation_start, shopper_message_receive
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _bot(conversation):
    return [m.body for m in conversation.messages.filter(sender=ChatMessage.Sender.BOT).order_by("id")]


def test_a_guest_on_a_japanese_page_is_answered_in_japanese_also_later():
    with translation.override("ja"):
        conversation, _ = conversation_start(customer=None)
    assert _bot(conversation)[0].startswith("こんにちは！ショップのアシスタントです。")
    # Later messages may arrive on another request (socket, other language active): still Japanese.
    with translation.override("en"):
        replies = shopper_message_receive(conversation=conversation, body="返品したいです")
    assert [m.kind for m in replies[1:]] == [ChatMessage.Kind.LINK, ChatMessage.Kind.FEEDBACK]
    assert replies[1].body.startswith("商品はお届けから 30 日以内であれば返品いただけます。")
    assert replies[1].payload["title"] == "ご注文履歴から返品を申し込む"
    assert replies[2].body == "お役に立ちましたか？"


def test_a_signed_in_customer_gets_their_own_language_whatever_the_page():
    hana = CustomerFactory(first_name="Hana", language="ja")
    with translation.override("en"):
        conversation, _ = conversation_start(customer=hana)
        replies = shopper_message_receive(conversation=conversation, body="注文した商品はどこですか？", customer=hana)
    assert _bot(conversation)[0].startswith("Hana 様、こんにちは！")
    assert "アカウントにはご注文が見つかりません" in replies[1].body


def test_japanese_asks_for_a_person_hand_over():
    with translation.override("ja"):
        conversation, _ = conversation_start(customer=None)
    shopper_message_receive(conversation=conversation, body="担当者と話したい")
    conversation.refresh_from_db()
    assert conversation.status == conversation.Status.WAITING
