from django.db.models import OuterRef, QuerySet, Subquery

from customers.models import Consent, Customer


def customer_by_email(email: str) -> Customer | None:
    return Customer.objects.filter(email__iexact=email.strip()).first()


def consent_current(*, customer: Customer, purpose: str) -> bool:
    """The customer's current answer for `purpose`; no record means no consent."""
    latest = (
        Consent.objects.filter(customer=customer, purpose=purpose)
        .order_by("-created_at", "-id")
        .values_list("granted", flat=True)
        .first()
    )
    return bool(latest)


def may_send_marketing_email(customer: Customer | str | None) -> bool:
    """May we send marketing email to this customer (or address) right now?

    Requires an active, non-erased customer whose newest marketing-email consent is a
    grant. Delivery-level suppression (hard bounces, complaints) is checked again by the
    messaging outbox at send time.
    """
    if customer is None:
        return False
    if isinstance(customer, str):
        customer = customer_by_email(customer)
        if customer is None:
            return False
    if not customer.is_active or customer.erased_at is not None:
        return False
    return consent_current(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL)


def customers_with_marketing_consent(queryset: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """Filter a customer queryset to those who may receive marketing email (one query)."""
    queryset = Customer.objects.all() if queryset is None else queryset
    latest = Consent.objects.filter(customer=OuterRef("pk"), purpose=Consent.Purpose.MARKETING_EMAIL).order_by(
        "-created_at", "-id"
    )
    return (
        queryset.filter(is_active=True, erased_at__isnull=True)
        .annotate(_marketing_granted=Subquery(latest.values("granted")[:1]))
        .filter(_marketing_granted=True)
    )


def customers_with_consent(purpose: str, *, ids: list[int]) -> list[int]:
    """Of the customers `ids`, those active, not erased, whose newest answer for `purpose` is
    a grant (one query; used by batch jobs such as recommendations' recompute)."""
    latest = Consent.objects.filter(customer=OuterRef("pk"), purpose=purpose).order_by("-created_at", "-id")
    return list(
        Customer.objects.filter(pk__in=ids, is_active=True, erased_at__isnull=True)
        .annotate(_granted=Subquery(latest.values("granted")[:1]))
        .filter(_granted=True)
        .values_list("pk", flat=True)
    )


def customer_country(customer: Customer | None) -> str:
    """The customer's country: their default address's (else newest address's), else the
    shop's. Decides how their phone number is shown and read."""
    from django.conf import settings

    if customer is not None and customer.pk:
        country = (
            customer.addresses.order_by("-is_default", "-created_at", "-id").values_list("country", flat=True).first()
        )
        if country:
            return country.upper()
    return settings.SHOP_COUNTRY


def customer_for_handle(*, network: str, handle: str) -> Customer | None:
    """The customer who has this network handle on their profile (handle as stored:
    customers.services.handle_normalise)."""
    from customers.models import CustomerHandle

    row = CustomerHandle.objects.select_related("customer").filter(network=network, handle=handle).first()
    return row.customer if row is not None else None
