from django.apps import AppConfig


class ServiceConsoleConfig(AppConfig):
    name = "service_console"
    verbose_name = "Service console"

    def ready(self):
        from service_console.privacy import register as register_personal_data

        register_personal_data()
