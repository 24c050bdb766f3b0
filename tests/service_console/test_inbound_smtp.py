"""Mail to the support address through the real SMTP listener (a `manage.py inbound_smtp`
subprocess on a free port, smtplib as the sending server)."""

import smtplib

import pytest

from messaging.models import OutboundEmail
from service_console.models import Case, CaseMessage, InboundEmail
from service_console.services.cases import case_create, case_reply_send
from tests.customers.factories import CustomerFactory
from tests.service_console.inbound_listener import inbound_listener  # noqa: F401 - fixture
from tests.service_console.mail import build_email

pytestmark = pytest.mark.django_db(transaction=True)


def _send(listener, raw: bytes, *, to: str, mail_from: str = "hana@example.com") -> dict:
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=20) as smtp:
        return smtp.sendmail(mail_from, [to], raw)


def test_a_customer_reply_is_appended_to_its_case(inbound_listener, agent_user):  # noqa: F811
    shopper = CustomerFactory(email="hana@example.com", first_name="Hana")
    case = case_create(customer=shopper, subject="Late parcel", assignee=agent_user)
    case_reply_send(case=case, actor=agent_user, body="It ships today.")
    reply_email = OutboundEmail.objects.get(kind="case_reply")
    address = reply_email.headers["Reply-To"]
    raw = build_email(
        to=address,
        subject=f"Re: Late parcel [{case.number}]",
        body="It came, thank you!\n\nOn Mon, Unified Commerce wrote:\n> It ships today.\n",
        in_reply_to=reply_email.message_id,
    )

    refused = _send(inbound_listener, raw, to=address)

    assert refused == {}
    message = case.messages.get(kind=CaseMessage.Kind.CUSTOMER)
    assert (message.body, message.via) == ("It came, thank you!", "email")
    inbound = InboundEmail.objects.get()
    assert (inbound.source, inbound.outcome, inbound.case_id) == ("smtp", "appended", case.pk)
    # Stored as received (smtplib sends bytes as they are and ends the data with CRLF).
    assert bytes(inbound.raw) == raw + b"\r\n"
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN


def test_a_new_email_opens_a_case_and_other_mailboxes_are_refused(inbound_listener):  # noqa: F811
    raw = build_email(sender="Aiko <aiko@example.net>", subject="Gift card balance?", body="How much is left?")
    assert _send(inbound_listener, raw, to="support@example.com", mail_from="aiko@example.net") == {}
    case = Case.objects.get()
    assert (case.subject, case.customer.email, case.channel) == ("Gift card balance?", "aiko@example.net", "email")
    assert OutboundEmail.objects.filter(kind="case_received", to_email="aiko@example.net").count() == 1

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(inbound_listener, raw, to="ceo@example.com")
    assert refused.value.recipients["ceo@example.com"][0] == 550


def test_an_out_of_office_reply_is_accepted_and_ignored(inbound_listener):  # noqa: F811
    raw = build_email(subject="Out of office", body="Back Monday", headers={"Auto-Submitted": "auto-replied"})
    assert _send(inbound_listener, raw, to="support@example.com") == {}
    assert InboundEmail.objects.get().outcome == InboundEmail.Outcome.AUTO_REPLY
    assert Case.objects.count() == 0 and OutboundEmail.objects.count() == 0
