"""Personal data held by `customers` (R13): the customer record, addresses, sign-in sessions.

`erasure_subject` captures what identifies the customer before anything is replaced, so every
app's eraser (common.personal_data registry) can find and redact its copies.
"""

from common.personal_data import ErasureSubject
from customers.models import Customer


def erasure_subject(customer: Customer) -> ErasureSubject:
    from customers.services import erased_email

    addresses = list(customer.addresses.all())
    people = [customer, *addresses]
    names = {customer.full_name} | {address.full_name for address in addresses}
    names |= {
        getattr(person, part)
        for person in people
        for part in ("first_name", "last_name", "first_name_reading", "last_name_reading")
    }
    names |= {f"{person.last_name_reading} {person.first_name_reading}".strip() for person in people}
    lines = {text for address in addresses for text in (address.line1, address.line2)}
    phones = {str(person.phone or "") for person in people}
    handles = sorted(customer.social_handles.values_list("handle", flat=True))
    return ErasureSubject(
        customer=customer,
        email=customer.email,
        replacement_email=erased_email(customer),
        names=tuple(sorted(name for name in names if name)),
        phones=tuple(sorted(phone for phone in phones if phone)),
        address_lines=tuple(sorted(line for line in lines if line)),
        handles=tuple(handles),
    )


def sessions_erase(customer: Customer) -> int:
    """Delete the customer's sign-in sessions (their data names the account)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    user_id = str(customer.pk)
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000)
        if str(session.get_decoded().get("_auth_user_id")) == user_id
    ]
    return Session.objects.filter(pk__in=doomed).delete()[0]


def customers_erase(subject: ErasureSubject) -> None:
    from customers.services import customer_anonymise

    sessions_erase(subject.customer)
    subject.customer.social_handles.all().delete()  # later posts by them stay anonymous
    customer_anonymise(customer=subject.customer)
    # The record's change history (django-simple-history) keeps who changed what and when,
    # not the values that identified them.
    Customer.history.filter(id=subject.customer.pk).update(
        email=subject.replacement_email,
        first_name="",
        last_name="",
        first_name_reading="",
        last_name_reading="",
        phone="",
    )


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "customers",
        holds=("customers.Customer", "customers.Address", "customers.HistoricalCustomer", "customers.CustomerHandle"),
        linked=("customers.Consent", "sessions.Session"),  # consent history stays, withdrawn
        erase=customers_erase,
        order=900,  # the record itself last: other apps find their rows through it
    )
