"""The purchase link an agent sends in a chat reaches the shopper in their language (the
chat message's text and the link card's title), and the case transcript names who spoke in
the agent's language."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

from carts.models import Cart
from conversations.models import ChatMessage, Conversation
from service_console.services.chat import _transcript, chat_purchase_link_send
from tests.carts.factories import CartLineFactory, VariantFactory, agent
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SENT = "Your cart is ready. I also emailed this link to %(email)s."
TITLE = "Complete your purchase"


def _japanese(msgid: str) -> str:
    with open(Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po", "rb") as handle:
        entry = read_po(handle).get(msgid)
    assert entry is not None and entry.string and not entry.fuzzy
    return entry.string


@pytest.mark.parametrize("language", ["ja", "en"])
def test_purchase_link_speaks_the_shoppers_language(language):
    shopper = CustomerFactory(email="hana@example.com", language=language)
    cart = Cart.objects.create(customer=shopper)
    CartLineFactory(cart=cart, variant=VariantFactory(stock=5), quantity=1)
    staff = agent()
    conversation = Conversation.objects.create(customer=shopper, status=Conversation.Status.WAITING)
    with translation.override("en"):  # the agent's console is in English
        chat_purchase_link_send(conversation=conversation, agent=staff, expected_version=cart.version)
    message = ChatMessage.objects.get(conversation=conversation, kind=ChatMessage.Kind.LINK)
    sent, title = (_japanese(SENT), _japanese(TITLE)) if language == "ja" else (SENT, TITLE)
    assert message.body == sent % {"email": "hana@example.com"}
    assert message.payload["title"] == title
    assert message.payload["url"].startswith("/help/purchase/")


def test_transcript_names_the_speakers_in_the_agents_language():
    conversation = Conversation.objects.create(customer=CustomerFactory())
    ChatMessage.objects.create(conversation=conversation, sender=ChatMessage.Sender.CUSTOMER, body="Hello")
    ChatMessage.objects.create(conversation=conversation, sender=ChatMessage.Sender.BOT, body="Hi!")
    with translation.override("ja"):
        transcript = _transcript(conversation)
    assert f"{_japanese('Shopper')}: Hello" in transcript
    assert f"{_japanese('Bot')}: Hi!" in transcript
