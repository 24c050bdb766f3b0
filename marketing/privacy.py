"""Personal data held by `marketing` (R13)."""

from common.personal_data import ErasureSubject, mentioning, redact_rows
from marketing.models import BehaviourTrigger, CartAbandonment, JourneyEnrollment, MarketingMessage
from marketing.outcomes import JourneyStopReason


def marketing_state_erase(*, customer) -> None:
    """Scrub what marketing holds about the customer: the email copied onto abandonment
    state, the searches/products that triggered behavioural emails, any running journey.
    Message and attribution rows stay (they hold no PII: ids, flow, money)."""
    CartAbandonment.objects.filter(customer=customer).update(email="")
    BehaviourTrigger.objects.filter(customer=customer).delete()
    JourneyEnrollment.objects.filter(customer=customer, status=JourneyEnrollment.Status.ACTIVE).update(
        status=JourneyEnrollment.Status.STOPPED, stop_reason=JourneyStopReason.ERASED, next_due_at=None
    )


def marketing_erase(subject: ErasureSubject) -> None:
    from django.db.models import Q

    marketing_state_erase(customer=subject.customer)
    CartAbandonment.objects.filter(email__iexact=subject.email).update(email="")
    # Dedupe keys of behavioural mail carry the search that triggered it.
    messages = mentioning(MarketingMessage.objects.all(), subject, ("dedupe_key",), also=Q(customer=subject.customer))
    redact_rows(messages, subject, ("dedupe_key",))


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "marketing",
        holds=("marketing.CartAbandonment", "marketing.BehaviourTrigger", "marketing.MarketingMessage"),
        erase=marketing_erase,
        without=(
            "marketing.AbandonmentSettings",
            "marketing.Segment",
            "marketing.SegmentRule",
            "marketing.Campaign",
            "marketing.CampaignBlock",
            "marketing.JourneyStep",
            "marketing.MarketingCursor",
            "marketing.HistoricalSegment",
            "marketing.HistoricalSegmentRule",
            "marketing.HistoricalCampaign",
            "marketing.HistoricalCampaignBlock",
        ),
        # Which message went to whom and what it earned: metrics and attribution keep them.
        linked=(
            "marketing.ContactPressure",
            "marketing.JourneyEnrollment",
            "marketing.Attribution",
            "marketing.ContactHold",
        ),
    )
