"""JSON-serialisable email content: product cards (with the recommendation's reason) and
campaign blocks personalised for one customer. The outbox stores this context, so every
value is a plain string (money formatted, URLs absolute)."""

from django.conf import settings
from django.db.models import Min, OuterRef, Q, Subquery

from catalog.models import Product, ProductImage
from common.money import format_money
from marketing.links import absolute, click_link, with_utm
from marketing.models import CampaignBlock, MarketingMessage
from marketing.personalise import personalise, token_values


def image_url(path: str | None) -> str:
    if not path:
        return ""
    if path.startswith("http://") or path.startswith("https://"):
        return path
    return absolute(settings.MEDIA_URL.rstrip("/") + "/" + path.lstrip("/"))


def products_with_cards(product_ids: list[int]) -> dict[int, Product]:
    """Published products with `price_from` and `thumb` (one query)."""
    rows = (
        Product.objects.filter(pk__in=product_ids, is_published=True)
        .annotate(
            price_from=Min("variants__price", filter=Q(variants__is_active=True)),
            thumb=Subquery(
                ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("thumbnail")[:1]
            ),
            image=Subquery(
                ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("image")[:1]
            ),
        )
        .only("pk", "name", "slug")
    )
    return {p.pk: p for p in rows}


def product_card(product: Product, *, reason: str, message: MarketingMessage | None) -> dict:
    path = product.get_absolute_url()
    if message is not None:
        url = click_link(
            message_id=message.pk,
            target=with_utm(path, flow=message.flow, campaign_id=message.campaign_id, message_id=message.pk),
        )
    else:
        url = absolute(path)
    price = getattr(product, "price_from", None)
    return {
        "name": product.name,
        "url": url,
        "image": image_url(getattr(product, "thumb", None) or getattr(product, "image", None)),
        "price": format_money(price) if price is not None else "",
        "reason": reason,
    }


def recommendation_cards(customer, *, limit: int, message: MarketingMessage | None) -> list[dict]:
    """Personal picks with the reason the console shows ("Because you looked at …")."""
    from catalog.recommendations import recommendations_for_customer

    items = recommendations_for_customer(customer, limit=limit) if customer is not None else []
    return [product_card(item.product, reason=item.reason, message=message) for item in items[:limit]]


def link_for(message: MarketingMessage | None, target: str) -> str:
    if not target:
        target = "/"
    if message is None:
        return absolute(target if target.startswith("/") else "/")
    return click_link(
        message_id=message.pk,
        target=with_utm(target, flow=message.flow, campaign_id=message.campaign_id, message_id=message.pk),
    )


def render_blocks(
    blocks: list[CampaignBlock], *, customer, message: MarketingMessage | None, grid_products: dict[int, Product]
) -> list[dict]:
    """Blocks → list of dicts for emails/marketing_campaign.*; tokens replaced with plain text
    (templates autoescape)."""
    values = token_values(customer)
    rendered = []
    for block in blocks:
        item = {"kind": block.kind, "heading": personalise(block.heading, values)}
        if block.kind == CampaignBlock.Kind.TEXT:
            text = personalise(block.text, values)
            item["paragraphs"] = [p.strip() for p in text.split("\n\n") if p.strip()]
        elif block.kind == CampaignBlock.Kind.IMAGE:
            item.update(image=block.image_url, alt=block.image_alt, url=link_for(message, block.link_url or "/"))
        elif block.kind == CampaignBlock.Kind.BUTTON:
            label = personalise(block.button_label, values).strip()
            if not label:
                continue  # never invent a label (CampaignBlock.clean refuses an empty button)
            item.update(label=label, url=link_for(message, block.link_url or "/"))
        elif block.kind == CampaignBlock.Kind.PRODUCT_GRID:
            ids = [pk for pk in block.grid_ids if pk in grid_products][: block.limit]
            item["products"] = [
                product_card(grid_products[pk], reason=personalise(block.text, values), message=message) for pk in ids
            ]
        elif block.kind == CampaignBlock.Kind.RECOMMENDATIONS:
            item["products"] = recommendation_cards(customer, limit=block.limit, message=message)
        rendered.append(item)
    return rendered
