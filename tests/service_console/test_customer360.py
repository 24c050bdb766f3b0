"""Customer 360 (P6): constant query count whatever the history, and the panels' content."""

from decimal import Decimal

import pytest

from common.models import AuditEntry
from messaging.models import OutboundEmail
from orders.models import Order
from tests.carts.factories import VariantFactory
from tests.service_console.history import customer_history_build

pytestmark = pytest.mark.django_db

# Queries for one 360 page, listed by hand:
#  1 session, 2 user, 3 user's groups (console check),
#  4 customer, 5 addresses, 6 current consents (DISTINCT ON purpose), 7 order totals aggregate,
#  8 recent orders (+placed_by), 9 their lines (prefetch), 10 recent cases (+assignee), 11 open case count,
#  12 recent emails with open/click/bounce/unsubscribe flags, 13 abandonment series (+cart, voucher),
#  14 order events (+order, actor), 15 email events (+email), 16 audit entries (+actor), 17 consent history,
#  18 personal recommendations, 19 open cart (+voucher, customer), 20 its lines (+variant, product, added_by),
#  21 its overrides, 22 live stock reservations, 23 articles for the share box, 24 agent-sendable campaigns,
#  25 product views (+product), 26 searches, 27 pending approvals badge.
# (The console has its own header, so the storefront header's cart count and menu queries do not run.)
EXPECTED_QUERIES = 29  # +1: the customer's chats (conversations) on the timeline
# +1: the shopper has not allowed personalisation, so featured products stand in for personal
# picks (18) and their default variants are read for the "Add to cart" buttons.


@pytest.mark.parametrize(("orders", "cases"), [(1, 1), (200, 50)])
def test_customer_360_query_count_is_constant(agent_client, shopper, orders, cases, django_assert_num_queries):
    customer_history_build(shopper, orders=orders, cases=cases)
    with django_assert_num_queries(EXPECTED_QUERIES):
        response = agent_client.get(f"/console/customers/{shopper.public_id}/")
    assert response.status_code == 200


def test_customer_360_header_and_panels(agent_client, shopper):
    customer_history_build(shopper, orders=3, cases=2)
    html = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    # Lifetime value: 3 orders × $27.50, none cancelled or refunded.
    assert "$82.50" in html
    assert "Hana Sato" in html and "hana@example.com" in html
    # Her address is in Japan: her Japanese mobile reads the national way, dials in E.164.
    assert '<a href="tel:+819012345678" data-testid="c360-phone">090-1234-5678</a>' in html
    assert "✓ Marketing email" in html and "✕ Marketing SMS" in html
    assert "TRK2" in html and "Yamato" in html  # tracking
    assert "Wool Socks" in html and "$50.00" in html  # live cart: 2 × $25.00
    assert "Opened" in html  # email panel flags
    assert 'class="timeline"' in html and "Order placed" in html
    assert "Viewed Wool Socks" in html and "Searched “socks”" in html


def test_cancelled_and_refunded_money_is_not_lifetime_value(agent_client, shopper):
    Order.objects.create(
        number="LV-1",
        customer=shopper,
        email=shopper.email,
        subtotal=Decimal("100"),
        total=Decimal("100.00"),
        refunded_total=Decimal("30.00"),
        payment_method="pod",
    )
    Order.objects.create(
        number="LV-2",
        customer=shopper,
        email=shopper.email,
        subtotal=Decimal("50"),
        total=Decimal("50.00"),
        payment_method="pod",
        status=Order.Status.CANCELLED,
    )
    html = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    assert "$70.00" in html  # 100.00 − 30.00 refunded; the cancelled order counts for nothing


def test_timeline_shows_agent_actions_from_the_audit_log(agent_client, shopper):
    variant = VariantFactory(product__name="Silk Scarf")
    agent_client.post(
        f"/console/customers/{shopper.public_id}/cart/add/",
        {"variant_id": variant.pk, "quantity": 1, "expected_version": ""},
        HTTP_HX_REQUEST="true",
    )
    html = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    assert "Agent added to cart" in html and "Kenji Tanaka" in html


def test_empty_customer_shows_empty_states(agent_client, shopper):
    html = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    assert "No orders yet." in html and "No cases." in html and "No items in Hana" in html


def test_abandonment_panel_shows_reminders_code_and_recovery(agent_client, shopper):
    from carts.models import Cart
    from marketing.models import CartAbandonment

    recovered_cart = Cart.objects.create(customer=shopper, status=Cart.Status.CONVERTED)
    CartAbandonment.objects.create(
        cart=recovered_cart,
        customer=shopper,
        email=shopper.email,
        reminders_sent=2,
        promo_code="BACK-7QX",
        status=CartAbandonment.Status.STOPPED,
        stop_reason=CartAbandonment.StopReason.PURCHASED,
    )
    html = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    assert "2 reminders sent" in html and "BACK-7QX" in html and "Recovered" in html


