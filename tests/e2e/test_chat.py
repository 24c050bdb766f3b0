"""Live chat, two browsers (issue 12): a shopper asks the bot "where is my order", asks for a
person; an agent who is online accepts in the console, shares an article and adds a product;
the shopper's cart shows it; the chat becomes a case. Served by uvicorn (ASGI: pages and
sockets) over the real Redis channel layer. Screenshots go to tests/artifacts/."""

from decimal import Decimal

import pytest

from conversations.models import Conversation
from orders.models import Order
from service_console.models import Case
from tests.carts.factories import VariantFactory, agent
from tests.customers.factories import PASSWORD, CustomerFactory
from tests.e2e.conftest import screenshot
from tests.service_console.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world():
    agent(email="agent@example.com", first_name="Kenji", last_name="Tanaka", password=PASSWORD)
    hana = CustomerFactory(email="hana@example.com", first_name="Hana", last_name="Sato")
    Order.objects.create(
        number="UC-HANA-0001",
        customer=hana,
        email=hana.email,
        status=Order.Status.FULFILLED,
        carrier="Yamato",
        tracking_number="4455-6677",
        subtotal=Decimal("30.00"),
        total=Decimal("35.00"),
        payment_method=Order.PaymentMethod.TEST_CARD,
    )
    ArticleFactory(
        title="Delivery times and tracking",
        slug="delivery-times",
        summary="Standard delivery takes 3-5 days.",
        body="Standard delivery takes **3-5 days**.",
    )
    VariantFactory(price=Decimal("48.00"), stock=12, size="", colour="Indigo", product__name="Silk Scarf")
    return hana


def _sign_in(page, base: str, email: str, next_path: str = "/") -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{next_path}")


def test_shopper_bot_handover_agent_article_product_and_case(asgi_live_server, page_at):
    _world()
    base = asgi_live_server.url

    console = page_at(1280)
    _sign_in(console, base, "agent@example.com", "/console/chats/")
    console.get_by_role("button", name="Go online").click()
    console.get_by_text("You are online").wait_for()

    shop = page_at(375, 800)
    _sign_in(shop, base, "hana@example.com", "/")
    shop.get_by_role("button", name="Chat with us").click()
    shop.locator(".chat-msg.from-bot").first.wait_for()
    shop.get_by_label("Your message").fill("Where is my order?")
    shop.get_by_role("button", name="Send").click()
    shop.get_by_text("Order UC-HANA-0001 is shipped with Yamato, tracking 4455-6677.").wait_for()
    shop.locator(".chat-order").get_by_text("Yamato · tracking 4455-6677").wait_for()
    screenshot(shop, "chat-shopper-bot-375")

    shop.locator(".chat-foot").get_by_role("button", name="Talk to a person").click()
    shop.get_by_text("Waiting for the next available person").wait_for()

    # The chat was offered to the online agent; the queue refreshes over the console's socket.
    console.locator("#chat-queue .offered").get_by_text("offered to you").wait_for()
    console.get_by_role("button", name="Accept chat").click()
    console.get_by_role("heading", name="Chat with Hana").wait_for()
    console.locator(".agent-chat .chat-msg.from-customer").get_by_text("Where is my order?").wait_for()
    shop.get_by_text("Kenji from customer care joined the chat.").wait_for()

    console.get_by_label("Reply to the shopper").fill("Hi Hana, it is on its way. Here is how tracking works.")
    console.get_by_role("button", name="Send reply").click()
    shop.get_by_text("Hi Hana, it is on its way.").wait_for()

    console.get_by_label("Share a help article").select_option(label="Delivery times and tracking")
    console.get_by_role("button", name="Share in chat").click()
    console.get_by_text("Shared “Delivery times and tracking” in the chat.").wait_for()
    shop.locator(".chat-card-title").get_by_text("Delivery times and tracking").wait_for()

    console.get_by_label("Add a product to the shopper's cart").fill("Silk")
    console.get_by_role("button", name="Add Silk Scarf").click()
    console.get_by_text("Added 1 × Silk Scarf to the shopper's cart.").wait_for()
    shop.locator(".chat-card-title").get_by_text("Silk Scarf").wait_for()
    shop.locator('.site-nav a[href="/cart/"] .badge').get_by_text("1").wait_for()
    console.locator("#cart-live").get_by_text("Silk Scarf", exact=True).wait_for()  # the agent's live cart too

    console.get_by_role("button", name="Open case from chat").click()
    console.get_by_text("opened from this chat").wait_for()
    shop.get_by_text("We opened case CS-").wait_for()
    screenshot(console, "chat-console-workspace-1280")
    screenshot(shop, "chat-shopper-agent-375")

    # The shopper's cart page shows what the agent added; the chat survives the page load.
    shop.goto(f"{base}/cart/")
    shop.locator("main").get_by_text("Silk Scarf").first.wait_for()
    shop.get_by_role("button", name="Chat with us").click()
    shop.get_by_text("Kenji from customer care joined the chat.").wait_for()
    assert shop.evaluate("document.documentElement.scrollWidth") <= 375

    conversation = Conversation.objects.get()
    # The agent's transcript (backlog on watch + live frames + periodic syncs) holds each
    # stored message once: the shopper's question is not repeated after the hand-over.
    console.get_by_text("We opened case CS-").wait_for()
    shown = console.eval_on_selector_all(".agent-chat .chat-log .chat-msg", "els => els.map(e => e.dataset.id)")
    stored = [str(pk) for pk in conversation.messages.order_by("id").values_list("id", flat=True)]
    assert shown == stored
    assert console.locator(".agent-chat .chat-log").get_by_text("Where is my order?").count() == 1
    case = Case.objects.get()
    assert conversation.case_id == case.pk
    assert case.channel == Case.Channel.CHAT and case.assignee.email == "agent@example.com"
    assert "Where is my order?" in case.description
    assert (conversation.status, conversation.outcome, conversation.intent) == ("active", "handed_over", "order_status")


def test_a_message_sent_before_the_chat_has_started_is_sent_once_it_has(asgi_live_server, page_at):
    """The shopper opens the chat and sends at once, while the start request is still on its
    way: the message is kept and sent when the chat starts, not dropped."""
    from conversations.models import ChatMessage

    _world()
    base = asgi_live_server.url
    shop = page_at(375, 800)
    _sign_in(shop, base, "hana@example.com", "/")
    held = []
    shop.route("**/chat/start/", lambda route: held.append(route))
    shop.get_by_role("button", name="Chat with us").click()
    shop.wait_for_function("() => true")  # let the click's request reach the route
    assert held, "the start request was not held"
    shop.get_by_label("Your message").fill("Do you ship to Osaka?")
    shop.get_by_role("button", name="Send").click()
    assert shop.get_by_label("Your message").input_value() == ""
    held[0].continue_()
    # Stored: the server's copy replaces the pending bubble.
    shop.locator(".chat-msg.from-customer:not(.chat-pending)").get_by_text("Do you ship to Osaka?").wait_for()
    assert list(ChatMessage.objects.filter(sender=ChatMessage.Sender.CUSTOMER).values_list("body", flat=True)) == [
        "Do you ship to Osaka?"
    ]
