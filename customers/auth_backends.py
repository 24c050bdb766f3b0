from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from customers.models import Customer
from customers.throttle import password_check_allowed, password_check_succeeded


class EmailBackend(ModelBackend):
    """Sign in by email, case-insensitively; guests (no usable password) cannot sign in.
    Every password check passes the sign-in limiter first (customers.throttle): over the
    limit, no password is checked at all and authentication stops (PermissionDenied makes
    django.contrib.auth.authenticate return None without trying other backends)."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip()
        if not email or password is None:
            return None
        if not password_check_allowed(email=email, request=request).allowed:
            raise PermissionDenied("too many sign-in attempts")
        customer = Customer.objects.filter(email__iexact=email).first()
        if customer is None:
            Customer().set_password(password)  # same work as a real check: no timing oracle
            return None
        if customer.check_password(password) and self.user_can_authenticate(customer):
            password_check_succeeded(email=email, request=request)
            return customer
        return None
