"""The Twilio backend against a local server that plays Twilio's Messages API, its status
callbacks to our webhook, and the inbound webhook (STOP / START / HELP), all signed and
checked with twilio's RequestValidator."""

import base64

import pytest
from django.test import override_settings

from customers.models import Consent
from customers.selectors import consent_current
from mobile.models import InboundSms, OutboundMessage, SmsOptOut
from mobile.services import outbound_deliver, sms_enqueue
from tests.customers.factories import ConsentFactory, CustomerFactory
from tests.mobile.conftest import PHONE
from tests.mobile.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, twilio_signature

Status = OutboundMessage.Status
TWILIO = {
    "SMS_BACKEND": "mobile.sms.TwilioSmsBackend",
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_FROM_NUMBER": "+15005550006",
}


@pytest.fixture
def twilio_site(live_server, settings):
    """Twilio settings, with SITE_URL at the live server (status callbacks go there)."""
    for name, value in TWILIO.items():
        setattr(settings, name, value)
    settings.SITE_URL = live_server.url
    return live_server


@pytest.mark.django_db(transaction=True)
def test_sent_through_twilio_then_delivery_reported_by_signed_callback(texter, twilio_site, settings):
    with FakeTwilio() as twilio:
        settings.TWILIO_API_BASE_URL = twilio.url
        row = sms_enqueue(customer=texter, kind="order_shipped", body="Your order shipped", dedupe_key="tw:1")
        assert outbound_deliver(message_id=row.pk).status == Status.SENT

        [sent] = twilio.messages
        assert (sent["To"], sent["From"], sent["Body"]) == (PHONE, "+15005550006", "Your order shipped")
        assert sent["StatusCallback"] == f"{twilio_site.url}/sms/twilio/status/"
        credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        assert twilio.auth_headers == [f"Basic {credentials}"]
        row.refresh_from_db()
        assert row.provider_message_id == sent["sid"]

        assert twilio.report_status(sent, "sent")[0] == 204
        assert twilio.report_status(sent, "delivered")[0] == 204
        row.refresh_from_db()
        assert row.delivery_status == "delivered"
        # A late "sent" report does not undo "delivered" (callbacks can arrive out of order).
        assert twilio.report_status(sent, "sent")[0] == 204
        row.refresh_from_db()
        assert row.delivery_status == "delivered"

        # A callback signed with another token is refused and changes nothing.
        status, _ = twilio.report_status(sent, "failed", token="not-the-auth-token")
        assert status == 403
        row.refresh_from_db()
        assert row.delivery_status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_twilio_errors_are_classified(texter, twilio_site, settings):
    with FakeTwilio(fail_with=503) as twilio:
        settings.TWILIO_API_BASE_URL = twilio.url
        row = sms_enqueue(customer=texter, kind="t", body="x", dedupe_key="tw:503")
        assert outbound_deliver(message_id=row.pk).status == Status.QUEUED  # retried later
        row.refresh_from_db()
        assert "Twilio 503 (code 30001)" in row.last_error and row.next_attempt_at is not None
    with FakeTwilio() as twilio:
        settings.TWILIO_API_BASE_URL = twilio.url
        bad = sms_enqueue(customer=texter, kind="t", body="x", dedupe_key="tw:400", to_phone="12345")
        assert outbound_deliver(message_id=bad.pk).status == Status.FAILED  # never retried
        bad.refresh_from_db()
        assert "21211" in bad.last_error


# --- inbound: STOP / START / HELP ------------------------------------------------------------

INBOUND = "/sms/twilio/inbound/"


def _inbound(client, body: str, *, sid: str, phone: str = PHONE, signature: str | None = None):
    params = {"MessageSid": sid, "From": phone, "To": "+15005550006", "Body": body, "AccountSid": ACCOUNT_SID}
    url = f"http://testserver{INBOUND}"
    return client.post(
        INBOUND,
        params,
        HTTP_X_TWILIO_SIGNATURE=signature if signature is not None else twilio_signature(AUTH_TOKEN, url, params),
    )


@pytest.fixture
def both_sms_consents(texter):
    ConsentFactory(customer=texter, purpose=Consent.Purpose.SMS_MARKETING, granted=True)
    return texter


