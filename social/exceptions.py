class SocialError(Exception):
    """A social-queue action that cannot be done; the message says why."""

    code = "social_error"


class PostNotActionable(SocialError):
    code = "post_not_actionable"


class NetworkError(Exception):
    """A network adapter could not post right now (timeouts, 5xx, rate limits): retried."""


class NetworkRefused(Exception):
    """The network refused the reply for good (deleted post, no permission): not retried."""
