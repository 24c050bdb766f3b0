"""Django's `user_logged_in` signal: attach the anonymous session cart to the customer."""

from carts.services import cart_merge_on_login

SESSION_CART_KEY = "cart_id"


def cart_merge_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    # The session key rotates at sign-in but its data survives, so the cart id is kept there.
    cart = cart_merge_on_login(customer=user, anonymous_cart_id=request.session.get(SESSION_CART_KEY))
    if cart is not None:
        request.session[SESSION_CART_KEY] = cart.pk
    else:
        request.session.pop(SESSION_CART_KEY, None)
