"""Demo data for carts and orders: vouchers (one expired, one not yet valid), an open cart
for shopper@example.com, a few orders for the shopper in different states, a history of
orders for other demo customers (busier in the last 30 days, statuses by age, a few
cancelled or refunded; feeds "frequently bought together", reports and charts), orders an
agent placed with a discount (the override report), open carts left days ago and one
discount waiting for a supervisor (the console's approvals queue). Idempotent: each piece is
looked up by its number / customer and only created when missing."""

import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from carts.models import Cart, CartLine, CartOverride, Voucher
from carts.pricing import cart_price, free_shipping_threshold, product_tax_rate, shipping_rates, tax_lines_compute
from carts.selectors import cart_with_lines
from catalog.models import Variant
from common.money import ZERO, quantize
from customers.models import Customer
from orders.models import Order, OrderEvent, OrderLine, Payment

DEMO_PREFIX = "UC-DEMO-"
HISTORY_ORDERS = 160
AGENT_ORDERS = [  # (number suffix, days ago, reason, percent off the first line, note)
    (900, 3, "delay", 10, "Parcel arrived a week late"),
    (901, 9, "damaged", 15, "Sole came apart after a week, replacement sent"),
    (902, 16, "price_match", 12, "Matched a competitor's advertised price"),
    (903, 24, "loyalty", 10, "Tenth order this year"),
]
OPEN_CART_DAYS = (4, 5, 6, 8, 9, 11, 13, 16)  # idle for days: older than any reminder window


