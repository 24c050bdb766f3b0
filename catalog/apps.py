from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog.privacy import register as register_personal_data

        register_personal_data()
        from catalog import signals

        signals.connect()
