from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self):
        from django.urls import register_converter

        from common import lookups
        from common.converters import CodeConverter
        from common.privacy import register

        register()
        lookups.register()  # email__iexact uses the lower(email) indexes
        register_converter(CodeConverter, "code")  # before any URLconf is imported
