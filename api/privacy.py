"""Personal data held by `api` (R13): the customer's tokens, webhook payloads that carried
their order or case, social posts that name them."""

from django.utils import timezone

from api.models import IntegrationToken, SocialPost, WebhookDelivery
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
    # A post naming the customer is theirs as far as we can tell: drop the text, keep the fact.
    posts = mentioning(SocialPost.objects.all(), subject, ("handle", "text", "url"))
    SocialPost.objects.filter(pk__in=posts.values("pk")).update(handle=REDACTED, text=REDACTED, url="")


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "api",
        holds=("api.IntegrationToken", "api.WebhookDelivery", "api.SocialPost"),
        erase=api_erase,
        without=("api.WebhookSubscription",),
    )
