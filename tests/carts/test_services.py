from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from carts.exceptions import (
    CartClosed,
    CartConflict,
    DiscountLimitExceeded,
    OutOfStock,
    OverrideNotAllowed,
    VoucherInvalid,
)
from carts.models import Cart, CartLine, CartOverride, VoucherRedemption
from carts.pricing import cart_price
from carts.selectors import cart_with_lines
from carts.services import (
    cart_get_or_create,
    cart_line_add,
    cart_line_remove,
    cart_line_update,
    cart_merge_on_login,
    cart_override_apply,
    cart_override_approve,
    cart_override_reject,
    stock_reservation_set,
    voucher_apply,
    voucher_create_single_use,
    voucher_remove,
)
from catalog.selectors import stock_available
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, VoucherFactory, agent, supervisor
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_one_open_cart_per_customer_and_per_session():
    customer = CustomerFactory()
    first = cart_get_or_create(customer=customer)
    assert cart_get_or_create(customer=customer).pk == first.pk
    anon = cart_get_or_create(session_key="abc")
    assert cart_get_or_create(session_key="abc").pk == anon.pk
    assert anon.pk != first.pk
    assert first.email == customer.email


def test_every_change_bumps_version_and_activity():
    cart = CartFactory()
    variant = VariantFactory(stock=5)
    before = cart.last_activity_at
    line = cart_line_add(cart=cart, variant=variant, quantity=2, expected_version=1)
    assert cart.version == 2
    cart_line_add(cart=cart, variant=variant, quantity=1, expected_version=None)
    line.refresh_from_db()
    assert line.quantity == 3
    assert cart.version == 3
    cart_line_update(cart=cart, line=line, quantity=1, expected_version=3)
    cart_line_remove(cart=cart, line=line, expected_version=4)
    cart.refresh_from_db()
    assert cart.version == 5
    assert cart.last_activity_at > before
    assert not CartLine.objects.filter(cart=cart).exists()


def test_stale_version_is_refused_with_a_reload_hint():
    cart = CartFactory()
    variant = VariantFactory()
    cart_line_add(cart=cart, variant=variant, expected_version=1)
    with pytest.raises(CartConflict) as exc:
        cart_line_add(cart=cart, variant=variant, expected_version=1)
    assert exc.value.current == 2
    assert "Reload" in str(exc.value)
    assert CartLine.objects.get(cart=cart).quantity == 1


def test_add_beyond_stock_is_refused_with_available_count():
    cart = CartFactory()
    variant = VariantFactory(stock=3)
    cart_line_add(cart=cart, variant=variant, quantity=2)
    with pytest.raises(OutOfStock) as exc:
        cart_line_add(cart=cart, variant=variant, quantity=2)
    assert exc.value.available == 3
    assert "Only 3" in str(exc.value)


def test_converted_cart_refuses_changes():
    cart = CartFactory(status=Cart.Status.CONVERTED)
    with pytest.raises(CartClosed):
        cart_line_add(cart=cart, variant=VariantFactory())


def test_agent_added_line_records_the_agent():
    staff = agent(first_name="Aiko")
    cart = CartFactory()
    line = cart_line_add(cart=cart, variant=VariantFactory(), actor=staff, expected_version=1)
    assert line.added_by == staff
    assert cart_price(cart_with_lines(cart.pk)).lines[0].added_by_name == "Aiko"
    own = cart_line_add(cart=cart, variant=VariantFactory(), actor=cart.customer)
    assert own.added_by is None


# --- merge at sign-in ------------------------------------------------------------------


def test_merge_sums_lines_and_caps_at_stock():
    customer = CustomerFactory()
    shared = VariantFactory(stock=5)
    only_anon = VariantFactory(stock=2)
    sold_out = VariantFactory(stock=0)
    mine = CartFactory(customer=customer)
    CartLineFactory(cart=mine, variant=shared, quantity=3)
    anon = CartFactory(customer=None, session_key="s1", voucher=VoucherFactory())
    CartLineFactory(cart=anon, variant=shared, quantity=4)  # 3 + 4 = 7, capped at 5
    CartLineFactory(cart=anon, variant=only_anon, quantity=2)
    CartLine.objects.create(cart=anon, variant=sold_out, quantity=1)  # stock went to 0 since

    merged = cart_merge_on_login(customer=customer, anonymous_cart_id=anon.pk)

    assert merged.pk == mine.pk
    quantities = dict(CartLine.objects.filter(cart=mine).values_list("variant_id", "quantity"))
    assert quantities == {shared.pk: 5, only_anon.pk: 2}
    anon.refresh_from_db()
    mine.refresh_from_db()
    assert anon.status == Cart.Status.MERGED
    assert mine.voucher_id == anon.voucher_id
    assert mine.version == 2


