"""Marketing now keeps its own hold per open case (marketing.ContactHold) instead of reading
the console's cases: create one for every case open today."""

from django.db import migrations


def holds_for_open_cases(apps, schema_editor):
    Case = apps.get_model("service_console", "Case")
    ContactHold = apps.get_model("marketing", "ContactHold")
    open_cases = Case.objects.using(schema_editor.connection.alias).filter(status__in=["new", "open", "pending"]).values_list("pk", "customer_id")
    ContactHold.objects.using(schema_editor.connection.alias).bulk_create(
        [
            ContactHold(customer_id=customer_id, reason="service_case", reference=f"CS-{pk:06d}")
            for pk, customer_id in open_cases.iterator()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("service_console", "0001_initial"),
        ("marketing", "0004_contact_hold"),
    ]

    operations = [migrations.RunPython(holds_for_open_cases, migrations.RunPython.noop)]
