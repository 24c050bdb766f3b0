"""C1 privacy: a customer's data export (JSON) and erasure across every app.

This is the one place that knows every app, so it sits at the top of the import order;
each app scrubs its own rows through its own privacy module.
"""

from django.db import transaction
from django.utils import timezone

from carts.models import Cart
from carts.privacy import carts_anonymise
from catalog.models import ProductView, SearchQuery
from catalog.privacy import browsing_history_erase
from common.audit import audit_record
from customers.models import Customer
from customers.services import customer_anonymise, erased_email
from marketing.privacy import marketing_state_erase
from messaging.models import OutboundEmail
from messaging.privacy import outbox_anonymise
from orders.models import Order
from orders.privacy import orders_anonymise
from service_console.models import Case


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
            "phone": customer.phone,
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
        "product_views": [
            {"product": v.product.name, "at": v.viewed_at.isoformat()}
            for v in ProductView.objects.filter(customer=customer).select_related("product")[:1000]
        ],
        "searches": [
            {"query": s.query, "at": s.created_at.isoformat()}
            for s in SearchQuery.objects.filter(customer=customer)[:1000]
        ],
    }


@transaction.atomic
def customer_erase(*, customer: Customer, actor: Customer | None) -> Customer:
    """Erase the customer's personal data everywhere; orders keep their financial facts
    (numbers, lines, prices, totals, payments, events). Irreversible; audited."""
    replacement = erased_email(customer)
    orders_scrubbed = orders_anonymise(customer=customer, replacement_email=replacement)
    carts_anonymise(customer=customer, replacement_email=replacement)
    outbox_anonymise(customer=customer, replacement_email=replacement)
    browsing_history_erase(customer=customer)
    marketing_state_erase(customer=customer)
    customer_anonymise(customer=customer)
    audit_record(
        actor=actor,
        action="customer.erase",
        customer=customer,
        obj=customer,
        after={"orders_scrubbed": orders_scrubbed},
    )
    return customer
