"""Personal data held by the service console (R13): cases and their conversation, the
emails that reached the support address (with their originals) and their attachments.

What a customer writes (and what agents write back) quotes addresses, phone numbers and
names in any form, so the text of the customer's cases is removed, not pattern-redacted;
the case keeps its number, channel, status, times and linked order numbers. Cases of other
customers that quote this one are redacted by pattern."""

from django.db.models import Q

from common.personal_data import REDACTED, ErasureSubject, mentioning, redact_rows
from service_console.models import Case, CaseAttachment, CaseMessage, InboundEmail


def _inbound_erase(subject: ErasureSubject, cases) -> None:
    """Their emails (by case or by sender) lose content and original; the routing facts stay."""
    mine = InboundEmail.objects.filter(Q(case__in=cases) | Q(from_email__iexact=subject.email))
    mine.update(
        from_email=subject.replacement_email,
        from_name="",
        recipients="",
        subject=REDACTED,
        text="",
        raw=b"",
        outcome_detail="",
    )
    fields = ("from_name", "recipients", "subject", "text", "outcome_detail")
    others = mentioning(InboundEmail.objects.exclude(pk__in=mine.values("pk")), subject, fields)
    # An email of someone else that quotes them: the original cannot be redacted, so it goes.
    others.update(raw=b"")
    redact_rows(others, subject, fields)


def cases_erase(subject: ErasureSubject) -> None:
    cases = Case.objects.filter(customer=subject.customer)
    for attachment in CaseAttachment.objects.filter(case__in=cases):
        attachment.file.delete(save=False)
    CaseAttachment.objects.filter(case__in=cases).delete()
    _inbound_erase(subject, cases)
    CaseMessage.objects.filter(case__in=cases).update(body=REDACTED)
    cases.update(subject=REDACTED, description="")
    redact_rows(
        mentioning(Case.objects.all(), subject, ("subject", "description")), subject, ("subject", "description")
    )
    redact_rows(mentioning(CaseMessage.objects.all(), subject, ("body",)), subject, ("body",))


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "service_console",
        holds=(
            "service_console.Case",
            "service_console.CaseMessage",
            "service_console.InboundEmail",
            "service_console.CaseAttachment",
        ),
        linked=("service_console.AgentNotification",),
        erase=cases_erase,
        without=("service_console.Article", "service_console.HistoricalArticle", "service_console.SlaTarget"),
    )
