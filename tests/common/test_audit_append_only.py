"""The audit log is append-only in the database (a trigger), not only in the ORM; erasure's
redaction is the one sanctioned change, and it cannot touch who/what/when."""

import pytest
from django.db import IntegrityError, connection, transaction

from common.audit import AUDIT_REDACTION_SETTING, audit_record, audit_redact
from common.models import AuditEntry
from customers.privacy import erasure_subject
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    customer = CustomerFactory(email="ines.aud@example.com", first_name="Ines", last_name="Auditson")
    agent = CustomerFactory(is_staff=True)
    return audit_record(actor=agent, action="consent.change", customer=customer, after={"to": customer.email})


def _refused(statement, params=()):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_update_and_delete_are_refused_by_the_database(entry):
    _refused("UPDATE common_auditentry SET note = 'edited' WHERE id = %s", [entry.pk])
    _refused("DELETE FROM common_auditentry WHERE id = %s", [entry.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(after={})
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).after == {"to": "ines.aud@example.com"}


def test_the_redaction_setting_allows_changing_content_but_never_who_what_when(entry):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [AUDIT_REDACTION_SETTING])
        cursor.execute("UPDATE common_auditentry SET note = 'redacted' WHERE id = %s", [entry.pk])
        cursor.execute("SELECT set_config(%s, 'off', true)", [AUDIT_REDACTION_SETTING])
    assert AuditEntry.objects.get(pk=entry.pk).note == "redacted"
    for change in ("action = 'x'", "actor_id = NULL", "created_at = now() - interval '1 day'"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [AUDIT_REDACTION_SETTING])
            cursor.execute(f"UPDATE common_auditentry SET {change} WHERE id = %s", [entry.pk])
    _refused("UPDATE common_auditentry SET note = 'again' WHERE id = %s", [entry.pk])


def test_audit_redact_redacts_the_subject_and_keeps_the_facts(entry):
    subject = erasure_subject(entry.customer)
    with transaction.atomic():
        assert audit_redact(subject) == 1
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.after == {"to": "[erased]"}
    assert (entry.action, entry.customer_id) == ("consent.change", subject.customer.pk)
    _refused("UPDATE common_auditentry SET note = 'after redaction' WHERE id = %s", [entry.pk])


def test_people_with_audit_history_cannot_be_deleted_only_erased(entry):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        entry.customer.delete()


def test_an_action_outside_the_vocabulary_is_refused():
    with pytest.raises(ValueError):
        audit_record(actor=None, action="order.mark_paid")  # admin's old private spelling


def test_a_transition_is_audited_once_by_its_service_with_one_name_whoever_asks(admin_client):
    """Admin action, staff API and a direct service call all yield one `order.paid` entry,
    written in the service's transaction from its actor."""
    from common.audit_actions import AuditAction
    from orders.services import order_mark_paid
    from tests.carts.factories import CartFactory, CartLineFactory
    from tests.orders.helpers import place

    orders = []
    for _ in range(2):
        cart = CartFactory()
        CartLineFactory(cart=cart)
        orders.append(place(cart, method="pod"))
    admin_client.post("/admin/orders/order/", {"action": "mark_paid", "_selected_action": [orders[0].pk]})
    agent = CustomerFactory(is_staff=True)
    order_mark_paid(order=orders[1], actor=agent)
    entries = AuditEntry.objects.filter(action=AuditAction.ORDER_PAID).order_by("id")
    assert [(e.object_id, e.before["status"], e.after["status"]) for e in entries] == [
        (str(orders[0].pk), "placed", "paid"),
        (str(orders[1].pk), "placed", "paid"),
    ]
    assert entries[1].actor == agent and entries[0].actor.is_superuser


def test_every_audit_call_names_its_action_from_the_enum():
    """Static check over the source: no audit_record(action="...") literal or f-string, so a
    new action is added to AuditAction (where its label lives) rather than made up in place."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    apps = [d for d in root.iterdir() if (d / "apps.py").exists() or (d / "settings").is_dir()]
    for path in (p for app in apps for p in app.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            name = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
            if name == "audit_record":
                for keyword in node.keywords:
                    if keyword.arg == "action" and any(
                        isinstance(n, ast.Constant | ast.JoinedStr) for n in ast.walk(keyword.value)
                    ):
                        offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
