from django.contrib.auth.backends import ModelBackend

from customers.models import Customer


class EmailBackend(ModelBackend):
    """Sign in by email, case-insensitively; guests (no usable password) cannot sign in."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip()
        if not email or password is None:
            return None
        customer = Customer.objects.filter(email__iexact=email).first()
        if customer is None:
            Customer().set_password(password)  # same work as a real check: no timing oracle
            return None
        if customer.check_password(password) and self.user_can_authenticate(customer):
            return customer
        return None
