"""Order domain errors; views and the API translate them once (409/400/402)."""


class OrderError(Exception):
    """Base class; `str(exc)` is fit to show to a shopper or agent."""


class EmptyCart(OrderError):
    def __init__(self):
        super().__init__("Your cart is empty. Add something before checking out.")


class PriceChanged(OrderError):
    def __init__(self):
        super().__init__("Prices in your cart changed while you were checking out. Review the new total and try again.")


class PaymentDeclined(OrderError):
    def __init__(self, message: str = "Your card was declined. Try another card or choose pay on delivery."):
        super().__init__(message)


class PaymentProviderError(OrderError):
    def __init__(self, message: str = "The payment service did not answer. Nothing was charged; please try again."):
        super().__init__(message)


class IdempotencyKeyReused(OrderError):
    def __init__(self):
        super().__init__("This checkout was already submitted with different details. Reload the page and try again.")


class CheckoutInProgress(OrderError):
    def __init__(self):
        super().__init__("This checkout is still being processed. Wait a moment and reload.")


class IllegalTransition(OrderError):
    def __init__(self, *, order_number: str, status: str, action: str):
        super().__init__(f"Order {order_number} is {status}; it cannot be {action}.")
        self.status = status
        self.action = action


class RefundTooLarge(OrderError):
    pass


class InvalidCheckout(OrderError):
    pass
