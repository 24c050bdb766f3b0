"""The bot that answers first: order status, returns, help articles, and "talk to a person".

Intents come from small keyword rules (English and Japanese). The bot speaks the customer's
language (Customer.language), else the language of the page the chat started on (kept in
`bot_state["language"]`). Every answer ends with "Did this help?":
yes closes the chat as resolved by the bot, no offers a person. Asking for a person hands
over at once, whatever the bot was doing.

The knowledge base lives in service_console, above this app; the console registers its
search here at start-up (`knowledge_source_set`, called from its AppConfig.ready), so this
module never imports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from common.japanese import fold
from conversations.models import ChatMessage, Conversation
from customers.models import Customer
from orders.models import Order
from orders.services import order_signed_token

ORDER_LOOKUP_ATTEMPTS = 5
ORDERS_SHOWN = 3

_HANDOVER = re.compile(
    r"\b(talk|speak|chat)\s+(to|with)\s+(a|an|some)?\s*(person|human|agent|someone|somebody|people)\b"
    r"|\b(real|live)\s+(person|human|agent)\b|\b(human|operator|representative)\b|^\s*(agent|person)\s*[.!?]*\s*$",
    re.IGNORECASE,
)
_ORDER = re.compile(
    r"\b(where('?s|\s+is)?\s+my\s+(order|parcel|package|stuff|delivery)|order\s+status|track(ing)?|"
    r"deliver(y|ed)?|ship(ping|ped)?|parcel|package|dispatch(ed)?|arriv(e|ed|ing))\b",
    re.IGNORECASE,
)
_RETURNS = re.compile(r"\b(return(s|ing|ed)?|refund(s|ed)?|send\s+(it|them)\s+back|exchange)\b", re.IGNORECASE)


def _folded_pattern(pattern: str) -> re.Pattern:
    """Japanese rules are written naturally and matched against `fold`ed text (NFKC,
    hiragana as katakana), so ｵﾍﾟﾚｰﾀｰ, おぺれーたー and オペレーター are one word; the
    pattern is folded the same way (kana and CJK are no regex syntax)."""
    return re.compile(fold(pattern))


# Japanese: no word boundaries to lean on, so substrings of the folded text.
_HANDOVER_JA = _folded_pattern(
    r"(担当者|担当の(方|人|かた)|オペレータ|スタッフ|有人|人間|係の(人|方)|窓口の(人|方)|サポートの(人|方)"
    r"|(人|ひと|誰か|だれか)(と|に|へ)(話|はな|相談|そうだん|つな|繋|代わ|替わ|かわ|チャット)|直接話)"
)
_ORDER_JA = _folded_pattern(
    r"(注文|配送(?!料)|発送|出荷|届(か|き|く|け|い|こ)|お届け|追跡|荷物|配達|到着|着(か|き|く|け)|宅配|トラッキング)"
)
_RETURNS_JA = _folded_pattern(r"(返品|返金|交換|返送|返却|払い?戻|送り返|返したい|へんぴん|へんきん)")
# UC-ABCD-EFGH, also typed with full-width letters, Japanese dashes or none, and straight
# after Japanese text (注文番号UC-...), where \b would see no boundary.
_DASH = "[-‐‑–—―−ー]?"
ORDER_NUMBER_RE = re.compile(
    rf"(?<![a-z0-9])UC{_DASH}([A-Z0-9]{{4}}){_DASH}([A-Z0-9]{{4}})(?![a-z0-9])", re.IGNORECASE | re.ASCII
)
# The returns article is looked up in the language the bot speaks (articles are written in one).
_RETURNS_QUERY = {"ja": "返品 返金"}
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _quick_actions() -> list[dict]:
    return [
        {"label": gettext("Where is my order?"), "send": gettext("Where is my order?")},
        {"label": gettext("Returns"), "send": gettext("How do I return something?")},
        {"label": gettext("Talk to a person"), "action": "handover"},
    ]


def _person_action() -> list[dict]:
    return [{"label": gettext("Talk to a person"), "action": "handover"}]


def bot_language(conversation: Conversation, customer: Customer | None = None) -> str:
    """The customer's language, else the page's when the chat started, else the shop's."""
    customer = customer or conversation.customer
    if customer is not None and customer.language:
        return customer.language
    return conversation.bot_state.get("language") or settings.LANGUAGE_CODE


@dataclass(frozen=True)
class KnowledgeHit:
    title: str
    summary: str
    url: str
    category: str = ""


KnowledgeSearch = Callable[[str, int], list[KnowledgeHit]]
_knowledge_search: KnowledgeSearch | None = None


def knowledge_source_set(search: KnowledgeSearch) -> None:
    global _knowledge_search
    _knowledge_search = search


def knowledge_search(query: str, limit: int = 3) -> list[KnowledgeHit]:
    return _knowledge_search(query, limit) if _knowledge_search is not None else []


