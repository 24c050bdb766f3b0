"""`seed_demo` as `make run` uses it: run twice it creates what is missing and changes
nothing a person edited (names, passwords and therefore sessions, prices, articles); its
customers are history (nobody is welcomed as a fresh sign-up), so the marketer's first
campaign reaches every consenting member; the demo data is coherent (a price range per kind
of product, a picture per kind, orders and carts for the reports and queues)."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Max, Min
from django.utils import timezone

from carts.models import Cart, CartOverride
from catalog.models import Category, Product, ProductImage, Variant
from customers.models import Consent, Customer
from marketing.models import Campaign, JourneyEnrollment, JourneyStep, Segment
from marketing.services import campaigns as campaign_services
from marketing.services.journeys import journey_scan
from messaging.models import OutboundEmail
from orders.models import Order
from service_console.models import Article, Case, CaseMessage

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMERS = 60


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", customers=CUSTOMERS, products=30, quiet_progress=True, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    _seed()


def test_a_second_run_keeps_what_a_person_edited_and_their_session(seeded, client):
    marketer = Customer.objects.get(email="marketer@example.com")
    marketer.first_name, marketer.last_name = "Maiko", "Itō-Smith"
    marketer.set_password("my-own-password-1")
    marketer.save()
    assert client.login(username="marketer@example.com", password="my-own-password-1")
    assert client.get("/admin/").status_code == 200
    product = Product.objects.filter(slug__startswith="demo-").order_by("pk").first()
    Variant.objects.filter(product=product).update(price=Decimal("9.50"))
    Article.objects.filter(slug="returns-and-refunds").update(title="Returns (60 days this winter)")
    counts = {model: model.objects.count() for model in (Customer, Product, Variant, Order, Cart, OutboundEmail)}

    out = _seed()

    marketer.refresh_from_db()
    assert (marketer.first_name, marketer.last_name) == ("Maiko", "Itō-Smith")
    assert marketer.check_password("my-own-password-1")
    assert not marketer.check_password("demo-pass-2026")
    assert client.get("/admin/").status_code == 200  # still signed in: the session hash did not change
    assert set(Variant.objects.filter(product=product).values_list("price", flat=True)) == {Decimal("9.50")}
    assert Article.objects.get(slug="returns-and-refunds").title == "Returns (60 days this winter)"
    assert {model: model.objects.count() for model in counts} == counts  # nothing created twice
    assert "marketer@example.com" in out and "existing account: kept as it was" in out


def test_seeded_cases_are_spread_over_past_days_and_mail_nobody_on_start(seeded):
    now = timezone.now()
    cases = list(Case.objects.all())
    assert len(cases) >= 5
    opened = [case.created_at for case in cases]
    # Opened over hours and days before the start, not all "0 minutes ago".
    assert all(at < now - timedelta(minutes=30) for at in opened)
    assert max(opened) - min(opened) > timedelta(days=2)
    for case in cases:
        assert case.created_at <= case.updated_at < now - timedelta(minutes=30)
        if case.first_response_due_at is not None:  # the SLA clock started when the case was opened
            assert case.first_response_due_at - case.created_at < timedelta(days=3)
    assert not CaseMessage.objects.filter(created_at__gt=now - timedelta(minutes=30)).exists()
    # The emailed-in demo case is there, but its customer gets no acknowledgement now.
    assert Case.objects.filter(channel=Case.Channel.EMAIL, subject="Gift wrapping for an order?").exists()
    waiting = OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED)
    assert not waiting.filter(kind="case_received").exists()
    assert not waiting.filter(customer__cases__isnull=False).exists()  # nothing queued for a case's customer

    # Idempotent: a second run opens nothing new and leaves the times alone.
    before = dict(Case.objects.values_list("pk", "created_at"))
    _seed()
    assert dict(Case.objects.values_list("pk", "created_at")) == before
    assert not OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED, kind="case_received").exists()


def test_a_guest_row_with_a_demo_email_becomes_the_demo_login():
    Customer.objects.create(email="shopper@example.com", is_guest=True)  # a guest checkout before seeding
    _seed()
    shopper = Customer.objects.get(email="shopper@example.com")
    assert shopper.check_password("demo-pass-2026") and not shopper.is_guest


def test_seeded_customers_are_history_so_the_first_campaign_reaches_every_consenting_member(
    seeded, django_capture_on_commit_callbacks
):
    now = timezone.now()
    demo = Customer.objects.filter(email__startswith="customer")
    assert demo.count() == CUSTOMERS
    assert not demo.filter(date_joined__gt=now - timedelta(days=30)).exists()
    assert not Consent.objects.filter(created_at__gt=now - timedelta(days=2)).exists()

    # What beat runs in the first minutes after `make run`: the journey welcomes nobody.
    # (A transactional test empties the tables migrations filled: the journey's first step
    # is put back as migration 0002 writes it, sent at once after the consent.)
    JourneyStep.objects.get_or_create(
        position=1, defaults={"delay_hours": 0, "subject": "Welcome, {{ first_name }}", "text": "Thanks for joining."}
    )
    journey_scan()
    assert JourneyEnrollment.objects.count() == 0

    # Consenting now, counted by hand from the consent history: the newest marketing-email
    # row of each customer says granted.
    latest = {}
    for customer_id, granted in (
        Consent.objects.filter(purpose="marketing_email")
        .order_by("customer_id", "created_at", "id")
        .values_list("customer_id", "granted")
    ):
        latest[customer_id] = granted
    consenting = {pk for pk, granted in latest.items() if granted}
    assert 0 < len(consenting) < Customer.objects.count()

    campaign = Campaign.objects.create(
        name="First", subject="Hi", segment=Segment.objects.get(name="Everyone who said yes")
    )
    campaign.blocks.create(kind="text", text="Hello")
    with django_capture_on_commit_callbacks(execute=False):
        campaign_services.campaign_send_start(campaign=campaign)
        while not campaign_services.campaign_batch_send(campaign_id=campaign.pk).done:
            pass
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert (campaign.sent_count, campaign.skipped_cap_count) == (len(consenting), 0)
    sent_to = set(OutboundEmail.objects.filter(kind="campaign", dedupe_key__startswith=f"campaign:{campaign.pk}:")
                  .values_list("customer_id", flat=True))  # fmt: skip
    assert sent_to == consenting

    # A sign-up after start-up is welcomed.
    newcomer = Customer.objects.create_user("newcomer@example.com", "pw-123456789")
    Consent.objects.create(customer=newcomer, purpose="marketing_email", granted=True, source="signup")
    journey_scan()
    assert list(JourneyEnrollment.objects.values_list("customer__email", flat=True)) == ["newcomer@example.com"]


PLAUSIBLE = {  # price ranges a shopper would expect, by kind of product (USD)
    "T-Shirts": (15, 45),
    "Hoodies": (40, 95),
    "Jackets": (80, 250),
    "Sneakers": (50, 160),
    "Boots": (100, 260),
    "Sandals": (25, 80),
    "Kitchen": (8, 30),
    "Bedding": (60, 200),
    "Bags": (15, 60),
    "Hats": (15, 40),
}


def test_demo_catalog_is_coherent_and_reports_have_data(seeded):
    for leaf, (low, high) in PLAUSIBLE.items():
        prices = Variant.objects.filter(product__category__name=leaf).aggregate(low=Min("price"), high=Max("price"))
        assert Decimal(low) <= prices["low"] and prices["high"] <= Decimal(high), (leaf, prices)
    # One picture per kind of product (and colour): no two kinds share an image file.
    files_by_kind = {}
    for kind, image in ProductImage.objects.values_list("product__category__name", "image"):
        files_by_kind.setdefault(kind, set()).add(image)
    kinds = list(files_by_kind)
    assert len(kinds) == Category.objects.filter(parent__isnull=False).count()
    for i, kind in enumerate(kinds):
        for other in kinds[i + 1 :]:
            assert not files_by_kind[kind] & files_by_kind[other], (kind, other)
    now = timezone.now()
    assert Order.objects.filter(placed_at__gte=now - timedelta(days=14)).count() >= 20  # 14-day charts
    assert Order.objects.filter(source="agent", override_discount__gt=0).count() >= 3  # override report
    assert Cart.objects.filter(status="open", lines__isnull=False).distinct().count() >= 5
    assert CartOverride.objects.filter(status="pending_approval").count() == 1  # approvals queue
    past = Campaign.objects.get(name="Autumn essentials")
    assert past.status == Campaign.Status.SENT and past.sent_count > 0
    # Every seeded marketing email is older than the frequency cap's window.
    assert not OutboundEmail.objects.filter(marketing=True, created_at__gt=now - timedelta(days=2)).exists()
