from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = "Social listening"

    def ready(self):
        from social.privacy import register as register_personal_data
        from social.roles import register as register_roles

        register_personal_data()  # what personal data it holds, how to erase it (R13)
        register_roles()
