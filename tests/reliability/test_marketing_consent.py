"""R9: random customers with random consent histories go through every marketing path
(cart abandonment, browse and search abandonment, welcome journey, campaign, agent send),
with unsubscribes in between. No marketing email is ever written for someone whose
current consent at that moment is not a grant, and the frequency cap (1 per 24 h) holds."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carts.models import Cart
from catalog.models import ProductView, SearchQuery
from customers.models import Consent
from customers.services import consent_set
from marketing.models import Campaign, CampaignBlock, Segment
from marketing.services import campaigns as campaign_services
from marketing.services.abandonment import abandonment_scan
from marketing.services.behaviour import behaviour_scan
from marketing.services.journeys import journey_scan
from messaging.models import OutboundEmail
from tests.marketing.factories import CartFactory, CartLineFactory, CustomerFactory, ProductFactory, VariantFactory

START = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)

person = st.fixed_dictionaries(
    {
        # consent history: None = never asked; otherwise a list of grants/withdrawals in order
        "consents": st.lists(st.booleans(), max_size=3),
        "cart": st.booleans(),
        "browsed": st.booleans(),
        "searched": st.booleans(),
        "unsubscribe_at_step": st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
    }
)


class _Rollback(Exception):
    pass


def _consent_at(history: list[tuple[datetime, bool]], moment: datetime) -> bool:
    granted = False
    for at, value in history:
        if at <= moment:
            granted = value
    return granted


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(person, min_size=1, max_size=5))
def test_no_marketing_email_without_consent_and_cap_holds(people, welcome_journey_steps):
    try:
        with transaction.atomic(), freeze_time(START) as clock:
            _run(people, clock)
            raise _Rollback
    except _Rollback:
        pass


def _run(people, clock):
    product = ProductFactory(name="Trail Shoe")
    variant = VariantFactory(product=product, stock=10)
    history: dict[int, list[tuple[datetime, bool]]] = {}
    customers = []
    for n, spec in enumerate(people):
        customer = CustomerFactory(email=f"r9-{n}@example.com")
        customers.append((customer, spec))
        history[customer.pk] = []
        for granted in spec["consents"]:
            Consent.objects.create(
                customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=granted,
                source=Consent.Source.SIGNUP, created_at=timezone.now(),
            )  # fmt: skip
            history[customer.pk].append((timezone.now(), granted))
            clock.tick(timedelta(seconds=1))
        if spec["cart"]:
            cart = CartFactory(customer=customer)
            CartLineFactory(cart=cart, variant=variant)
            Cart.objects.filter(pk=cart.pk).update(last_activity_at=timezone.now())
        if spec["browsed"]:
            for _ in range(2):
                ProductView.objects.create(product=product, customer=customer, viewed_at=timezone.now())
        if spec["searched"]:
            SearchQuery.objects.create(query="trail", normalized="trail", results_count=1, customer=customer)
    segment = Segment.objects.create(name="everyone")
    campaign = Campaign.objects.create(name="R9", subject="Hi {{ first_name }}", segment=segment, agent_sendable=True)
    CampaignBlock.objects.create(campaign=campaign, kind="text", text="Hello")
    agent = CustomerFactory(email="r9-agent@example.com", is_staff=True)

    for step in range(4):
        clock.tick(timedelta(hours=2))
        for customer, spec in customers:
            if spec["unsubscribe_at_step"] == step:
                consent_set(
                    customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=False, source="unsubscribe"
                )
                history[customer.pk].append((timezone.now(), False))
        clock.tick(timedelta(seconds=1))
        abandonment_scan()
        behaviour_scan()
        journey_scan()
        if step == 1:
            campaign_services.campaign_send_start(campaign=campaign)
            while not campaign_services.campaign_batch_send(campaign_id=campaign.pk, batch_size=2).done:
                pass
        for customer, _ in customers:
            campaign_services.campaign_send_to_one(campaign=campaign, customer=customer, actor=agent)
        clock.tick(timedelta(hours=11))

    emails = list(OutboundEmail.objects.filter(marketing=True).order_by("created_at"))
    by_customer: dict[int, list[datetime]] = {}
    for email in emails:
        assert _consent_at(history[email.customer_id], email.created_at), (email.kind, email.to_email)
        by_customer.setdefault(email.customer_id, []).append(email.created_at)
    for times in by_customer.values():
        for earlier, later in zip(times, times[1:], strict=False):
            assert later - earlier >= timedelta(hours=24), "frequency cap broken"
    # Something was sent whenever someone consented throughout (the test can fail both ways).
    steady = [c for c, s in customers if s["consents"] and s["consents"][-1] and s["unsubscribe_at_step"] is None]
    for customer in steady:
        assert customer.pk in by_customer
