"""Demo marketing data for `manage.py seed_demo`: two segments, a draft campaign with every
block kind, an agent-sendable template, and history for the metrics pages — a campaign sent
nine days ago (opens, clicks, orders attributed) and cart reminders sent for carts left last
week. Idempotent (looked up by name / dedupe key).

History is at least two days old, so the frequency cap (1 per 24 h) has room for the
marketer's first campaign, and no reminder is due again."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from marketing.models import (
    AbandonmentSettings,
    Campaign,
    CampaignBlock,
    CartAbandonment,
    MarketingMessage,
    Segment,
    SegmentRule,
)

SHOES_SEGMENT = "Spent over 100 and bought shoes"


def _segment(name: str, description: str, rules: list[tuple[str, str, str]]) -> Segment:
    segment, created = Segment.objects.get_or_create(name=name, defaults={"description": description})
    if created:
        for position, (field, operator, value) in enumerate(rules):
            SegmentRule.objects.create(segment=segment, field=field, operator=operator, value=value, position=position)
    return segment


def _campaign(name: str, segment: Segment, *, subject: str, preheader: str, agent_sendable: bool, blocks) -> None:
    from catalog.models import Product

    campaign, created = Campaign.objects.get_or_create(
        name=name,
        defaults={"subject": subject, "preheader": preheader, "segment": segment, "agent_sendable": agent_sendable},
    )
    if not created:
        return
    for position, block in enumerate(blocks):
        products = block.pop("products_from", None)
        row = CampaignBlock.objects.create(campaign=campaign, position=position, **block)
        if products:
            row.products.set(
                Product.objects.filter(is_published=True, category__parent__slug=products).order_by("pk")[:4]
            )


def seed(stdout=None, disable_progress: bool = False) -> None:
    AbandonmentSettings.current()
    shoes = _segment(
        SHOES_SEGMENT,
        "Good customers who like shoes: a spring shoe campaign and lookalike audiences.",
        [("total_spent", "gt", "100"), ("bought_category", "eq", "shoes")],
    )
    consenting = _segment("Everyone who said yes", "All customers with marketing consent.", [("consent", "eq", "yes")])
    _campaign(
        "Spring shoes",
        shoes,
        subject="{{ first_name }}, new shoes for spring",
        preheader="Fresh pairs picked for you",
        agent_sendable=False,
        blocks=[
            {"kind": "text", "heading": "Hi {{ first_name }},", "text": "Spring is here and so are new shoes."},
            {"kind": "product_grid", "heading": "New in shoes", "text": "New this season", "products_from": "shoes"},
            {"kind": "recommendations", "heading": "Picked for you", "limit": 4},
            {"kind": "button", "button_label": "Shop shoes", "link_url": "/category/shoes/"},
        ],
    )
    _campaign(
        "Thank you (agent template)",
        consenting,
        subject="Thank you, {{ first_name }}",
        preheader="A note from our team",
        agent_sendable=True,
        blocks=[
            {"kind": "text", "heading": "Thank you, {{ first_name }}", "text": "Thanks for talking to us today."},
            {"kind": "recommendations", "heading": "You might like", "limit": 3},
        ],
    )
    with transaction.atomic():
        sent = seed_past_campaign(consenting)
        reminded = seed_past_cart_reminders()
    from marketing.services.attribution import attribution_sync

    attributed = attribution_sync()
    if stdout is not None:
        stdout.write(
            "marketing: segments, a draft campaign and an agent template ready; history: "
            f"{sent} campaign emails, {reminded} cart reminders, {attributed} orders attributed"
        )


PAST_CAMPAIGN = "Autumn essentials"
PAST_CAMPAIGN_DAYS_AGO = 9


def seed_past_campaign(segment: Segment) -> int:
    """ "Autumn essentials", sent nine days ago to everyone who said yes then: ~40 % opened,
    ~12 % clicked (customers who ordered in the following days among them)."""
    from customers.models import Customer
    from customers.selectors import customers_with_marketing_consent
    from messaging.demo import PastEmail, demo_sent_emails
    from orders.models import Order

    if Campaign.objects.filter(name=PAST_CAMPAIGN).exists():
        return 0
    rng = random.Random(99)
    now = timezone.now()
    sent_at = now - timedelta(days=PAST_CAMPAIGN_DAYS_AGO, hours=3)
    audience = list(
        Customer.objects.filter(is_staff=False, email__startswith="customer", date_joined__lt=sent_at).order_by("pk")
    )
    consenting = set(customers_with_marketing_consent(Customer.objects.filter(pk__in=[c.pk for c in audience]))
                     .values_list("pk", flat=True))  # fmt: skip
    recipients = [c for c in audience if c.pk in consenting]
    buyers = set(
        Order.objects.filter(placed_at__gt=sent_at, placed_at__lt=sent_at + timedelta(days=6)).values_list(
            "customer_id", flat=True
        )
    )
    if not recipients:
        return 0
    campaign = Campaign.objects.create(
        name=PAST_CAMPAIGN,
        subject="{{ first_name }}, layers for the cooler days",
        preheader="Jackets, hoodies and boots picked for autumn",
        segment=segment,
        status=Campaign.Status.SENT,
        audience_size=len(recipients),  # the segment is "consent is yes"
        processed_count=len(recipients),
        sent_count=len(recipients),
        cursor_customer_id=recipients[-1].pk,
        started_at=sent_at,
        finished_at=sent_at + timedelta(minutes=2),
        created_at=sent_at - timedelta(days=2),
    )
    CampaignBlock.objects.create(
        campaign=campaign, position=0, kind="text", heading="Hi {{ first_name }},",
        text="The evenings are getting cooler: here are the layers our customers reach for first.",
    )  # fmt: skip
    CampaignBlock.objects.create(
        campaign=campaign, position=1, kind="button", button_label="Shop jackets", link_url="/category/jackets/"
    )
    past, clicks = [], []
    for customer in recipients:
        buyer = customer.pk in buyers
        opened = buyer or rng.random() < 0.40
        clicked = buyer or (opened and rng.random() < 0.30)
        opened_at = sent_at + timedelta(hours=rng.uniform(0.2, 30)) if opened else None
        clicked_at = opened_at + timedelta(minutes=rng.uniform(1, 20)) if clicked else None
        past.append(
            PastEmail(
                customer=customer, kind="campaign", template="marketing_campaign",
                subject=f"{customer.first_name or 'Hello'}, layers for the cooler days",
                dedupe_key=f"campaign:{campaign.pk}:{customer.pk}", sent_at=sent_at,
                opened_at=opened_at, clicked_at=clicked_at, click_url="/category/jackets/",
            )
        )  # fmt: skip
        clicks.append(clicked_at)
    emails = demo_sent_emails(past)
    MarketingMessage.objects.bulk_create(
        [
            MarketingMessage(
                dedupe_key=email.dedupe_key, outbound_email=email, customer=item.customer,
                flow=MarketingMessage.Flow.CAMPAIGN, campaign=campaign, created_at=sent_at,
                first_clicked_at=clicked_at, last_clicked_at=clicked_at,
            )
            for email, item, clicked_at in zip(emails, past, clicks, strict=True)
        ],
        batch_size=500,
    )  # fmt: skip
    return len(emails)


def seed_past_cart_reminders() -> int:
    """Both reminders for the open carts left more than a week ago (the series is complete,
    so nothing more is due) — the cart-abandonment chart and the console's reminder panel."""
    from carts.models import Cart
    from messaging.demo import PastEmail, demo_sent_emails

    if CartAbandonment.objects.exists():  # history is written once, not again as carts age
        return 0
    carts = list(
        Cart.objects.filter(
            status=Cart.Status.OPEN,
            customer__isnull=False,
            customer__email__startswith="customer",
            last_activity_at__lt=timezone.now() - timedelta(days=7),
            abandonment__isnull=True,
        )
        .select_related("customer")
        .order_by("last_activity_at")
    )
    count = 0
    for cart in carts:
        first = cart.last_activity_at + timedelta(hours=1, minutes=5)
        second = cart.last_activity_at + timedelta(hours=24, minutes=5)
        past = [
            PastEmail(
                customer=cart.customer, kind=f"cart_reminder_{step}", template="marketing_cart_reminder",
                subject="You left something in your cart" if step == 1 else "Still thinking it over?",
                dedupe_key=f"cart-abandon:{cart.pk}:{step}", sent_at=when,
                opened_at=when + timedelta(hours=2) if step == 1 else None,
            )
            for step, when in ((1, first), (2, second))
        ]  # fmt: skip
        emails = demo_sent_emails(past)
        MarketingMessage.objects.bulk_create(
            [
                MarketingMessage(
                    dedupe_key=email.dedupe_key, outbound_email=email, customer=cart.customer,
                    flow=MarketingMessage.Flow.CART, step=step, created_at=email.sent_at,
                )
                for step, email in enumerate(emails, start=1)
            ]
        )  # fmt: skip
        CartAbandonment.objects.create(
            cart=cart, customer=cart.customer, email=cart.customer.email,
            status=CartAbandonment.Status.COMPLETED, reminders_sent=2, last_reminder_at=second,
            started_at=first,
        )  # fmt: skip
        count += 2
    return count
