from django.db import migrations

# Clock-time targets per priority (minutes): first reply, resolution. Admin-editable.
DEFAULTS = {
    "urgent": (60, 8 * 60),
    "high": (4 * 60, 24 * 60),
    "normal": (8 * 60, 72 * 60),
    "low": (24 * 60, 7 * 24 * 60),
}


def seed(apps, schema_editor):
    SlaTarget = apps.get_model("service_console", "SlaTarget")
    for priority, (first, resolution) in DEFAULTS.items():
        SlaTarget.objects.using(schema_editor.connection.alias).get_or_create(
            priority=priority, defaults={"first_response_minutes": first, "resolution_minutes": resolution}
        )


class Migration(migrations.Migration):
    dependencies = [("service_console", "0004_helpdesk_email_threads_sla")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
