"""C1 privacy: a customer's data export (JSON). Erasure is `customers.erasure.customer_erase`,
which runs every app's registered eraser (common.personal_data).

The export knows every app, so it sits at the top of the import order.
"""

from django.utils import timezone

from carts.models import Cart
from catalog.models import ProductView, SearchQuery
from customers.erasure import customer_erase
from customers.models import Customer
from messaging.models import OutboundEmail
from orders.models import Order
from service_console.models import Case
from social.models import SocialPost

__all__ = ["customer_data_export", "customer_erase"]


def _money(value) -> str | None:
    return None if value is None else str(value)


def customer_data_export(*, customer: Customer) -> dict:
    """Everything we hold about the customer, as JSON-serialisable data."""
    orders = Order.objects.filter(customer=customer).prefetch_related("lines").order_by("placed_at")
    carts = Cart.objects.filter(customer=customer).prefetch_related("lines__variant__product").order_by("id")
    return {
        "exported_at": timezone.now().isoformat(),
        "customer": {
            "id": str(customer.public_id),
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "phone": str(customer.phone or ""),
            "joined": customer.date_joined.isoformat(),
            "signup_source": customer.signup_source,
        },
        "addresses": [address.as_dict() for address in customer.addresses.all()],
        "consents": [
            {"purpose": c.purpose, "granted": c.granted, "source": c.source, "at": c.created_at.isoformat()}
            for c in customer.consents.order_by("created_at", "id")
        ],
        "orders": [
            {
                "number": order.number,
                "placed_at": order.placed_at.isoformat(),
                "status": order.status,
                "email": order.email,
                "shipping_address": order.shipping_address,
                "total": _money(order.total),
                "lines": [
                    {
                        "product": line.product_name,
                        "sku": line.sku,
                        "quantity": line.quantity,
                        "unit_price": _money(line.unit_price),
                    }
                    for line in order.lines.all()
                ],
            }
            for order in orders
        ],
        "carts": [
            {
                "status": cart.status,
                "lines": [
                    {"sku": line.variant.sku, "product": line.variant.product.name, "quantity": line.quantity}
                    for line in cart.lines.all()
                ],
            }
            for cart in carts
        ],
        "cases": [
            {
                "number": case.number,
                "subject": case.subject,
                "status": case.status,
                "opened": case.created_at.isoformat(),
            }
            for case in Case.objects.filter(customer=customer).order_by("created_at")
        ],
        "emails": [
            {"kind": e.kind, "status": e.status, "subject": e.subject, "created_at": e.created_at.isoformat()}
            for e in OutboundEmail.objects.filter(customer=customer).order_by("created_at")
        ],
        "social_handles": [
            {"network": h.network, "handle": h.handle, "added": h.created_at.isoformat()}
            for h in customer.social_handles.all()
        ],
        "social_posts": [
            {
                "network": p.platform,
                "handle": p.handle,
                "text": p.text,
                "url": p.url,
                "posted_at": p.posted_at.isoformat(),
                "score": p.score,
                "category": p.category,
                "status": p.status,
            }
            for p in SocialPost.objects.filter(customer=customer).order_by("posted_at")[:1000]
        ],
        "product_views": [
            {"product": v.product.name, "at": v.viewed_at.isoformat()}
            for v in ProductView.objects.filter(customer=customer).select_related("product")[:1000]
        ],
        "searches": [
            {"query": s.query, "at": s.created_at.isoformat()}
            for s in SearchQuery.objects.filter(customer=customer)[:1000]
        ],
    }