def test_merge_adopts_anonymous_cart_when_customer_has_none():
    customer = CustomerFactory()
    anon = CartFactory(customer=None, session_key="s2")
    CartLineFactory(cart=anon, quantity=2)
    merged = cart_merge_on_login(customer=customer, anonymous_cart_id=anon.pk)
    assert merged.pk == anon.pk
    assert merged.customer == customer
    assert merged.email == customer.email


def test_sign_in_view_merges_the_session_cart(client):
    customer = CustomerFactory(email="merge@example.com")
    variant = VariantFactory(stock=4)
    session = client.session
    anon = CartFactory(customer=None, session_key=session.session_key or "x")
    CartLineFactory(cart=anon, variant=variant, quantity=3)
    session["cart_id"] = anon.pk
    session.save()
    mine = CartFactory(customer=customer)
    CartLineFactory(cart=mine, variant=variant, quantity=2)

    from tests.customers.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": "merge@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert CartLine.objects.get(cart=mine).quantity == 4  # 2 + 3 capped at stock 4
    assert client.session["cart_id"] == mine.pk


# --- vouchers ----------------------------------------------------------------------------


def test_voucher_messages():
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("30.00")))
    now = timezone.now()
    VoucherFactory(code="LATER", valid_from=now + timedelta(days=2))
    VoucherFactory(code="GONE", valid_from=now - timedelta(days=9), valid_to=now - timedelta(days=1))
    VoucherFactory(code="USEDUP", usage_limit_total=2, times_used=2)
    VoucherFactory(code="MIN50", min_spend=D("50.00"))
    cases = {
        "nope": "don't recognise",
        "LATER": "not valid yet",
        "GONE": "expired",
        "USEDUP": "used up",
        "MIN50": "minimum spend of $50.00",
    }
    for code, text in cases.items():
        with pytest.raises(VoucherInvalid) as exc:
            voucher_apply(cart=cart, code=code)
        assert text in str(exc.value), code


def test_voucher_apply_is_case_insensitive_and_removable():
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("30.00")))
    voucher = VoucherFactory(code="WELCOME10")
    assert voucher_apply(cart=cart, code=" welcome10 ") == voucher
    cart.refresh_from_db()
    assert cart.voucher == voucher
    voucher_remove(cart=cart, expected_version=cart.version)
    cart.refresh_from_db()
    assert cart.voucher is None


def test_per_customer_limit():
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(price=D("30.00")))
    voucher = VoucherFactory(code="ONCE", usage_limit_per_customer=1)
    VoucherRedemption.objects.create(voucher=voucher, customer=cart.customer, order_number="UC-X")
    with pytest.raises(VoucherInvalid, match="already used"):
        voucher_apply(cart=cart, code="ONCE")


def test_single_use_generated_code():
    customer = CustomerFactory()
    voucher = voucher_create_single_use(value=D("10"), valid_days=3, customer=customer, source="abandonment")
    assert voucher.code.startswith("UC-") and len(voucher.code) == 11
    assert voucher.single_use and voucher.usage_limit_total == 1
    assert timedelta(days=2, hours=23) < voucher.valid_to - timezone.now() <= timedelta(days=3)
    other = CartFactory()
    CartLineFactory(cart=other, variant=VariantFactory(price=D("30.00")))
    with pytest.raises(VoucherInvalid, match="another account"):
        voucher_apply(cart=other, code=voucher.code)
    own = CartFactory(customer=customer)
    CartLineFactory(cart=own, variant=VariantFactory(price=D("30.00")))
    assert voucher_apply(cart=own, code=voucher.code.lower()) == voucher