def _say(conversation, body: str, *, kind=ChatMessage.Kind.TEXT, payload: dict | None = None) -> ChatMessage:
    from conversations.services import message_post

    message, _ = message_post(
        conversation=conversation, sender=ChatMessage.Sender.BOT, body=body, kind=kind, payload=payload
    )
    return message


def _ask_feedback(conversation: Conversation, intent: str) -> ChatMessage:
    return _say(conversation, gettext("Did this help?"), kind=ChatMessage.Kind.FEEDBACK, payload={"intent": intent})


def _remember(conversation: Conversation, *, intent: str | None = None, **state) -> None:
    fields = ["bot_state"]
    if intent is not None:
        conversation.intent = intent
        fields.append("intent")
    conversation.bot_state = {k: v for k, v in {**conversation.bot_state, **state}.items() if v is not None}
    conversation.save(update_fields=fields)


def greet(*, conversation: Conversation, customer: Customer | None) -> ChatMessage:
    _remember(conversation, language=translation.get_language() or settings.LANGUAGE_CODE)
    with translation.override(bot_language(conversation, customer)):
        if customer is not None and customer.first_name:
            hello = gettext("Hi %(name)s! ") % {"name": customer.first_name}
        else:
            hello = gettext("Hi! ")
        return _say(
            conversation,
            hello
            + gettext(
                "I'm the shop's assistant. I can find your order, explain returns or look things up "
                "in our help centre. You can also talk to a person at any time."
            ),
            payload={"actions": _quick_actions()},
        )


def respond(*, conversation: Conversation, text: str, customer: Customer | None) -> list[ChatMessage]:
    """Answer one shopper message (the caller holds the conversation's row lock)."""
    with translation.override(bot_language(conversation, customer)):
        return _respond(conversation=conversation, text=text, customer=customer)


def _respond(*, conversation: Conversation, text: str, customer: Customer | None) -> list[ChatMessage]:
    question, text = text, fold(text)  # ＵＣ－ＡＢＣＤ, ｵﾍﾟﾚｰﾀｰ, へんぴん: one spelling for the rules
    if _HANDOVER.search(text) or _HANDOVER_JA.search(text):
        from conversations.services import conversation_hand_over

        conversation_hand_over(conversation=conversation)
        return []
    number = ORDER_NUMBER_RE.search(text)
    if customer is None and (
        number or (conversation.bot_state.get("awaiting") == "order_lookup" and EMAIL_RE.search(text))
    ):
        return _order_lookup(conversation, text)
    if _RETURNS_JA.search(text):  # 注文を返品したい: the return, not the order's status
        return _returns(conversation, customer)
    if _ORDER.search(text) or _ORDER_JA.search(text) or number:
        return _order_status(conversation, customer)
    if _RETURNS.search(text):
        return _returns(conversation, customer)
    return _knowledge(conversation, question)  # as typed: the analyser reads hiragana, not folded text


def feedback(*, conversation: Conversation, helpful: bool) -> list[ChatMessage]:
    with translation.override(bot_language(conversation)):
        return _feedback(conversation=conversation, helpful=helpful)


def _feedback(*, conversation: Conversation, helpful: bool) -> list[ChatMessage]:
    from conversations.services import _close

    if helpful:
        _remember(conversation, last_feedback="yes")
        conversation.outcome = Conversation.Outcome.BOT_RESOLVED
        conversation.intent = conversation.intent or Conversation.Intent.OTHER
        conversation.save(update_fields=["outcome", "intent"])
        _close(conversation, note=gettext("Glad that helped! This chat is now closed; open it again any time."))
        return []
    _remember(conversation, last_feedback="no")
    return [
        _say(
            conversation,
            gettext("Sorry about that. Try asking another way, or talk to a person: they can see this chat."),
            payload={"actions": _person_action()},
        )
    ]


# --- intents -------------------------------------------------------------------------


def _order_line(order: Order) -> str:
    status = str(order.get_status_display()).lower()
    if order.tracking_number:
        return gettext("Order %(number)s is %(status)s with %(carrier)s, tracking %(tracking)s.") % {
            "number": order.number,
            "status": status,
            "carrier": order.carrier or gettext("the carrier"),
            "tracking": order.tracking_number,
        }
    return gettext("Order %(number)s is %(status)s.") % {"number": order.number, "status": status}


def _order_card(order: Order, *, signed: bool) -> dict:
    url = reverse("orders:detail", kwargs={"number": order.number})
    if signed:
        url = f"{url}?t={order_signed_token(order)}"
    return {
        "number": order.number,
        "status": str(order.get_status_display()),
        "carrier": order.carrier,
        "tracking": order.tracking_number,
        "placed": order.placed_at.date().isoformat(),
        "url": url,
    }


