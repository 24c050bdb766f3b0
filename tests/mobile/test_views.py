"""Pages and endpoints of `mobile`: /dev/sms/, the service worker, push subscriptions, the
privacy page's choices per channel, the Customer 360's consent pills."""

import json

import pytest
from django.test import override_settings

from customers.models import Consent
from customers.selectors import consent_current
from mobile.models import PushSubscription
from mobile.services import outbound_deliver, sms_enqueue
from tests.customers.factories import PASSWORD, ConsentFactory, CustomerFactory

pytestmark = pytest.mark.django_db

SUBSCRIPTION = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
    "keys": {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    },
}


@pytest.fixture
def staff(client):
    user = CustomerFactory(is_staff=True)
    client.force_login(user)
    return user


def test_dev_sms_lists_what_the_file_backend_wrote(client, staff, tmp_path, texter):
    with override_settings(SMS_BACKEND="mobile.sms.FileSmsBackend", SMS_FILE_PATH=str(tmp_path)):
        empty = client.get("/dev/sms/").content.decode()
        assert "No texts yet" in empty
        row = sms_enqueue(customer=texter, kind="order_shipped", body="Your order ships € 5 — 配送", dedupe_key="d:1")
        assert outbound_deliver(message_id=row.pk).status == "sent"
        page = client.get("/dev/sms/").content.decode()
    assert "+819012345678" in page and "Your order ships € 5 — 配送" in page
    assert "25 UCS-2, 1 part" in page  # 配送 makes it UCS-2: 25 characters, one UTF-16 unit each


def test_dev_sms_replies_as_the_customer_stop_ends_their_texts(client, staff, tmp_path, texter):
    """Without Twilio there is no phone to text STOP from: /dev/sms/ sends the customer's
    reply through the inbound service and shows our answer."""
    with override_settings(SMS_BACKEND="mobile.sms.FileSmsBackend", SMS_FILE_PATH=str(tmp_path)):
        row = sms_enqueue(customer=texter, kind="order_shipped", body="Your order ships", dedupe_key="d:2")
        assert outbound_deliver(message_id=row.pk).status == "sent"
        page = client.get("/dev/sms/").content.decode()
        assert 'action="/dev/sms/reply/"' in page and '<option value="+819012345678">' in page
        assert consent_current(customer=texter, purpose=Consent.Purpose.SMS_TRANSACTIONAL)
        response = client.post("/dev/sms/reply/", {"From": "+819012345678", "Body": "STOP"}, follow=True)
        assert "+819012345678 texted “STOP”. Our answer:" in response.content.decode()
        assert not consent_current(customer=texter, purpose=Consent.Purpose.SMS_TRANSACTIONAL)
        refused = client.post("/dev/sms/reply/", {"From": "+819012345678", "Body": ""}, follow=True)
        assert "Choose the number and type the reply" in refused.content.decode()
        client.force_login(texter)  # a shopper cannot send replies for a number
        assert client.post("/dev/sms/reply/", {"From": "+819012345678", "Body": "START"}).status_code == 404


def test_dev_sms_is_hidden_from_shoppers(client, texter):
    client.force_login(texter)
    assert client.get("/dev/sms/").status_code == 404


def test_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert 'addEventListener("push"' in body and "showNotification" in body


