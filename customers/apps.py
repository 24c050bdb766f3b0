from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self):
        from django.db.models.signals import post_migrate

        from customers.roles import roles_sync

        # Later apps add models (and permissions) after our data migration ran; keep the
        # role groups' permissions in step with ROLE_PERMISSIONS after every migrate.
        post_migrate.connect(roles_sync, sender=self, dispatch_uid="customers.roles_sync")
