"""Chat errors, translated once into socket error events, HTTP 400/403/404/409 and form errors."""


class ChatError(Exception):
    code = "chat_error"
    message = "Something went wrong with the chat."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message


class MessageInvalid(ChatError):
    code = "invalid"
    message = "Messages are text of at most 2,000 characters."


class ConversationClosed(ChatError):
    code = "closed"
    message = "This chat has ended. Start a new one if you need more help."


class ConversationTaken(ChatError):
    code = "taken"
    message = "Another agent has already accepted this chat."


class NotAnAgent(ChatError):
    code = "forbidden"
    message = "Only agents can do this."
