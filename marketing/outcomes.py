"""Outcomes of marketing sends and scan steps as enums (R13: no scattered string literals).

A step's outcome is an `Outcome`: a str such as "sent:1" or "stopped:purchased" (what scan
tallies, logs and admin counts show) that carries its enum `kind` and its `detail`, so code
decides with `outcome.kind == StepOutcome.SENT`, never by parsing the text."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SendOutcome(models.TextChoices):
    """What marketing_email_send did with one message."""

    SENT = "sent", _("Sent")
    NO_CONSENT = "no_consent", _("Not sent: no consent or suppressed")
    CAPPED = "capped", _("Not sent: frequency cap")
    DUPLICATE = "duplicate", _("Not sent: already sent")


class StepOutcome(models.TextChoices):
    """What one step of a flow (cart abandonment, welcome journey) did."""

    SENT = "sent", _("Sent")
    STOPPED = "stopped", _("Stopped")
    SKIPPED = "skipped", _("Skipped")
    COMPLETED = "completed", _("All steps sent")
    CAPPED = "capped", _("Held back by the frequency cap")
    WAITING = "waiting", _("Not due yet")
    INACTIVE = "inactive", _("No longer active")
    GONE = "gone", _("Nothing to do (row gone)")
    RACE = "race", _("Another worker took it")


class JourneyStopReason(models.TextChoices):
    """Why a welcome journey stopped (JourneyEnrollment.stop_reason)."""

    PURCHASED = "purchased", _("Purchased")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    ERASED = "erased", _("Customer data erased")


class Outcome(str):
    """`kind` (StepOutcome) plus an optional `detail` (step number, stop reason), as one string."""

    kind: StepOutcome
    detail: str

    def __new__(cls, kind: StepOutcome | str, detail: object = "") -> "Outcome":
        kind = StepOutcome(kind)
        detail = str(detail) if detail not in (None, "") else ""
        outcome = super().__new__(cls, f"{kind.value}:{detail}" if detail else kind.value)
        outcome.kind = kind
        outcome.detail = detail
        return outcome

    @property
    def sent(self) -> bool:
        return self.kind == StepOutcome.SENT
