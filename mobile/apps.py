from django.apps import AppConfig


class MobileConfig(AppConfig):
    name = "mobile"
    verbose_name = "SMS and web push"

    def ready(self):
        from mobile.privacy import register as register_personal_data
        from mobile.roles import register as register_roles

        register_personal_data()  # phone numbers, message texts, subscriptions (R13)
        register_roles()