# --- overrides ---------------------------------------------------------------------------


def _cart_worth(amount: str):
    cart = CartFactory()
    line = CartLineFactory(cart=cart, variant=VariantFactory(price=D(amount)))
    return cart, line


@override_settings(AGENT_DISCOUNT_LIMIT_PERCENT=D("15"), SUPERVISOR_DISCOUNT_LIMIT_PERCENT=D("50"))
def test_agent_limit_enforced_for_amount_and_percent():
    staff = agent()
    cart, line = _cart_worth("100.00")
    with pytest.raises(DiscountLimitExceeded) as exc:
        cart_override_apply(
            cart=cart,
            actor=staff,
            scope="cart",
            kind="amount",
            value=D("15.01"),
            reason_code="goodwill",
            reason_text="late parcel",
            expected_version=cart.version,
        )
    assert exc.value.requested_percent == D("15.01")
    override = cart_override_apply(
        cart=cart,
        actor=staff,
        scope="line",
        line=line,
        kind="percent",
        value=D("15"),
        reason_code="goodwill",
        reason_text="late parcel",
        expected_version=cart.version,
    )
    assert override.status == CartOverride.Status.APPLIED
    assert cart_price(cart_with_lines(cart.pk)).line_discount_total == D("15.00")


@override_settings(AGENT_DISCOUNT_LIMIT_PERCENT=D("15"), SUPERVISOR_DISCOUNT_LIMIT_PERCENT=D("50"))
def test_over_limit_goes_to_approval_and_supervisor_approves():
    staff, boss = agent(), supervisor()
    cart, _ = _cart_worth("100.00")
    pending = cart_override_apply(
        cart=cart,
        actor=staff,
        scope="cart",
        kind="percent",
        value=D("30"),
        reason_code="damaged",
        reason_text="scratched",
        expected_version=cart.version,
        request_approval=True,
    )
    assert pending.status == CartOverride.Status.PENDING_APPROVAL
    assert cart_price(cart_with_lines(cart.pk)).override_discount == D("0")
    with pytest.raises(OverrideNotAllowed):
        cart_override_approve(override=pending, actor=staff)
    cart_override_approve(override=pending, actor=boss)
    assert cart_price(cart_with_lines(cart.pk)).override_discount == D("30.00")
    with pytest.raises(OverrideNotAllowed):
        cart_override_reject(override=pending, actor=boss, note="already approved")
    cart.refresh_from_db()  # the approval bumped the version
    assert cart.version == 3  # 1 → 2 (pending request) → 3 (approval)
    # beyond the supervisor limit: never queued
    with pytest.raises(DiscountLimitExceeded):
        cart_override_apply(
            cart=cart,
            actor=staff,
            scope="cart",
            kind="percent",
            value=D("51"),
            reason_code="other",
            reason_text="x",
            expected_version=cart.version,
            request_approval=True,
        )


def test_shopper_cannot_override_and_reason_is_mandatory():
    cart, _ = _cart_worth("10.00")
    with pytest.raises(OverrideNotAllowed):
        cart_override_apply(
            cart=cart,
            actor=cart.customer,
            scope="cart",
            kind="percent",
            value=D("5"),
            reason_code="goodwill",
            reason_text="x",
            expected_version=cart.version,
        )
    with pytest.raises(OverrideNotAllowed, match="reason"):
        cart_override_apply(
            cart=cart,
            actor=agent(),
            scope="cart",
            kind="percent",
            value=D("5"),
            reason_code="goodwill",
            reason_text="  ",
            expected_version=cart.version,
        )


def test_reservation_reduces_what_other_carts_can_take():
    staff = agent()
    variant = VariantFactory(stock=3)
    held_cart = CartFactory()
    stock_reservation_set(cart=held_cart, variant=variant, quantity=2, actor=staff)
    assert stock_available([variant.pk], cart_id=held_cart.pk) == {variant.pk: 3}
    other = CartFactory()
    assert stock_available([variant.pk], cart_id=other.pk) == {variant.pk: 1}
    with pytest.raises(OutOfStock):
        cart_line_add(cart=other, variant=variant, quantity=2)
