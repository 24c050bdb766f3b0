"""The agent's tools inside a chat: share an article, add a product to the shopper's cart,
send the "complete your purchase" link, turn the chat into a case (or add it to an open
one), and attach a guest to a customer record by email. Each is one transaction with its
audit entry; chat messages and cart pushes go out after commit."""

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext

from carts.models import Cart, CartLine
from carts.services import cart_get_or_create
from catalog.models import Variant
from common.audit import audit_record
from common.audit_actions import AuditAction
from common.money import format_money
from conversations.bot import bot_language
from conversations.exceptions import ChatError
from conversations.models import ChatMessage, Conversation
from conversations.services import (
    agent_message_send,
    conversation_cart_changed,
    conversation_join_customer,
    conversation_link_case,
)
from customers.models import Customer
from customers.services import customer_get_or_create_guest
from service_console.exceptions import ConsoleError
from service_console.models import Article, Case
from service_console.services.cart_edit import console_line_add
from service_console.services.cases import case_create, case_note_add
from service_console.services.on_behalf import checkout_link_send

TRANSCRIPT_CASE_LIMIT = 200


def chat_cart(conversation: Conversation) -> Cart | None:
    """The shopper's open cart: the customer's, or the guest session's cart."""
    if conversation.customer_id:
        return Cart.objects.filter(customer_id=conversation.customer_id, status=Cart.Status.OPEN).first()
    if conversation.cart_id:
        return Cart.objects.filter(pk=conversation.cart_id, status=Cart.Status.OPEN, customer__isnull=True).first()
    return None


def cart_units(cart: Cart | None) -> int:
    if cart is None:
        return 0
    return CartLine.objects.filter(cart=cart).aggregate(n=Sum("quantity"))["n"] or 0


@transaction.atomic
def chat_article_share(*, conversation: Conversation, article: Article, agent: Customer) -> ChatMessage:
    """A public article as a card in the chat (internal articles never leave the console)."""
    if not article.is_public:
        raise ConsoleError(gettext("Internal articles cannot be shared with customers."))
    message = agent_message_send(
        conversation=conversation,
        agent=agent,
        body=article.summary or article.title,
        kind=ChatMessage.Kind.ARTICLE,
        payload={"title": article.title, "summary": article.summary, "url": article.get_absolute_url()},
    )
    audit_record(
        actor=agent,
        action=AuditAction.ARTICLE_SHARE,
        customer=conversation.customer,
        obj=article,
        after={"title": article.title, "chat": conversation.short_id},
        note=article.title,
    )
    return message


@transaction.atomic
def chat_product_add(
    *, conversation: Conversation, variant: Variant, quantity: int, expected_version: int | None, agent: Customer
) -> ChatMessage:
    """Add to the shopper's real cart through carts' services with the version the agent saw
    (a stale version raises CartConflict), post a product card, and update the shopper's
    cart count live."""
    cart = chat_cart(conversation)
    if cart is None:
        if conversation.customer_id is None:
            raise ConsoleError(gettext("This guest has no cart yet."))
        cart = cart_get_or_create(customer=conversation.customer)
        expected_version = cart.version if expected_version is None else expected_version
    console_line_add(cart=cart, variant=variant, quantity=quantity, expected_version=expected_version, actor=agent)
    options = " / ".join(v for v in (variant.size, variant.colour) if v)
    message = agent_message_send(
        conversation=conversation,
        agent=agent,
        body=f"I added {quantity} × {variant.product.name} to your cart.",
        kind=ChatMessage.Kind.PRODUCT,
        payload={
            "name": variant.product.name,
            "options": options,
            "sku": variant.sku,
            "price": format_money(variant.price),
            "quantity": quantity,
            "url": variant.product.get_absolute_url() if hasattr(variant.product, "get_absolute_url") else "",
        },
    )
    conversation_cart_changed(conversation=conversation, count=cart_units(cart))
    return message


