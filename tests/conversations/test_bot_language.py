"""The bot speaks the customer's language, else the page's when the chat started, and
understands Japanese (issue 16)."""

import pytest
from django.conf import settings
from django.utils import translation

from conversations.models import ChatMessage, Conversation
from conversations.services import conversation_start, shopper_feedback, shopper_message_receive
from orders.models import Order
from tests.customers.factories import CustomerFactory
from tests.service_console.factories import ArticleFactory

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


# --- Japanese intents (folded: full/half width, hiragana/katakana) --------------------------


def _ja_guest():
    with translation.override("ja"):
        conversation, _ = conversation_start(customer=None)
    return conversation


def _order(number, email, **kwargs):
    owner = CustomerFactory(email=email)
    return Order.objects.create(
        number=number,
        customer=owner,
        email=email,
        subtotal="4000",
        total="4400",
        payment_method=Order.PaymentMethod.TEST_CARD,
        **kwargs,
    )


@pytest.mark.parametrize(
    "question", ["注文はどこですか", "配送状況を知りたい", "注文番号を調べたい", "いつ届きますか", "ﾆﾓﾂが届かない"]
)
def test_japanese_order_questions_ask_a_guest_for_the_number_and_email_in_japanese(question):
    conversation = _ja_guest()
    with translation.override("en"):
        replies = shopper_message_receive(conversation=conversation, body=question)
    assert replies[1].body.startswith("お調べいたします。ご注文番号とご注文時のメールアドレスを")
    conversation.refresh_from_db()
    assert conversation.intent == Conversation.Intent.ORDER_STATUS
    assert conversation.bot_state["awaiting"] == "order_lookup"


def test_a_guest_gives_a_full_width_order_number_and_email_in_a_japanese_sentence():
    _order(
        "UC-ABCD-EFGH", "hana@example.jp", status=Order.Status.FULFILLED, carrier="ヤマト運輸", tracking_number="1234"
    )
    conversation = _ja_guest()
    replies = shopper_message_receive(
        conversation=conversation, body="注文番号ＵＣ－ＡＢＣＤ－ＥＦＧＨ、メールはｈａｎａ＠ｅｘａｍｐｌｅ．ｊｐです"
    )
    card = replies[1]
    assert card.kind == ChatMessage.Kind.ORDERS
    assert card.body == "ご注文 UC-ABCD-EFGH は「発送済み」です（配送業者：ヤマト運輸、追跡番号：1234）。"
    assert card.payload["orders"][0]["url"].startswith("/orders/UC-ABCD-EFGH/?t=")
    assert replies[2].kind == ChatMessage.Kind.FEEDBACK and replies[2].body == "お役に立ちましたか？"


def test_a_signed_in_japanese_customer_sees_their_orders_in_japanese():
    hana = CustomerFactory(first_name="Hana", language="ja")
    Order.objects.create(
        number="UC-JJJJ-0001",
        customer=hana,
        email=hana.email,
        subtotal="4000",
        total="4400",
        payment_method=Order.PaymentMethod.TEST_CARD,
        status=Order.Status.PAID,
    )
    conversation, _ = conversation_start(customer=hana)
    replies = shopper_message_receive(conversation=conversation, body="配送状況を知りたいです", customer=hana)
    assert replies[1].kind == ChatMessage.Kind.ORDERS
    assert replies[1].body == "ご注文 UC-JJJJ-0001 は「入金済み」です。"


@pytest.mark.parametrize(
    "question", ["返品したい", "返金してほしいです", "ﾍﾝﾋﾟﾝできますか", "へんぴんの方法", "注文した靴を交換したい"]
)
def test_japanese_returns_questions_get_the_returns_answer(question):
    conversation = _ja_guest()
    replies = shopper_message_receive(conversation=conversation, body=question)
    assert [m.kind for m in replies[1:]] == [ChatMessage.Kind.LINK, ChatMessage.Kind.FEEDBACK]
    assert replies[1].body.startswith("商品はお届けから 30 日以内であれば返品いただけます。")
    conversation.refresh_from_db()
    assert conversation.intent == Conversation.Intent.RETURNS


@pytest.mark.parametrize(
    "question",
    [
        "担当者と話したい",
        "人と話したい",
        "オペレーター",
        "ｵﾍﾟﾚｰﾀｰをお願いします",
        "おぺれーたー",
        "スタッフの方につないでください",
    ],
)
def test_japanese_requests_for_a_person_hand_over_with_a_japanese_note(question):
    conversation = _ja_guest()
    shopper_message_receive(conversation=conversation, body="注文はどこですか")  # mid-lookup
    replies = shopper_message_receive(conversation=conversation, body=question)
    assert len(replies) == 1
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.WAITING
    assert conversation.messages.order_by("-id").first().body.startswith("担当者におつなぎしています。")