def seed_vouchers() -> None:
    now = timezone.now()
    yen = settings.CURRENCY == "JPY"
    # A yen shop's fixed voucher and minimums are whole yen: ¥500 off orders over ¥3,000.
    fixed = ("SAVE500", "¥500 off orders over ¥3,000", "fixed", "500", "3000") if yen else None
    fixed = fixed or ("SAVE5", "$5 off orders over $30", "fixed", "5", "30")
    rows = [
        ("WELCOME10", "10% off your first order", "percent", "10", "0", now - timedelta(days=30), None, None, 1),
        (*fixed, now - timedelta(days=30), None, None, None),
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
        (
            "VIP25",
            "VIP 25% off, 100 uses",
            "percent",
            "25",
            "5000" if yen else "50",
            now - timedelta(days=1),
            None,
            100,
            1,
        ),
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


def _status_for_age(days: float, rng: random.Random) -> str:
    """What an order of that age has usually become (a few are cancelled or refunded)."""
    roll = rng.random()
    if days >= 2 and roll < 0.04:
        return "cancelled"
    if days >= 12 and roll < 0.08:
        return "refunded"
    if days < 1:
        return rng.choice(["placed", "paid"])
    if days < 3:
        return rng.choice(["paid", "fulfilled"])
    if days < 7:
        return rng.choice(["fulfilled", "delivered"])
    return "delivered"


def _history_placed_at(now, rng: random.Random):
    """Half the history in the last 30 days (reports and charts show recent activity)."""
    days = rng.uniform(0.05, 30) if rng.random() < 0.5 else rng.uniform(30, 180)
    return now - timedelta(days=days)


def _order_from_lines(
    *, number, customer, lines, status, placed_at, rng, source=None, placed_by=None, cart=None, line_discounts=None
) -> Order:
    """A historical order written directly (no stock change, no email): demo history only.
    `line_discounts` (one Decimal per line) are an agent's overrides on the order's cart."""
    line_discounts = line_discounts or [Decimal("0")] * len(lines)
    subtotal = sum((variant.price * quantity for variant, quantity in lines), Decimal("0"))
    discount = sum(line_discounts, Decimal("0"))
    # The shop's own rules (carts.pricing): threshold, flat rate, tax per rate, tax-inclusive yen.
    shipping = ZERO if subtotal - discount >= free_shipping_threshold() else shipping_rates()["standard"]
    by_rate: dict[Decimal, Decimal] = {}
    for (variant, quantity), line_discount in zip(lines, line_discounts, strict=True):
        rate = product_tax_rate(variant.product)
        by_rate[rate] = by_rate.get(rate, ZERO) + variant.price * quantity - line_discount
    include = settings.PRICES_INCLUDE_TAX
    tax_lines = tax_lines_compute(merchandise=by_rate, discount=ZERO, shipping=shipping, include=include)
    tax = sum((t.tax for t in tax_lines), ZERO)
    total = subtotal - discount + shipping + (ZERO if include else tax)
    address = customer.addresses.first()
    shipped = status in ("fulfilled", "delivered", "refunded")
    paid = status not in ("placed", "cancelled")
    order = Order.objects.create(
        number=number,
        customer=customer,
        email=customer.email,
        status=status,
        subtotal=subtotal,
        discount_total=discount,
        override_discount=discount,
        shipping_total=shipping,
        tax_total=tax,
        tax_breakdown=[{"rate": str(t.rate), "amount": str(t.amount), "tax": str(t.tax)} for t in tax_lines],
        prices_include_tax=include,
        total=total,
        refunded_total=total if status == "refunded" else Decimal("0"),
        shipping_address=address.as_dict() if address else {"full_name": customer.full_name, "country": "US"},
        payment_method="test_card",
        source=source or rng.choice(["organic", "organic", "email", "social"]),
        placed_by=placed_by,
        cart=cart,
        placed_at=placed_at,
        paid_at=placed_at + timedelta(hours=1) if paid else None,
        fulfilled_at=placed_at + timedelta(hours=40) if shipped else None,
        delivered_at=placed_at + timedelta(hours=60) if status in ("delivered", "refunded") else None,
        cancelled_at=placed_at + timedelta(hours=3) if status == "cancelled" else None,
        carrier="Yamato" if shipped else "",
        tracking_number=f"YT{rng.randint(10**8, 10**9 - 1)}" if shipped else "",
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
                discount=line_discount,
                total=variant.price * quantity - line_discount,
            )
            for (variant, quantity), line_discount in zip(lines, line_discounts, strict=True)
        ]
    )
    payment_status = {"placed": "authorized", "cancelled": "voided", "refunded": "refunded"}.get(status, "captured")
    Payment.objects.create(
        order=order,
        provider="test_card",
        reference=f"tc_demo_{number}",
        status=payment_status,
        amount=order.total,
        captured_amount=order.total if paid else Decimal("0"),
        card_last4="4242",
    )
    path = {
        "cancelled": ["placed", "cancelled"],
        "refunded": ["placed", "paid", "fulfilled", "delivered", "refunded"],
    }.get(status) or ["placed", "paid", "fulfilled", "delivered"][: ["placed", "paid", "fulfilled", "delivered"].index(
        status
    ) + 1]  # fmt: skip
    actor_kind = "agent" if placed_by is not None else "system"
    for i, kind in enumerate(path):
        message = f"Shipped with Yamato, tracking {order.tracking_number}" if kind == "fulfilled" else ""
        OrderEvent.objects.create(
            order=order,
            kind=kind,
            actor=placed_by if i == 0 else None,
            actor_kind=actor_kind if i == 0 else "system",
            message=message,
            created_at=placed_at + timedelta(hours=i * 20),
        )
    return order


def seed_agent_orders(*, agent: Customer, customers: list[Customer], variants: list[Variant], now, rng) -> None:
    """Orders an agent placed on the phone with a line discount and its reason (the override
    report and "sales by source" have rows on first start)."""
    for suffix, days, reason, percent, note in AGENT_ORDERS:
        number = f"{DEMO_PREFIX}{suffix:04d}"
        if Order.objects.filter(number=number).exists():
            continue
        customer = customers[suffix % len(customers)]
        placed_at = now - timedelta(days=days, hours=rng.randint(1, 8))
        first, second = (suffix * 7) % len(variants), (suffix * 11) % len(variants)
        second = (second + 1) % len(variants) if second == first else second
        picked = [(variants[first], 1), (variants[second], 1)]
        cart = Cart.objects.create(
            customer=customer,
            email=customer.email,
            status=Cart.Status.CONVERTED,
            created_at=placed_at - timedelta(minutes=20),
            last_activity_at=placed_at,
            converted_at=placed_at,
        )
        cart_lines = [
            CartLine.objects.create(cart=cart, variant=variant, quantity=quantity, added_by=agent)
            for variant, quantity in picked
        ]
        discount = quantize(picked[0][0].price * Decimal(percent) / 100)
        CartOverride.objects.create(
            cart=cart,
            line=cart_lines[0],
            scope=CartOverride.Scope.LINE,
            kind=CartOverride.Kind.PERCENT,
            value=Decimal(percent),
            reason_code=reason,
            reason_text=note,
            agent=agent,
            status=CartOverride.Status.APPLIED,
            percent_equivalent=Decimal(percent),
            created_at=placed_at - timedelta(minutes=5),
        )
        _order_from_lines(
            number=number,
            customer=customer,
            lines=picked,
            status=_status_for_age(days, rng) if days > 2 else "paid",
            placed_at=placed_at,
            rng=rng,
            source="agent",
            placed_by=agent,
            cart=cart,
            line_discounts=[discount, Decimal("0")],
        )


