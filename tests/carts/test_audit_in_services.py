"""Issue 13, "audit lives in the services": carts.services writes the audit entry of every
change an agent makes to a shopper's cart, in its own transaction, from its `actor`. So the
same change through the console and through the staff API is recorded exactly once, with
the same action; a shopper's own edits are not audit events."""

from decimal import Decimal

import pytest
from django.test import Client

from api.models import Scope
from carts.exceptions import CartConflict, DiscountLimitExceeded
from carts.models import CartOverride
from carts.services import (
    cart_get_or_create,
    cart_line_add,
    cart_override_apply,
    cart_override_approve,
    cart_override_reject,
    cart_override_remove,
    stock_reservation_set,
    voucher_apply,
    voucher_remove,
)
from common.audit_actions import AuditAction
from common.models import AuditEntry
from tests.api.conftest import client_with_token, token_for
from tests.carts.factories import VariantFactory, VoucherFactory, agent, supervisor
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper():
    return CustomerFactory(email="mei@example.com", first_name="Mei", last_name="Ito")


@pytest.fixture
def kenji():
    return agent(email="kenji.audit@example.com", first_name="Kenji")


@pytest.fixture
def variant():
    return VariantFactory(sku="MUG-BLU", price=Decimal("16.00"), stock=20)


def _console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _entries(**filters) -> list[tuple[str, int | None, int | None]]:
    rows = AuditEntry.objects.filter(**filters).order_by("id")
    return list(rows.values_list("action", "actor_id", "customer_id"))


def _line(shopper):
    cart = cart_get_or_create(customer=shopper)
    return cart, cart.lines.get()


def test_an_agent_cart_change_is_audited_once_through_the_console(shopper, kenji, variant):
    console = _console(kenji)
    base = f"/console/customers/{shopper.public_id}/cart/"
    who = (kenji.pk, shopper.pk)

    response = console.post(base + "add/", {"variant_id": variant.pk, "quantity": 2, "expected_version": ""})
    assert response.status_code in (200, 302), response.content[:500]
    assert _entries() == [(AuditAction.CART_LINE_ADD, *who)]

    cart, line = _line(shopper)
    response = console.post(base + f"lines/{line.pk}/", {"quantity": 3, "expected_version": cart.version})
    assert response.status_code in (200, 302)
    assert _entries()[1:] == [(AuditAction.CART_LINE_UPDATE, *who)]

    cart.refresh_from_db()
    response = console.post(base + f"lines/{line.pk}/remove/", {"expected_version": cart.version})
    assert response.status_code in (200, 302)
    assert _entries()[2:] == [(AuditAction.CART_LINE_REMOVE, *who)]
    assert not cart.lines.exists()
    assert AuditEntry.objects.get(action=AuditAction.CART_LINE_UPDATE).before == {"quantity": 2}


def test_the_same_change_through_the_staff_api_is_audited_once_with_the_same_actions(shopper, kenji, variant):
    api = client_with_token(token_for(kenji, Scope.STAFF))
    base = f"/api/v1/staff/customers/{shopper.public_id}/cart/"
    who = (kenji.pk, shopper.pk)
    version = api.get(base).json()["version"]

    response = api.post(
        base + "lines/", {"variant_id": variant.pk, "quantity": 2, "expected_version": version}, format="json"
    )
    assert response.status_code == 201, response.content
    assert _entries() == [(AuditAction.CART_LINE_ADD, *who)]

    cart, line = _line(shopper)
    response = api.patch(base + f"lines/{line.pk}/", {"quantity": 3, "expected_version": cart.version}, format="json")
    assert response.status_code == 200, response.content
    assert _entries()[1:] == [(AuditAction.CART_LINE_UPDATE, *who)]

    cart.refresh_from_db()
    response = api.post(
        base + "overrides/",
        {
            "scope": "cart",
            "kind": "percent",
            "value": "10",
            "reason_code": "goodwill",
            "reason_text": "Late parcel",
            "expected_version": cart.version,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert _entries()[2:] == [(AuditAction.CART_OVERRIDE_APPLY, *who)]

    cart.refresh_from_db()
    response = api.delete(base + f"lines/{line.pk}/?expected_version={cart.version}")
    assert response.status_code == 200, response.content
    assert _entries()[3:] == [(AuditAction.CART_LINE_REMOVE, *who)]


def test_a_shoppers_own_edits_are_not_audit_events(shopper, variant):
    """The storefront and the shopper's API token change their own cart: no audit entries."""
    storefront = _console(shopper)
    assert storefront.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1}).status_code in (200, 302)
    cart = cart_get_or_create(customer=shopper)
    api = client_with_token(token_for(shopper, Scope.SHOPPER))
    body = {"variant_id": variant.pk, "quantity": 1, "expected_version": cart.version}
    response = api.post("/api/v1/cart/lines/", body, format="json")
    assert response.status_code == 201, response.content
    assert cart.lines.get().quantity == 2
    assert AuditEntry.objects.count() == 0


