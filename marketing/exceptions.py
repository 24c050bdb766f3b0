"""Marketing domain errors."""


class MarketingError(Exception):
    """Base class for marketing errors."""


class SegmentRuleInvalid(MarketingError):
    """A segment rule cannot be compiled (unknown operator for its field, bad value)."""

    def __init__(self, message: str, *, rule_position: int | None = None):
        super().__init__(message)
        self.rule_position = rule_position


class CampaignStateError(MarketingError):
    """The campaign is not in a state that allows this action (e.g. sending a cancelled one)."""


class RestoreLinkInvalid(MarketingError):
    """A cart restore link is forged, expired or points at a cart that no longer exists."""
