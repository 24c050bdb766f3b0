"""Demo API tokens for `manage.py seed_demo` (idempotent). A token's raw value exists only
when it is created, so it is printed then; a later run says it already exists."""

from api.models import IntegrationToken, Scope
from customers.models import Customer

DEMO_TOKENS = [
    ("Demo: shopper personal token", "shopper@example.com", [Scope.SHOPPER]),
    ("Demo: agent staff token", "agent@example.com", [Scope.STAFF]),
    ("Demo: social listener", None, [Scope.SOCIAL_WRITE]),
]


def seed(stdout=None, disable_progress: bool = False) -> None:
    for name, email, scopes in DEMO_TOKENS:
        customer = Customer.objects.filter(email__iexact=email).first() if email else None
        if email and customer is None:
            continue
        if IntegrationToken.objects.filter(name=name, revoked_at__isnull=True).exists():
            if stdout:
                stdout.write(f"  API token '{name}' exists (shown once when created; revoke it in admin for a new one)")
            continue
        token = IntegrationToken(name=name, customer=customer, scopes=list(scopes))
        raw = token.issue()
        token.save()
        if stdout:
            stdout.write(f"  API token '{name}': {raw}")
