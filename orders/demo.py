"""Demo data for carts and orders: vouchers (one expired, one not yet valid), an open cart
for shopper@example.com, a few orders for the shopper in different states and a history of
orders for other demo customers (feeds "frequently bought together"). Idempotent."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from carts.models import Cart, CartLine, Voucher
from carts.pricing import cart_price
from carts.selectors import cart_with_lines
from catalog.models import Variant
from common.money import quantize
from customers.models import Customer
from orders.models import Order, OrderEvent, OrderLine, Payment

DEMO_PREFIX = "UC-DEMO-"
HISTORY_ORDERS = 120


def seed_vouchers() -> None:
    now = timezone.now()
    rows = [
        ("WELCOME10", "10% off your first order", "percent", "10", "0", now - timedelta(days=30), None, None, 1),
        ("SAVE5", "$5 off orders over $30", "fixed", "5", "30", now - timedelta(days=30), None, None, None),
        (
            "SUMMER20",
            "Summer sale (ended)",
            "percent",
            "20",
            "0",
            now - timedelta(days=120),
            now - timedelta(days=30),
            None,
            None,
        ),
        ("HOLIDAY15", "Holiday sale (starts soon)", "percent", "15", "0", now + timedelta(days=10), None, None, None),
        ("VIP25", "VIP 25% off, 100 uses", "percent", "25", "50", now - timedelta(days=1), None, 100, 1),
    ]
    for code, description, kind, value, min_spend, valid_from, valid_to, limit_total, per_customer in rows:
        Voucher.objects.get_or_create(
            code=code,
            defaults={
                "description": description,
                "kind": kind,
                "value": Decimal(value),
                "min_spend": Decimal(min_spend),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "usage_limit_total": limit_total,
                "usage_limit_per_customer": per_customer,
                "source": "demo",
            },
        )


def seed_shopper_cart(shopper: Customer, variants: list[Variant]) -> None:
    if Cart.objects.filter(customer=shopper, status=Cart.Status.OPEN).exists():
        return
    cart = Cart.objects.create(customer=shopper, email=shopper.email, attribution={"utm_source": "instagram"})
    for variant, quantity in zip(variants[:2], (1, 2), strict=False):
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)


def _order_from_lines(*, number, customer, lines, status, placed_at, rng) -> None:
    """A historical order written directly (no stock change, no email): demo history only."""
    subtotal = sum((variant.price * quantity for variant, quantity in lines), Decimal("0"))
    shipping = Decimal("0") if subtotal >= Decimal("50") else Decimal("5.00")
    tax = quantize((subtotal + shipping) * Decimal("0.10"))
    address = customer.addresses.first()
    order = Order.objects.create(
        number=number,
        customer=customer,
        email=customer.email,
        status=status,
        subtotal=subtotal,
        shipping_total=shipping,
        tax_total=tax,
        total=subtotal + shipping + tax,
        shipping_address=address.as_dict() if address else {"full_name": customer.full_name, "country": "US"},
        payment_method="test_card",
        source=rng.choice(["organic", "organic", "email", "social"]),
        placed_at=placed_at,
        paid_at=placed_at + timedelta(hours=1) if status != "placed" else None,
        carrier="Yamato" if status in ("fulfilled", "delivered") else "",
        tracking_number=f"YT{rng.randint(10**8, 10**9 - 1)}" if status in ("fulfilled", "delivered") else "",
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                variant=variant,
                sku=variant.sku,
                product_name=variant.product.name,
                options=variant.options_label,
                unit_price=variant.price,
                quantity=quantity,
                subtotal=variant.price * quantity,
                total=variant.price * quantity,
            )
            for variant, quantity in lines
        ]
    )
    Payment.objects.create(
        order=order,
        provider="test_card",
        reference=f"tc_demo_{number}",
        status="authorized" if status == "placed" else "captured",
        amount=order.total,
        captured_amount=order.total if status != "placed" else Decimal("0"),
        card_last4="4242",
    )
    steps = ["placed", "paid", "fulfilled", "delivered"]
    for i, kind in enumerate(steps[: steps.index(status) + 1]):
        message = f"Shipped with Yamato, tracking {order.tracking_number}" if kind == "fulfilled" else ""
        OrderEvent.objects.create(
            order=order, kind=kind, actor_kind="system", message=message, created_at=placed_at + timedelta(hours=i * 20)
        )


def seed(stdout, disable_progress: bool) -> None:
    rng = random.Random(4242)
    variants = list(Variant.objects.filter(is_active=True, product__is_published=True).select_related("product")[:200])
    with transaction.atomic():
        seed_vouchers()
    if not variants:
        stdout.write("orders: no products yet, skipped demo carts and orders")
        return
    shopper = Customer.objects.filter(email__iexact="shopper@example.com").first()
    now = timezone.now()
    with transaction.atomic():
        if shopper is not None:
            seed_shopper_cart(shopper, variants[3:])
            for i, status in enumerate(["delivered", "fulfilled", "placed"]):
                number = f"{DEMO_PREFIX}{i + 1:04d}"
                if not Order.objects.filter(number=number).exists():
                    lines = [(variants[i], 1), (variants[i + 5], 2)]
                    _order_from_lines(
                        number=number,
                        customer=shopper,
                        lines=lines,
                        status=status,
                        placed_at=now - timedelta(days=30 - i * 12),
                        rng=rng,
                    )
    customers = list(Customer.objects.filter(email__startswith="customer", is_staff=False).order_by("pk")[:150])
    if not customers:
        return
    # products bought together: pairs from small "baskets" so co-occurrence is visible
    baskets = [variants[i : i + 3] for i in range(0, min(len(variants), 60), 3)]
    with tqdm(total=HISTORY_ORDERS, desc="orders   ", unit="", disable=disable_progress) as bar, transaction.atomic():
        for n in range(HISTORY_ORDERS):
            number = f"{DEMO_PREFIX}{n + 100:04d}"
            bar.update(1)
            if Order.objects.filter(number=number).exists():
                continue
            basket = rng.choice(baskets)
            picked = rng.sample(basket, k=min(len(basket), rng.randint(1, 3)))
            _order_from_lines(
                number=number,
                customer=rng.choice(customers),
                lines=[(v, rng.randint(1, 2)) for v in picked],
                status=rng.choice(["delivered", "delivered", "fulfilled", "paid", "placed"]),
                placed_at=now - timedelta(days=rng.randint(1, 180), hours=rng.randint(0, 23)),
                rng=rng,
            )
    if shopper is not None:
        cart = Cart.objects.filter(customer=shopper, status=Cart.Status.OPEN).first()
        if cart is not None:
            total = cart_price(cart_with_lines(cart.pk)).total
            stdout.write(f"orders: demo vouchers WELCOME10, SAVE5, SUMMER20 (expired); shopper cart total {total}")