@override_settings(TWILIO_AUTH_TOKEN=AUTH_TOKEN, SITE_URL="http://testserver")
@pytest.mark.django_db
@pytest.mark.parametrize("keyword", ["STOP", "stop", "Stop.", "ＳＴＯＰ", "停止", "配信停止", "unsubscribe"])
def test_stop_withdraws_sms_consent_at_once(client, both_sms_consents, keyword):
    customer = both_sms_consents
    waiting = sms_enqueue(customer=customer, kind="campaign", body="Sale", dedupe_key="c:1", marketing=True)

    response = _inbound(client, keyword, sid="SM" + "1" * 32)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert "Reply START" in response.content.decode()  # the TwiML reply confirms
    assert consent_current(customer=customer, purpose=Consent.Purpose.SMS_MARKETING) is False
    assert consent_current(customer=customer, purpose=Consent.Purpose.SMS_TRANSACTIONAL) is False
    assert customer.consents.filter(source=Consent.Source.SMS_KEYWORD, granted=False).count() == 2
    assert SmsOptOut.objects.filter(phone=PHONE).exists()
    waiting.refresh_from_db()
    assert waiting.status == Status.SUPPRESSED
    assert InboundSms.objects.get().action == InboundSms.Action.STOP


@override_settings(TWILIO_AUTH_TOKEN=AUTH_TOKEN, SITE_URL="http://testserver")
@pytest.mark.django_db
def test_start_gives_back_what_stop_took(client, both_sms_consents):
    customer = both_sms_consents
    _inbound(client, "STOP", sid="SM" + "2" * 32)
    response = _inbound(client, "START", sid="SM" + "3" * 32)
    assert "texts are back on" in response.content.decode()
    assert consent_current(customer=customer, purpose=Consent.Purpose.SMS_MARKETING) is True
    assert consent_current(customer=customer, purpose=Consent.Purpose.SMS_TRANSACTIONAL) is True
    assert not SmsOptOut.objects.exists()


@override_settings(TWILIO_AUTH_TOKEN=AUTH_TOKEN, SITE_URL="http://testserver")
@pytest.mark.django_db
def test_start_without_an_earlier_stop_turns_on_order_texts_only(client):
    customer = CustomerFactory(phone=PHONE)
    _inbound(client, "START", sid="SM" + "4" * 32)
    assert consent_current(customer=customer, purpose=Consent.Purpose.SMS_TRANSACTIONAL) is True
    assert consent_current(customer=customer, purpose=Consent.Purpose.SMS_MARKETING) is False


@override_settings(TWILIO_AUTH_TOKEN=AUTH_TOKEN, SITE_URL="http://testserver")
@pytest.mark.django_db
def test_help_answers_and_changes_nothing(client, both_sms_consents):
    response = _inbound(client, "help", sid="SM" + "5" * 32)
    body = response.content.decode()
    assert "/help/" in body and "Reply STOP to opt out" in body
    assert consent_current(customer=both_sms_consents, purpose=Consent.Purpose.SMS_MARKETING) is True


@override_settings(TWILIO_AUTH_TOKEN=AUTH_TOKEN, SITE_URL="http://testserver")
@pytest.mark.django_db
def test_a_forged_or_unsigned_stop_is_refused(client, both_sms_consents):
    assert _inbound(client, "STOP", sid="SM" + "6" * 32, signature="forged").status_code == 403
    assert _inbound(client, "STOP", sid="SM" + "6" * 32, signature="").status_code == 403
    forged = twilio_signature("someone-elses-token", f"http://testserver{INBOUND}", {"Body": "STOP"})
    assert _inbound(client, "STOP", sid="SM" + "6" * 32, signature=forged).status_code == 403
    assert consent_current(customer=both_sms_consents, purpose=Consent.Purpose.SMS_MARKETING) is True
    assert not InboundSms.objects.exists()


@override_settings(TWILIO_AUTH_TOKEN=AUTH_TOKEN, SITE_URL="http://testserver")
@pytest.mark.django_db
def test_a_retried_webhook_is_handled_once(client, both_sms_consents):
    _inbound(client, "STOP", sid="SM" + "7" * 32)
    _inbound(client, "START", sid="SM" + "8" * 32)
    _inbound(client, "STOP", sid="SM" + "7" * 32)  # Twilio retries the first STOP
    assert consent_current(customer=both_sms_consents, purpose=Consent.Purpose.SMS_MARKETING) is True
    assert InboundSms.objects.count() == 2


@override_settings(TWILIO_AUTH_TOKEN="")
@pytest.mark.django_db
def test_without_a_token_nothing_is_accepted(client):
    params = {"MessageSid": "SM" + "9" * 32, "From": PHONE, "Body": "STOP"}
    assert client.post(INBOUND, params, HTTP_X_TWILIO_SIGNATURE="x").status_code == 403


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="), ("+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc=")],
)
def test_the_fake_signs_like_twilios_documented_example(caller, expected):
    """Twilio's worked example ("Validating requests"; the caller number differs between
    versions of the page): token 12345, this URL, these fields."""
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": caller, "Digits": "1234", "From": caller, "To": "+18005551212"}
    assert twilio_signature("12345", url, params) == expected
