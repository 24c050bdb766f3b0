class HelpdeskError(Exception):
    """Base for helpdesk errors shown to the person who caused them."""


class RatingLinkInvalid(HelpdeskError):
    """A satisfaction link whose signature does not verify (forged or damaged)."""


class RatingLinkExpired(HelpdeskError):
    """A genuine satisfaction link older than HELPDESK_RATING_LINK_MAX_AGE_DAYS."""
