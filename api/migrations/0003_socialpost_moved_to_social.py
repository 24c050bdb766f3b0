"""SocialPost now belongs to the `social` app (social/migrations/0001 took over the table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_webhook_delivery_lease"),
        ("social", "0001_move_socialpost_from_api"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="SocialPost")],
        ),
    ]
