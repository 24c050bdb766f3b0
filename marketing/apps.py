from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "marketing"
    verbose_name = "Marketing"

    def ready(self):
        from marketing.privacy import register as register_personal_data
        from marketing.roles import register as register_roles

        register_personal_data()  # what personal data it holds, how to erase it (R13)
        register_roles()  # its share of the staff roles
