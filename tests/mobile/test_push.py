"""Web push sent by pywebpush to a local push endpoint that records what arrives. The test
plays the browser too: it owns the subscription's key pair and auth secret, so it decrypts
the payload (RFC 8291, with http_ece) and checks the VAPID signature (RFC 8292) with the
shop's public key."""

import base64
import json
import os
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from customers.models import Consent
from mobile.models import OutboundMessage, PushSubscription
from mobile.push import vapid_keys
from mobile.services import outbound_deliver, push_enqueue, push_subscription_save
from orders.services import order_fulfil, order_mark_paid
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, agent
from tests.customers.factories import ConsentFactory, CustomerFactory
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db
Status = OutboundMessage.Status


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """The browser side of a subscription: its P-256 key pair and 16-byte auth secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))

    def decrypt(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        )


class PushService:
    """A push service endpoint on 127.0.0.1: records each POST; answers 201, or 410 for
    endpoints marked gone."""

    def __init__(self):
        self.received: list[dict] = []
        self.gone: set[str] = set()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service.received.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                self.send_response(410 if self.path in service.gone else 201)
                self.send_header("Location", f"{self.path}/m/{len(service.received)}")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


def _subscribe(customer, browser: Browser, endpoint: str) -> PushSubscription:
    return push_subscription_save(
        customer=customer, endpoint=endpoint, p256dh=browser.p256dh, auth=b64url(browser.auth)
    )


def _verify_vapid(headers: dict, audience: str) -> dict:
    """Authorization: vapid t=<JWT ES256>, k=<the shop's public key>; returns the claims."""
    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == vapid_keys().public_key
    header_b64, claims_b64, signature_b64 = fields["t"].split(".")
    raw = b64url_decode(signature_b64)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(fields["k"]))
    public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    claims = json.loads(b64url_decode(claims_b64))
    assert claims["aud"] == audience
    return claims


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
    claims = _verify_vapid(request["headers"], audience=push_service.url)
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
