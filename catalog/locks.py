"""The only place stock rows are locked. Project lock order: the cart row (carts.locks), then
variant rows in primary-key order (here), then voucher and order rows. A fixed order means
concurrent placements of carts holding the same SKUs in any line order never deadlock (R2b)."""

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Variant
from common.sql import bound_cursor


@dataclass(frozen=True)
class LockedStock:
    """A variant row as of its lock: what placement prices and checks against."""

    id: int
    price: Decimal
    stock: int
    is_active: bool


def stock_rows_for_update(variant_ids) -> dict[int, LockedStock]:
    """Lock the variants' rows in pk order (one statement; Postgres locks the rows in the
    ORDER BY order) and return their price, stock and active flag as of the lock."""
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    table = Variant._meta.db_table
    with bound_cursor() as cursor:
        cursor.execute(
            f'SELECT id, price, stock, is_active FROM "{table}" WHERE id = ANY(%s) ORDER BY id FOR UPDATE',  # noqa: S608 - table name from the model
            [ids],
        )
        return {row[0]: LockedStock(*row) for row in cursor.fetchall()}
