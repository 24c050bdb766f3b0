"""Marketing test data: orders written directly (exact totals and dates), consents, carts."""

import itertools
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from customers.models import Consent
from orders.models import Order, OrderLine
from tests.carts.factories import CartFactory, CartLineFactory, CategoryFactory, ProductFactory, VariantFactory
from tests.customers.factories import AddressFactory, CustomerFactory

_numbers = itertools.count(1)

__all__ = [
    "AddressFactory",
    "CartFactory",
    "CartLineFactory",
    "CategoryFactory",
    "CustomerFactory",
    "ProductFactory",
    "VariantFactory",
    "consent",
    "order_for",
]


def order_for(
    customer,
    *,
    total: str = "50.00",
    placed_at: datetime | None = None,
    status: str = Order.Status.PAID,
    variant=None,
    attribution: dict | None = None,
    refunded: str = "0",
) -> Order:
    amount = Decimal(total)
    order = Order.objects.create(
        number=f"MKT-{next(_numbers):06d}",
        customer=customer,
        email=customer.email,
        status=status,
        subtotal=amount,
        total=amount,
        refunded_total=Decimal(refunded),
        payment_method=Order.PaymentMethod.TEST_CARD,
        placed_at=placed_at or timezone.now(),
        attribution=attribution or {},
    )
    if variant is not None:
        OrderLine.objects.create(
            order=order,
            variant=variant,
            sku=variant.sku,
            product_name=variant.product.name,
            unit_price=amount,
            quantity=1,
            subtotal=amount,
            total=amount,
        )
    return order


def consent(customer, granted: bool = True, source: str = Consent.Source.SIGNUP, at: datetime | None = None):
    return Consent.objects.create(
        customer=customer,
        purpose=Consent.Purpose.MARKETING_EMAIL,
        granted=granted,
        source=source,
        created_at=at or timezone.now(),
    )
