"""Bot answers, hand-over, presence and round-robin assignment, sign-in join, HTTP fallback."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.assignment import agent_next, presence_set
from conversations.exceptions import ConversationTaken
from conversations.models import AgentPresence, AssignmentSettings, ChatMessage, Conversation
from conversations.selectors import deflection_report
from conversations.services import (
    SESSION_CHAT_KEY,
    conversation_accept,
    conversation_hand_over,
    conversation_start,
    shopper_feedback,
    shopper_message_receive,
)
from messaging.models import OutboundEmail
from orders.models import Order
from service_console.services.cases import case_contact_form_submit
from tests.carts.factories import agent
from tests.customers.factories import PASSWORD, CustomerFactory
from tests.service_console.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def _order(customer, number, **kwargs):
    return Order.objects.create(
        number=number,
        customer=customer,
        email=customer.email,
        subtotal="40.00",
        total="44.00",
        payment_method=Order.PaymentMethod.TEST_CARD,
        **kwargs,
    )


def _online(person, *, minutes_ago=0):
    AgentPresence.objects.update_or_create(
        agent=person,
        defaults={
            "status": AgentPresence.Status.ONLINE,
            "connections": 1,
            "seen_at": timezone.now() - timedelta(minutes=minutes_ago),
        },
    )


def _bot_messages(conversation):
    return list(conversation.messages.filter(sender=ChatMessage.Sender.BOT).order_by("id"))


def test_where_is_my_order_for_a_signed_in_shopper_lists_status_carrier_and_tracking():
    hana = CustomerFactory(first_name="Hana")
    _order(hana, "UC-AAAA-1111", status=Order.Status.FULFILLED, carrier="Yamato", tracking_number="1234-5678")
    conversation, _ = conversation_start(customer=hana)
    replies = shopper_message_receive(conversation=conversation, body="Where is my order?", customer=hana)
    card = replies[1]
    assert card.kind == ChatMessage.Kind.ORDERS
    assert card.body == "Order UC-AAAA-1111 is shipped with Yamato, tracking 1234-5678."
    assert card.payload["orders"][0]["url"] == "/orders/UC-AAAA-1111/"
    assert replies[2].kind == ChatMessage.Kind.FEEDBACK
    conversation.refresh_from_db()
    assert conversation.intent == Conversation.Intent.ORDER_STATUS


def test_a_guest_gets_their_order_only_with_the_number_and_the_email_on_it():
    owner = CustomerFactory(email="ken@example.com")
    _order(owner, "UC-BBBB-2222", status=Order.Status.PAID)
    conversation, _ = conversation_start(customer=None)
    asked = shopper_message_receive(conversation=conversation, body="where is my parcel")
    assert "order number and the email" in asked[1].body

    wrong = shopper_message_receive(conversation=conversation, body="UC-BBBB-2222 someone@else.com")
    assert wrong[1].kind == ChatMessage.Kind.TEXT
    assert "couldn't find an order with that number and email" in wrong[1].body

    right = shopper_message_receive(conversation=conversation, body="it's uc-bbbb-2222, KEN@example.com")
    assert right[1].kind == ChatMessage.Kind.ORDERS
    assert right[1].body == "Order UC-BBBB-2222 is paid."
    assert right[1].payload["orders"][0]["url"].startswith("/orders/UC-BBBB-2222/?t=")


def test_returns_answer_links_the_policy_and_where_to_start_a_return():
    ArticleFactory(title="Returns and refunds", slug="returns", summary="Return within 30 days.", body="Returns policy")
    conversation, _ = conversation_start(customer=None)
    replies = shopper_message_receive(conversation=conversation, body="I want a refund")
    kinds = [m.kind for m in replies[1:]]
    assert kinds == [ChatMessage.Kind.ARTICLE, ChatMessage.Kind.LINK, ChatMessage.Kind.FEEDBACK]
    assert replies[1].payload["url"] == "/help/articles/returns/"
    assert replies[2].payload == {"title": "Start a return from your orders", "url": "/orders/"}


def test_a_helpful_article_closes_the_chat_as_deflected_per_intent():
    ArticleFactory(title="Size guide for shirts", slug="size-guide", summary="Measure your chest.", body="size chart")
    helped, _ = conversation_start(customer=None)
    replies = shopper_message_receive(conversation=helped, body="size guide")
    assert replies[1].kind == ChatMessage.Kind.ARTICLE and replies[1].payload["title"] == "Size guide for shirts"
    shopper_feedback(conversation=helped, helpful=True)

    handed, _ = conversation_start(customer=None)
    shopper_message_receive(conversation=handed, body="size guide")
    shopper_feedback(conversation=handed, helpful=False)
    shopper_message_receive(conversation=handed, body="I want to talk to a person")

    helped.refresh_from_db()
    handed.refresh_from_db()
    assert (helped.status, helped.outcome) == ("closed", "bot_resolved")
    assert (handed.status, handed.outcome, handed.intent) == ("waiting", "handed_over", "knowledge")
    row = next(r for r in deflection_report() if r.intent == "knowledge")
    assert (row.bot_resolved, row.handed_over, row.abandoned) == (1, 1, 0)
    assert row.deflection_rate == 0.5


def test_talk_to_a_person_hands_over_at_once_even_mid_lookup():
    conversation, _ = conversation_start(customer=None)
    shopper_message_receive(conversation=conversation, body="where is my order")  # bot now waits for a number
    replies = shopper_message_receive(conversation=conversation, body="Talk to a person")
    assert len(replies) == 1  # the bot does not answer; the hand-over posts its own note
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.WAITING
    assert set(conversation.bot_state) <= {"language"}  # the lookup is forgotten, the language kept
    assert conversation.messages.order_by("-id").first().body.startswith("Connecting you with a person")


def test_new_chats_go_round_robin_to_online_agents_below_capacity():
    a = agent(email="a@example.com", first_name="Aiko")
    b = agent(email="b@example.com", first_name="Ben")
    away = agent(email="c@example.com", first_name="Chie")
    stale = agent(email="d@example.com", first_name="Dai")
    _online(a)
    _online(b)
    _online(stale, minutes_ago=10)  # browser gone without a goodbye: not available
    AgentPresence.objects.create(agent=away, status=AgentPresence.Status.AWAY, connections=1, seen_at=timezone.now())
    AssignmentSettings.objects.create(max_chats_per_agent=2)

    offered = []
    for _ in range(5):
        conversation, _ = conversation_start(customer=None)
        offered.append(conversation_hand_over(conversation=conversation).assignee)
    # a, b, a, b, then both hold 2 chats (the cap): the fifth waits for anyone.
    assert offered == [a, b, a, b, None]


def test_round_robin_can_be_switched_off_and_an_agent_coming_online_gets_waiting_chats():
    a = agent(email="a@example.com")
    AssignmentSettings.objects.create(chats_round_robin=False)
    _online(a)
    conversation, _ = conversation_start(customer=None)
    assert conversation_hand_over(conversation=conversation).assignee is None

    AssignmentSettings.objects.update(chats_round_robin=True)
    presence_set(agent=a, status=AgentPresence.Status.ONLINE)
    conversation.refresh_from_db()
    assert conversation.assignee == a


def test_incoming_cases_go_round_robin_too_and_agent_created_ones_do_not():
    a = agent(email="a@example.com")
    b = agent(email="b@example.com")
    _online(a)
    _online(b)
    first = case_contact_form_submit(email="x@example.com", name="X", subject="Help", message="Please")
    second = case_contact_form_submit(email="y@example.com", name="Y", subject="Help", message="Please")
    assert {first.assignee, second.assignee} == {a, b}
    AssignmentSettings.objects.create(cases_round_robin=False)
    third = case_contact_form_submit(email="z@example.com", name="Z", subject="Help", message="Please")
    assert third.assignee is None
    assert agent_next(for_chat=False) is None


def test_two_agents_accepting_the_same_chat_one_wins():
    a = agent(email="a@example.com", first_name="Aiko")
    b = agent(email="b@example.com", first_name="Ben")
    conversation, _ = conversation_start(customer=None)
    conversation_hand_over(conversation=conversation)
    conversation_accept(conversation=conversation, agent=a)
    with pytest.raises(ConversationTaken):
        conversation_accept(conversation=conversation, agent=b)
    assert Conversation.objects.get(pk=conversation.pk).assignee == a


def test_an_anonymous_chat_joins_the_customer_record_at_sign_in(client):
    hana = CustomerFactory(email="hana@example.com")
    client.post("/chat/start/")
    public_id = client.session[SESSION_CHAT_KEY]
    assert Conversation.objects.get(public_id=public_id).customer is None

    response = client.post("/accounts/login/", {"username": "hana@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert Conversation.objects.get(public_id=public_id).customer == hana
    # ...and the same conversation is still theirs after the session key rotated.
    assert client.get(f"/chat/{public_id}/messages/?last_id=0").status_code == 200


def test_polling_fallback_sends_and_reads_past_the_last_id_and_refuses_strangers(client, django_user_model):
    start = client.post("/chat/start/").json()
    public_id = start["conversation"]
    greeting_id = start["messages"][-1]["id"]
    sent = client.post(f"/chat/{public_id}/messages/", {"body": "<b>hi</b> zzqx", "client_id": "p1"})
    assert sent.status_code == 201
    again = client.post(f"/chat/{public_id}/messages/", {"body": "<b>hi</b> zzqx", "client_id": "p1"})
    assert again.json()["messages"][0]["id"] == sent.json()["messages"][0]["id"]
    after = client.get(f"/chat/{public_id}/messages/?last_id={greeting_id}").json()
    assert [m["body"] for m in after["messages"]][0] == "<b>hi</b> zzqx"
    assert all(m["id"] > greeting_id for m in after["messages"])
    assert client.post(f"/chat/{public_id}/messages/", {"body": "x" * 2001}).status_code == 400
    assert client.post(f"/chat/{public_id}/messages/", {"body": "a\x00b"}).status_code == 400
    assert client.get(f"/chat/{public_id}/messages/?last_id=abc").status_code == 400

    from django.test import Client

    stranger = Client()
    assert stranger.get(f"/chat/{public_id}/messages/?last_id=0").status_code == 404
    assert stranger.post(f"/chat/{public_id}/messages/", {"body": "hi"}).status_code == 404
    assert stranger.get("/chat/not-a-uuid/messages/").status_code == 404


def test_a_shopper_can_email_themselves_the_transcript(client):
    start = client.post("/chat/start/").json()
    public_id = start["conversation"]
    client.post(f"/chat/{public_id}/messages/", {"body": "<script>x</script> zzqx", "client_id": "t1"})
    assert client.post(f"/chat/{public_id}/transcript/", {"email": "not-an-email"}).status_code == 400
    response = client.post(f"/chat/{public_id}/transcript/", {"email": "me@example.com"})
    assert response.status_code == 200
    email = OutboundEmail.objects.get(kind="chat_transcript")
    assert email.to_email == "me@example.com"
    texts = [line["text"] for line in email.context["lines"]]
    assert "<script>x</script> zzqx" in texts
    from messaging.rendering import email_render

    rendered = email_render(
        template=email.template,
        to_email=email.to_email,
        context=email.context,
        marketing=False,
        public_id=email.public_id,
        kind=email.kind,
    )
    assert "<script>x</script>" not in rendered.html
    assert "&lt;script&gt;x&lt;/script&gt; zzqx" in rendered.html


def test_a_shoppers_chats_are_listed_on_their_requests_page_and_only_theirs(client):
    hana = CustomerFactory(email="hana@example.com")
    other = CustomerFactory(email="ken@example.com")
    mine, _ = conversation_start(customer=hana)
    shopper_message_receive(conversation=mine, body="<i>Where</i> is my order?", customer=hana)
    theirs, _ = conversation_start(customer=other)
    client.force_login(hana)

    page = client.get("/account/requests/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/account/requests/chats/{mine.public_id}/" in html
    assert f"/account/requests/chats/{theirs.public_id}/" not in html
    assert "&lt;i&gt;Where&lt;/i&gt; is my order?" in html  # escaped, never markup

    transcript = client.get(f"/account/requests/chats/{mine.public_id}/")
    assert transcript.status_code == 200
    assert "&lt;i&gt;Where&lt;/i&gt;" in transcript.content.decode()
    assert client.get(f"/account/requests/chats/{theirs.public_id}/").status_code == 404


def test_admin_shows_deflection_per_intent(admin_client):
    for intent, outcome in [
        ("order_status", "bot_resolved"),
        ("order_status", "bot_resolved"),
        ("order_status", "handed_over"),
        ("returns", "abandoned"),
    ]:
        Conversation.objects.create(intent=intent, outcome=outcome, status=Conversation.Status.CLOSED)
    html = admin_client.get("/admin/conversations/conversation/").content.decode()
    assert "Bot deflection per intent" in html
    # Where is my order: 2 closed by the bot, 1 handed over, 0 abandoned, 0 open -> 2 / 3 = 67 %.
    assert "<tr><td>Where is my order</td><td>2</td><td>1</td><td>0</td><td>0</td>" in html
    assert "67%" in html
    filtered = admin_client.get("/admin/conversations/conversation/?intent__exact=returns").content.decode()
    assert "<tr><td>Returns</td><td>0</td><td>0</td><td>1</td><td>0</td>" in filtered
    assert "Where is my order</td>" not in filtered
