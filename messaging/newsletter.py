"""Newsletter sign-up with double opt-in: the footer form asks for an address, we email a
signed confirmation link (transactional: no consent yet), and only the confirmation records
marketing consent (source newsletter) and sends the welcome email (marketing)."""

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from customers.models import Consent, Customer
from customers.services import consent_set, customer_get_or_create_guest
from messaging.models import OutboundEmail, Suppression
from messaging.rendering import absolute
from messaging.services import email_enqueue

CONFIRM_SALT = "messaging.newsletter"
CONFIRM_MAX_AGE = 7 * 24 * 3600


def newsletter_confirm_token(email_address: str) -> str:
    return signing.dumps({"a": email_address.strip().lower()}, salt=CONFIRM_SALT)


def newsletter_confirm_token_read(token: str) -> str | None:
    """The address a confirmation link was made for, or None when forged or older than 7 days."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    return data.get("a") if isinstance(data, dict) else None


def newsletter_subscribe_request(*, email_address: str) -> OutboundEmail:
    """Email a confirmation link. At most one confirmation email per address per day
    (dedupe key), so the form cannot be used to flood someone's inbox."""
    email_address = email_address.strip()
    confirm_url = absolute(reverse("messaging:newsletter_confirm", args=[newsletter_confirm_token(email_address)]))
    return email_enqueue(
        to=email_address,
        kind="newsletter_confirm",
        template="newsletter_confirm",
        context={"confirm_url": confirm_url},
        dedupe_key=f"newsletter-confirm:{email_address.lower()}:{timezone.now():%Y-%m-%d}",
    )


@transaction.atomic
def newsletter_confirm(*, email_address: str) -> Customer:
    """Record marketing consent (source newsletter) for the address and send the welcome
    email once per customer. Lifts a marketing-only suppression (an earlier unsubscribe of an
    address without an account); a hard bounce stays."""
    customer = customer_get_or_create_guest(email=email_address, source=Customer.Source.NEWSLETTER)
    consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True, source="newsletter")
    Suppression.objects.filter(email__iexact=email_address, reason=Suppression.Reason.MANUAL).delete()
    email_enqueue(
        to=customer.email,
        kind="newsletter_welcome",
        template="newsletter_welcome",
        context={"first_name": customer.first_name, "shop_url": absolute("/")},
        dedupe_key=f"newsletter-welcome:{customer.pk}",
        customer=customer,
        marketing=True,
    )
    return customer
