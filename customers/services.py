"""Writes on the unified customer record (C1)."""

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.audit import audit_record
from common.audit_actions import AuditAction
from customers.exceptions import CustomerExists, EmailAlreadyRegistered
from customers.models import Consent, Customer
from customers.selectors import consent_current, customer_by_email


def customer_get_or_create_guest(
    *, email: str, first_name: str = "", last_name: str = "", source: str = Customer.Source.CHECKOUT
) -> Customer:
    """The customer for `email`, creating a guest (unusable password) if none exists.

    Guests share the record a later sign-up will use, so carts, orders and emails join.
    Safe under concurrency: a racing insert falls back to the row that won.
    """
    email = Customer.objects.normalize_email(email).strip()
    existing = customer_by_email(email)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Customer.objects.create_user(
                email=email,
                password=None,
                first_name=first_name,
                last_name=last_name,
                is_guest=True,
                signup_source=source,
            )
    except IntegrityError:
        return customer_by_email(email)


@transaction.atomic
def customer_register(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    marketing_consent: bool = False,
    consent_source: str = Consent.Source.SIGNUP,
) -> Customer:
    """Create an account, or turn the guest record with that email into one.

    Raises EmailAlreadyRegistered if a customer with a usable password owns the email.
    """
    email = Customer.objects.normalize_email(email).strip()
    customer = Customer.objects.select_for_update().filter(email__iexact=email).first()
    if customer is not None:
        if customer.has_usable_password() or not customer.is_guest:
            raise EmailAlreadyRegistered(email)
        customer.password = make_password(password)
        customer.is_guest = False
        customer.first_name = first_name or customer.first_name
        customer.last_name = last_name or customer.last_name
        customer.save(update_fields=["password", "is_guest", "first_name", "last_name"])
    else:
        customer = Customer.objects.create_user(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            signup_source=Customer.Source.SIGNUP,
        )
    if marketing_consent:
        consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True, source=consent_source)
    return customer


def consent_set(
    *, customer: Customer, purpose: str, granted: bool, source: str, actor: Customer | None = None
) -> Consent | None:
    """Record a consent decision. No row is written when nothing changes.

    When an agent (actor other than the customer) changes it, an audit entry is written.
    """
    if (
        consent_current(customer=customer, purpose=purpose) == granted
        and Consent.objects.filter(customer=customer, purpose=purpose).exists()
    ):
        return None
    with transaction.atomic():
        consent = Consent.objects.create(
            customer=customer, purpose=purpose, granted=granted, source=source, created_at=timezone.now()
        )
        if actor is not None and actor.pk != customer.pk:
            audit_record(
                actor=actor,
                action=AuditAction.CONSENT_CHANGE,
                customer=customer,
                obj=consent,
                before={"purpose": purpose, "granted": not granted},
                after={"purpose": purpose, "granted": granted},
            )
    return consent


ERASED_EMAIL_DOMAIN = "erased.invalid"


def erased_email(customer: Customer) -> str:
    return f"erased-{customer.public_id}@{ERASED_EMAIL_DOMAIN}"


@transaction.atomic
def customer_anonymise(*, customer: Customer) -> Customer:
    """Erase the customer's personal data in the customers app (C1 erasure).

    The row stays (orders and other records keep pointing at it) but holds no PII: email,
    names and phone are replaced, addresses deleted, password unusable, account inactive,
    marketing consent withdrawn. Other apps scrub their own copies (commerce_platform.privacy).
    """
    customer.addresses.all().delete()
    for purpose in Consent.Purpose.values:
        if consent_current(customer=customer, purpose=purpose):
            Consent.objects.create(customer=customer, purpose=purpose, granted=False, source=Consent.Source.ERASURE)
    customer.email = erased_email(customer)
    customer.first_name = customer.last_name = customer.phone = ""
    customer.first_name_reading = customer.last_name_reading = ""
    customer.set_unusable_password()
    customer.is_active = False
    customer.is_guest = True
    customer.erased_at = timezone.now()
    customer.save()
    return customer


@transaction.atomic
def customer_create_by_agent(
    *,
    email: str,
    first_name: str,
    last_name: str,
    phone="",
    actor,
    first_name_reading: str = "",
    last_name_reading: str = "",
) -> Customer:
    """A first-time caller: a service agent creates the customer record on the phone.

    The record is a guest (no password: the shopper can sign up later with the same email
    and keep everything the agent prepared) with sign-up source "agent". Raises
    CustomerExists when the email is taken. Audited (who created whom; no personal data in
    the entry, so erasure leaves nothing behind).
    """
    email = Customer.objects.normalize_email(email).strip()
    existing = customer_by_email(email)
    if existing is not None:
        raise CustomerExists(existing)
    try:
        with transaction.atomic():
            customer = Customer.objects.create_user(
                email=email,
                password=None,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                first_name_reading=first_name_reading,
                last_name_reading=last_name_reading,
                phone=phone,
                is_guest=True,
                signup_source=Customer.Source.AGENT,
            )
    except IntegrityError:  # created by someone else a moment ago
        raise CustomerExists(customer_by_email(email)) from None
    audit_record(
        actor=actor, action=AuditAction.CUSTOMER_CREATE, customer=customer, obj=customer, after={"source": "agent"}
    )
    return customer


def customer_language_set(*, customer: Customer, language: str) -> Customer:
    """Remember `language` (a code from settings.LANGUAGES) for the site and their messages."""
    if customer.language != language:
        customer.language = language
        customer.save(update_fields=["language"])
    return customer
