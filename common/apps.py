from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self):
        from common import lookups
        from common.privacy import register

        register()
        lookups.register()  # email__iexact uses the lower(email) indexes
