"""Sign-in throttling in front of every password check (common.ratelimit, atomic, failing
open). customers.auth_backends.EmailBackend asks `password_check_allowed` before it checks
a password, so the storefront sign-in, Django admin's sign-in and anything else that calls
`django.contrib.auth.authenticate` share one limiter:

- per account: at most LOGIN_MAX_FAILURES checks per LOGIN_FAILURE_WINDOW_SECONDS (a
  correct password resets it; once over, even the correct password is refused until the
  window ends);
- per client IP: at most LOGIN_MAX_FAILURES_PER_IP checks per window, whichever account
  (a correct password gives its hit back).

Each attempt is counted *before* the check, atomically, so N concurrent guesses get
exactly the limit's number of checks. A refused attempt marks the request
(`request.login_throttled`) so the sign-in forms can say why, with a 429.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy

from common.ratelimit import Decision, Limit, limit_hit, limit_refund, limit_reset


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _limits(email: str, ip: str) -> tuple[Limit, Limit]:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    return (
        Limit("login:account", email, settings.LOGIN_MAX_FAILURES, window),
        Limit("login:ip", ip or "unknown", settings.LOGIN_MAX_FAILURES_PER_IP, window),
    )


def password_check_allowed(*, email: str, request) -> Decision:
    """Count one password check for this account and IP; refused when either is over."""
    decision = limit_hit(*_limits(email, client_ip(request)), component="login_limiter")
    if not decision.allowed and request is not None:
        request.login_throttled = decision
    return decision


def password_check_succeeded(*, email: str, request) -> None:
    account, ip = _limits(email, client_ip(request))
    limit_reset(account, component="login_limiter")
    limit_refund(ip, component="login_limiter")


def login_throttled(request) -> bool:
    return getattr(request, "login_throttled", None) is not None


THROTTLED_MESSAGE = gettext_lazy("Too many failed sign-in attempts. Wait 15 minutes or reset your password.")
