"""Personal data held by the service console (R13): cases and their conversation.

What a customer writes (and what agents write back) quotes addresses, phone numbers and
names in any form, so the text of the customer's cases is removed, not pattern-redacted;
the case keeps its number, channel, status, times and linked order numbers. Cases of other
customers that quote this one are redacted by pattern."""

from common.personal_data import REDACTED, ErasureSubject, mentioning, redact_rows
from service_console.models import Case, CaseMessage


def cases_erase(subject: ErasureSubject) -> None:
    cases = Case.objects.filter(customer=subject.customer)
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
        holds=("service_console.Case", "service_console.CaseMessage"),
        erase=cases_erase,
        without=("service_console.Article", "service_console.HistoricalArticle"),
    )
