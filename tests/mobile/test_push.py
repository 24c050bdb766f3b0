"""Web push sent by pywebpush to a local push endpoint that records what arrives. The test
plays the browser too: it owns the subscription's key pair and auth secret, so it decrypts
the payload (RFC 8291, with http_ece) and checks the VAPID signature (RFC 8292) with the
shop's public key."""

from decimal import Decimal

import pytest

from customers.models import Consent
from mobile.models import OutboundMessage, PushSubscription
from mobile.services import outbound_deliver, push_enqueue, push_subscription_save
from orders.services import order_fulfil, order_mark_paid
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, agent
from tests.customers.factories import ConsentFactory, CustomerFactory
from tests.mobile.push_service import Browser, PushService, b64url, verify_vapid
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


@pytest.fixture
def push_service():
    with PushService() as service:
        yield service


def _subscribe(customer, browser: Browser, endpoint: str) -> PushSubscription:
    return push_subscription_save(
        customer=customer, endpoint=endpoint, p256dh=browser.p256dh, auth=b64url(browser.auth)
    )


def test_a_notification_is_encrypted_for_the_browser_and_signed_by_the_shop(push_service):
    customer = CustomerFactory()
    browser = Browser()
    _subscribe(customer, browser, f"{push_service.url}/push/browser-1")
    [row] = push_enqueue(
        customer=customer,
        kind="back_in_stock",
        title="Back in stock",
        body="Linen shirt, M",
        url="/products/x/",
        dedupe_key="bis:1",
    )
    assert outbound_deliver(message_id=row.pk).status == Status.SENT

    [request] = push_service.received
    assert request["path"] == "/push/browser-1"
    assert request["headers"]["content-encoding"] == "aes128gcm"
    assert request["headers"]["ttl"] == "86400" and request["headers"]["urgency"] == "high"
    assert b"Linen" not in request["body"]  # encrypted on the wire
    assert browser.decrypt(request["body"]) == {
        "title": "Back in stock",
        "body": "Linen shirt, M",
        "url": "/products/x/",
        "tag": "back_in_stock",
    }
    claims = verify_vapid(request["headers"], audience=push_service.url)
    assert claims["sub"].startswith("mailto:")
    row.refresh_from_db()
    assert row.provider_message_id == "/push/browser-1/m/1"


def test_an_expired_subscription_is_removed(push_service):
    customer = CustomerFactory()
    alive, gone = Browser(), Browser()
    _subscribe(customer, alive, f"{push_service.url}/push/alive")
    _subscribe(customer, gone, f"{push_service.url}/push/gone")
    push_service.gone.add("/push/gone")
    rows = push_enqueue(customer=customer, kind="order_shipped", title="Shipped", body="b", url="/", dedupe_key="o:1")
    outcomes = {row.subscription.endpoint.rsplit("/", 1)[1]: outbound_deliver(message_id=row.pk).status for row in rows}
    assert outcomes == {"alive": Status.SENT, "gone": Status.FAILED}
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [f"{push_service.url}/push/alive"]


def test_no_notification_once_push_consent_is_withdrawn(push_service):
    customer = CustomerFactory()
    _subscribe(customer, Browser(), f"{push_service.url}/push/b")
    [row] = push_enqueue(customer=customer, kind="order_shipped", title="t", body="b", url="/", dedupe_key="o:2")
    ConsentFactory(customer=customer, purpose=Consent.Purpose.PUSH, granted=False, source=Consent.Source.PREFERENCES)
    assert outbound_deliver(message_id=row.pk).status == Status.SUPPRESSED
    assert push_service.received == []


def test_shipping_an_order_notifies_each_subscribed_browser(push_service):
    customer = CustomerFactory()
    phone, laptop = Browser(), Browser()
    _subscribe(customer, phone, f"{push_service.url}/push/phone")
    _subscribe(customer, laptop, f"{push_service.url}/push/laptop")
    cart = CartFactory(customer=customer, email=customer.email)
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("10.00")), quantity=1)
    order = order_mark_paid(order=place(cart, actor=customer), actor=agent())
    order_fulfil(order=order, actor=agent(), carrier="Sagawa", tracking_number="SG-9")

    rows = OutboundMessage.objects.filter(channel="push", kind="order_shipped").order_by("pk")
    assert rows.count() == 2 and not OutboundMessage.objects.filter(channel="sms").exists()  # no SMS choice
    for row in rows:
        assert outbound_deliver(message_id=row.pk).status == Status.SENT
    by_path = {r["path"]: r["body"] for r in push_service.received}
    for browser, path in ((phone, "/push/phone"), (laptop, "/push/laptop")):
        payload = browser.decrypt(by_path[path])
        assert payload["title"] == f"Order {order.number} has shipped"
        assert f"/orders/{order.number}/" in payload["url"]


def test_a_stored_endpoint_that_is_no_push_service_is_never_called(settings):
    """Rows stored before the endpoint rule (or edited in admin) are checked again at send time."""
    from mobile.push import PushPermanentError, PushToSend, push_send

    settings.WEBPUSH_ALLOW_LOOPBACK_ENDPOINTS = False
    message = PushToSend(endpoint="https://10.0.0.7/internal", p256dh="x" * 87, auth="y" * 22, payload={})
    with pytest.raises(PushPermanentError, match="not a browser push service"):
        push_send(message)
