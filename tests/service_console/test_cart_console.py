"""The agent edits the shopper's real cart through cart services: version checks, audit,
overrides with reasons and limits, approvals, honoured coupons, order on behalf, link."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.test import override_settings
from django.utils import timezone

from carts.models import CartOverride
from carts.pricing import cart_price
from carts.selectors import cart_with_lines
from carts.services import cart_get_or_create, cart_line_add
from common.models import AuditEntry
from messaging.models import OutboundEmail
from orders.models import Order
from service_console.services.on_behalf import CHECKOUT_LINK_SALT
from tests.carts.factories import VariantFactory, VoucherFactory

pytestmark = pytest.mark.django_db


def _url(shopper, tail: str) -> str:
    return f"/console/customers/{shopper.public_id}/cart/{tail}"


def _cart_with(shopper, variant, quantity=1):
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=quantity, expected_version=None)
    return cart_with_lines(cart.pk)


def test_agent_adds_an_item_marked_as_added_by_the_agent_and_audited(agent_client, agent_user, shopper, variant):
    response = agent_client.post(
        _url(shopper, "add/"), {"variant_id": variant.pk, "quantity": 2, "expected_version": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="cart-panel"' in html and "added by Kenji" in html
    line = shopper.carts.get().lines.get()
    assert (line.quantity, line.added_by) == (2, agent_user)
    entry = AuditEntry.objects.get(action="cart.line_add")
    assert (entry.actor, entry.customer) == (agent_user, shopper)
    assert entry.after["sku"] == variant.sku and entry.after["quantity"] == 2


def test_stale_version_shows_the_conflict_and_the_new_cart(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    seen = cart.version
    # The shopper changes the cart after the agent loaded it.
    other = VariantFactory(price="15.00", product__name="Canvas Tote")
    cart_line_add(cart=cart, variant=other, quantity=1, expected_version=seen)
    line = cart.lines.get(variant=variant)
    response = agent_client.post(
        _url(shopper, f"lines/{line.pk}/"), {"quantity": 5, "expected_version": seen}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "This cart changed while you were working on it" in html
    assert "Canvas Tote" in html  # the new cart is shown
    line.refresh_from_db()
    assert line.quantity == 1  # the stale write did not land
    assert not AuditEntry.objects.filter(action="cart.line_update").exists()


def test_change_quantity_and_remove(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    line = cart.lines.get()
    agent_client.post(
        _url(shopper, f"lines/{line.pk}/"), {"quantity": 3, "expected_version": cart.version}, HTTP_HX_REQUEST="true"
    )
    line.refresh_from_db()
    assert line.quantity == 3
    cart.refresh_from_db()
    agent_client.post(
        _url(shopper, f"lines/{line.pk}/remove/"), {"expected_version": cart.version}, HTTP_HX_REQUEST="true"
    )
    assert not cart.lines.exists()
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "cart.line_update",
        "cart.line_remove",
    ]


def test_ten_percent_override_with_reason_changes_the_price(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant, quantity=2)  # 2 × $40.00 = $80.00
    response = agent_client.post(
        _url(shopper, "override/"),
        {
            "kind": "percent",
            "value": "10",
            "reason_code": "delay",
            "reason_text": "Parcel was late",
            "line_id": "",
            "expected_version": cart.version,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Discount applied." in response.content.decode()
    price = cart_price(cart_with_lines(cart.pk))
    assert price.override_discount == Decimal("8.00")  # 10 % of $80.00
    entry = AuditEntry.objects.get(action="cart.override_apply")
    assert entry.after["label"] == "10% off whole cart"
    assert entry.after["reason"] == "Delivery delay: Parcel was late"


def test_override_needs_a_reason(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    response = agent_client.post(
        _url(shopper, "override/"),
        {
            "kind": "percent",
            "value": "5",
            "reason_code": "goodwill",
            "reason_text": " ",
            "expected_version": cart.version,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400 and "reason is mandatory" in response.content.decode()
    assert not CartOverride.objects.exists()


@override_settings(AGENT_DISCOUNT_LIMIT_PERCENT=Decimal("15"), SUPERVISOR_DISCOUNT_LIMIT_PERCENT=Decimal("50"))
def test_over_limit_goes_to_a_supervisor_and_applies_when_approved(
    agent_client, client, shopper, variant, supervisor_user
):
    cart = _cart_with(shopper, variant)  # $40.00
    response = agent_client.post(
        _url(shopper, "override/"),
        {
            "kind": "percent",
            "value": "25",
            "reason_code": "damaged",
            "reason_text": "Torn seam",
            "expected_version": cart.version,
            "request_approval": "1",
        },
        HTTP_HX_REQUEST="true",
    )
    assert "Sent to a supervisor for approval" in response.content.decode()
    pending = CartOverride.objects.get()
    assert pending.status == CartOverride.Status.PENDING_APPROVAL
    assert cart_price(cart_with_lines(cart.pk)).override_discount == Decimal("0.00")

    client.force_login(supervisor_user)
    queue = client.get("/console/approvals/").content.decode()
    assert "Torn seam" in queue and "Approve and apply" in queue
    client.post(f"/console/approvals/{pending.pk}/decide/", {"decision": "approve"})
    pending.refresh_from_db()
    assert pending.status == CartOverride.Status.APPLIED and pending.decided_by == supervisor_user
    assert cart_price(cart_with_lines(cart.pk)).override_discount == Decimal("10.00")  # 25 % of $40
    assert AuditEntry.objects.filter(action="cart.override_approve", actor=supervisor_user).count() == 1


def test_supervisor_can_reject(supervisor_client, shopper, variant, agent_user):
    from carts.services import cart_override_apply

    cart = _cart_with(shopper, variant)
    pending = cart_override_apply(
        cart=cart,
        actor=agent_user,
        scope="cart",
        kind="percent",
        value=Decimal("30"),
        reason_code="other",
        reason_text="Big ask",
        expected_version=cart.version,
        request_approval=True,
    )
    supervisor_client.post(f"/console/approvals/{pending.pk}/decide/", {"decision": "reject", "note": "Too much"})
    pending.refresh_from_db()
    assert pending.status == CartOverride.Status.REJECTED


def test_honour_expired_coupon_applies_its_value_as_an_override(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant, quantity=2)  # $80.00
    VoucherFactory(code="SPRING10", value=Decimal("10"), valid_to=timezone.now() - timedelta(days=2))
    response = agent_client.post(
        _url(shopper, "honour-coupon/"), {"code": "spring10", "expected_version": cart.version}, HTTP_HX_REQUEST="true"
    )
    assert "Expired coupon honoured" in response.content.decode()
    override = CartOverride.objects.get()
    assert (override.kind, override.value, override.status) == ("percent", Decimal("10.00"), "applied")
    assert cart_price(cart_with_lines(cart.pk)).override_discount == Decimal("8.00")
    assert AuditEntry.objects.filter(action="cart.coupon_honour").count() == 1


def test_a_live_coupon_is_not_honoured_as_an_override(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    VoucherFactory(code="LIVE5", value=Decimal("5"))
    response = agent_client.post(
        _url(shopper, "honour-coupon/"), {"code": "LIVE5", "expected_version": cart.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and "has not expired" in response.content.decode()
    assert not CartOverride.objects.exists()


def test_place_order_on_behalf_records_the_agent(
    agent_client, agent_user, shopper, variant, django_capture_on_commit_callbacks
):
    cart = _cart_with(shopper, variant)
    address = shopper.addresses.get()
    with django_capture_on_commit_callbacks(execute=False):
        response = agent_client.post(
            _url(shopper, "place-order/"),
            {
                "address_id": address.pk,
                "payment_method": "test_card",
                "card_number": "4242 4242 4242 4242",
                "expected_version": cart.version,
            },
            HTTP_HX_REQUEST="true",
        )
    order = Order.objects.get()
    assert f"Order {order.number} placed" in response.content.decode()
    assert (order.customer, order.placed_by, order.source) == (shopper, agent_user, Order.Source.AGENT)
    assert order.shipping_address["line1"] == address.line1
    entry = AuditEntry.objects.get(action="order.place_on_behalf")
    assert entry.after["number"] == order.number and "4242" not in str(entry.after)
    assert OutboundEmail.objects.filter(customer=shopper, kind__icontains="confirmation").count() == 1


def test_placing_twice_for_the_same_cart_version_makes_one_order(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    data = {"address_id": shopper.addresses.get().pk, "payment_method": "pod", "expected_version": cart.version}
    agent_client.post(_url(shopper, "place-order/"), data, HTTP_HX_REQUEST="true")
    agent_client.post(_url(shopper, "place-order/"), data, HTTP_HX_REQUEST="true")
    assert Order.objects.count() == 1


def test_cannot_ship_to_another_customers_address(agent_client, shopper, variant):
    from tests.customers.factories import AddressFactory

    cart = _cart_with(shopper, variant)
    stranger = AddressFactory()
    response = agent_client.post(
        _url(shopper, "place-order/"),
        {"address_id": stranger.pk, "payment_method": "pod", "expected_version": cart.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400 and not Order.objects.exists()


def test_checkout_link_email_and_link_opens_checkout(agent_client, client, shopper, variant):
    cart = _cart_with(shopper, variant)
    agent_client.post(_url(shopper, "send-link/"), {"expected_version": cart.version}, HTTP_HX_REQUEST="true")
    email = OutboundEmail.objects.get(kind="checkout_link")
    assert email.to_email == shopper.email
    url = email.context["checkout_url"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    # Signed-in shopper: straight to checkout.
    client.force_login(shopper)
    response = client.get("/" + path)
    assert response.status_code == 302 and response["Location"] == "/checkout/"


def test_checkout_link_for_account_holder_asks_to_sign_in_and_guest_is_signed_in(client, shopper, variant):
    from service_console.services.on_behalf import checkout_token_make
    from tests.customers.factories import GuestFactory

    cart = _cart_with(shopper, variant)
    response = client.get(f"/help/purchase/{checkout_token_make(cart=cart)}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    guest = GuestFactory()
    guest_cart = _cart_with(guest, variant)
    response = client.get(f"/help/purchase/{checkout_token_make(cart=guest_cart)}/")
    assert response.status_code == 302 and response["Location"] == "/checkout/"
    assert client.session["_auth_user_id"] == str(guest.pk)


def test_checkout_link_tampered_or_expired_is_refused(client, shopper, variant):
    cart = _cart_with(shopper, variant)
    signer = signing.TimestampSigner(salt=CHECKOUT_LINK_SALT)
    token = signer.sign(f"{cart.pk}:{shopper.public_id}")
    assert client.get(f"/help/purchase/{token[:-2]}xx/").status_code == 404
    with override_settings(CONSOLE_CHECKOUT_LINK_MAX_AGE=-1):
        assert client.get(f"/help/purchase/{token}/").status_code == 410
    assert "_auth_user_id" not in client.session


def test_cart_panel_partial_polls(agent_client, shopper, variant):
    _cart_with(shopper, variant)
    html = agent_client.get(_url(shopper, ""), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 4s' in html and "Linen Shirt" in html
    live = agent_client.get(_url(shopper, "") + "?part=live", HTTP_HX_REQUEST="true").content.decode()
    assert live.lstrip().startswith('<div id="cart-live"') and "Linen Shirt" in live
    assert "Apply a discount" not in live  # the agent's open forms are never swapped by the poll


def test_override_report_sums_revenue_given_away_by_agent_and_reason(agent_client, agent_user, supervisor_user):
    from django.test import Client

    from carts.services import cart_override_apply
    from tests.customers.factories import AddressFactory, CustomerFactory
    from tests.orders.helpers import place

    first, second = CustomerFactory(first_name="A"), CustomerFactory(first_name="B")
    AddressFactory(customer=first)
    shirt = VariantFactory(price="40.00", stock=10)
    cart = _cart_with(first, shirt, quantity=2)  # $80.00
    cart_override_apply(
        cart=cart,
        actor=agent_user,
        scope="cart",
        kind="percent",
        value=Decimal("10"),
        reason_code="goodwill",
        reason_text="Sorry",
        expected_version=cart.version,
    )
    place(cart_with_lines(cart.pk), email=first.email)  # gives away 10 % of $80.00 = $8.00
    cart2 = _cart_with(second, shirt, quantity=1)
    line = cart2.lines.get()
    cart_override_apply(
        cart=cart2,
        actor=agent_user,
        scope="line",
        line=line,
        kind="amount",
        value=Decimal("5"),
        reason_code="damaged",
        reason_text="Scuffed",
        expected_version=cart2.version,
    )
    place(cart_with_lines(cart2.pk), email=second.email)  # gives away $5.00 on the line
    cart3 = _cart_with(CustomerFactory(), shirt)
    cart_override_apply(
        cart=cart3,
        actor=agent_user,
        scope="cart",
        kind="percent",
        value=Decimal("30"),
        reason_code="other",
        reason_text="Pending",
        expected_version=cart3.version,
        request_approval=True,
    )  # pending: not counted

    assert agent_client.get("/console/reports/overrides/").status_code == 403
    supervisor_client = Client()
    supervisor_client.force_login(supervisor_user)
    html = supervisor_client.get("/console/reports/overrides/").content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 2
    assert "Goodwill gesture" in rows and "$8.00" in rows
    assert "Damaged or faulty item" in rows and "$5.00" in rows
    assert "$13.00" in html and "Pending" not in rows


def test_hold_stock_shows_the_expiry_and_other_buyers_see_less(agent_client, shopper, variant):
    from catalog.selectors import stock_available

    cart = _cart_with(shopper, variant, quantity=3)  # variant has 20 in stock
    line = cart.lines.get()
    response = agent_client.post(_url(shopper, f"lines/{line.pk}/reserve/"), {}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Stock held until" in html and f"3 × {variant.sku} until" in html
    assert stock_available([variant.pk]) == {variant.pk: 17}
    assert AuditEntry.objects.filter(action="cart.reserve").count() == 1


def test_declined_card_shows_the_reason_and_places_nothing(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    response = agent_client.post(
        _url(shopper, "place-order/"),
        {
            "address_id": shopper.addresses.get().pk,
            "payment_method": "test_card",
            "card_number": "4000 0000 0000 0002",
            "expected_version": cart.version,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400 and "declined" in response.content.decode()
    assert not Order.objects.exists()
    assert not AuditEntry.objects.filter(action="order.place_on_behalf").exists()
    cart.refresh_from_db()
    assert cart.status == "open"


def test_catalog_search_finds_sellable_variants_by_name_or_sku(agent_client, shopper):
    VariantFactory(product__name="Linen Shirt", sku="LIN-M-BLU")
    VariantFactory(product__name="Linen Trousers", sku="LIN-T-32", is_active=False)
    VariantFactory(product__name="Linen Hidden", product__is_published=False)
    VariantFactory(product__name="Wool Socks", sku="WS-1")
    by_name = agent_client.get(
        f"/console/customers/{shopper.public_id}/catalog/", {"q": "linen"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Linen Shirt" in by_name and "Linen Trousers" not in by_name and "Linen Hidden" not in by_name
    assert "Wool Socks" not in by_name
    by_sku = agent_client.get(
        f"/console/customers/{shopper.public_id}/catalog/", {"q": "ws-1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Wool Socks" in by_sku and 'hx-include="#cart-version"' in by_sku


def test_placing_on_behalf_after_the_shopper_changed_the_cart_fails_with_the_conflict(agent_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    seen = cart.version
    # The shopper adds something after the agent loaded the cart.
    cart_line_add(cart=cart, variant=VariantFactory(price="15.00"), quantity=1, expected_version=seen)
    response = agent_client.post(
        _url(shopper, "place-order/"),
        {"address_id": shopper.addresses.get().pk, "payment_method": "pod", "expected_version": seen},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "This cart changed" in response.content.decode()
    assert not Order.objects.exists()
    assert not AuditEntry.objects.filter(action="order.place_on_behalf").exists()


@pytest.mark.django_db(transaction=True)
def test_placing_on_behalf_is_refused_when_the_shopper_edits_between_the_agents_read_and_the_lock(
    agent_client, shopper, monkeypatch
):
    from tests.orders.helpers import shopper_swaps_during_authorization

    medium = VariantFactory(price="30.00", size="M")
    large = VariantFactory(price="30.00", size="L")
    cart = _cart_with(shopper, medium)
    shopper_swaps_during_authorization(monkeypatch, cart, old_variant=medium, new_variant=large)
    response = agent_client.post(
        _url(shopper, "place-order/"),
        {"address_id": shopper.addresses.get().pk, "payment_method": "pod", "expected_version": cart.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409 and "This cart changed" in response.content.decode()
    assert not Order.objects.exists()
