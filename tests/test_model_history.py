"""Admin edits of customers, segments, campaigns and articles (and of prices and vouchers,
once tracked) are recorded with before and after and who made them (django-simple-history)."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

from carts.models import Voucher
from customers.models import Customer
from marketing.models import Campaign, Segment, SegmentRule
from service_console.models import Article

pytestmark = pytest.mark.django_db


def _form_data(response) -> dict:
    """What the browser would post back from an admin change page: every field of the main
    form and of each inline formset (management forms included), with its current value."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field.widget, forms.MultiWidget):  # split date/time inputs
                for i, part in enumerate(field.widget.decompress(value)):
                    text = part.strftime("%H:%M:%S") if isinstance(part, dt.time) else part
                    data[f"{key}_{i}"] = "" if text is None else str(text)
            elif isinstance(field, forms.BooleanField):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


@pytest.fixture
def admin_user():
    return Customer.objects.create_superuser(email="root.history@example.com", password="x-pass-12345")


def _edit(client, obj, **changes):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    data = _form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return obj.history.order_by("-history_date", "-history_id")


@pytest.mark.parametrize(
    ("make", "field", "before", "after"),
    [
        (
            lambda: Customer.objects.create_user(email="hist.c@example.com", last_name="Smyth"),
            "last_name",
            "Smyth",
            "Smith",
        ),
        (lambda: Segment.objects.create(name="VIPs"), "name", "VIPs", "Top VIPs"),
        (lambda: Campaign.objects.create(name="Spring", subject="New in"), "subject", "New in", "Spring is here"),
        (
            lambda: Article.objects.create(title="Returns", slug="returns", body="Send it back."),
            "body",
            "Send it back.",
            "Send it back within 30 days.",
        ),
        (lambda: Voucher.objects.create(code="SORRY5", value=Decimal("5")), "value", Decimal("5.00"), "7.50"),
    ],
    ids=["customer", "segment", "campaign", "article", "voucher"],
)
def test_an_admin_edit_is_recorded_with_before_after_and_who(client, admin_user, make, field, before, after):
    obj = make()
    client.force_login(admin_user)
    latest, previous = _edit(client, obj, **{field: after})[:2]
    assert (getattr(previous, field), str(getattr(latest, field))) == (before, after)
    assert latest.history_type == "~" and latest.history_user == admin_user
    changes = {c.field: (c.old, c.new) for c in latest.diff_against(previous).changes}
    assert (str(changes[field][0]), str(changes[field][1])) == (str(before), after)


def test_a_segment_rule_edited_inline_is_recorded(client, admin_user):
    segment = Segment.objects.create(name="Big spenders")
    rule = SegmentRule.objects.create(segment=segment, field="total_spent", operator="gte", value="100", position=0)
    client.force_login(admin_user)
    _edit(client, segment, **{"rules-0-value": "250"})
    latest, previous = rule.history.order_by("-history_id")[:2]
    assert (previous.value, latest.value, latest.history_user) == ("100", "250", admin_user)


def test_the_customer_history_never_stores_the_password_hash():
    customer = Customer.objects.create_user(email="hist.pw@example.com", password="secret-pass-123")
    assert not hasattr(customer.history.first(), "password")


def test_a_price_edited_in_the_product_form_is_recorded_and_shown_on_the_product(client, admin_user):
    from tests.carts.factories import VariantFactory

    variant = VariantFactory(sku="HIST-TEE-M", price=Decimal("20.00"))
    product = variant.product
    client.force_login(admin_user)
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = _form_data(client.get(url))
    index = next(k.split("-")[1] for k, v in data.items() if k.startswith("variants-") and k.endswith("-sku"))
    data[f"variants-{index}-price"] = "18.00"
    assert client.post(url, data).status_code == 302

    latest, previous = variant.history.order_by("-history_id")[:2]
    assert (previous.price, latest.price, latest.history_user) == (Decimal("20.00"), Decimal("18.00"), admin_user)
    page = client.get(url).content.decode()
    assert "HIST-TEE-M: 20.00 → 18.00 by root.history@example.com" in page
