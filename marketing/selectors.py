"""Reads for marketing admin: metrics per flow and per campaign, daily series for charts.

Each metric set is one aggregate query over MarketingMessage joined (by EXISTS) to the
messaging outbox and its events, plus one over Attribution.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from common.db_routers import reporting_reads
from common.money import format_money
from marketing.models import Attribution, Campaign, MarketingMessage
from messaging.models import EmailEvent, OutboundEmail

ZERO = Decimal("0")


@dataclass(frozen=True)
class Metrics:
    label: str
    sent: int
    delivered: int
    opened: int
    clicked: int
    unsubscribed: int
    orders: int
    revenue: Decimal

    @property
    def revenue_display(self) -> str:
        return format_money(self.revenue)

    def rate(self, part: int) -> str:
        return f"{100 * part / self.sent:.1f}%" if self.sent else "—"

    @property
    def open_rate(self) -> str:
        return self.rate(self.opened)

    @property
    def click_rate(self) -> str:
        return self.rate(self.clicked)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["revenue"] = str(self.revenue)
        return data


def _event(kind: str):
    return Exists(EmailEvent.objects.filter(email_id=OuterRef("outbound_email_id"), kind=kind))


def metrics_for(messages: QuerySet[MarketingMessage], attributions: QuerySet[Attribution], label: str) -> Metrics:
    sent_states = [OutboundEmail.Status.SENT]
    row = messages.alias(
        _opened=_event(EmailEvent.Kind.OPEN),
        _clicked=_event(EmailEvent.Kind.CLICK),
        _unsub=_event(EmailEvent.Kind.UNSUBSCRIBE),
        _bounced=_event(EmailEvent.Kind.BOUNCE),
    ).aggregate(
        sent=Count("pk", filter=Q(outbound_email__status__in=sent_states)),
        delivered=Count("pk", filter=Q(outbound_email__status__in=sent_states) & Q(_bounced=False)),
        opened=Count("pk", filter=Q(_opened=True)),
        clicked=Count("pk", filter=Q(_clicked=True) | Q(first_clicked_at__isnull=False)),
        unsubscribed=Count("pk", filter=Q(_unsub=True)),
    )
    money = attributions.aggregate(orders=Count("pk"), revenue=Sum("revenue"))
    return Metrics(label=label, orders=money["orders"], revenue=money["revenue"] or ZERO, **row)


FLOWS = [
    MarketingMessage.Flow.CART,
    MarketingMessage.Flow.BROWSE,
    MarketingMessage.Flow.SEARCH,
    MarketingMessage.Flow.WELCOME,
    MarketingMessage.Flow.CAMPAIGN,
    MarketingMessage.Flow.AGENT,
]


@reporting_reads()
def flow_metrics() -> list[Metrics]:
    return [
        metrics_for(MarketingMessage.objects.filter(flow=flow), Attribution.objects.filter(flow=flow), flow.label)
        for flow in FLOWS
    ]


@reporting_reads()
def campaign_metrics(campaign: Campaign) -> Metrics:
    return metrics_for(
        MarketingMessage.objects.filter(campaign=campaign, flow=MarketingMessage.Flow.CAMPAIGN),
        Attribution.objects.filter(campaign=campaign),
        campaign.name,
    )


@reporting_reads()
def daily_series(
    messages: QuerySet[MarketingMessage],
    attributions: QuerySet[Attribution],
    *,
    days: int = 14,
    today: date | None = None,
) -> dict:
    """{labels, sent, clicked, orders} per day for the last `days` days (chart data)."""
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    start_dt = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    sent = dict(
        messages.filter(created_at__gte=start_dt)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    clicked = dict(
        messages.filter(first_clicked_at__gte=start_dt)
        .annotate(day=TruncDate("first_clicked_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    orders = dict(
        attributions.filter(order__placed_at__gte=start_dt)
        .annotate(day=TruncDate("order__placed_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    labels = [start + timedelta(days=i) for i in range(days)]
    return {
        "labels": [d.strftime("%d %b") for d in labels],
        "sent": [sent.get(d, 0) for d in labels],
        "clicked": [clicked.get(d, 0) for d in labels],
        "orders": [orders.get(d, 0) for d in labels],
    }
