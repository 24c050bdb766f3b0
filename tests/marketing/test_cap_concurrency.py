"""The frequency cap under concurrency: many flows racing to mail one customer at once
write exactly one marketing email (the per-customer pressure row is locked)."""

import threading

import pytest
from django.db import connection

from marketing.models import MarketingMessage
from marketing.services.sending import SENT, marketing_email_send
from messaging.models import OutboundEmail
from tests.marketing.factories import CustomerFactory, consent

THREADS = 24


@pytest.mark.django_db(transaction=True)
def test_racing_senders_respect_the_cap():
    customer = CustomerFactory(email="race@example.com")
    consent(customer, True)
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            barrier.wait()
            result = marketing_email_send(
                customer=customer,
                flow=MarketingMessage.Flow.BROWSE,
                kind="browse_abandonment",
                template="marketing_welcome",
                build_context=lambda message: {"subject": "Hi", "paragraphs": ["x"], "recommendations": []},
                dedupe_key=f"race:{n}",
            )
            results.append(result.status)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results.count(SENT) == 1
    assert results.count("capped") == THREADS - 1
    assert OutboundEmail.objects.filter(customer=customer, marketing=True).count() == 1