def seed_open_carts(*, customers: list[Customer], variants: list[Variant], agent, now, rng) -> None:
    """Carts shoppers left days ago (too old for a new reminder: past the intake window), and
    one fresh cart of a customer without marketing consent with a discount an agent asked a
    supervisor to approve."""
    from customers.selectors import customers_with_marketing_consent

    consenting = set(customers_with_marketing_consent(Customer.objects.filter(pk__in=[c.pk for c in customers]))
                     .values_list("pk", flat=True))  # fmt: skip
    with_cart = set(Cart.objects.filter(status=Cart.Status.OPEN).values_list("customer_id", flat=True))
    for n, days in enumerate(OPEN_CART_DAYS):
        customer = customers[(n * 13 + 5) % len(customers)]
        if customer.pk in with_cart:
            continue
        when = now - timedelta(days=days, hours=rng.randint(0, 12))
        cart = Cart.objects.create(customer=customer, email=customer.email, created_at=when, last_activity_at=when)
        for k in range(rng.randint(1, 3)):
            CartLine.objects.create(
                cart=cart, variant=variants[(n * 5 + k * 17) % len(variants)], quantity=rng.randint(1, 2)
            )
        with_cart.add(customer.pk)
    waiting = next((c for c in customers[::-1] if c.pk not in consenting and c.pk not in with_cart), None)
    if waiting is None or agent is None or CartOverride.objects.filter(status="pending_approval").exists():
        return
    when = now - timedelta(minutes=25)
    cart = Cart.objects.create(customer=waiting, email=waiting.email, created_at=when, last_activity_at=when)
    line = CartLine.objects.create(cart=cart, variant=variants[-1], quantity=1, added_by=agent)
    CartOverride.objects.create(
        cart=cart,
        line=line,
        scope=CartOverride.Scope.LINE,
        kind=CartOverride.Kind.PERCENT,
        value=Decimal("25"),
        reason_code=CartOverride.ReasonCode.DAMAGED,
        reason_text="Second faulty pair in a month; customer asked for 25% off the replacement",
        agent=agent,
        status=CartOverride.Status.PENDING_APPROVAL,
        percent_equivalent=Decimal("25"),
        created_at=when,
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
            # Draw every random value even for an existing order: the next ones stay the same.
            basket = rng.choice(baskets)
            picked = rng.sample(basket, k=min(len(basket), rng.randint(1, 3)))
            quantities = [rng.randint(1, 2) for _ in picked]
            customer = rng.choice(customers)
            placed_at = _history_placed_at(now, rng)
            status = _status_for_age((now - placed_at).total_seconds() / 86400, rng)
            if Order.objects.filter(number=number).exists():
                continue
            _order_from_lines(
                number=number,
                customer=customer,
                lines=list(zip(picked, quantities, strict=True)),
                status=status,
                placed_at=placed_at,
                rng=rng,
            )
    agent = Customer.objects.filter(email__iexact="agent@example.com").first()
    with transaction.atomic():
        if agent is not None:
            seed_agent_orders(agent=agent, customers=customers, variants=variants, now=now, rng=rng)
        seed_open_carts(customers=customers, variants=variants, agent=agent, now=now, rng=rng)
    if shopper is not None:
        cart = Cart.objects.filter(customer=shopper, status=Cart.Status.OPEN).first()
        if cart is not None:
            total = cart_price(cart_with_lines(cart.pk)).total
            stdout.write(f"orders: demo vouchers WELCOME10, SAVE5, SUMMER20 (expired); shopper cart total {total}")