def test_agent_records_consent_and_it_is_audited_on_the_timeline(agent_client, agent_user, shopper):
    from customers.selectors import may_send_marketing_email

    agent_client.post(
        f"/console/customers/{shopper.public_id}/consent/", {"purpose": "marketing_email", "granted": "0"}
    )
    assert may_send_marketing_email(shopper) is False
    entry = AuditEntry.objects.get(action="consent.change")
    assert (entry.actor, entry.after) == (agent_user, {"purpose": "marketing_email", "granted": False})
    html = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    assert "Consent changed" in html and "Marketing email: withdrawn" in html


def test_agent_sends_an_approved_campaign_only_with_consent(agent_client, shopper):
    from marketing.models import Campaign, MarketingMessage

    approved = Campaign.objects.create(name="Spring edit", subject="New in, {{ first_name }}", agent_sendable=True)
    Campaign.objects.create(name="Not for agents", subject="x")
    html = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    assert "Spring edit" in html and "Not for agents" not in html
    response = agent_client.post(f"/console/customers/{shopper.public_id}/campaign/", {"campaign": approved.pk})
    assert response.status_code == 302
    assert MarketingMessage.objects.filter(customer=shopper, flow=MarketingMessage.Flow.AGENT).count() == 1
    assert OutboundEmail.objects.filter(customer=shopper, marketing=True).count() == 1
    assert AuditEntry.objects.filter(action="campaign.agent_send", customer=shopper).count() == 1


def test_campaign_to_customer_without_consent_is_not_sent(agent_client):
    from marketing.models import Campaign
    from tests.customers.factories import CustomerFactory

    quiet = CustomerFactory()
    approved = Campaign.objects.create(name="Spring edit", subject="New in", agent_sendable=True)
    response = agent_client.post(
        f"/console/customers/{quiet.public_id}/campaign/", {"campaign": approved.pk}, follow=True
    )
    assert "has not agreed to marketing email" in response.content.decode()
    assert not OutboundEmail.objects.filter(customer=quiet).exists()


def test_a_campaign_not_approved_for_agents_cannot_be_sent(agent_client, shopper):
    from marketing.models import Campaign

    other = Campaign.objects.create(name="Internal", subject="x")
    response = agent_client.post(f"/console/customers/{shopper.public_id}/campaign/", {"campaign": other.pk})
    assert response.status_code == 404 and not OutboundEmail.objects.exists()


def test_older_timeline_events_load_on_demand(agent_client, shopper):
    customer_history_build(shopper, orders=30, cases=3)
    page = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    assert "Show older events" in page
    assert page.count('class="tl-item') == 20
    more = agent_client.get(f"/console/customers/{shopper.public_id}/timeline/", HTTP_HX_REQUEST="true")
    html = more.content.decode()
    assert html.lstrip().startswith('<div id="timeline">') and "Show older events" not in html
    # 30 order events + 30 emails + 30 opens + 3 cases + 3 audits + 2 consents + 30 views + 3 searches,
    # each source capped (40 / 10 for browsing), the whole list at 80.
    assert html.count('class="tl-item') == 80


def test_recommendations_are_personal_only_while_the_customer_allows_it(agent_client, shopper):
    from catalog.models import Recommendation
    from customers.models import Consent
    from customers.services import consent_set
    from tests.carts.factories import ProductFactory
    from tests.catalog.factories import CategoryFactory

    # The reason is written when read, from the product's category.
    pick = VariantFactory(product=ProductFactory(name="Linen Scarf", category=CategoryFactory(name="Scarves")))
    Recommendation.objects.create(
        kind="personal", customer=shopper, product=pick.product, rank=0, reason="Because you looked at Scarves"
    )
    url = f"/console/customers/{shopper.public_id}/"
    consent_set(customer=shopper, purpose=Consent.Purpose.PERSONALISATION, granted=True, source="signup")
    html = agent_client.get(url).content.decode()
    assert "Because you looked at Scarves" in html and "Featured products" not in html

    consent_set(customer=shopper, purpose=Consent.Purpose.PERSONALISATION, granted=False, source="preferences")
    html = agent_client.get(url).content.decode()
    assert "Because you looked at Scarves" not in html
    assert "Featured products" in html and "has not allowed personalised recommendations" in html
