from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog.privacy import register as register_personal_data
        from catalog.roles import register as register_roles

        register_personal_data()  # what personal data it holds, how to erase it (R13)
        register_roles()  # its share of the staff roles
        from catalog import signals

        signals.connect()