def test_vapid_public_key_is_a_p256_point(client):
    import base64

    key = client.get("/push/key/").json()["publicKey"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4  # uncompressed point: 0x04 ‖ X ‖ Y


def test_push_subscription_is_stored_and_consent_recorded(client, texter):
    client.force_login(texter)
    response = client.post("/push/subscription/", json.dumps(SUBSCRIPTION), content_type="application/json")
    assert response.status_code == 201
    sub = PushSubscription.objects.get()
    assert (sub.customer, sub.endpoint, sub.auth) == (texter, SUBSCRIPTION["endpoint"], "tBHItJI5svbpez7KI4CCXg")
    assert consent_current(customer=texter, purpose=Consent.Purpose.PUSH) is True
    # The same browser again: still one row.
    client.post("/push/subscription/", json.dumps(SUBSCRIPTION), content_type="application/json")
    assert PushSubscription.objects.count() == 1
    # Turned off in that browser: forgotten, and with no browser left the consent goes.
    gone = client.delete(
        "/push/subscription/", json.dumps({"endpoint": SUBSCRIPTION["endpoint"]}), content_type="application/json"
    )
    assert gone.json() == {"subscribed": False, "removed": True}
    assert not PushSubscription.objects.exists()
    assert consent_current(customer=texter, purpose=Consent.Purpose.PUSH) is False


def test_push_subscription_refuses_bad_input_and_anonymous_visitors(client, texter):
    assert (
        client.post("/push/subscription/", json.dumps(SUBSCRIPTION), content_type="application/json").status_code == 302
    )
    client.force_login(texter)
    bad = {**SUBSCRIPTION, "endpoint": "ftp://evil.example/x"}
    assert client.post("/push/subscription/", json.dumps(bad), content_type="application/json").status_code == 400
    nul = {**SUBSCRIPTION, "keys": {"p256dh": "\x00", "auth": "x"}}
    assert client.post("/push/subscription/", json.dumps(nul), content_type="application/json").status_code == 400
    assert client.post("/push/subscription/", "[1, 2]", content_type="application/json").status_code == 400
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8000/admin/",  # loopback, where production allows none
        "https://127.0.0.1/x",
        "https://10.0.0.7/internal",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://fcm.googleapis.com.evil.example/send/x",  # a look-alike host
        "https://evilfcm.googleapis.com@10.0.0.7/x",  # credentials trick
        "http://fcm.googleapis.com/fcm/send/x",  # not https
    ],
)
def test_push_subscription_accepts_only_browser_push_services(client, texter, settings, endpoint):
    """The shop POSTs to the endpoint it is given: an address that is not a browser's push
    service (internal hosts, loopback in production) is refused, so the server never calls it."""
    settings.WEBPUSH_ALLOW_LOOPBACK_ENDPOINTS = False
    client.force_login(texter)
    response = client.post(
        "/push/subscription/", json.dumps({**SUBSCRIPTION, "endpoint": endpoint}), content_type="application/json"
    )
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()
    for good in (SUBSCRIPTION["endpoint"], "https://updates.push.services.mozilla.com/wpush/v2/abc"):
        response = client.post(
            "/push/subscription/", json.dumps({**SUBSCRIPTION, "endpoint": good}), content_type="application/json"
        )
        assert response.status_code in (200, 201), response.content
    assert PushSubscription.objects.count() == 2


def test_push_subscription_needs_the_csrf_token(texter):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(texter)
    response = strict.post("/push/subscription/", json.dumps(SUBSCRIPTION), content_type="application/json")
    assert response.status_code == 403


def test_privacy_page_sets_each_sms_purpose(client):
    customer = CustomerFactory(phone="+819012345678")
    client.login(email=customer.email, password=PASSWORD)
    page = client.get("/accounts/privacy/").content.decode()
    assert "Text me when my orders ship and on delivery day" in page
    assert "Text me offers" in page and 'id="push-optin"' in page
    client.post("/accounts/privacy/", {"sms_transactional": "on"})
    assert consent_current(customer=customer, purpose=Consent.Purpose.SMS_TRANSACTIONAL) is True
    assert consent_current(customer=customer, purpose=Consent.Purpose.SMS_MARKETING) is False
    client.post("/accounts/privacy/", {"sms": "on"})
    assert consent_current(customer=customer, purpose=Consent.Purpose.SMS_TRANSACTIONAL) is False
    assert consent_current(customer=customer, purpose=Consent.Purpose.SMS_MARKETING) is True


def test_privacy_page_asks_for_a_phone_number_first(client):
    customer = CustomerFactory(phone="")
    client.login(email=customer.email, password=PASSWORD)
    assert "add one there first" in client.get("/accounts/privacy/").content.decode()


def test_customer_360_shows_every_channel_and_purpose(client):
    from tests.carts.factories import agent

    customer = CustomerFactory(phone="+819012345678")
    ConsentFactory(customer=customer, purpose=Consent.Purpose.SMS_TRANSACTIONAL, granted=True)
    ConsentFactory(customer=customer, purpose=Consent.Purpose.PUSH, granted=False)
    client.force_login(agent())
    html = client.get(f"/console/customers/{customer.public_id}/").content.decode()
    assert "✓ Order updates by SMS" in html
    assert "✕ Marketing SMS" in html and "✕ Browser notifications" in html and "✕ Marketing email" in html
