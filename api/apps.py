from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API and integrations"

    def ready(self):
        from api.privacy import register as register_personal_data

        register_personal_data()  # what personal data it holds, how to erase it (R13)
