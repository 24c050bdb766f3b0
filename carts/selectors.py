"""Reads worth naming: carts with everything pricing needs. (Stock available to a cart is
the catalog's: catalog.selectors.stock_available.)"""

from django.db import connection
from django.db.models import Prefetch, QuerySet

from carts.models import Cart, CartLine, CartOverride, Voucher
from catalog.models import Product, Variant
from common.sessions import session_companion
from common.sql import instance_from_json
from customers.models import Customer


def carts_for_pricing() -> QuerySet[Cart]:
    """Carts with lines, variants, products, line authors, voucher and overrides: pricing
    a cart from this queryset costs a constant number of queries."""
    return Cart.objects.select_related("voucher", "customer").prefetch_related(
        Prefetch("lines", queryset=CartLine.objects.select_related("variant__product", "added_by")),
        # The console names the discounted line and the supervisor who decided (rare rows, one join each).
        Prefetch(
            "overrides",
            queryset=CartOverride.objects.select_related("decided_by", "line__variant__product", "voucher").order_by(
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


_ITEM_COUNT_SQL = {
    # Raw SQL: this runs on every storefront page a shopper with a session opens.
    "customer": "SELECT COALESCE(SUM(l.quantity), 0) FROM {line} l JOIN {cart} c ON c.id = l.cart_id "
    "WHERE c.customer_id = %s AND c.status = %s",
    "session": "SELECT COALESCE(SUM(l.quantity), 0) FROM {line} l JOIN {cart} c ON c.id = l.cart_id "
    "WHERE c.id = %s AND c.status = %s AND c.customer_id IS NULL",
}


def cart_for_page(request) -> Cart | None:
    """The shopper's open cart (as `cart_from_request`) with everything the cart page prices
    and shows — lines, variants, products, line authors, voucher, applied overrides — in one
    query (`cart_for_checkout`; a signed-in customer's cart id costs one more)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    if signed_in:
        cart_id = Cart.objects.filter(customer=user, status=Cart.Status.OPEN).values_list("pk", flat=True).first()
    else:
        session = getattr(request, "session", None)
        cart_id = session.get("cart_id") if session is not None else None
    if not cart_id:
        return None
    cart = cart_for_checkout(cart_id)
    if cart is None or cart.status != Cart.Status.OPEN or (not signed_in and cart.customer_id is not None):
        return None
    return cart


SESSION_CART_COMPANION = "cart"


def session_cart_companion_register() -> None:
    """Read the open cart of the session's key — `[id, units]` — in the same statement as
    the session itself (common.sessions), so the header's cart count of an anonymous shopper
    costs no query of its own. Called from CartsConfig.ready()."""
    from common.sessions import session_companion_register

    quote = connection.ops.quote_name
    sql = (
        f"(SELECT ARRAY[c.id, COALESCE((SELECT SUM(l.quantity) FROM {quote(CartLine._meta.db_table)} l"
        f" WHERE l.cart_id = c.id), 0)] FROM {quote(Cart._meta.db_table)} c"
        " WHERE c.session_key = s.session_key AND c.status = %s AND c.customer_id IS NULL LIMIT 1)"
    )
    session_companion_register(SESSION_CART_COMPANION, sql, (Cart.Status.OPEN.value,))


def cart_item_count(request) -> int:
    """Units in the shopper's open cart (header mini-cart): one query, or none for an
    anonymous shopper whose session read already brought its cart's count."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        kind, owner = "customer", user.pk
    else:
        session = getattr(request, "session", None)
        owner = session.get("cart_id") if session is not None else None
        if not owner:
            return 0
        # The count read with the session is as of the start of the request: good for a page
        # that only reads (GET/HEAD), not for one rendered after a change to the cart.
        companion = session_companion(session, SESSION_CART_COMPANION)
        if companion and companion[0] == owner and request.method in ("GET", "HEAD"):
            return int(companion[1])
        kind = "session"
    sql = _ITEM_COUNT_SQL[kind].format(
        line=connection.ops.quote_name(CartLine._meta.db_table), cart=connection.ops.quote_name(Cart._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [owner, Cart.Status.OPEN])
        return int(cursor.fetchone()[0])


# (jsonb is cast back to json at the top level: Django reads jsonb columns as text.)
# Customers come without the password hash, products without their long text columns
# (descriptions, search vectors): everything else is loaded, so nothing placement, pricing
# or the confirmation email reads (names per language, tax class, customer language) is
# left deferred to cost a query later.
_CHECKOUT_SNAPSHOT_SQL = """
SELECT row_to_json(c),
  (SELECT row_to_json(v) FROM {voucher} v WHERE v.id = c.voucher_id),
  (SELECT (to_jsonb(u) - 'password')::json FROM {customer} u WHERE u.id = c.customer_id),
  (SELECT json_agg(json_build_object(
            'line', row_to_json(l), 'variant', row_to_json(var), 'product', to_jsonb(p) - %s::text[],
            'added_by', CASE WHEN a.id IS NULL THEN NULL ELSE to_jsonb(a) - 'password' END)
          ORDER BY l.created_at, l.id)
     FROM {line} l JOIN {variant} var ON var.id = l.variant_id
     JOIN {product} p ON p.id = var.product_id
     LEFT JOIN {customer} a ON a.id = l.added_by_id
    WHERE l.cart_id = c.id),
  (SELECT json_agg(row_to_json(o) ORDER BY o.created_at, o.id)
     FROM {override} o WHERE o.cart_id = c.id AND o.status = %s),
  (SELECT (to_jsonb(g) - 'password')::json
     FROM {customer} g WHERE c.customer_id IS NULL AND lower(g.email) = lower(%s))
FROM {cart} c WHERE c.id = %s
"""


def _long_product_columns() -> list[str]:
    return [
        field.column
        for field in Product._meta.concrete_fields
        if field.get_internal_type() in ("TextField", "SearchVectorField")
    ]


def cart_for_checkout(cart_id: int, *, guest_email: str = "") -> Cart | None:
    """The cart with everything `cart_price` reads — lines with variant and product name,
    applied overrides, voucher, customer — in ONE query (order placement's hot path; the
    same objects `carts_for_pricing` gives, with unread columns deferred). None if missing.

    For a cart without a customer, `cart.guest_customer` is the customer whose email equals
    `guest_email` case-insensitively (the lower(email) index), or None."""
    tables = {
        "cart": Cart,
        "line": CartLine,
        "override": CartOverride,
        "voucher": Voucher,
        "variant": Variant,
        "product": Product,
        "customer": Customer,
    }
    sql = _CHECKOUT_SNAPSHOT_SQL.format(**{k: connection.ops.quote_name(m._meta.db_table) for k, m in tables.items()})
    with connection.cursor() as cursor:
        cursor.execute(sql, [_long_product_columns(), CartOverride.Status.APPLIED, guest_email, cart_id])
        row = cursor.fetchone()
    if row is None:
        return None
    cart_data, voucher_data, customer_data, lines_data, overrides_data, guest_data = row
    cart = instance_from_json(Cart, cart_data)
    cart.voucher = instance_from_json(Voucher, voucher_data)
    cart.customer = instance_from_json(Customer, customer_data)
    cart.guest_customer = instance_from_json(Customer, guest_data)
    lines = []
    for item in lines_data or []:
        variant = instance_from_json(Variant, item["variant"])
        variant.product = instance_from_json(Product, item["product"])
        line = instance_from_json(CartLine, item["line"])
        line.variant = variant
        line.added_by = instance_from_json(Customer, item["added_by"])
        lines.append(line)
    overrides = [instance_from_json(CartOverride, data) for data in overrides_data or []]
    cart._prefetched_objects_cache = {
        "lines": _as_prefetched(CartLine, lines),
        "overrides": _as_prefetched(CartOverride, overrides),
    }
    return cart


def _as_prefetched(model, rows: list) -> QuerySet:
    queryset = model.objects.all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    return queryset
