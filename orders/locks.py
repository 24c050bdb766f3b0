"""The only place orders take row locks. Project lock order: cart row, then variant rows in
primary-key order, then the order row. Fixed order means concurrent placements of carts
holding the same SKUs in any line order never deadlock (R2b)."""

from catalog.models import Variant
from orders.models import Order


def stock_rows_for_update(variant_ids) -> dict[int, Variant]:
    """Lock the variants' rows in pk order; returns them by id (current stock under lock)."""
    rows = (
        Variant.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(pk__in=sorted(set(variant_ids)))
        .order_by("pk")
    )
    return {variant.pk: variant for variant in rows}


def order_for_update(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)
