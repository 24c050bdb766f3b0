from orders.payments import APPROVE_CARD
from orders.services import order_place

ADDRESS = {
    "full_name": "Hana Sato",
    "line1": "1-2-3 Jingumae",
    "city": "Tokyo",
    "postal_code": "150-0001",
    "country": "JP",
}


def place(cart, *, key=None, card=APPROVE_CARD, method="test_card", email=None, address=None, actor=None, **kw):
    return order_place(
        cart=cart,
        email=email or cart.email or "buyer@example.com",
        shipping_address=address or ADDRESS,
        shipping_method=kw.pop("shipping_method", "standard"),
        payment_method=method,
        payment_details={"card_number": card} if method == "test_card" else {},
        idempotency_key=key,
        actor=actor if actor is not None else cart.customer,
        **kw,
    )


def shopper_swaps_during_authorization(monkeypatch, cart, *, old_variant, new_variant):
    """While the payment is being authorized — after order placement read the cart, before
    it locks it — the shopper swaps `old_variant` for `new_variant` (same price, so the
    total does not change: only the cart version tells the agent's or reviewer's cart from
    the new one). The edit runs on its own connection and commits, like a second request."""
    import threading

    from django.db import connection

    from carts.selectors import cart_with_lines
    from carts.services import cart_line_add, cart_line_remove
    from orders.payments import PROVIDERS

    def edit():
        try:
            current = cart_with_lines(cart.pk)
            line = current.lines.get(variant=old_variant)
            cart_line_remove(cart=current, line=line, expected_version=current.version)
            cart_line_add(cart=current, variant=new_variant, quantity=line.quantity, expected_version=current.version)
        finally:
            connection.close()

    for provider in PROVIDERS.values():
        real = provider.authorize

        def authorize(*, _real=real, **kwargs):
            thread = threading.Thread(target=edit)
            thread.start()
            thread.join(timeout=30)
            return _real(**kwargs)

        monkeypatch.setattr(provider, "authorize", authorize)
