"""Sample context for previewing email templates in admin when no real message exists."""

from pathlib import Path

from django.conf import settings

from messaging.models import OutboundEmail

_ORDER = {
    "order_number": "UC-100042",
    "customer_name": "Ada",
    "status": "Paid",
    "lines": [
        {
            "name": "Merino crew jumper",
            "options": "M / Navy",
            "sku": "MCJ-M-NAV",
            "quantity": 1,
            "unit_price": "$89.00",
            "total": "$89.00",
        },
        {
            "name": "Organic cotton tee",
            "options": "S / White",
            "sku": "OCT-S-WHT",
            "quantity": 2,
            "unit_price": "$25.00",
            "total": "$50.00",
        },
    ],
    "subtotal": "$139.00",
    "discount_total": "$0.00",
    "has_discount": False,
    "voucher_code": "",
    "shipping_total": "$0.00",
    "tax_total": "$13.90",
    "total": "$152.90",
    "refunded_total": "$0.00",
    "payment_method": "Card",
    "shipping_method": "standard",
    "address_lines": ["Ada Lovelace", "1-2-3 Shibuya", "150-0002 Tokyo", "JP"],
    "carrier": "Yamato",
    "tracking_number": "1234-5678-9012",
    "order_url": "/orders/UC-100042/",
    "placed_by_agent": False,
}

SAMPLE_CONTEXTS: dict[str, dict] = {
    "password_reset": {
        "reset_url": "/accounts/password-reset/sample/",
        "first_name": "Ada",
        "email": "ada@example.com",
    },
    "newsletter_confirm": {"confirm_url": "/newsletter/confirm/sample/"},
    "newsletter_welcome": {"first_name": "Ada", "shop_url": "/"},
    "test_message": {"requested_by": "admin@example.com"},
    "chat_transcript": {
        "first_name": "Ada",
        "started_at": "2026-01-05 14:02",
        "help_url": "/help/",
        "lines": [
            {"who": "Shop assistant", "at": "2026-01-05 14:02", "text": "Hi Ada! How can I help?"},
            {"who": "You", "at": "2026-01-05 14:03", "text": "Where is my order?"},
            {"who": "Kenji", "at": "2026-01-05 14:05", "text": "It left our warehouse today."},
        ],
    },
}


def email_templates() -> list[str]:
    """Every previewable email template (templates/emails/<name>.html, minus layouts and partials)."""
    directory = Path(settings.BASE_DIR) / "templates" / "emails"
    names = []
    for path in sorted(directory.glob("*.html")):
        name = path.stem
        if name == "layout" or name.startswith("_") or name.endswith("_block"):
            continue
        names.append(name)
    return names


def sample_context(template: str) -> tuple[dict, str]:
    """(context, where it came from): the newest real message's context, else a sample."""
    latest = OutboundEmail.objects.filter(template=template).order_by("-id").first()
    if latest is not None:
        return latest.context, f"context of {latest.kind} #{latest.pk} to {latest.to_email}"
    if template in SAMPLE_CONTEXTS:
        return SAMPLE_CONTEXTS[template], "built-in sample data"
    return _ORDER, "generic sample data (order-shaped)"