def _order_status(conversation: Conversation, customer: Customer | None) -> list[ChatMessage]:
    if customer is None:
        _remember(conversation, intent=Conversation.Intent.ORDER_STATUS, awaiting="order_lookup")
        return [
            _say(
                conversation,
                gettext(
                    "I can look it up. Please type your order number and the email you used, "
                    "for example: UC-ABCD-EFGH you@example.com"
                ),
            )
        ]
    orders = list(Order.objects.filter(customer=customer).order_by("-placed_at", "-id")[:ORDERS_SHOWN])
    _remember(conversation, intent=Conversation.Intent.ORDER_STATUS, awaiting=None)
    if not orders:
        return [
            _say(
                conversation,
                gettext(
                    "I can't find any orders on your account. If you checked out as a guest, type the order "
                    "number and the email you used."
                ),
                payload={"actions": _person_action()},
            )
        ]
    body = " ".join(_order_line(order) for order in orders)
    card = _say(
        conversation,
        body,
        kind=ChatMessage.Kind.ORDERS,
        payload={"orders": [_order_card(order, signed=False) for order in orders]},
    )
    return [card, _ask_feedback(conversation, Conversation.Intent.ORDER_STATUS)]


def _order_lookup(conversation: Conversation, text: str) -> list[ChatMessage]:
    """A guest gives order number + email. The answer never says which of the two was wrong."""
    attempts = int(conversation.bot_state.get("lookup_attempts", 0)) + 1
    number = ORDER_NUMBER_RE.search(text)
    email = EMAIL_RE.search(text)
    if not number or not email:
        missing = gettext("the order number") if not number else gettext("the email you used")
        if not number and not email:
            missing = gettext("the order number and the email you used")
        _remember(
            conversation, intent=Conversation.Intent.ORDER_STATUS, awaiting="order_lookup", lookup_attempts=attempts
        )
        prompt = gettext("Please also type %(missing)s (for example: UC-ABCD-EFGH you@example.com).")
        return [_say(conversation, prompt % {"missing": missing})]
    if attempts > ORDER_LOOKUP_ATTEMPTS:
        _remember(conversation, awaiting=None, lookup_attempts=attempts)
        return [
            _say(
                conversation,
                gettext("I couldn't match that order. A person can help you find it."),
                payload={"actions": _person_action()},
            )
        ]
    order_number = f"UC-{number.group(1)}-{number.group(2)}".upper()
    order = Order.objects.filter(number=order_number, email__iexact=email.group(0)).first()
    if order is None:
        _remember(
            conversation, intent=Conversation.Intent.ORDER_STATUS, awaiting="order_lookup", lookup_attempts=attempts
        )
        return [
            _say(
                conversation,
                gettext(
                    "I couldn't find an order with that number and email. Please check both and try again, "
                    "or talk to a person."
                ),
                payload={"actions": _person_action()},
            )
        ]
    _remember(conversation, intent=Conversation.Intent.ORDER_STATUS, awaiting=None, lookup_attempts=attempts)
    card = _say(
        conversation,
        _order_line(order),
        kind=ChatMessage.Kind.ORDERS,
        payload={"orders": [_order_card(order, signed=True)]},
    )
    return [card, _ask_feedback(conversation, Conversation.Intent.ORDER_STATUS)]


def _returns(conversation: Conversation, customer: Customer | None) -> list[ChatMessage]:
    _remember(conversation, intent=Conversation.Intent.RETURNS, awaiting=None)
    hits = knowledge_search(_RETURNS_QUERY.get((translation.get_language() or "")[:2], "returns refund"), 1)
    start = reverse("orders:list")
    body = gettext(
        "You can return items within 30 days of delivery. Open the order and choose "
        "“Request a return”; we email you the label."
    )
    messages = []
    if hits:
        hit = hits[0]
        messages.append(
            _say(
                conversation,
                hit.summary or hit.title,
                kind=ChatMessage.Kind.ARTICLE,
                payload={"title": hit.title, "summary": hit.summary, "url": hit.url},
            )
        )
        body = gettext("To start a return, open the order and choose “Request a return”; we email you the label.")
    messages.append(
        _say(
            conversation,
            body,
            kind=ChatMessage.Kind.LINK,
            payload={"title": gettext("Start a return from your orders"), "url": start},
        )
    )
    messages.append(_ask_feedback(conversation, Conversation.Intent.RETURNS))
    return messages


def _knowledge(conversation: Conversation, text: str) -> list[ChatMessage]:
    hits = knowledge_search(text[:200], 1)
    if not hits:
        _remember(conversation, intent=conversation.intent or Conversation.Intent.OTHER, awaiting=None)
        return [
            _say(
                conversation,
                gettext(
                    "I'm not sure I understood. You can ask about an order, returns or delivery, or talk to a person."
                ),
                payload={"actions": _quick_actions()},
            )
        ]
    hit = hits[0]
    _remember(conversation, intent=Conversation.Intent.KNOWLEDGE, awaiting=None)
    card = _say(
        conversation,
        hit.summary or hit.title,
        kind=ChatMessage.Kind.ARTICLE,
        payload={"title": hit.title, "summary": hit.summary, "url": hit.url},
    )
    return [card, _ask_feedback(conversation, Conversation.Intent.KNOWLEDGE)]
