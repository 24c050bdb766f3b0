from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Helpdesk (saved replies, satisfaction)"

    def ready(self):
        from helpdesk.privacy import register as register_personal_data
        from helpdesk.roles import register as register_roles

        register_personal_data()  # R13: rating comments
        register_roles()  # its share of the staff roles
