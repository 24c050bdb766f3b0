"""A signed-in shopper turns on browser notifications on their privacy page in Chromium,
receives a shipped-order notification, and turns them off again.

What is real and what stands in, and why:
- Real: Debian's Chromium, the shop's pages, push-optin.js, the service worker it registers
  at /sw.js, the notifications permission (granted to the context as a shopper would in the
  browser's prompt) and `Notification.requestPermission()`, the POST/DELETE of the
  subscription with the CSRF token, the PushSubscription row and the push consent in the
  database, the order being shipped, and pywebpush encrypting (RFC 8291) and signing
  (VAPID, RFC 8292) the notification and POSTing it over HTTP.
- Stands in: the browser's *push service* only. Tried here: in Playwright's contexts
  (incognito) Chromium refuses `pushManager.subscribe` ("Registration failed - permission
  denied": no Push API in incognito), and in a persistent profile it never answers (it
  registers with Google's FCM, unreachable without internet). So an init script replaces
  `PushManager.prototype.subscribe/getSubscription`: `subscribe` checks what Chromium checks
  (permission granted, userVisibleOnly, a 65-byte P-256 application server key), generates
  the subscription's keys in the page with WebCrypto (a real P-256 key pair and a 16-byte
  auth secret, as a browser does) and returns a subscription whose endpoint is this test's
  local push service (tests/mobile/push_service.py, which records what the shop sends). The
  private key is exported to the test, which decrypts the payload the shop sent.
- The last two tests use no stand-in at all: real incognito Chromium refuses to subscribe,
  and, with no permission granted, headless Chromium denies it; the block must say so."""

import json

import pytest
from django.utils import translation

from customers.models import Consent
from customers.selectors import consent_current
from mobile.models import OutboundMessage, PushSubscription
from mobile.push import vapid_keys
from mobile.services import outbound_deliver
from orders.services import order_fulfil, order_mark_paid
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, agent
from tests.customers.factories import PASSWORD, CustomerFactory
from tests.e2e.conftest import screenshot
from tests.mobile.push_service import Browser, PushService, verify_vapid
from tests.orders.helpers import place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STORE = "__testPushService"  # localStorage key of the stand-in push service's subscription

# Runs in every page before the shop's scripts. The subscription is kept in localStorage so
# that, as with a real browser, it outlives a page load.
STAND_IN_PUSH_SERVICE = """
(() => {
  const ENDPOINT = %(endpoint)s;
  const STORE = %(store)s;
  const b64url = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const bytes = (b64) => Uint8Array.from(atob(b64.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const stored = () => JSON.parse(localStorage.getItem(STORE) || "null");
  const subscription = (record) => ({
    endpoint: record.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: bytes(record.applicationServerKey).buffer },
    getKey: (name) => bytes(record.keys[name]).buffer,
    toJSON: () => ({ endpoint: record.endpoint, expirationTime: null, keys: { ...record.keys } }),
    unsubscribe: () => { localStorage.removeItem(STORE); return Promise.resolve(true); },
  });
  PushManager.prototype.getSubscription = function () {
    const record = stored();
    return Promise.resolve(record ? subscription(record) : null);
  };
  PushManager.prototype.subscribe = async function (options) {
    if (Notification.permission !== "granted") {
      throw new DOMException("Registration failed - permission denied", "NotAllowedError");
    }
    if (!options || options.userVisibleOnly !== true) {
      throw new DOMException("Only userVisibleOnly subscriptions are supported", "NotAllowedError");
    }
    const key = options.applicationServerKey;
    const raw = typeof key === "string" ? bytes(key)
      : new Uint8Array(key.buffer || key, key.byteOffset || 0, key.byteLength);
    if (raw.length !== 65 || raw[0] !== 4) {
      throw new DOMException("The provided applicationServerKey is not valid.", "InvalidAccessError");
    }
    const existing = stored();
    if (existing) { return subscription(existing); }
    const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    const id = b64url(crypto.getRandomValues(new Uint8Array(12)));
    const record = {
      endpoint: ENDPOINT + "/push/" + id,
      applicationServerKey: b64url(raw),
      keys: {
        p256dh: b64url(await crypto.subtle.exportKey("raw", pair.publicKey)),
        auth: b64url(crypto.getRandomValues(new Uint8Array(16))),
      },
      privateKey: await crypto.subtle.exportKey("jwk", pair.privateKey),
    };
    localStorage.setItem(STORE, JSON.stringify(record));
    return subscription(record);
  };
})();
"""


