"""Writes behind the storefront account pages (profile, address book, consent settings)."""

from django.db import transaction

from customers.models import Address, Consent, Customer
from customers.services import consent_set

# The purposes the privacy page's checkboxes set; push is turned on and off in the browser
# (its prompt), per device, by the notifications block of the same page.
CONSENT_PURPOSES = (
    Consent.Purpose.MARKETING_EMAIL,
    Consent.Purpose.SMS_TRANSACTIONAL,
    Consent.Purpose.SMS_MARKETING,
    Consent.Purpose.PERSONALISATION,
)


@transaction.atomic
def address_save(*, customer: Customer, address: Address) -> Address:
    """Save an address of `customer`; at most one default (the first address becomes it)."""
    address.customer = customer
    if not address.pk and not customer.addresses.exists():
        address.is_default = True
    address.save()
    if address.is_default:
        customer.addresses.exclude(pk=address.pk).filter(is_default=True).update(is_default=False)
    return address


@transaction.atomic
def address_delete(*, customer: Customer, address_id: int) -> bool:
    """Delete one of the customer's addresses; promote the newest remaining one to default."""
    address = customer.addresses.select_for_update().filter(pk=address_id).first()
    if address is None:
        return False
    was_default = address.is_default
    address.delete()
    if was_default:
        newest = customer.addresses.order_by("-created_at", "-id").first()
        if newest is not None:
            newest.is_default = True
            newest.save(update_fields=["is_default"])
    return True


@transaction.atomic
def address_make_default(*, customer: Customer, address_id: int) -> bool:
    address = customer.addresses.select_for_update().filter(pk=address_id).first()
    if address is None:
        return False
    customer.addresses.exclude(pk=address.pk).filter(is_default=True).update(is_default=False)
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default"])
    return True


def consent_settings_save(*, customer: Customer, choices: dict[str, bool]) -> list[str]:
    """Record each changed purpose from the consent settings page. Returns changed purposes."""
    changed = []
    for purpose in CONSENT_PURPOSES:
        if purpose in choices and consent_set(
            customer=customer, purpose=purpose, granted=bool(choices[purpose]), source=Consent.Source.PREFERENCES
        ):
            changed.append(purpose)
    return changed
