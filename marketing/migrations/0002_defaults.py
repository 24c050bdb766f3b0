"""Default flow settings row and a three-step welcome journey (marketers edit both in admin)."""

from django.db import migrations

STEPS = [
    (1, 0, "Welcome to {{ site_name }}, {{ first_name }}", "Welcome aboard",
     "Hi {{ first_name }},\n\nThanks for joining us. New arrivals land every week.", "Start shopping", "/"),
    (2, 48, "{{ first_name }}, picked for you", "Picked for you",
     "We chose a few things we think you will like.", "See what's new", "/"),
    (3, 120, "Need a hand, {{ first_name }}?", "We are here to help",
     "Questions about sizes or delivery? Our help centre has the answers.", "Visit the help centre", "/help/"),
]


def forwards(apps, schema_editor):
    settings_model = apps.get_model("marketing", "AbandonmentSettings")
    settings_model.objects.using(schema_editor.connection.alias).get_or_create(pk=1)
    step_model = apps.get_model("marketing", "JourneyStep")
    for position, delay, subject, heading, text, label, url in STEPS:
        step_model.objects.using(schema_editor.connection.alias).get_or_create(
            position=position,
            defaults=dict(delay_hours=delay, subject=subject, heading=heading, text=text, button_label=label, link_url=url),
        )


class Migration(migrations.Migration):
    dependencies = [("marketing", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
