class MessagingError(Exception):
    """Base class for messaging domain errors."""


class EmailTemplateMissing(MessagingError):
    """email_enqueue was given a template that has no emails/<template>.html."""


class InvalidRecipient(MessagingError):
    """email_enqueue was given an empty or malformed address (never a header injection)."""


class ContextNotSerialisable(MessagingError):
    """The context handed to email_enqueue cannot be stored as JSON."""


class TransientDeliveryError(MessagingError):
    """The mail server said 'try again later' (4xx, timeout, connection refused)."""


class PermanentDeliveryError(MessagingError):
    """The mail server refused the message for good (5xx) or the template is broken."""
