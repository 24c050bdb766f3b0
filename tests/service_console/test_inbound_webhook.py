"""ESP inbound webhooks (django-anymail) over real HTTP: Mailgun's format with its HMAC
signature (raw MIME and fully parsed), a bad signature refused, an unconfigured ESP 404."""

import hashlib
import hmac
import json
import time

import pytest
import requests

from messaging.models import OutboundEmail
from service_console.models import Case, CaseMessage, InboundEmail
from service_console.services.cases import case_create, case_reply_send
from tests.customers.factories import CustomerFactory
from tests.service_console.mail import build_email

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "key-test-signing-0123456789"


@pytest.fixture(autouse=True)
def _mailgun(settings, tmp_path):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": KEY}
    settings.MEDIA_ROOT = tmp_path


def _signed(key: str = KEY) -> dict:
    timestamp, token = str(int(time.time())), "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": signature}


def test_a_signed_raw_mime_post_threads_the_reply_into_its_case(live_server, agent_user):
    shopper = CustomerFactory(email="hana@example.com")
    case = case_create(customer=shopper, subject="Late parcel", assignee=agent_user)
    reply = case_reply_send(case=case, actor=agent_user, body="It ships today.")
    reply_to = OutboundEmail.objects.get(kind="case_reply").headers["Reply-To"]
    raw = build_email(to=reply_to, body="Got it, thanks!\n\n> It ships today.", in_reply_to=reply.message_id)

    response = requests.post(
        f"{live_server.url}/anymail/mailgun/inbound_mime/",
        data={"body-mime": raw.decode(), "recipient": reply_to, "sender": "hana@example.com", **_signed()},
        timeout=20,
    )

    assert response.status_code == 200
    inbound = InboundEmail.objects.get()
    assert (inbound.source, inbound.esp, inbound.outcome, inbound.case_id) == (
        "webhook",
        "Mailgun",
        "appended",
        case.pk,
    )
    assert case.messages.get(kind=CaseMessage.Kind.CUSTOMER).body == "Got it, thanks!"


def test_a_fully_parsed_post_opens_a_new_case(live_server):
    response = requests.post(
        f"{live_server.url}/anymail/mailgun/inbound/",
        data={
            "recipient": "support@example.com",
            "sender": "aiko@example.net",
            "from": "Aiko Mori <aiko@example.net>",
            "To": "support@example.com",
            "subject": "Return label",
            "body-plain": "Could you send a return label?",
            "message-headers": json.dumps(
                [
                    ["Message-Id", "<parsed-1@mail.example.net>"],
                    ["From", "Aiko Mori <aiko@example.net>"],
                    ["To", "support@example.com"],
                    ["Subject", "Return label"],
                ]
            ),
            **_signed(),
        },
        timeout=20,
    )
    assert response.status_code == 200
    case = Case.objects.get()
    assert (case.subject, case.customer.email, case.customer.first_name) == ("Return label", "aiko@example.net", "Aiko")


def test_a_bad_signature_is_refused_and_stores_nothing(live_server):
    raw = build_email(body="Let me in")
    response = requests.post(
        f"{live_server.url}/anymail/mailgun/inbound_mime/",
        data={"body-mime": raw.decode(), **_signed(key="not-the-key")},
        timeout=20,
    )
    assert response.status_code == 400
    unsigned = requests.post(f"{live_server.url}/anymail/mailgun/inbound_mime/", data={"body-mime": raw.decode()})
    assert unsigned.status_code == 400
    assert InboundEmail.objects.count() == 0 and Case.objects.count() == 0


def test_an_esp_without_configuration_is_not_open(live_server):
    # Postmark inbound has only basic auth: without ANYMAIL_WEBHOOK_SECRET it is switched off.
    response = requests.post(f"{live_server.url}/anymail/postmark/inbound/", json={"RawEmail": "x"}, timeout=20)
    assert response.status_code == 404
    assert InboundEmail.objects.count() == 0
