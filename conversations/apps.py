from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = "Live chat"

    def ready(self):
        from conversations.privacy import register as register_personal_data

        register_personal_data()

        # An anonymous chat joins the customer record at sign-in, like the cart (carts.signals):
        # the same framework hook, for the same reason.
        from django.contrib.auth.signals import user_logged_in

        from conversations.signals import conversation_join_at_sign_in

        user_logged_in.connect(conversation_join_at_sign_in, dispatch_uid="conversations.join_at_sign_in")
