"""A first-time caller: the agent creates the customer and their shipping address from the
console. The records are customers' own (customers.services, customers.account_services);
this adds the agent's audit entry in the same transaction."""

from django.db import transaction

from common.audit import audit_record
from common.audit_actions import AuditAction
from customers.account_services import address_save
from customers.models import Address, Customer
from customers.services import customer_create_by_agent


def console_customer_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    phone,
    actor,
    first_name_reading: str = "",
    last_name_reading: str = "",
) -> Customer:
    """Create the caller's record (CustomerExists if the email is on file); audited by customers."""
    return customer_create_by_agent(
        email=email,
        first_name=first_name,
        last_name=last_name,
        first_name_reading=first_name_reading,
        last_name_reading=last_name_reading,
        phone=phone,
        actor=actor,
    )


@transaction.atomic
def console_address_add(*, customer: Customer, address: Address, actor) -> Address:
    """Save a new address for `customer` (the first one becomes the default) and audit it.
    The entry names the country only: no address text in the audit log (erasure)."""
    saved = address_save(customer=customer, address=address)
    audit_record(
        actor=actor,
        action=AuditAction.CUSTOMER_ADDRESS_ADD,
        customer=customer,
        obj=saved,
        after={"country": saved.country, "default": saved.is_default},
    )
    return saved