def test_every_staff_cart_service_writes_its_own_entry(shopper, kenji, variant):
    """Called directly (as any future caller would), each service records exactly one entry."""
    boss = supervisor(email="yui.audit@example.com", first_name="Yui")
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=2, expected_version=None)  # system write: no entry
    assert AuditEntry.objects.count() == 0

    def apply(value, approval=False):
        cart.refresh_from_db()  # an approval bumped the version on another copy of the row
        return cart_override_apply(
            cart=cart, actor=kenji, scope="cart", kind="percent", value=Decimal(value), reason_code="goodwill",
            reason_text="Sorry", expected_version=cart.version, request_approval=approval,
        )  # fmt: skip

    applied = apply("10")
    cart_override_remove(override=applied, actor=kenji, expected_version=cart.version)
    approved = apply("30", approval=True)
    cart_override_approve(override=approved, actor=boss, note="fine")
    rejected = apply("40", approval=True)
    cart_override_reject(override=rejected, actor=boss, note="too much")
    stock_reservation_set(cart=cart, variant=variant, quantity=2, actor=kenji, minutes=30)
    VoucherFactory(code="HELLO5", kind="percent", value=Decimal("5"))
    cart.refresh_from_db()
    voucher_apply(cart=cart, code="hello5", expected_version=cart.version, actor=kenji)
    voucher_remove(cart=cart, expected_version=cart.version, actor=kenji)

    A = AuditAction
    assert _entries(customer=shopper) == [
        (A.CART_OVERRIDE_APPLY, kenji.pk, shopper.pk),
        (A.CART_OVERRIDE_REMOVE, kenji.pk, shopper.pk),
        (A.CART_OVERRIDE_REQUEST, kenji.pk, shopper.pk),
        (A.CART_OVERRIDE_APPROVE, boss.pk, shopper.pk),
        (A.CART_OVERRIDE_REQUEST, kenji.pk, shopper.pk),
        (A.CART_OVERRIDE_REJECT, boss.pk, shopper.pk),
        (A.CART_RESERVE, kenji.pk, shopper.pk),
        (A.CART_VOUCHER_APPLY, kenji.pk, shopper.pk),
        (A.CART_VOUCHER_REMOVE, kenji.pk, shopper.pk),
    ]
    assert AuditEntry.objects.count() == 9
    approve = AuditEntry.objects.get(action=A.CART_OVERRIDE_APPROVE)
    assert approve.after["label"] == "30% off whole cart" and approve.after["note"] == "fine"
    assert approve.after["requested_by"] == kenji.email
    assert CartOverride.objects.get(pk=approved.pk).status == CartOverride.Status.APPLIED


def test_a_refused_change_writes_nothing(shopper, kenji, variant):
    """The entry is in the service's transaction: a refusal rolls it back with the change."""
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=1, expected_version=None)
    with pytest.raises(DiscountLimitExceeded):
        cart_override_apply(
            cart=cart, actor=kenji, scope="cart", kind="percent", value=Decimal("90"), reason_code="goodwill",
            reason_text="Too much", expected_version=cart.version,
        )  # fmt: skip
    stale = cart.version - 1
    with pytest.raises(CartConflict):
        cart_line_add(cart=cart, variant=variant, quantity=1, expected_version=stale, actor=kenji)
    assert AuditEntry.objects.count() == 0
