"""A Customer 360 history of any size (orders, cases, emails, audit, views, searches, an open
cart), bulk-inserted. Shared by the P6 query-count tests and bench/bench_p6_console.py."""

from decimal import Decimal

from django.utils import timezone

from carts.services import cart_get_or_create, cart_line_add
from catalog.models import ProductView, SearchQuery
from common.models import AuditEntry
from customers.models import Consent
from messaging.models import EmailEvent, OutboundEmail
from orders.models import Order, OrderEvent, OrderLine
from service_console.models import Case
from tests.carts.factories import VariantFactory
from tests.customers.factories import ConsentFactory


def customer_history_build(customer, *, orders: int, cases: int) -> None:
    variant = VariantFactory(price="25.00", stock=500, product__name="Wool Socks")
    cart = cart_get_or_create(customer=customer)
    cart_line_add(cart=cart, variant=variant, quantity=2, expected_version=None)
    order_rows = Order.objects.bulk_create(
        [
            Order(
                number=f"T-{customer.pk}-{i:04d}",
                customer=customer,
                email=customer.email,
                subtotal=Decimal("25.00"),
                total=Decimal("27.50"),
                payment_method="pod",
                status=Order.Status.DELIVERED if i % 2 else Order.Status.PLACED,
                carrier="Yamato",
                tracking_number=f"TRK{i}",
            )
            for i in range(orders)
        ]
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=o,
                variant=variant,
                sku=variant.sku,
                product_name="Wool Socks",
                unit_price=Decimal("25.00"),
                quantity=1,
                subtotal=Decimal("25.00"),
                total=Decimal("25.00"),
            )
            for o in order_rows
        ]
    )
    OrderEvent.objects.bulk_create([OrderEvent(order=o, kind=OrderEvent.Kind.PLACED) for o in order_rows])
    Case.objects.bulk_create([Case(customer=customer, subject=f"Case {i}") for i in range(cases)])
    emails = OutboundEmail.objects.bulk_create(
        [
            OutboundEmail(
                customer=customer,
                to_email=customer.email,
                kind="order_confirmation",
                template="x",
                dedupe_key=f"t-{customer.pk}-{i}",
                status="sent",
                subject=f"Order {i}",
            )
            for i in range(orders)
        ]
    )
    EmailEvent.objects.bulk_create([EmailEvent(email=e, customer=customer, kind="open") for e in emails])
    AuditEntry.objects.bulk_create(
        [AuditEntry(customer=customer, action="case.note", note=f"n{i}") for i in range(cases)]
    )
    ConsentFactory(customer=customer, purpose=Consent.Purpose.SMS_MARKETING, granted=False)
    ProductView.objects.bulk_create(
        [ProductView(product=variant.product, customer=customer, viewed_at=timezone.now()) for _ in range(orders)]
    )
    SearchQuery.objects.bulk_create(
        [SearchQuery(query="socks", normalized="socks", results_count=3, customer=customer) for _ in range(cases)]
    )
