"""Newsletter end to end with a real Celery worker and SMTP server: footer form ->
confirmation email -> confirm -> welcome email (marketing) -> RFC 8058 one-click
unsubscribe from the List-Unsubscribe header -> no more marketing mail."""

import re

import pytest
from django.db import transaction
from django.urls import reverse

from customers.models import Consent
from customers.selectors import may_send_marketing_email
from messaging.models import OutboundEmail
from messaging.services import email_enqueue
from tests.messaging.sink import body_parts

pytestmark = pytest.mark.celery


@pytest.mark.django_db(transaction=True)
def test_double_opt_in_welcome_and_one_click_unsubscribe(client, smtp_sink, start_celery_worker):
    start_celery_worker(queues="email", concurrency=1, name="mail-newsletter", extra_env={"EMAIL_URL": smtp_sink.url})

    client.post(reverse("messaging:newsletter_subscribe"), {"email": "reader@example.com"})
    assert smtp_sink.wait_for(lambda: len(smtp_sink.handler.messages) == 1)
    confirm = smtp_sink.handler.messages[0]
    assert confirm["Subject"] == "Confirm your Unified Commerce newsletter subscription"
    assert confirm["List-Unsubscribe"] is None
    link = re.search(r"http://127\.0\.0\.1:8000(/newsletter/confirm/\S+/)", body_parts(confirm)["text/plain"]).group(1)

    assert client.post(link).status_code == 200
    assert smtp_sink.wait_for(lambda: len(smtp_sink.handler.messages) == 2)
    welcome = smtp_sink.handler.messages[1]
    assert welcome["Subject"] == "Welcome to the Unified Commerce newsletter"
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = re.sub(r"\s+", "", welcome["List-Unsubscribe"])  # unfold the (legally) folded header
    match = re.fullmatch(r"<http://127\.0\.0\.1:8000(/email/u/\S+/)>", header)
    assert match, repr(header)
    unsubscribe = match.group(1)
    assert "Unsubscribe with one click" in body_parts(welcome)["text/plain"]

    # The mail client's one-click POST (RFC 8058): no session, no CSRF token
    response = client.post(unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    customer = Consent.objects.filter(customer__email="reader@example.com").first().customer
    assert may_send_marketing_email(customer) is False
    assert list(Consent.objects.filter(customer=customer).values_list("granted", "source")) == [
        (False, "unsubscribe"),
        (True, "newsletter"),
    ]

    # A marketing email queued afterwards is suppressed at send time, never delivered.
    with transaction.atomic():
        later = email_enqueue(
            to="reader@example.com",
            kind="campaign",
            template="newsletter_welcome",
            context={},
            dedupe_key="after-unsubscribe",
            customer=customer,
            marketing=True,
        )
    assert smtp_sink.wait_for(lambda: OutboundEmail.objects.get(pk=later.pk).status == "suppressed")
    assert len(smtp_sink.handler.messages) == 2
