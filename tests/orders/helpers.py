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
