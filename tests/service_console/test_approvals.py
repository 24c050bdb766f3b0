"""Issue 11: every kind of discount over the agent's limit (line, cart, honoured coupon)
goes to the supervisors' queue, is approved or rejected there with a note, shows on the
agent's cart panel, and the order placed on behalf carries it. Limits, the cart as it is
at approval time and the audit entry are the services' business, so they are tested at
that level too."""

from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from carts.exceptions import DiscountLimitExceeded, OverrideNotAllowed
from carts.models import Cart, CartOverride
from carts.pricing import cart_price
from carts.selectors import cart_with_lines
from carts.services import cart_get_or_create, cart_line_add, cart_line_update, cart_override_apply
from common.models import AuditEntry
from orders.models import Order
from service_console.services.cart_edit import console_coupon_honour, console_override_decide
from tests.carts.factories import VariantFactory, VoucherFactory

pytestmark = [
    pytest.mark.django_db,
    # The demo's numbers: agents 15 %, supervisors 50 %.
    pytest.mark.usefixtures("_limits"),
]


@pytest.fixture
def _limits():
    with override_settings(AGENT_DISCOUNT_LIMIT_PERCENT=Decimal("15"), SUPERVISOR_DISCOUNT_LIMIT_PERCENT=Decimal("50")):
        yield


@pytest.fixture
def summer20(db):
    return VoucherFactory(
        code="SUMMER20", value=Decimal("20"), valid_from=timezone.now() - timedelta(days=90),
        valid_to=timezone.now() - timedelta(days=30),
    )  # fmt: skip


def _url(shopper, tail: str) -> str:
    return f"/console/customers/{shopper.public_id}/cart/{tail}"


def _cart_with(shopper, variant, quantity=1):
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=quantity, expected_version=None)
    return cart_with_lines(cart.pk)


def _supervisor_client(supervisor_user) -> Client:
    other = Client()
    other.force_login(supervisor_user)
    return other


