"""Every registered admin page loads: changelist, add page (where adding is allowed) and the
change page of one seeded object, for a superuser, against the demo data (so list_display
callables and inlines run on real rows, not on an empty table). One test seeds once and
walks every ModelAdmin, reporting all failures together."""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_every_admin_changelist_add_and_change_page_loads_for_superuser_and_staff_roles(client):
    call_command("seed_demo", customers=5, products=8, quiet_progress=True, stdout=io.StringIO())
    client.force_login(Customer.objects.get(email="admin@example.com"))

    index = client.get("/admin/").content.decode()
    failures = []
    checked = 0
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        if changelist not in index:
            failures.append((changelist, "missing from admin index"))
        urls = [changelist]
        if model_admin.has_add_permission(client.get(changelist).wsgi_request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        for url in urls:
            # follow=True: a singleton settings admin redirects its changelist to its one object.
            status = client.get(url, follow=True).status_code
            checked += 1
            if status != 200:
                failures.append((url, status))

    assert failures == []
    # The walk really covered the registry (customers, catalog, carts, orders, messaging, ...).
    assert checked >= 2 * len(admin.site._registry)

    # Staff roles: every changelist and change page they may view loads (no 500 from a
    # permission-dependent column, action or inline), and the others are refused, not broken.
    for email, min_visible in (("marketer@example.com", 5), ("agent@example.com", 5), ("supervisor@example.com", 5)):
        client.force_login(Customer.objects.get(email=email))
        visible = 0
        for model, model_admin in admin.site._registry.items():
            info = (model._meta.app_label, model._meta.model_name)
            response = client.get(reverse("admin:{}_{}_changelist".format(*info)), follow=True)
            if not model_admin.has_view_permission(response.wsgi_request):
                if response.status_code != 403:
                    failures.append((email, info, response.status_code))
                continue
            visible += 1
            if response.status_code != 200:
                failures.append((email, info, response.status_code))
            obj = model._default_manager.order_by("pk").first()
            if obj is not None:
                status = client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]), follow=True).status_code
                if status != 200:
                    failures.append((email, info, "change", status))
        assert visible >= min_visible, (email, visible, failures)
    assert failures == []
