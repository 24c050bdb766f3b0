"""Create the staff role groups (Agents, Supervisors, Marketers) with their permissions."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make sure ours exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    from customers.roles import ROLE_PERMISSIONS

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(schema_editor.connection.alias).get_or_create(name=group_name)
        for dotted in codenames:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.using(schema_editor.connection.alias).filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                # Through the join table on this database (the router sends writes to the primary).
                Group.permissions.through.objects.using(schema_editor.connection.alias).get_or_create(
                    group_id=group.pk, permission_id=perm.pk
                )


def remove_roles(apps, schema_editor):
    from customers.roles import ROLE_PERMISSIONS

    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
