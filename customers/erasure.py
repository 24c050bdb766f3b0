"""Erasure of one customer across every app (R13, C1).

Each app registers what personal data it holds and how to erase it
(`common.personal_data.personal_data_register`, from its AppConfig.ready); this runs them all
in one transaction with the identifiers captured before anything was replaced.
"""

from django.db import transaction

from common.personal_data import personal_data_registrations
from customers.models import Customer
from customers.privacy import erasure_subject


@transaction.atomic
def customer_erase(*, customer: Customer, actor: Customer | None) -> Customer:
    """Erase the customer's personal data everywhere; orders keep their financial facts
    (numbers, lines, prices, totals, payments, events). Irreversible; audited."""
    from common.audit import audit_record
    from common.audit_actions import AuditAction

    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    subject = erasure_subject(customer)
    erased = []
    for registration in personal_data_registrations():
        if registration.erase is not None:
            registration.erase(subject)
            erased.append(registration.app_label)
    audit_record(
        actor=actor, action=AuditAction.CUSTOMER_ERASE, customer=customer, obj=customer, after={"apps": erased}
    )
    return customer
