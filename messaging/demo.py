"""Demo history for the outbox: messages that went out days ago, with their opens and clicks
(written directly, nothing is sent). Other apps' demo seeders call `demo_sent_emails`, so
the outbox stays messaging's own."""

from dataclasses import dataclass
from datetime import datetime

from messaging.models import EmailEvent, OutboundEmail


@dataclass(frozen=True)
class PastEmail:
    customer: object
    kind: str
    template: str
    subject: str
    dedupe_key: str
    sent_at: datetime
    marketing: bool = True
    opened_at: datetime | None = None
    clicked_at: datetime | None = None
    click_url: str = ""


def demo_sent_emails(emails: list[PastEmail]) -> list[OutboundEmail]:
    """Outbox rows already `sent` at their `sent_at`, with open/click events; one row per
    dedupe key (existing keys are returned untouched). Returns the rows in input order."""
    keys = [e.dedupe_key for e in emails]
    existing = {row.dedupe_key: row for row in OutboundEmail.objects.filter(dedupe_key__in=keys)}
    new = [e for e in emails if e.dedupe_key not in existing]
    created = OutboundEmail.objects.bulk_create(
        [
            OutboundEmail(
                customer=e.customer,
                to_email=e.customer.email,
                kind=e.kind,
                template=e.template,
                context={"subject": e.subject},
                subject=e.subject,
                dedupe_key=e.dedupe_key,
                marketing=e.marketing,
                status=OutboundEmail.Status.SENT,
                attempts=1,
                sent_at=e.sent_at,
            )
            for e in new
        ],
        batch_size=500,
    )
    for row, e in zip(created, new, strict=True):
        existing[e.dedupe_key] = row
        row.created_at = e.sent_at  # auto_now_add: history gets its real date afterwards
    OutboundEmail.objects.bulk_update(created, ["created_at"], batch_size=500)
    events = []
    for row, e in zip(created, new, strict=True):
        if e.opened_at:
            events.append((EmailEvent(email=row, customer=e.customer, kind=EmailEvent.Kind.OPEN), e.opened_at))
        if e.clicked_at:
            events.append(
                (EmailEvent(email=row, customer=e.customer, kind=EmailEvent.Kind.CLICK, url=e.click_url), e.clicked_at)
            )
    made = EmailEvent.objects.bulk_create([event for event, _ in events], batch_size=500)
    for event, (_, when) in zip(made, events, strict=True):
        event.created_at = when
    EmailEvent.objects.bulk_update(made, ["created_at"], batch_size=500)
    return [existing[e.dedupe_key] for e in emails]
