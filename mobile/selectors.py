"""Reads of `mobile` worth naming: who may get marketing texts, a campaign text's length."""

from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from customers.models import Address, Consent, Customer
from mobile.models import SmsOptOut


def customers_with_texting(
    queryset: QuerySet[Customer], *, marketing: bool, include_opted_out: bool = False
) -> QuerySet[Customer]:
    """Filter customers to those who may be texted now (one query): active, not erased,
    whose newest consent for marketing texts (or order texts) is a grant, with a number —
    their own, else their default address's — that did not text STOP (unless
    `include_opted_out`, to count those). Annotates `_phone`."""
    purpose = Consent.Purpose.SMS_MARKETING if marketing else Consent.Purpose.SMS_TRANSACTIONAL
    latest = Consent.objects.filter(customer=OuterRef("pk"), purpose=purpose).order_by("-created_at", "-id")
    address_phone = (
        Address.objects.filter(customer=OuterRef("pk"))
        .exclude(phone="")
        .order_by("-is_default", "-created_at")
        .values("phone")[:1]
    )
    phone = Coalesce(NullIf("phone", Value("")), Subquery(address_phone), output_field=CharField())
    customers = (
        queryset.filter(is_active=True, erased_at__isnull=True)
        .annotate(_granted=Subquery(latest.values("granted")[:1]), _phone=phone)
        .filter(_granted=True, _phone__startswith="+")
    )
    if include_opted_out:
        return customers
    return customers.filter(~Exists(SmsOptOut.objects.filter(phone=OuterRef("_phone"))))
