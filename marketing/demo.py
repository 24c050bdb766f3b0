"""Demo marketing data for `manage.py seed_demo`: two segments, a draft campaign with every
block kind, an agent-sendable template. Idempotent (looked up by name)."""

from marketing.models import AbandonmentSettings, Campaign, CampaignBlock, Segment, SegmentRule

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
    if stdout is not None:
        stdout.write("marketing: segments, a draft campaign and an agent template ready")
