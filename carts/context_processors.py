from carts.selectors import cart_item_count


def cart(request):
    """`cart_count` for the header's mini-cart (one query; lazily evaluated)."""
    from django.utils.functional import SimpleLazyObject

    return {"cart_count": SimpleLazyObject(lambda: cart_item_count(request))}
