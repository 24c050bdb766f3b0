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
from django.utils.translation import gettext, ngettext, pgettext

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


@dataclass(frozen=True)
class CampaignResult:
    """What happened to a campaign's audience, in the marketer's words (campaign page and
    list). `skips` name each reason with its count; `headline` says what was sent."""

    headline: str
    skips: list[str]
    nothing_sent: bool

    @property
    def text(self) -> str:
        if not self.skips:
            return self.headline
        return gettext("%(headline)s %(skips)s.") % {"headline": self.headline, "skips": gettext(", ").join(self.skips)}


def _people(n: int) -> str:
    return ngettext("%(count)s customer", "%(count)s customers", n) % {"count": f"{n:,}"}


def cap_description(settings_row) -> str:
    """ "1 per 24 h" (or "off") for the frequency cap in Flow settings."""
    if not settings_row.frequency_cap_hours:
        return pgettext("frequency cap", "off")
    return gettext("%(count)s per %(hours)s h") % {
        "count": settings_row.frequency_cap_count,
        "hours": settings_row.frequency_cap_hours,
    }


def campaign_result(campaign: Campaign, *, cap: str) -> CampaignResult | None:
    """None before sending started. `cap` is `cap_description(...)` (read once per page)."""
    Status = Campaign.Status
    if campaign.status in (Status.DRAFT, Status.SCHEDULED) or (
        campaign.status == Status.CANCELLED and campaign.started_at is None
    ):
        return None
    skips = []
    if campaign.skipped_cap_count:
        skips.append(
            gettext("%(count)s skipped by the frequency cap (%(cap)s, Flow settings)")
            % {"count": f"{campaign.skipped_cap_count:,}", "cap": cap}
        )
    sms = campaign.channel == Campaign.Channel.SMS
    if campaign.skipped_consent_count:
        skips.append(
            (
                gettext("%(count)s without consent to marketing texts or a phone number")
                if sms
                else gettext("%(count)s without consent")
            )
            % {"count": f"{campaign.skipped_consent_count:,}"}
        )
    if campaign.skipped_suppressed_count:
        skips.append(
            (
                gettext("%(count)s whose number texted STOP")
                if sms
                else gettext("%(count)s on the suppression list (bounced or complained)")
            )
            % {"count": f"{campaign.skipped_suppressed_count:,}"}
        )
    sent, audience, handled = campaign.sent_count, campaign.audience_size, campaign.processed_count
    if campaign.status == Status.NOTHING_SENT:
        headline = (
            gettext("Nothing sent:")
            if skips
            else gettext("Nothing sent: the segment had no customers when sending started.")
        )
        return CampaignResult(headline, skips, True)
    if campaign.status == Status.SENT:
        if not skips and sent == audience:
            return CampaignResult(
                gettext("Sent to all %(people)s in the segment.") % {"people": _people(sent)}, [], False
            )
        if skips:
            headline = gettext("Sent to %(sent)s of %(people)s;") % {"sent": f"{sent:,}", "people": _people(audience)}
        else:
            headline = gettext("Sent to %(people)s.") % {"people": _people(sent)}
        return CampaignResult(headline, skips, False)
    # sending, paused, or cancelled part-way
    state = {
        Status.SENDING: gettext("Sending: %(handled)s of %(people)s handled, %(sent)s sent"),
        Status.PAUSED: gettext("Paused: %(handled)s of %(people)s handled, %(sent)s sent"),
        Status.CANCELLED: gettext("Cancelled: %(handled)s of %(people)s handled, %(sent)s sent"),
    }[campaign.status]
    headline = state % {"handled": f"{handled:,}", "people": _people(audience), "sent": f"{sent:,}"}
    headline += gettext(";") if skips else gettext(".")
    return CampaignResult(headline, skips, sent == 0 and campaign.status == Status.CANCELLED)
