"""Cart domain errors. Views turn them into form errors / HTTP 409 / 400 once."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class CartError(Exception):
    """Base class for cart errors; `str(exc)` is a message fit for a shopper or agent."""


class CartConflict(CartError):
    """The cart changed since the writer last saw it (stale `expected_version`)."""

    def __init__(self, *, expected: int | None, current: int):
        if expected is not None:
            message = gettext(
                "This cart changed (version %(current)s, you saw %(expected)s). "
                "Reload it to see the latest and try again."
            ) % {"current": current, "expected": expected}
        else:
            message = gettext("This cart changed. Reload it to see the latest and try again.")
        super().__init__(message)
        self.expected = expected
        self.current = current


class CartClosed(CartError):
    def __init__(self, status: str = "converted"):
        super().__init__(gettext("This cart is no longer open (it was already ordered or merged). Start a new cart."))
        self.status = status


class OutOfStock(CartError):
    def __init__(self, *, sku: str, requested: int, available: int, name: str = ""):
        what = name or sku
        if available <= 0:
            message = gettext("%(item)s is out of stock.") % {"item": what}
        else:
            message = gettext("Only %(available)s of %(item)s left in stock (you asked for %(requested)s).") % {
                "available": available,
                "item": what,
                "requested": requested,
            }
        super().__init__(message)
        self.sku = sku
        self.requested = requested
        self.available = available


class VariantUnavailable(CartError):
    def __init__(self, sku: str):
        super().__init__(gettext("%(sku)s is no longer sold.") % {"sku": sku})
        self.sku = sku


class InvalidQuantity(CartError):
    pass


class DiscountLimitExceeded(CartError):
    def __init__(self, *, requested_percent, limit_percent):
        super().__init__(
            gettext(
                "A discount of %(requested)s%% is over your limit of %(limit)s%%. "
                "Ask a supervisor to approve it or lower the amount."
            )
            % {"requested": requested_percent, "limit": limit_percent}
        )
        self.requested_percent = requested_percent
        self.limit_percent = limit_percent


class OverrideNotAllowed(CartError):
    pass


class VoucherProblem(models.TextChoices):
    """Why a code cannot be used (VoucherInvalid.reason)."""

    INVALID = "invalid", _("Invalid")
    UNKNOWN = "unknown", _("Unknown code")
    UNUSABLE = "unusable", _("Inactive, expired, not yet valid, used up or below the minimum spend")
    NOT_YOURS = "not_yours", _("Belongs to another account")
    USED_BY_CUSTOMER = "used_by_customer", _("Already used by this customer")
    USED_UP = "used_up", _("Used up")
    EMPTY = "empty", _("Cart is empty")
    NOT_EXPIRED = "not_expired", _("Not expired (the shopper can apply it)")


class VoucherInvalid(CartError):
    """Code unknown, expired, not yet valid, used up or below minimum spend (message says which)."""

    def __init__(self, message: str, *, reason: VoucherProblem = VoucherProblem.INVALID):
        super().__init__(message)
        self.reason = reason