def test_an_expired_coupon_over_the_limit_is_offered_to_a_supervisor_and_keeps_the_code(
    agent_client, shopper, variant, summer20
):
    cart = _cart_with(shopper, variant, quantity=2)  # 2 × $40.00 = $80.00
    refused = agent_client.post(
        _url(shopper, "honour-coupon/"), {"code": "summer20", "expected_version": cart.version}, HTTP_HX_REQUEST="true"
    )
    html = refused.content.decode()
    assert refused.status_code == 403
    assert "A discount of 20.00% is over your limit of 15%" in html
    # The offer is a second button of the coupon form itself (so it posts the coupon, not a
    # discount), and the code the agent typed is still in the field.
    coupon_form = html[html.index('id="tool-coupon"') : html.index('id="tool-order"')]
    assert 'name="request_approval" value="1"' in coupon_form
    assert "Send to a supervisor for approval" in coupon_form
    assert 'value="summer20"' in coupon_form
    assert not CartOverride.objects.exists()

    sent = agent_client.post(
        _url(shopper, "honour-coupon/"),
        {"code": "summer20", "expected_version": cart.version, "request_approval": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert sent.status_code == 200
    assert "Sent to a supervisor for approval (honoured coupon)" in sent.content.decode()
    pending = CartOverride.objects.get()
    assert (pending.status, pending.voucher, pending.kind, pending.value) == (
        CartOverride.Status.PENDING_APPROVAL,
        summer20,
        CartOverride.Kind.PERCENT,
        Decimal("20.00"),
    )
    assert pending.approval_kind == CartOverride.ApprovalKind.COUPON
    assert cart_price(cart_with_lines(cart.pk)).override_discount == Decimal("0.00")  # not priced until approved
    entry = AuditEntry.objects.get(action="cart.override_request")
    assert entry.after["kind"] == "Honoured coupon" and "SUMMER20" in entry.after["reason"]


def test_every_kind_of_request_reaches_the_queue_labelled(agent_client, agent_user, shopper, variant, summer20, client):
    cart = _cart_with(shopper, variant, quantity=2)  # $80.00
    line = cart.lines.get()
    common = {"reason_code": "damaged", "reason_text": "Torn seam", "request_approval": "1"}
    agent_client.post(
        _url(shopper, "override/"),
        {**common, "kind": "percent", "value": "30", "line_id": line.pk, "expected_version": cart.version},
        HTTP_HX_REQUEST="true",
    )
    cart.refresh_from_db()
    agent_client.post(
        _url(shopper, "override/"),
        {**common, "kind": "amount", "value": "20.00", "line_id": "", "expected_version": cart.version},
        HTTP_HX_REQUEST="true",
    )
    cart.refresh_from_db()
    agent_client.post(
        _url(shopper, "honour-coupon/"),
        {"code": "SUMMER20", "expected_version": cart.version, "request_approval": "1"},
        HTTP_HX_REQUEST="true",
    )
    kinds = sorted(o.approval_kind.label for o in CartOverride.objects.filter(status="pending_approval"))
    assert kinds == ["Cart discount", "Honoured coupon", "Line discount"]

    queue = agent_client.get("/console/approvals/").content.decode()  # agents see it, cannot decide
    for label in ("Line discount", "Cart discount", "Honoured coupon"):
        assert label in queue
    assert "$20.00 off the cart" in queue and "30% off Linen Shirt" in queue
    assert "Approve and apply" not in queue
    # A fixed amount says what share of the cart it was; a percentage does not repeat itself.
    assert "= 25% of the cart when asked" in queue
    assert "= 30% of" not in queue and "= 20% of" not in queue and "of the target" not in queue


def test_supervisor_approves_with_a_note_and_the_order_on_behalf_carries_the_coupon(
    agent_client, agent_user, supervisor_user, shopper, variant, summer20
):
    cart = _cart_with(shopper, variant, quantity=2)  # $80.00
    pending = console_coupon_honour(
        cart=cart, actor=agent_user, code="SUMMER20", expected_version=cart.version, request_approval=True
    )
    boss = _supervisor_client(supervisor_user)
    decided = boss.post(
        f"/console/approvals/{pending.pk}/decide/",
        {"decision": "approve", "note": "OK once, loyal customer"},
        HTTP_HX_REQUEST="true",
    )
    # $80.00 − 20 % = $64.00; free shipping from $50; tax 10 % = $6.40 → $70.40.
    assert "Approved and applied to Hana's cart (total now $70.40)" in unescape(decided.content.decode())
    # The nav badge follows (out of band): nothing is waiting any more.
    assert '<span id="approvals-badge" class="badge" hx-swap-oob="true" hidden>0</span>' in decided.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.decision_note) == (
        CartOverride.Status.APPLIED,
        supervisor_user,
        "OK once, loyal customer",
    )
    entry = AuditEntry.objects.get(action="cart.override_approve")
    assert (entry.actor, entry.customer) == (supervisor_user, shopper)
    assert entry.after["note"] == "OK once, loyal customer" and entry.after["kind"] == "Honoured coupon"

    # The agent's live cart shows the decision and the new total.
    live = unescape(agent_client.get(_url(shopper, "?part=live")).content.decode())
    assert "Approved by Yui Suzuki: “OK once, loyal customer”" in live
    assert "$70.40" in live

    cart.refresh_from_db()
    placed = agent_client.post(
        _url(shopper, "place-order/"),
        {"address_id": shopper.addresses.get().pk, "payment_method": "pod", "expected_version": cart.version},
        HTTP_HX_REQUEST="true",
    )
    assert placed.status_code == 200
    order = Order.objects.get()
    assert (order.override_discount, order.total, order.placed_by) == (Decimal("16.00"), Decimal("70.40"), agent_user)


def test_a_rejection_needs_a_note_and_the_agent_reads_it(agent_client, agent_user, supervisor_user, shopper, variant):
    cart = _cart_with(shopper, variant)
    pending = cart_override_apply(
        cart=cart, actor=agent_user, scope="cart", kind="percent", value=Decimal("30"), reason_code="other",
        reason_text="Big ask", expected_version=cart.version, request_approval=True,
    )  # fmt: skip
    cart.refresh_from_db()
    live_before = agent_client.get(_url(shopper, "?part=live"))
    key = live_before.content.decode().split("seen=", 1)[1].split('"', 1)[0]
    assert agent_client.get(_url(shopper, f"?part=live&seen={key}")).status_code == 204  # nothing new

    boss = _supervisor_client(supervisor_user)
    refused = boss.post(
        f"/console/approvals/{pending.pk}/decide/", {"decision": "reject", "note": "  "}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 400 and "a note is needed to reject" in refused.content.decode()
    pending.refresh_from_db()
    assert pending.status == CartOverride.Status.PENDING_APPROVAL

    boss.post(
        f"/console/approvals/{pending.pk}/decide/",
        {"decision": "reject", "note": "Too much for a late parcel; offer 10 %"},
        HTTP_HX_REQUEST="true",
    )
    pending.refresh_from_db()
    assert pending.status == CartOverride.Status.REJECTED
    version_before = cart.version
    cart.refresh_from_db()
    assert cart.version == version_before  # nothing priced changed: the agent's edits stay valid
    # The rejection changes what the agent's panel shows, so the poll gets the new fragment.
    live = agent_client.get(_url(shopper, f"?part=live&seen={key}"))
    assert live.status_code == 200
    assert "Rejected by Yui Suzuki: “Too much for a late parcel; offer 10 %”" in unescape(live.content.decode())
    assert AuditEntry.objects.get(action="cart.override_reject").after["note"].startswith("Too much")


def test_approval_measures_the_discount_against_the_cart_as_it_is_now(agent_user, supervisor_user, shopper, variant):
    cart = _cart_with(shopper, variant, quantity=2)  # $80.00
    pending = cart_override_apply(
        cart=cart,
        actor=agent_user,
        scope="cart",
        kind="amount",
        value=Decimal("30.00"),
        reason_code="delay",
        reason_text="Very late",
        expected_version=cart.version,
        request_approval=True,
    )  # fmt: skip  ($30 of $80 = 37.5 %)
    # Meanwhile the shopper drops to one shirt: $30 of $40 would be 75 %, over the supervisor's 50 %.
    cart_line_update(cart=cart, line=cart.lines.get(), quantity=1, expected_version=None)
    with pytest.raises(DiscountLimitExceeded):
        console_override_decide(override=pending, actor=supervisor_user, approve=True)
    pending.refresh_from_db()
    assert pending.status == CartOverride.Status.PENDING_APPROVAL
    assert not AuditEntry.objects.filter(action="cart.override_approve").exists()


def test_only_supervisors_decide_and_only_once(agent_user, supervisor_user, shopper, variant):
    cart = _cart_with(shopper, variant)
    pending = cart_override_apply(
        cart=cart, actor=agent_user, scope="cart", kind="percent", value=Decimal("20"), reason_code="other",
        reason_text="Ask", expected_version=cart.version, request_approval=True,
    )  # fmt: skip
    with pytest.raises(OverrideNotAllowed):
        console_override_decide(override=pending, actor=agent_user, approve=True)
    console_override_decide(override=pending, actor=supervisor_user, approve=True, note="")
    with pytest.raises(OverrideNotAllowed, match="already decided"):
        console_override_decide(override=pending, actor=supervisor_user, approve=False, note="changed my mind")
    # carts.services audited the request and the approval; the refused calls wrote nothing.
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "cart.override_request",
        "cart.override_approve",
    ]


def test_an_approval_bumps_the_version_so_a_stale_agent_form_is_a_conflict(
    agent_client, agent_user, supervisor_user, shopper, variant
):
    cart = _cart_with(shopper, variant)
    seen = cart.version
    pending = cart_override_apply(
        cart=cart, actor=agent_user, scope="cart", kind="percent", value=Decimal("20"), reason_code="other",
        reason_text="Ask", expected_version=seen, request_approval=True,
    )  # fmt: skip
    cart.refresh_from_db()
    seen = cart.version
    console_override_decide(override=pending, actor=supervisor_user, approve=True)
    line = cart.lines.get()
    stale = agent_client.post(
        _url(shopper, f"lines/{line.pk}/"), {"quantity": 3, "expected_version": seen}, HTTP_HX_REQUEST="true"
    )
    assert stale.status_code == 409
    line.refresh_from_db()
    assert line.quantity == 1


def test_requests_on_carts_that_were_ordered_leave_the_queue(agent_user, supervisor_client, shopper, variant):
    cart = _cart_with(shopper, variant)
    cart_override_apply(
        cart=cart, actor=agent_user, scope="cart", kind="percent", value=Decimal("20"), reason_code="other",
        reason_text="Left behind", expected_version=cart.version, request_approval=True,
    )  # fmt: skip
    assert "Left behind" in supervisor_client.get("/console/approvals/").content.decode()
    Cart.objects.filter(pk=cart.pk).update(status=Cart.Status.CONVERTED)
    page = supervisor_client.get("/console/approvals/").content.decode()
    assert "Left behind" not in page and "Nothing waiting" in page


def test_the_queue_poll_answers_204_until_a_new_request_arrives(agent_user, supervisor_client, shopper):
    first = supervisor_client.get("/console/approvals/?part=pending&seen=none")
    assert first.status_code == 204  # empty, as the page already shows
    cart = _cart_with(shopper, VariantFactory(price=Decimal("40.00"), stock=5))
    pending = cart_override_apply(
        cart=cart, actor=agent_user, scope="cart", kind="percent", value=Decimal("20"), reason_code="other",
        reason_text="New one", expected_version=cart.version, request_approval=True,
    )  # fmt: skip
    fresh = supervisor_client.get("/console/approvals/?part=pending&seen=none")
    assert fresh.status_code == 200 and "New one" in fresh.content.decode()
    assert supervisor_client.get(f"/console/approvals/?part=pending&seen={pending.pk}").status_code == 204


def test_an_approved_line_discount_is_on_the_order_placed_on_behalf(
    agent_client, agent_user, supervisor_user, shopper, variant
):
    scarf = VariantFactory(price=Decimal("50.00"), stock=5, product__name="Silk Scarf")
    cart = _cart_with(shopper, variant)  # Linen Shirt $40.00
    cart_line_add(cart=cart, variant=scarf, quantity=1, expected_version=None)  # + $50.00
    cart.refresh_from_db()
    scarf_line = cart.lines.get(variant=scarf)
    asked = agent_client.post(
        _url(shopper, "override/"),
        {
            "line_id": scarf_line.pk,
            "kind": "percent",
            "value": "40",
            "reason_code": "damaged",
            "reason_text": "Pulled thread",
            "expected_version": cart.version,
            "request_approval": "1",
        },  # fmt: skip
        HTTP_HX_REQUEST="true",
    )
    assert "Sent to a supervisor for approval (line discount)" in asked.content.decode()
    pending = CartOverride.objects.get(status=CartOverride.Status.PENDING_APPROVAL)
    _supervisor_client(supervisor_user).post(
        f"/console/approvals/{pending.pk}/decide/", {"decision": "approve", "note": ""}, HTTP_HX_REQUEST="true"
    )
    live = unescape(agent_client.get(_url(shopper, "?part=live")).content.decode())
    assert "Approved by Yui Suzuki" in live and "Line discount" in live and "40% off Silk Scarf" in live
    cart.refresh_from_db()
    agent_client.post(
        _url(shopper, "place-order/"),
        {"address_id": shopper.addresses.get().pk, "payment_method": "pod", "expected_version": cart.version},
        HTTP_HX_REQUEST="true",
    )
    order = Order.objects.get()
    scarf_ordered = order.lines.get(sku=scarf.sku)
    # 40 % of the $50.00 scarf line = $20.00; merchandise $90.00 − $20.00 = $70.00, free
    # shipping from $50, tax 10 % = $7.00 → $77.00.
    assert scarf_ordered.discount == Decimal("20.00")
    assert order.total == Decimal("77.00")


def test_an_honoured_coupon_is_named_in_the_readers_language(agent_client, supervisor_user, shopper, variant, summer20):
    """The request's reason is stored in English; a supervisor reading Japanese sees it in
    Japanese in the queue, and so does the agent's live cart."""
    cart = _cart_with(shopper, variant, quantity=2)
    agent_client.post(
        _url(shopper, "honour-coupon/"),
        {"code": "SUMMER20", "expected_version": cart.version, "request_approval": "1"},
        HTTP_HX_REQUEST="true",
    )
    boss = _supervisor_client(supervisor_user)
    boss.cookies["django_language"] = "ja"
    queue = boss.get("/console/approvals/").content.decode()
    assert "Honoured expired coupon" not in queue
    assert "期限切れクーポン SUMMER20 を適用（20% オフ）" in queue
    english = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    assert "Honoured expired coupon SUMMER20 (20% off)" in english


def test_honouring_a_coupon_that_has_not_expired_says_so_in_japanese(agent_client, shopper, variant):
    VoucherFactory(code="LIVE10", value=Decimal("10"))
    cart = _cart_with(shopper, variant)
    agent_client.cookies["django_language"] = "ja"
    html = agent_client.post(
        _url(shopper, "honour-coupon/"), {"code": "LIVE10", "expected_version": cart.version}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "has not expired" not in html and "LIVE10" in html
