"""Catalog writes: publishing, and inventory (stock decrement/restore, holds)."""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from catalog.cache import catalog_cache_invalidate
from catalog.exceptions import StockShortage
from catalog.locks import stock_rows_for_update
from catalog.models import Product, StockReservation, Variant
from catalog.selectors import stock_available
from common.audit import audit_record
from common.audit_actions import AuditAction
from common.sql import bound_cursor


@transaction.atomic
def products_publish(*, product_ids: list[int], published: bool, actor) -> int:
    """Bulk publish/unpublish. Returns how many products changed; one audit entry per product."""
    changed = list(
        Product.objects.filter(pk__in=product_ids)
        .exclude(is_published=published)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Product.objects.filter(pk__in=changed).update(is_published=published, updated_at=timezone.now())
    for product in Product.objects.filter(pk__in=changed):
        audit_record(
            actor=actor,
            action=AuditAction.PRODUCT_PUBLISH if published else AuditAction.PRODUCT_UNPUBLISH,
            obj=product,
            before={"is_published": not published},
            after={"is_published": published},
        )
    transaction.on_commit(catalog_cache_invalidate)
    return len(changed)


# --- inventory -------------------------------------------------------------------------
# Stock changes only here, with the rows locked through catalog.locks (pk order). Order
# placement, cancellation/returns, console holds and the sign-in merge all come through
# these functions, so "never below zero, holds respected" is enforced in one place (and
# by the variant_stock_non_negative constraint as the last guard).


def _values_sql(quantities: dict[int, int]) -> tuple[str, list[int]]:
    """`(VALUES (%s::bigint, %s::integer), (%s, %s) …)` for variant id → units, pk order."""
    items = sorted(quantities.items())
    rows = ", ".join(["(%s::bigint, %s::integer)"] + ["(%s, %s)"] * (len(items) - 1))
    return f"(VALUES {rows})", [value for item in items for value in item]


def stock_decrement(*, quantities: dict[int, int], cart_id: int | None = None, now: datetime | None = None) -> None:
    """Take `quantities` (variant id → units) from stock in ONE conditional UPDATE.

    A row is decremented only if the variant is active and its stock net of the live holds
    of carts other than `cart_id` covers the units; `cart_id`'s own holds are released in
    the same statement (the cart turns what it held into the sale). Raises StockShortage
    naming every variant that fell short; the caller's transaction must then roll back (the
    rows that were not short have been decremented). Call inside a transaction with the
    rows locked (catalog.locks.stock_rows_for_update): the condition is re-checked anyway.
    """
    quantities = {variant_id: units for variant_id, units in quantities.items() if units}
    if not quantities:
        return
    now = now or timezone.now()
    values, params = _values_sql(quantities)
    variant_table = Variant._meta.db_table
    hold_table = StockReservation._meta.db_table
    other_holds = "AND r.cart_id <> %s" if cart_id is not None else ""
    release = f'WITH released AS (DELETE FROM "{hold_table}" WHERE cart_id = %s) ' if cart_id is not None else ""
    sql = (
        f'{release}UPDATE "{variant_table}" AS v SET stock = v.stock - x.qty FROM {values} AS x(id, qty) '  # noqa: S608 - names from the models
        "WHERE v.id = x.id AND v.is_active AND v.stock - COALESCE(("
        f'SELECT SUM(r.quantity) FROM "{hold_table}" AS r '
        f"WHERE r.variant_id = v.id AND r.expires_at > %s {other_holds}), 0) >= x.qty "
        "RETURNING v.id"
    )
    args = ([cart_id] if cart_id is not None else []) + params + [now] + ([cart_id] if cart_id is not None else [])
    with bound_cursor() as cursor:
        cursor.execute(sql, args)
        taken = {row[0] for row in cursor.fetchall()}
    if len(taken) != len(quantities):
        short = [variant_id for variant_id in quantities if variant_id not in taken]
        available = stock_available(short, cart_id=cart_id, now=now)
        raise StockShortage({variant_id: available.get(variant_id, 0) for variant_id in short})


def stock_restore(*, quantities: dict[int, int]) -> None:
    """Put units back (cancellation, received return): rows locked in pk order, then one
    UPDATE for all of them."""
    quantities = {variant_id: units for variant_id, units in quantities.items() if units}
    if not quantities:
        return
    stock_rows_for_update(list(quantities))
    values, params = _values_sql(quantities)
    table = Variant._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" AS v SET stock = v.stock + x.qty FROM {values} AS x(id, qty) WHERE v.id = x.id',  # noqa: S608 - names from the models
            params,
        )


@transaction.atomic
def stock_hold_set(*, cart_id: int, variant_id: int, quantity: int, actor, minutes: int = 30) -> StockReservation:
    """Hold `quantity` of a variant for a cart until now + `minutes`: other carts see that
    much less available and placement of other carts respects it. Locks the variant row
    (the caller, carts.services.stock_reservation_set, has locked the cart first). Raises
    StockShortage when the variant cannot give that many."""
    stock_rows_for_update([variant_id])
    available = stock_available([variant_id], cart_id=cart_id).get(variant_id, 0)
    if quantity > available:
        raise StockShortage({variant_id: available})
    reservation, _ = StockReservation.objects.update_or_create(
        cart_id=cart_id,
        variant_id=variant_id,
        defaults={
            "quantity": quantity,
            "reserved_by": actor if getattr(actor, "pk", None) else None,
            "expires_at": timezone.now() + timedelta(minutes=minutes),
        },
    )
    return reservation
