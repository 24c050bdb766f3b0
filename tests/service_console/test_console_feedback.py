"""Issue 11: the outcome of a cart action is shown beside the control that was used and is
announced (aria-live); a refused form keeps what the agent typed; after an action every
Customer 360 panel it changes comes back in the same response (htmx out-of-band swaps).
The browser checks (position in the viewport) are in tests/e2e/test_console_stories.py."""

import re
from decimal import Decimal

import pytest

from carts.selectors import cart_with_lines
from carts.services import cart_get_or_create, cart_line_add
from orders.models import Order
from tests.carts.factories import VariantFactory

pytestmark = pytest.mark.django_db


def _url(shopper, tail: str) -> str:
    return f"/console/customers/{shopper.public_id}/cart/{tail}"


def _cart_with(shopper, variant, quantity=1):
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=quantity, expected_version=None)
    return cart_with_lines(cart.pk)


def _between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def _feedback(html: str) -> str:
    match = re.search(r'<div class="feedback (\w+)" data-feedback ([^>]*)>\s*<span class="feedback-text">([^<]*)', html)
    assert match, "no feedback element in the response"
    return match.group(0)


def test_a_refused_discount_keeps_what_was_typed_and_says_why_beside_the_button(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    response = agent_client.post(
        _url(shopper, "override/"),
        {
            "kind": "amount",
            "value": "4,50",  # a comma: not a number to the form
            "reason_code": "delay",
            "reason_text": "Parcel late twice",
            "line_id": "",
            "expected_version": cart.version,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    html = response.content.decode()
    tool = _between(html, 'id="tool-discount"', "</details>")
    assert "open" in tool.split(">", 1)[0]  # the tool stays open
    assert 'value="4,50"' in tool and 'value="Parcel late twice"' in tool
    assert '<option value="delay" selected>' in tool and '<option value="amount" selected>' in tool
    # The message is inside the discount form, after its button, and announced at once.
    after_button = tool[tool.index("Apply discount</button>") :]
    feedback = _feedback(after_button)
    assert 'role="alert" aria-live="assertive"' in feedback
    assert "Enter the discount as a number, e.g. 10 or 4.50." in feedback


def test_a_refused_quantity_shows_on_its_line_and_keeps_the_number(agent_client, shopper):
    scarf = VariantFactory(price=Decimal("48.00"), stock=3, product__name="Silk Scarf")
    cart = _cart_with(shopper, scarf)
    line = cart.lines.get()
    response = agent_client.post(
        _url(shopper, f"lines/{line.pk}/"), {"quantity": 5, "expected_version": cart.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="qty-{line.pk}" type="number" name="quantity" min="0" max="99" value="5"' in html
    row = _between(html, '<tr class="line-feedback">', "</tr>")
    assert "Only 3 of Silk Scarf" in _feedback(row)


def test_a_quantity_change_is_confirmed_on_its_line_politely(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    line = cart.lines.get()
    html = agent_client.post(
        _url(shopper, f"lines/{line.pk}/"), {"quantity": 2, "expected_version": cart.version}, HTTP_HX_REQUEST="true"
    ).content.decode()
    feedback = _feedback(_between(html, '<tr class="line-feedback">', "</tr>"))
    assert 'role="status" aria-live="polite"' in feedback and "Quantity updated." in feedback


def test_adding_a_recommended_item_answers_beside_its_button(agent_client, shopper, variant):
    response = agent_client.post(
        _url(shopper, "add/"),
        {"variant_id": variant.pk, "quantity": 1, "expected_version": "", "feedback": f"reco-{variant.pk}"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    slot = _between(html, f'<span id="fb-reco-{variant.pk}"', "</span>\n")
    assert 'hx-swap-oob="true"' in slot and "Added 1 × Linen Shirt" in slot


def test_a_feedback_slot_outside_the_known_places_is_ignored(agent_client, shopper, variant):
    response = agent_client.post(
        _url(shopper, "add/"),
        {"variant_id": variant.pk, "expected_version": "", "feedback": 'x" onmouseover="alert(1)'},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400 and "onmouseover" not in response.content.decode()


def test_order_on_behalf_refreshes_every_panel_it_changes(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)  # $40.00 + $5.00 shipping + 10 % tax = $49.50
    response = agent_client.post(
        _url(shopper, "place-order/"),
        {"address_id": shopper.addresses.get().pk, "payment_method": "pod", "expected_version": cart.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    order = Order.objects.get()
    assert order.total == Decimal("49.50")
    # The cart panel (the swap target) says so where the order button was: the cart is empty now.
    assert f"Order {order.number} placed for Hana" in _feedback(html)
    assert "No items in Hana's cart" in html or "No items in Hana&#x27;s cart" in html
    # Out of band: figures, orders, emails, abandonment, timeline and addresses.
    for panel in ("c360-stats", "orders-panel", "emails-panel", "abandonment-panel", "timeline-panel"):
        assert re.search(rf'id="{panel}"[^>]*hx-swap-oob="true"', html), panel
    orders = _between(html, 'id="orders-panel"', "</section>")
    assert f'id="order-{order.number}"' in orders and "$49.50" in orders
    stats = _between(html, 'id="c360-stats"', "</dl>")
    assert "<dt>Orders</dt><dd>1</dd>" in stats and "$49.50" in stats
    emails = _between(html, 'id="emails-panel"', "</section>")
    # The confirmation, queued in the same transaction; the panel polls until it is sent.
    assert "Order confirmation" in emails and "Queued" in emails
    assert f'hx-get="/console/customers/{shopper.public_id}/emails/" hx-trigger="every 5s"' in emails
    assert "Order placed on behalf" in _between(html, 'id="timeline-panel"', "</section>")
    assert "No cart waiting" in _between(html, 'id="abandonment-panel"', "</section>")


def test_a_refused_action_does_not_swap_the_other_panels(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    html = agent_client.post(
        _url(shopper, "place-order/"),
        {"address_id": shopper.addresses.get().pk, "payment_method": "pod", "expected_version": cart.version - 1},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "hx-swap-oob" not in html.replace('id="order-total" hx-swap-oob', "")
    assert "This cart changed while you were working on it" in html


def test_without_javascript_the_message_is_on_the_360_page(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    line = cart.lines.get()
    response = agent_client.post(
        _url(shopper, f"lines/{line.pk}/"), {"quantity": 2, "expected_version": cart.version}, follow=True
    )
    assert "Quantity updated." in response.content.decode()


def test_the_emails_panel_stops_polling_once_nothing_is_in_flight(agent_client, shopper):
    from messaging.models import OutboundEmail
    from messaging.services import email_enqueue

    email_enqueue(
        to=shopper.email, kind="order_confirmation", template="order_confirmation", context={}, dedupe_key="x-1",
        customer=shopper,
    )  # fmt: skip
    polled = agent_client.get(f"/console/customers/{shopper.public_id}/emails/").content.decode()
    assert 'hx-trigger="every 5s"' in polled and "Queued" in polled
    OutboundEmail.objects.update(status=OutboundEmail.Status.SENT)
    settled = agent_client.get(f"/console/customers/{shopper.public_id}/emails/").content.decode()
    assert 'hx-trigger="every 5s"' not in settled and "Sent" in settled


def test_consent_recorded_from_the_header_answers_there_and_refreshes_the_pills(agent_client, shopper):
    html = agent_client.post(
        f"/console/customers/{shopper.public_id}/consent/",
        {"purpose": "marketing_email", "granted": "0"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    tool = _between(html, 'id="consent-tool"', "</details>")
    assert "Marketing email consent withdrawn and logged." in _feedback(tool)
    assert '<input type="radio" name="granted" value="0" checked>' in tool  # the choice stays
    pills = _between(html, 'id="c360-consents"', "</p>")
    assert 'hx-swap-oob="true"' in pills and "✕ Marketing email" in pills
    assert "Consent changed" in _between(html, 'id="timeline-panel"', "</section>")


def test_a_campaign_sent_from_the_360_answers_beside_its_button(agent_client, shopper):
    from marketing.models import Campaign

    approved = Campaign.objects.create(name="Spring edit", subject="New in, {{ first_name }}", agent_sendable=True)
    html = agent_client.post(
        f"/console/customers/{shopper.public_id}/campaign/", {"campaign": approved.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    panel = _between(html, 'id="campaign-panel"', "</section>")
    assert "“Spring edit” is on its way to hana@example.com." in _feedback(panel).replace("&ldquo;", "“")
    assert re.search(r'id="emails-panel"[^>]*hx-swap-oob="true"', html)  # the queued email shows at once


def test_an_article_shared_from_the_360_answers_beside_its_button(agent_client, shopper):
    from tests.service_console.factories import ArticleFactory

    article = ArticleFactory(title="Returns and refunds", is_public=True)
    html = agent_client.post(
        "/console/knowledge/share/",
        {"article": article.pk, "customer": str(shopper.public_id)},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    panel = _between(html, 'id="share-panel"', "</section>")
    assert "emailed to hana@example.com" in _feedback(panel)
    assert f'<option value="{article.pk}" selected>' in panel
    assert "Article shared" in _between(html, 'id="timeline-panel"', "</section>")


def test_every_console_page_has_the_search_box_and_it_starts_empty(agent_client, shopper):
    # "/" focuses it from any page (console.js); a page's own query (knowledge) is not copied in.
    for url in ("/console/knowledge/?q=returns", f"/console/customers/{shopper.public_id}/", "/console/cases/"):
        html = agent_client.get(url).content.decode()
        assert 'id="console-q" type="search" name="q" value=""' in html, url
    assert '<script src="/static/js/console.js" defer></script>' in html
