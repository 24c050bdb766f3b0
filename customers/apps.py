from django.apps import AppConfig, apps


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self):
        from django.db.models.signals import post_migrate

        from customers.privacy import register as register_personal_data
        from customers.roles import register as register_roles

        post_migrate.connect(_roles_sync_after_last_app, dispatch_uid="customers.roles_sync")
        register_personal_data()
        register_roles()


def _roles_sync_after_last_app(sender, app_config=None, **kwargs) -> None:
    """Keep the role groups' permissions in step with every app's role_permissions_register after every migrate.

    post_migrate fires once per app, and each app's permissions are created in its own
    turn; syncing on the last app's turn sees every app's permissions (on a fresh database
    too, where later apps' models did not exist yet when our data migration ran).
    """
    from customers.roles import roles_sync

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if app_config is not None and with_models and app_config.label == with_models[-1].label:
        roles_sync(**kwargs)