def test_japanese_questions_find_japanese_help_articles_and_the_feedback_card_is_japanese():
    ArticleFactory(
        title="サイズの選び方",
        slug="size-ja",
        summary="胸囲を測って、サイズ表と比べてください。",
        body="メジャーで胸囲を測り、サイズ表の数値と比べてお選びください。",
    )
    ArticleFactory(title="Size guide", slug="size-en", summary="Measure your chest.", body="size chart")
    conversation = _ja_guest()
    replies = shopper_message_receive(conversation=conversation, body="ｻｲｽﾞの選び方を教えてください")
    assert replies[1].kind == ChatMessage.Kind.ARTICLE
    assert replies[1].payload["title"] == "サイズの選び方"
    assert replies[2].body == "お役に立ちましたか？"

    shopper_feedback(conversation=conversation, helpful=False)
    sorry = conversation.messages.order_by("-id").first()
    assert sorry.body.startswith("お役に立てず申し訳ございません。")
    assert sorry.payload["actions"] == [{"label": "担当者と話す", "action": "handover"}]
    shopper_feedback(conversation=conversation, helpful=True)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.messages.order_by("-id").first().body.startswith("お役に立てて何よりです。")


def test_the_japanese_returns_answer_shows_a_japanese_article_not_the_english_one():
    ArticleFactory(title="Returns and refunds", slug="returns", summary="Return within 30 days.", body="Returns policy")
    ArticleFactory(
        title="返品・返金について", slug="returns-ja", summary="お届けから30日以内なら返品できます。", body="返品の手順"
    )
    conversation = _ja_guest()
    replies = shopper_message_receive(conversation=conversation, body="返品したい")
    assert [m.kind for m in replies[1:]] == [ChatMessage.Kind.ARTICLE, ChatMessage.Kind.LINK, ChatMessage.Kind.FEEDBACK]
    assert replies[1].payload["title"] == "返品・返金について"


def test_a_saved_english_customer_on_a_japanese_page_is_answered_in_english_and_english_is_unchanged():
    ArticleFactory(title="Returns and refunds", slug="returns", summary="Return within 30 days.", body="Returns policy")
    ken = CustomerFactory(first_name="Ken", language="en")
    with translation.override("ja"):
        conversation, _ = conversation_start(customer=ken)
        replies = shopper_message_receive(conversation=conversation, body="I want a refund", customer=ken)
    assert _bot(conversation)[0].startswith("Hi Ken! I'm the shop's assistant.")
    assert replies[1].payload["title"] == "Returns and refunds"
    assert replies[2].payload == {"title": "Start a return from your orders", "url": "/orders/"}
    assert replies[3].body == "Did this help?"
    with translation.override("ja"):
        shopper_message_receive(conversation=conversation, body="talk to a person", customer=ken)
    assert conversation.messages.order_by("-id").first().body.startswith("Connecting you with a person.")


def test_an_english_guest_is_not_matched_against_japanese_words():
    ArticleFactory(title="返品・返金について", slug="returns-ja", summary="返品できます。", body="返品の手順")
    with translation.override("en"):
        conversation, _ = conversation_start(customer=None)
        replies = shopper_message_receive(conversation=conversation, body="where is my parcel")
    assert "order number and the email" in replies[1].body


def test_a_guest_who_switches_the_page_to_japanese_is_answered_in_japanese_when_polling(client):
    public_id = client.post("/chat/start/", HTTP_ACCEPT_LANGUAGE="en").json()["conversation"]
    conversation = Conversation.objects.get(public_id=public_id)
    assert _bot(conversation)[0].startswith("Hi! I'm the shop's assistant.")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    sent = client.post(f"/chat/{public_id}/messages/", {"body": "返品したい", "client_id": "p1"})
    assert sent.json()["messages"][1]["body"].startswith("商品はお届けから 30 日以内であれば返品いただけます。")
    conversation.refresh_from_db()
    assert conversation.bot_state["language"] == "ja"


def test_a_signed_in_customer_keeps_their_saved_language_whatever_the_page(client):
    ken = CustomerFactory(first_name="Ken", language="en")
    client.force_login(ken)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    public_id = client.post("/chat/start/").json()["conversation"]
    sent = client.post(f"/chat/{public_id}/messages/", {"body": "I want a refund", "client_id": "p1"})
    assert sent.json()["messages"][1]["body"].startswith("You can return items within 30 days")


def test_the_japanese_greetings_quick_replies_are_understood_by_the_japanese_rules():
    conversation = _ja_guest()
    actions = conversation.messages.get().payload["actions"]
    assert [a["label"] for a in actions] == ["注文した商品はどこですか？", "返品について", "担当者と話す"]
    order, returns = actions[0]["send"], actions[1]["send"]
    shopper_message_receive(conversation=conversation, body=order)
    conversation.refresh_from_db()
    assert conversation.intent == Conversation.Intent.ORDER_STATUS
    shopper_message_receive(conversation=conversation, body=returns)
    conversation.refresh_from_db()
    assert conversation.intent == Conversation.Intent.RETURNS
