"""Reads worth naming: carts with everything pricing needs, stock available to a cart."""

from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from carts.models import Cart, CartLine, CartOverride, StockReservation


def carts_for_pricing() -> QuerySet[Cart]:
    """Carts with lines, variants, products, line authors, voucher and overrides: pricing
    a cart from this queryset costs a constant number of queries."""
    return Cart.objects.select_related("voucher", "customer").prefetch_related(
        Prefetch("lines", queryset=CartLine.objects.select_related("variant__product", "added_by")),
        # The console names the discounted line and the supervisor who decided (rare rows, one join each).
        Prefetch(
            "overrides",
            queryset=CartOverride.objects.select_related("decided_by", "line__variant__product").order_by(
                "created_at", "id"
            ),
        ),
    )


def cart_with_lines(cart_id: int) -> Cart:
    return carts_for_pricing().get(pk=cart_id)


def cart_open_for_customer(customer) -> Cart | None:
    return carts_for_pricing().filter(customer=customer, status=Cart.Status.OPEN).first()


def cart_open_by_id(cart_id: int | None, *, anonymous_only: bool = True) -> Cart | None:
    if not cart_id:
        return None
    qs = carts_for_pricing().filter(pk=cart_id, status=Cart.Status.OPEN)
    if anonymous_only:
        qs = qs.filter(customer__isnull=True)
    return qs.first()


def cart_from_request(request) -> Cart | None:
    """The shopper's open cart (signed-in: theirs; anonymous: the one in their session)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return cart_open_for_customer(user)
    session = getattr(request, "session", None)
    if session is None:
        return None
    return cart_open_by_id(session.get("cart_id"))


def cart_item_count(request) -> int:
    """Units in the shopper's open cart, one query (header mini-cart)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        lines = CartLine.objects.filter(cart__customer=user, cart__status=Cart.Status.OPEN)
    else:
        session = getattr(request, "session", None)
        cart_id = session.get("cart_id") if session is not None else None
        if not cart_id:
            return 0
        lines = CartLine.objects.filter(cart_id=cart_id, cart__status=Cart.Status.OPEN, cart__customer__isnull=True)
    return lines.aggregate(n=Sum("quantity"))["n"] or 0


def reserved_by_others(variant_ids: list[int], *, cart_id: int | None, now: datetime | None = None) -> dict[int, int]:
    """Units of each variant held by live reservations of carts other than `cart_id`."""
    now = now or timezone.now()
    qs = StockReservation.objects.filter(variant_id__in=variant_ids, expires_at__gt=now)
    if cart_id is not None:
        qs = qs.filter(~Q(cart_id=cart_id))
    rows = qs.values("variant_id").annotate(n=Sum("quantity"))
    return {row["variant_id"]: row["n"] for row in rows}


def variant_available(variant, *, cart_id: int | None = None, now: datetime | None = None) -> int:
    """Stock a cart may take: on-hand stock minus other carts' live reservations."""
    held = reserved_by_others([variant.pk], cart_id=cart_id, now=now).get(variant.pk, 0)
    return max(variant.stock - held, 0)


def reservations_for(
    variant_ids: list[int], *, cart_id: int, now: datetime | None = None
) -> tuple[dict[int, int], bool]:
    """One query: units held by other carts' live reservations per variant, and whether
    `cart_id` itself holds any reservation (order placement releases them)."""
    now = now or timezone.now()
    rows = StockReservation.objects.filter(
        Q(variant_id__in=variant_ids, expires_at__gt=now) | Q(cart_id=cart_id)
    ).values_list("cart_id", "variant_id", "quantity", "expires_at")
    held: dict[int, int] = {}
    own = False
    for row_cart, variant_id, quantity, expires_at in rows:
        if row_cart == cart_id:
            own = True
        elif expires_at > now:
            held[variant_id] = held.get(variant_id, 0) + quantity
    return held, own
