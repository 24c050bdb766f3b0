from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API and integrations"

    def ready(self):
        from api.privacy import register as register_personal_data

        register_personal_data()  # what personal data it holds, how to erase it (R13)
        # Webhook emission for lower layers. orders, carts, marketing and service_console sit
        # below api in the import order and must never import it; listening to their rows'
        # post_save here is the one place a framework signal keeps the lower layer free of an
        # upward import (the business flow itself stays explicit in their services).
        from api import webhook_sources

        webhook_sources.connect()
