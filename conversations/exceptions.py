from django.utils.translation import gettext_lazy

"""Chat errors, translated once into socket error events, HTTP 400/403/404/409 and form errors."""


class ChatError(Exception):
    code = "chat_error"
    message = gettext_lazy("Something went wrong with the chat.")

    def __init__(self, message: str | None = None):
        super().__init__(str(message or self.message))
        self.message = str(message or self.message)


class MessageInvalid(ChatError):
    code = "invalid"
    message = gettext_lazy("Messages are text of at most 2,000 characters.")


class ConversationClosed(ChatError):
    code = "closed"
    message = gettext_lazy("This chat has ended. Start a new one if you need more help.")


class ConversationTaken(ChatError):
    code = "taken"
    message = gettext_lazy("Another agent has already accepted this chat.")


class NotAnAgent(ChatError):
    code = "forbidden"
    message = gettext_lazy("Only agents can do this.")
