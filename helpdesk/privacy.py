"""Personal data held by the helpdesk (R13): a rating's free-text comment. Saved replies
are staff-written templates (reviewed: no one's data)."""

from common.personal_data import ErasureSubject, mentioning, redact_rows
from helpdesk.models import SatisfactionRating


def ratings_erase(subject: ErasureSubject) -> None:
    SatisfactionRating.objects.filter(customer=subject.customer).update(comment="")
    redact_rows(mentioning(SatisfactionRating.objects.all(), subject, ("comment",)), subject, ("comment",))


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "helpdesk",
        holds=("helpdesk.SatisfactionRating",),
        erase=ratings_erase,
        without=("helpdesk.SavedReply",),
    )
