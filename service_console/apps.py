from django.apps import AppConfig


class ServiceConsoleConfig(AppConfig):
    name = "service_console"
    verbose_name = "Service console"
