"""Personal data held by `api` (R13): the customer's tokens and webhook payloads that carried
their order or case (social posts: the `social` app)."""

from django.utils import timezone

from api.models import IntegrationToken, WebhookDelivery
from common.personal_data import REDACTED, ErasureSubject, mentioning, redact_rows


def api_erase(subject: ErasureSubject) -> None:
    tokens = IntegrationToken.objects.filter(customer=subject.customer)
    tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    tokens.update(name=REDACTED)
    redact_rows(mentioning(IntegrationToken.objects.all(), subject, ("name",)), subject, ("name",))
    redact_rows(
        mentioning(WebhookDelivery.objects.all(), subject, ("payload", "last_error")),
        subject,
        ("payload", "last_error"),
    )


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "api",
        holds=("api.IntegrationToken", "api.WebhookDelivery"),
        erase=api_erase,
        without=("api.WebhookSubscription",),
    )
