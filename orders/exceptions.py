from django.utils.translation import gettext

"""Order domain errors; views and the API translate them once (409/400/402)."""


class OrderError(Exception):
    """Base class; `str(exc)` is fit to show to a shopper or agent."""


class EmptyCart(OrderError):
    def __init__(self):
        super().__init__(gettext("Your cart is empty. Add something before checking out."))


class PriceChanged(OrderError):
    def __init__(self):
        super().__init__(
            gettext("Prices in your cart changed while you were checking out. Review the new total and try again.")
        )


class PaymentDeclined(OrderError):
    def __init__(self, message: str = ""):
        super().__init__(message or gettext("Your card was declined. Try another card or choose pay on delivery."))


class PaymentProviderError(OrderError):
    def __init__(self, message: str = ""):
        super().__init__(
            message or gettext("The payment service did not answer. Nothing was charged; please try again.")
        )


class IdempotencyKeyReused(OrderError):
    def __init__(self):
        super().__init__(
            gettext("This checkout was already submitted with different details. Reload the page and try again.")
        )


class CheckoutInProgress(OrderError):
    def __init__(self):
        super().__init__(gettext("This checkout is still being processed. Wait a moment and reload."))


class IllegalTransition(OrderError):
    def __init__(self, *, order_number: str, status: str, action: str):
        super().__init__(
            gettext("Order %(number)s is %(status)s; it cannot be %(action)s.")
            % {"number": order_number, "status": status, "action": action}
        )
        self.status = status
        self.action = action


class RefundTooLarge(OrderError):
    pass


class InvalidCheckout(OrderError):
    pass
