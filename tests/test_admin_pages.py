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


def test_every_admin_changelist_add_and_change_page_loads_for_superuser(client):
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
