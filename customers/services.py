"""Writes on the unified customer record (C1)."""

import hashlib

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.audit import audit_record
from common.audit_actions import AuditAction
from customers.exceptions import CustomerExists, EmailAlreadyRegistered, HandleTaken
from customers.models import SOCIAL_AUTHOR_EMAIL_DOMAIN, Consent, Customer, CustomerHandle
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


def handle_normalise(handle: str) -> str:
    """'@Ana.Shops ' -> 'ana.shops': how handles are stored and matched."""
    return handle.strip().lstrip("@").lower()


@transaction.atomic
def social_handle_add(*, customer: Customer, network: str, handle: str, actor: Customer) -> CustomerHandle:
    """Put a network handle on the customer's profile (the customer in their account, or an
    agent). Idempotent for the same customer; raises HandleTaken when another customer has it.
    An agent's change is audited."""
    handle = handle_normalise(handle)
    existing = CustomerHandle.objects.select_related("customer").filter(network=network, handle=handle).first()
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise HandleTaken(existing.customer)
        return existing
    source = CustomerHandle.Source.CUSTOMER if actor.pk == customer.pk else CustomerHandle.Source.AGENT
    try:
        with transaction.atomic():
            row = CustomerHandle.objects.create(customer=customer, network=network, handle=handle, source=source)
    except IntegrityError:  # added to someone else a moment ago
        raise HandleTaken(CustomerHandle.objects.get(network=network, handle=handle).customer) from None
    if source == CustomerHandle.Source.AGENT:
        audit_record(
            actor=actor,
            action=AuditAction.CUSTOMER_HANDLE_ADD,
            customer=customer,
            obj=row,
            after={"network": network},
        )
    return row


@transaction.atomic
def social_handle_remove(*, customer: Customer, handle_id: int, actor: Customer) -> bool:
    """Take a handle off the customer's profile; False if it is not theirs. Later posts by it
    are no longer linked to them (cases already opened stay where they are)."""
    row = CustomerHandle.objects.filter(pk=handle_id, customer=customer).first()
    if row is None:
        return False
    network = row.network
    row.delete()
    if actor.pk != customer.pk:
        audit_record(
            actor=actor,
            action=AuditAction.CUSTOMER_HANDLE_REMOVE,
            customer=customer,
            obj=customer,
            before={"network": network},
        )
    return True


def social_author_email(*, network: str, handle: str) -> str:
    """The placeholder address of a social author's record: derived from network + handle
    (so the same author finds the same record) without spelling the handle out."""
    digest = hashlib.sha256(f"{network}:{handle_normalise(handle)}".encode()).hexdigest()[:24]
    return f"{network}-{digest}@{SOCIAL_AUTHOR_EMAIL_DOMAIN}"


def customer_for_social_author(*, network: str, handle: str) -> Customer:
    """The record that stands for a social author nobody has linked to a customer yet: a
    guest with a placeholder address (never emailed; Customer.email_is_placeholder) and
    "@handle" as its name, so a case can be opened for them. Created on first use."""
    return customer_get_or_create_guest(
        email=social_author_email(network=network, handle=handle),
        first_name=f"@{handle_normalise(handle)}",
        source=Customer.Source.SOCIAL,
    )
