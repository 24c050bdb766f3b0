"""Personal data held by `mobile` (R13): numbers and texts of SMS, push subscriptions (an
endpoint identifies a browser), texts customers sent us. Delivery facts (kind, status,
times, segments) stay; the content goes."""

from django.db.models import Q

from common.personal_data import ErasureSubject, mentioning, redact_rows
from mobile.models import InboundSms, OutboundMessage, PushSubscription, SmsOptOut

ERASED = "[erased]"


def mobile_erase(subject: ErasureSubject) -> None:
    customer = subject.customer
    phones = [p for p in subject.phones if p]
    PushSubscription.objects.filter(customer=customer).delete()
    rows = OutboundMessage.objects.filter(Q(customer=customer) | Q(to_phone__in=phones))
    rows.filter(status=OutboundMessage.Status.QUEUED).update(
        status=OutboundMessage.Status.SUPPRESSED, last_error="customer data erased"
    )
    rows.update(to_phone="", title="", body=ERASED, url="", last_error="", note="", subscription=None)
    InboundSms.objects.filter(Q(customer=customer) | Q(from_phone__in=phones)).update(from_phone="", body=ERASED)
    # Texts to others that quote them ("Hana's parcel …"), and their user agents' names.
    text_fields = ("body", "title", "last_error")
    redact_rows(mentioning(OutboundMessage.objects.all(), subject, text_fields), subject, text_fields)
    redact_rows(mentioning(InboundSms.objects.all(), subject, ("body",)), subject, ("body",))
    # An opt-out is about the number, not the person: the number will belong to someone
    # else one day. It goes with the person.
    SmsOptOut.objects.filter(phone__in=phones).delete()


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "mobile",
        holds=("mobile.OutboundMessage", "mobile.PushSubscription", "mobile.InboundSms", "mobile.SmsOptOut"),
        erase=mobile_erase,
    )