@transaction.atomic
def chat_purchase_link_send(*, conversation: Conversation, agent: Customer, expected_version: int | None) -> str:
    """The console's "complete your purchase" email, plus the same link as a card in the chat."""
    customer = conversation.customer
    if customer is None:
        raise ConsoleError(gettext("Ask the shopper to sign in (or add their email) before sending a purchase link."))
    cart = chat_cart(conversation)
    if cart is None:
        raise ConsoleError(gettext("The cart is empty: add something before sending the link."))
    url = checkout_link_send(cart=cart, customer=customer, actor=agent, expected_version=expected_version)
    path = url.split("://", 1)[-1]
    path = path[path.index("/") :] if "/" in path else "/"
    with translation.override(bot_language(conversation, customer)):  # the shopper reads it
        body = gettext("Your cart is ready. I also emailed this link to %(email)s.") % {"email": customer.email}
        title = gettext("Complete your purchase")
    agent_message_send(
        conversation=conversation,
        agent=agent,
        body=body,
        kind=ChatMessage.Kind.LINK,
        payload={"title": title, "url": path},
    )
    return url


def _transcript(conversation: Conversation) -> str:
    lines = []
    for message in conversation.messages.select_related("author").order_by("id")[:TRANSCRIPT_CASE_LIMIT]:
        if message.kind == ChatMessage.Kind.FEEDBACK:
            continue
        who = {
            ChatMessage.Sender.CUSTOMER: gettext("Shopper"),
            ChatMessage.Sender.BOT: gettext("Bot"),
            ChatMessage.Sender.AGENT: message.author.get_short_name() if message.author else gettext("Agent"),
        }.get(message.sender, "—")
        title = (message.payload or {}).get("title") or (message.payload or {}).get("name") or ""
        text = f"{message.body} [{title}]" if title and title not in message.body else message.body
        lines.append(f"[{timezone.localtime(message.created_at):%H:%M}] {who}: {text}")
    return "\n".join(lines)


@transaction.atomic
def chat_case_open(*, conversation: Conversation, agent: Customer, subject: str = "") -> Case:
    """Turn the chat into a new case (channel chat, assigned to this agent, transcript as
    its description)."""
    if conversation.customer_id is None:
        raise ConsoleError(gettext("Add the shopper's email first: a case belongs to a customer record."))
    if conversation.case_id:
        existing = Case.objects.filter(pk=conversation.case_id).first()
        if existing is not None:
            return existing
    first = conversation.messages.filter(sender=ChatMessage.Sender.CUSTOMER).order_by("id").first()
    case = case_create(
        customer=conversation.customer,
        subject=(subject or (first.body if first else "") or "Chat with the shopper")[:200],
        description=_transcript(conversation),
        channel=Case.Channel.CHAT,
        actor=agent,
        assignee=agent,
    )
    conversation_link_case(conversation=conversation, case_id=case.pk, actor=agent, case_number=case.number)
    return case


@transaction.atomic
def chat_case_link(*, conversation: Conversation, case: Case, agent: Customer) -> Case:
    """Add the chat to the customer's open case: the transcript becomes a note on it."""
    if conversation.customer_id is None or case.customer_id != conversation.customer_id:
        raise ConsoleError(gettext("That case belongs to another customer."))
    if not case.is_open:
        raise ConsoleError(gettext("That case is closed: open a new one instead."))
    case_note_add(case=case, actor=agent, body=f"Chat {conversation.short_id}:\n{_transcript(conversation)}")
    conversation_link_case(conversation=conversation, case_id=case.pk, actor=agent, case_number=case.number)
    return case


@transaction.atomic
def chat_guest_identify(*, conversation: Conversation, email: str, agent: Customer) -> Customer:
    """A guest gives their email: the chat joins that customer record (a guest record is
    created if the email is new), so it can become a case and receive links."""
    if conversation.customer_id:
        raise ConsoleError(gettext("This chat already belongs to a customer."))
    customer = customer_get_or_create_guest(email=email)
    if customer.is_staff:
        raise ChatError(gettext("That address belongs to a staff account."))
    joined = conversation_join_customer(public_id=conversation.public_id, customer=customer)
    if joined is None:
        raise ConsoleError(gettext("This chat already belongs to a customer."))
    audit_record(
        actor=agent,
        action=AuditAction.CHAT_IDENTIFY,
        customer=customer,
        obj=conversation,
        after={"email": customer.email},
        note=conversation.short_id,
    )
    return customer
