"""One error body for the whole API:

    {"error": {"code": "validation_error", "message": "…", "fields": {"quantity": ["…"]}}}

`fields` is always present (empty when the error is not about a field). Domain exceptions
from the services are translated here, once, into HTTP statuses.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from carts import exceptions as cart_errors
from customers import exceptions as customer_errors
from orders import exceptions as order_errors
from service_console import exceptions as console_errors

logger = logging.getLogger(__name__)

# (exception class, HTTP status, code). First match wins, so subclasses come first.
DOMAIN_ERRORS: list[tuple[type[Exception], int, str]] = [
    (cart_errors.CartConflict, status.HTTP_409_CONFLICT, "cart_conflict"),
    (cart_errors.CartClosed, status.HTTP_409_CONFLICT, "cart_closed"),
    (cart_errors.OutOfStock, status.HTTP_409_CONFLICT, "out_of_stock"),
    (cart_errors.VariantUnavailable, status.HTTP_409_CONFLICT, "variant_unavailable"),
    (cart_errors.InvalidQuantity, status.HTTP_400_BAD_REQUEST, "invalid_quantity"),
    (cart_errors.DiscountLimitExceeded, status.HTTP_403_FORBIDDEN, "discount_limit_exceeded"),
    (cart_errors.OverrideNotAllowed, status.HTTP_400_BAD_REQUEST, "override_not_allowed"),
    (cart_errors.VoucherInvalid, status.HTTP_400_BAD_REQUEST, "voucher_invalid"),
    (cart_errors.CartError, status.HTTP_400_BAD_REQUEST, "cart_error"),
    (order_errors.EmptyCart, status.HTTP_400_BAD_REQUEST, "empty_cart"),
    (order_errors.PriceChanged, status.HTTP_409_CONFLICT, "price_changed"),
    (order_errors.PaymentDeclined, status.HTTP_402_PAYMENT_REQUIRED, "payment_declined"),
    (order_errors.PaymentProviderError, status.HTTP_503_SERVICE_UNAVAILABLE, "payment_provider_unavailable"),
    (order_errors.IdempotencyKeyReused, status.HTTP_422_UNPROCESSABLE_ENTITY, "idempotency_key_reused"),
    (order_errors.CheckoutInProgress, status.HTTP_409_CONFLICT, "checkout_in_progress"),
    (order_errors.IllegalTransition, status.HTTP_409_CONFLICT, "illegal_transition"),
    (order_errors.InvalidCheckout, status.HTTP_400_BAD_REQUEST, "invalid_checkout"),
    (order_errors.OrderError, status.HTTP_400_BAD_REQUEST, "order_error"),
    (console_errors.CaseTransitionInvalid, status.HTTP_409_CONFLICT, "case_transition_invalid"),
    (console_errors.ConsoleError, status.HTTP_400_BAD_REQUEST, "console_error"),
    (customer_errors.EmailAlreadyRegistered, status.HTTP_409_CONFLICT, "email_already_registered"),
    (customer_errors.CustomerError, status.HTTP_400_BAD_REQUEST, "customer_error"),
]

_DRF_CODES = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {msg}" for key, value in detail.items() for msg in _flatten(value)]
    if isinstance(detail, list):
        return [msg for item in detail for msg in _flatten(item)]
    return [str(detail)]


def _fields(detail) -> dict:
    """Field errors as {field: [messages]}; nested serializers become 'parent.child' keys."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}", inner)
        elif isinstance(value, list):
            out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
        else:
            out.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return out


def api_exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every handled error gets the one body format."""
    for klass, http_status, code in DOMAIN_ERRORS:
        if isinstance(exc, klass):
            fields = getattr(exc, "api_fields", None) or {}
            return Response(error_body(code, str(exc), fields), status=http_status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django's 500 handling and logging take over
    code = next((c for klass, c in _DRF_CODES.items() if isinstance(exc, klass)), "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        message = (
            "Some fields are not valid." if set(fields) - {"non_field_errors"} else "; ".join(_flatten(exc.detail))
        )
        response.data = error_body(code, message or "Invalid request.", fields)
    else:
        detail = getattr(exc, "detail", "")
        response.data = error_body(code, "; ".join(_flatten(detail)) or str(exc))
    return response
