"""Emails are written in the customer's language (issue 16): the outbox row keeps it and the
worker renders in it, whatever language the sending process has active."""

import uuid

import pytest
from django.utils import translation

from messaging.rendering import email_render
from messaging.services import email_enqueue
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _render(row):
    with translation.override("en"):  # the worker's own language does not matter
        return email_render(
            template=row.template,
            to_email=row.to_email,
            context=row.context,
            marketing=row.marketing,
            public_id=uuid.uuid4(),
            kind=row.kind,
            language=row.language,
        )


def test_a_customer_who_chose_japanese_gets_japanese_mail():
    customer = CustomerFactory(language="ja")
    row = email_enqueue(
        to=customer.email, kind="test", template="test_message", context={}, dedupe_key="lang-1", customer=customer
    )
    assert row.language == "ja"
    rendered = _render(row)
    assert rendered.subject == "Unified Commerce からのテストメッセージ"
    assert "メール配信が正しく動作するか確認するために送信しました。" in rendered.html


def test_without_a_choice_the_language_of_the_request_that_caused_it():
    with translation.override("ja"):
        row = email_enqueue(to="guest@example.com", kind="test", template="test_message", context={}, dedupe_key="l2")
    assert row.language == "ja"
    customer = CustomerFactory(language="en")
    with translation.override("ja"):
        row = email_enqueue(to=customer.email, kind="test", template="test_message", context={}, dedupe_key="l3")
    assert row.language == "en"
    assert _render(row).subject == "Test message from Unified Commerce"
