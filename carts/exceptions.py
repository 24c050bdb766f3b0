"""Cart domain errors. Views turn them into form errors / HTTP 409 / 400 once."""

from django.db import models


class CartError(Exception):
    """Base class for cart errors; `str(exc)` is a message fit for a shopper or agent."""


class CartConflict(CartError):
    """The cart changed since the writer last saw it (stale `expected_version`)."""

    def __init__(self, *, expected: int | None, current: int):
        seen = f" (version {current}, you saw {expected})" if expected is not None else ""
        super().__init__(f"This cart changed{seen}. Reload it to see the latest and try again.")
        self.expected = expected
        self.current = current


class CartClosed(CartError):
    def __init__(self, status: str = "converted"):
        super().__init__("This cart is no longer open (it was already ordered or merged). Start a new cart.")
        self.status = status


class OutOfStock(CartError):
    def __init__(self, *, sku: str, requested: int, available: int, name: str = ""):
        what = name or sku
        if available <= 0:
            message = f"{what} is out of stock."
        else:
            message = f"Only {available} of {what} left in stock (you asked for {requested})."
        super().__init__(message)
        self.sku = sku
        self.requested = requested
        self.available = available


class VariantUnavailable(CartError):
    def __init__(self, sku: str):
        super().__init__(f"{sku} is no longer sold.")
        self.sku = sku


class InvalidQuantity(CartError):
    pass


class DiscountLimitExceeded(CartError):
    def __init__(self, *, requested_percent, limit_percent):
        super().__init__(
            f"A discount of {requested_percent}% is over your limit of {limit_percent}%. "
            "Ask a supervisor to approve it or lower the amount."
        )
        self.requested_percent = requested_percent
        self.limit_percent = limit_percent


class OverrideNotAllowed(CartError):
    pass


class VoucherProblem(models.TextChoices):
    """Why a code cannot be used (VoucherInvalid.reason)."""

    INVALID = "invalid", "Invalid"
    UNKNOWN = "unknown", "Unknown code"
    UNUSABLE = "unusable", "Inactive, expired, not yet valid, used up or below the minimum spend"
    NOT_YOURS = "not_yours", "Belongs to another account"
    USED_BY_CUSTOMER = "used_by_customer", "Already used by this customer"
    USED_UP = "used_up", "Used up"
    EMPTY = "empty", "Cart is empty"
    NOT_EXPIRED = "not_expired", "Not expired (the shopper can apply it)"


class VoucherInvalid(CartError):
    """Code unknown, expired, not yet valid, used up or below minimum spend (message says which)."""

    def __init__(self, message: str, *, reason: VoucherProblem = VoucherProblem.INVALID):
        super().__init__(message)
        self.reason = reason