def _t(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _sign_in(page, base: str, customer, language: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/accounts/privacy/")
    page.get_by_label("Email", exact=True).fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/accounts/privacy/")
    if language != "en":  # the site in the shopper's language from now on
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page.reload()


def _ship_an_order(customer, language: str):
    cart = CartFactory(customer=customer, email=customer.email)
    CartLineFactory(cart=cart, variant=VariantFactory(price="10.00"), quantity=1)
    with translation.override(language):  # the shopper checked out in their language
        placed = place(cart, actor=customer)
    order = order_mark_paid(order=placed, actor=agent())
    return order_fulfil(order=order, actor=agent(), carrier="Sagawa", tracking_number="SG-77")


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("ja", 375)])
def test_a_shopper_turns_on_notifications_gets_one_and_turns_them_off(live_server, page_at, language, width):
    customer = CustomerFactory(first_name="Hana", language=language)
    base = live_server.url
    with PushService() as push_service:
        page = page_at(width)
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.context.add_init_script(
            STAND_IN_PUSH_SERVICE % {"endpoint": json.dumps(push_service.url), "store": json.dumps(STORE)}
        )
        page.context.grant_permissions(["notifications"], origin=base)
        _sign_in(page, base, customer, language)

        block = page.locator("#push-optin")
        status = block.locator("[data-push-status]")
        turn_on = block.get_by_role("button", name=_t(language, "Turn on notifications in this browser"))
        turn_off = block.get_by_role("button", name=_t(language, "Turn off notifications in this browser"))
        assert block.get_by_role("heading").inner_text() == _t(language, "Browser notifications")
        page.wait_for_function(
            "t => document.querySelector('[data-push-status]').textContent === t",
            arg=_t(language, "Notifications are off in this browser."),
        )
        assert status.inner_text() == _t(language, "Notifications are off in this browser.")
        assert turn_on.is_visible() and not turn_off.is_visible()
        _fits(page, width)

        turn_on.click()
        turn_off.wait_for()
        assert status.inner_text() == _t(language, "Notifications are on in this browser.")
        assert not turn_on.is_visible()
        _fits(page, width)
        screenshot(page, f"push-optin-on-{language}-{width}")
        assert page.evaluate("Notification.permission") == "granted"
        worker = page.evaluate(
            "navigator.serviceWorker.getRegistration('/').then(r => r && r.active && [r.scope, r.active.scriptURL])"
        )
        assert worker == [f"{base}/", f"{base}/sw.js"]

        # The browser subscribed with the shop's key, and the shop stored what it sent.
        handed = page.evaluate(f"JSON.parse(localStorage.getItem({json.dumps(STORE)}))")
        assert handed["applicationServerKey"] == vapid_keys().public_key
        [row] = PushSubscription.objects.filter(customer=customer)
        assert (row.endpoint, row.p256dh, row.auth) == (
            handed["endpoint"],
            handed["keys"]["p256dh"],
            handed["keys"]["auth"],
        )
        assert "Chrome" in row.user_agent
        assert consent_current(customer=customer, purpose=Consent.Purpose.PUSH) is True
        assert Consent.objects.filter(customer=customer, purpose=Consent.Purpose.PUSH).latest("pk").source == (
            Consent.Source.PUSH_OPT_IN
        )

        # Coming back later, the block still says notifications are on.
        page.reload()
        turn_off.wait_for()
        assert status.inner_text() == _t(language, "Notifications are on in this browser.")

        # The order ships: the shop encrypts a notification for this browser and signs it.
        order = _ship_an_order(customer, language)
        [message] = OutboundMessage.objects.filter(customer=customer, channel="push", kind="order_shipped")
        assert outbound_deliver(message_id=message.pk).status == OutboundMessage.Status.SENT
        [request] = push_service.received
        assert f"{push_service.url}{request['path']}" == handed["endpoint"]
        assert order.number.encode() not in request["body"]  # encrypted on the wire
        verify_vapid(request["headers"], audience=push_service.url)
        browser = Browser.from_jwk(handed["privateKey"], handed["keys"]["auth"])
        assert browser.p256dh == handed["keys"]["p256dh"]
        payload = browser.decrypt(request["body"])
        assert payload["tag"] == "order_shipped"
        assert payload["title"] == _t(language, "Order %(number)s has shipped") % {"number": order.number}
        assert f"/orders/{order.number}/" in payload["url"]

        turn_off.click()
        turn_on.wait_for()
        assert status.inner_text() == _t(language, "Notifications are off in this browser.")
        assert not PushSubscription.objects.filter(customer=customer).exists()
        assert consent_current(customer=customer, purpose=Consent.Purpose.PUSH) is False
        assert page.evaluate(f"localStorage.getItem({json.dumps(STORE)})") is None
        _fits(page, width)
        assert errors == []


def test_without_a_push_service_the_shopper_is_told_and_the_reason_is_logged(live_server, page_at):
    """No stand-in: Chromium's own PushManager, which refuses in Playwright's incognito
    contexts. The shopper reads that it did not work; the reason goes to the console."""
    customer = CustomerFactory()
    base = live_server.url
    page = page_at(375)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.context.grant_permissions(["notifications"], origin=base)
    _sign_in(page, base, customer, "en")
    status = page.locator("#push-optin [data-push-status]")
    page.get_by_role("button", name="Turn on notifications in this browser").click()
    page.wait_for_function(
        "t => document.querySelector('[data-push-status]').textContent === t",
        arg="Notifications could not be turned on. Try again later.",
    )
    assert page.get_by_role("button", name="Turn on notifications in this browser").is_enabled()
    assert any("push opt-in: turning on failed: AbortError" in text for text in errors), errors
    assert status.is_visible()
    _fits(page, 375)
    assert not PushSubscription.objects.filter(customer=customer).exists()
    assert consent_current(customer=customer, purpose=Consent.Purpose.PUSH) is False


def test_a_shopper_who_blocks_notifications_is_told_where_to_allow_them(live_server, page_at):
    """No permission granted: headless Chromium answers the prompt with "denied", as a
    shopper clicking Block would. The block says where to allow them and offers no button
    that could not work; nothing is stored."""
    customer = CustomerFactory()
    base = live_server.url
    page = page_at(375)
    _sign_in(page, base, customer, "en")
    page.get_by_role("button", name="Turn on notifications in this browser").click()
    blocked = (
        "Notifications are blocked for this shop in your browser’s site settings. Allow them there, then come back."
    )
    page.wait_for_function("t => document.querySelector('[data-push-status]').textContent === t", arg=blocked)
    assert page.evaluate("Notification.permission") == "denied"
    assert not page.locator("#push-optin button").first.is_visible()
    assert not page.locator("#push-optin button").last.is_visible()
    _fits(page, 375)
    assert not PushSubscription.objects.filter(customer=customer).exists()
    assert consent_current(customer=customer, purpose=Consent.Purpose.PUSH) is False
