"""The only place carts take row locks. Lock order across the project: cart first, then
variant (stock) rows in primary-key order (catalog.locks)."""

from carts.models import Cart, CartOverride
from common.sql import bound_cursor


def cart_for_update(cart_id: int) -> Cart:
    """Lock one cart row (inside a transaction) and return its current state."""
    return Cart.objects.select_for_update(of=("self",)).get(pk=cart_id)


def carts_for_update(cart_ids: list[int]) -> dict[int, Cart]:
    """Lock several carts in pk order (merge at sign-in) so two merges never deadlock."""
    carts = Cart.objects.select_for_update(of=("self",)).filter(pk__in=cart_ids).order_by("pk")
    return {cart.pk: cart for cart in carts}


def override_for_update(override_id: int) -> CartOverride | None:
    """Lock one agent override (after its cart: the order every override writer keeps)."""
    return CartOverride.objects.select_for_update(of=("self",)).filter(pk=override_id).first()


def cart_state_for_update(cart_id: int) -> tuple[str, int] | None:
    """Lock one cart row and return only (status, version): order placement's cheap lock.
    A version equal to the one placement priced proves the lines, overrides, voucher and
    shipping method are unchanged (every cart write bumps it)."""
    with bound_cursor() as cursor:
        cursor.execute(
            f'SELECT status, version FROM "{Cart._meta.db_table}" WHERE id = %s FOR UPDATE',  # noqa: S608 - table name from the model
            [cart_id],
        )
        return cursor.fetchone()
