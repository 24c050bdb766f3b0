"""Browse/search abandonment, the welcome journey, the global frequency cap across flows,
click attribution of orders, and the metrics per flow/campaign."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from catalog.models import ProductView, Recommendation, SearchQuery
from customers.models import Consent
from customers.services import consent_set
from marketing.models import Attribution, Campaign, MarketingMessage, Segment
from marketing.selectors import campaign_metrics, flow_metrics
from marketing.services.attribution import attribution_sync
from marketing.services.behaviour import behaviour_scan
from marketing.services.journeys import journey_scan
from messaging.models import EmailEvent, OutboundEmail
from tests.marketing.factories import (
    CartFactory,
    CartLineFactory,
    CustomerFactory,
    ProductFactory,
    VariantFactory,
    consent,
    order_for,
)

pytestmark = pytest.mark.django_db
START = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def marketing_kinds(customer) -> list[str]:
    return list(
        OutboundEmail.objects.filter(customer=customer, marketing=True).order_by("id").values_list("kind", flat=True)
    )


@pytest.fixture
def viewer():
    customer = CustomerFactory(email="viewer@example.com", first_name="Ken")
    consent(customer, True, at=START - timedelta(days=60))
    return customer


def test_browse_abandonment_after_two_views_with_explained_picks(flow_settings, viewer):
    consent_set(customer=viewer, purpose=Consent.Purpose.PERSONALISATION, granted=True, source="signup")
    product = ProductFactory(name="Trail Shoe")
    VariantFactory(product=product)
    pick = ProductFactory(name="Rain Jacket", category__name="Jackets")
    VariantFactory(product=pick)
    Recommendation.objects.create(
        kind="personal", customer=viewer, product=pick, rank=1, reason="Because you looked at Jackets"
    )
    with freeze_time(START) as clock:
        ProductView.objects.create(product=product, customer=viewer, viewed_at=timezone.now())
        clock.tick(timedelta(minutes=90))
        behaviour_scan()
        assert marketing_kinds(viewer) == []  # one view only
        ProductView.objects.create(product=product, customer=viewer, viewed_at=timezone.now())
        clock.tick(timedelta(minutes=30))
        behaviour_scan()
        assert marketing_kinds(viewer) == []  # last view only 30 min ago
        clock.tick(timedelta(minutes=31))
        behaviour_scan()
        behaviour_scan()
    assert marketing_kinds(viewer) == ["browse_abandonment"]
    context = OutboundEmail.objects.get(kind="browse_abandonment").context
    assert context["product"]["name"] == "Trail Shoe"
    assert [(r["name"], r["reason"]) for r in context["recommendations"]] == [
        ("Rain Jacket", "Because you looked at Jackets")
    ]


def test_browse_abandonment_skips_when_added_to_cart_or_bought(flow_settings, viewer):
    product = ProductFactory(name="Cap")
    variant = VariantFactory(product=product)
    buyer = CustomerFactory(email="buyer.b@example.com")
    consent(buyer, True, at=START - timedelta(days=60))
    with freeze_time(START) as clock:
        for who in (viewer, buyer):
            for _ in range(2):
                ProductView.objects.create(product=product, customer=who, viewed_at=timezone.now())
        CartLineFactory(cart=CartFactory(customer=viewer), variant=variant)
        order_for(buyer, total="10.00")
        clock.tick(timedelta(hours=2))
        behaviour_scan()
    assert marketing_kinds(viewer) == [] and marketing_kinds(buyer) == []


def test_search_abandonment_when_nothing_was_clicked(flow_settings, viewer):
    clicker = CustomerFactory(email="clicker@example.com")
    consent(clicker, True, at=START - timedelta(days=60))
    product = ProductFactory(name="Wool Socks")
    VariantFactory(product=product)
    with freeze_time(START) as clock:
        SearchQuery.objects.create(query="wool socks", normalized="wool socks", results_count=1, customer=viewer)
        SearchQuery.objects.create(query="wool socks", normalized="wool socks", results_count=1, customer=clicker)
        clock.tick(timedelta(minutes=5))
        ProductView.objects.create(product=product, customer=clicker, viewed_at=timezone.now())
        clock.tick(timedelta(hours=2))
        behaviour_scan()
        behaviour_scan()
    assert marketing_kinds(viewer) == ["search_abandonment"]
    assert marketing_kinds(clicker) == []
    assert OutboundEmail.objects.get(kind="search_abandonment").context["query"] == "wool socks"


def test_frequency_cap_holds_across_flows(flow_settings, viewer):
    """Browse and search both trigger on the same day: one email only; the other waits its window."""
    product = ProductFactory(name="Boot")
    VariantFactory(product=product)
    with freeze_time(START) as clock:
        for _ in range(2):
            ProductView.objects.create(product=product, customer=viewer, viewed_at=timezone.now())
        clock.tick(timedelta(minutes=1))
        SearchQuery.objects.create(query="boot", normalized="boot", results_count=1, customer=viewer)
        clock.tick(timedelta(hours=2))
        behaviour_scan()
    assert len(marketing_kinds(viewer)) == 1


def test_welcome_journey_runs_its_steps_and_stops_on_purchase(flow_settings, welcome_journey_steps):
    with freeze_time(START) as clock:
        newbie = CustomerFactory(email="newbie@example.com", first_name="Aya")
        consent(newbie, True, source=Consent.Source.SIGNUP)
        journey_scan()
        assert marketing_kinds(newbie) == ["welcome_journey"]
        assert (
            OutboundEmail.objects.get(kind="welcome_journey").context["subject"] == "Welcome to Unified Commerce, Aya"
        )
        clock.tick(timedelta(hours=47))
        journey_scan()
        assert marketing_kinds(newbie) == ["welcome_journey"]  # step 2 is 48 h later
        clock.tick(timedelta(hours=1, minutes=1))
        journey_scan()
        assert marketing_kinds(newbie) == ["welcome_journey", "welcome_journey"]
        order_for(newbie, total="30.00")
        clock.tick(timedelta(days=6))
        journey_scan()
    assert marketing_kinds(newbie) == ["welcome_journey", "welcome_journey"]


def test_welcome_journey_stops_on_unsubscribe(flow_settings, welcome_journey_steps):
    with freeze_time(START) as clock:
        newbie = CustomerFactory(email="quitter@example.com")
        consent(newbie, True, source=Consent.Source.NEWSLETTER)
        journey_scan()
        clock.tick(timedelta(hours=1))
        consent_set(customer=newbie, purpose=Consent.Purpose.MARKETING_EMAIL, granted=False, source="unsubscribe")
        clock.tick(timedelta(days=10))
        journey_scan()
    assert marketing_kinds(newbie) == ["welcome_journey"]


def test_click_then_order_within_window_is_attributed_and_counted(client, flow_settings, viewer):
    segment = Segment.objects.create(name="all")
    campaign = Campaign.objects.create(name="May", subject="Hi", segment=segment)
    with freeze_time(START) as clock:
        email = OutboundEmail.objects.create(
            customer=viewer, to_email=viewer.email, kind="campaign", template="marketing_campaign",
            dedupe_key=f"campaign:{campaign.pk}:{viewer.pk}", marketing=True, status="sent",
        )  # fmt: skip
        message = MarketingMessage.objects.create(
            dedupe_key=email.dedupe_key, outbound_email=email, customer=viewer, flow="campaign", campaign=campaign
        )
        EmailEvent.objects.create(email=email, customer=viewer, kind="open")
        from marketing.links import click_link

        link = click_link(message_id=message.pk, target="/?utm_source=email")
        response = client.get(link.split("127.0.0.1:8000", 1)[1])
        assert response.status_code == 302 and response["Location"] == "/?utm_source=email"
        assert client.session["marketing_touch"]["message_id"] == message.pk
        clock.tick(timedelta(days=6))
        inside = order_for(viewer, total="80.00")
        clock.tick(timedelta(days=2))  # 8 days after the click
        order_for(viewer, total="20.00")
        clock.tick(timedelta(minutes=5))
        attribution_sync()
        attribution_sync()
    assert list(Attribution.objects.values_list("order_id", "flow", "campaign_id")) == [
        (inside.pk, "campaign", campaign.pk)
    ]
    metrics = campaign_metrics(campaign)
    assert (metrics.sent, metrics.delivered, metrics.opened, metrics.clicked) == (1, 1, 1, 1)
    assert (metrics.orders, metrics.revenue) == (1, Decimal("80.00"))
    per_flow = {m.label: m for m in flow_metrics()}
    assert per_flow["Campaign"].orders == 1 and per_flow["Cart abandonment"].sent == 0


def test_forged_click_link_is_refused(client):
    assert client.get("/m/c/forged/").status_code == 400


def test_click_link_never_redirects_off_site(client, flow_settings, viewer):
    from marketing.links import click_link

    message = MarketingMessage.objects.create(dedupe_key="x", customer=viewer, flow="campaign")
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get(click_link(message_id=message.pk, target=target).split("127.0.0.1:8000", 1)[1])
        assert response["Location"] == "/"


def test_erasure_scrubs_marketing_state(flow_settings, viewer):
    from marketing.models import BehaviourTrigger, JourneyEnrollment
    from marketing.privacy import marketing_state_erase

    BehaviourTrigger.objects.create(kind="search", customer=viewer, subject_key="private query")
    JourneyEnrollment.objects.create(customer=viewer, next_due_at=timezone.now())
    marketing_state_erase(customer=viewer)
    assert BehaviourTrigger.objects.filter(customer=viewer).count() == 0
    assert JourneyEnrollment.objects.get(customer=viewer).status == "stopped"


def test_old_consents_are_not_welcomed(flow_settings, welcome_journey_steps):
    old = CustomerFactory(email="old.timer@example.com")
    consent(old, True, source=Consent.Source.SIGNUP, at=timezone.now() - timedelta(days=400))
    journey_scan()
    assert marketing_kinds(old) == []


def test_email_picks_fall_back_to_featured_when_personalisation_is_withdrawn(flow_settings, viewer):
    consent_set(customer=viewer, purpose=Consent.Purpose.PERSONALISATION, granted=True, source="signup")
    consent_set(customer=viewer, purpose=Consent.Purpose.PERSONALISATION, granted=False, source="preferences")
    product = ProductFactory(name="Trail Shoe")
    VariantFactory(product=product)
    pick = ProductFactory(name="Rain Jacket", is_featured=True)
    VariantFactory(product=pick)
    Recommendation.objects.create(
        kind="personal", customer=viewer, product=ProductFactory(name="Secret Pick"), rank=1, reason="Because you X"
    )
    with freeze_time(START) as clock:
        for _ in range(2):
            ProductView.objects.create(product=product, customer=viewer, viewed_at=timezone.now())
            clock.tick(timedelta(minutes=61))
        behaviour_scan()
    context = OutboundEmail.objects.get(kind="browse_abandonment").context
    reasons = {r["name"]: r["reason"] for r in context["recommendations"]}
    assert "Because you X" not in reasons.values()  # the personal pick's reason
    assert reasons["Rain Jacket"] == "Featured"
