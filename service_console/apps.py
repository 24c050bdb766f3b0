from django.apps import AppConfig


class ServiceConsoleConfig(AppConfig):
    name = "service_console"
    verbose_name = "Service console"

    def ready(self):
        from service_console.privacy import register as register_personal_data
        from service_console.roles import register as register_roles

        register_personal_data()  # what personal data it holds, how to erase it (R13)
        register_roles()  # its share of the staff roles

        # The chat bot (conversations, below this app) answers from this app's knowledge base.
        from conversations.bot import knowledge_source_set
        from service_console.selectors import knowledge_hits_for_chat

        knowledge_source_set(knowledge_hits_for_chat)

        # Mail to the support address from ESP inbound webhooks becomes case messages.
        from service_console import inbound_webhooks

        inbound_webhooks.connect()
