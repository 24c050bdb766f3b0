"""SocialPost moves from `api` to `social` (the social listening app) keeping its rows: the
model is taken over in state only (same table), then the table gets its new name and the
integration token becomes the token's name (`source`), so `social` does not point up at `api`."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def token_name_to_source(apps, schema_editor):
    # On the migrating database (tests also migrate a stand-in replica after the primary).
    posts = apps.get_model("social", "SocialPost").objects.using(schema_editor.connection.alias)
    for post in posts.filter(token__isnull=False).select_related("token").iterator():
        posts.filter(pk=post.pk).update(source=post.token.name[:100])


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("api", "0002_webhook_delivery_lease"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="SocialPost",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("platform", models.CharField(choices=[("instagram", "Instagram"), ("facebook", "Facebook"), ("x", "X / Twitter"), ("tiktok", "TikTok"), ("pinterest", "Pinterest"), ("youtube", "YouTube"), ("other", "Other")], max_length=20)),
                        ("handle", models.CharField(db_index=True, max_length=100)),
                        ("text", models.TextField()),
                        ("url", models.URLField(blank=True, max_length=500)),
                        ("posted_at", models.DateTimeField()),
                        ("received_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ("token", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="api.integrationtoken")),
                    ],
                    options={
                        "db_table": "api_socialpost",
                        "ordering": ["-received_at", "-id"],
                        "constraints": [models.UniqueConstraint(condition=models.Q(("url", ""), _negated=True), fields=("platform", "url"), name="socialpost_unique_platform_url")],
                    },
                ),
            ],
        ),
        migrations.AddField(
            model_name="socialpost",
            name="source",
            field=models.CharField(blank=True, default="", help_text="The integration (token name) that sent it.", max_length=100),
            preserve_default=False,
        ),
        migrations.RunPython(token_name_to_source, migrations.RunPython.noop),
        migrations.RemoveField(model_name="socialpost", name="token"),
        migrations.AlterModelTable(name="socialpost", table=None),
    ]
