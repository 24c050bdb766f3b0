"""Helpdesk reads: satisfaction by agent (admin report) and ratings for one conversation."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet

from common.db_routers import reporting_reads
from helpdesk.models import SatisfactionRating


@dataclass(frozen=True)
class AgentSatisfactionRow:
    agent: str
    asked: int
    rated: int
    average: Decimal | None  # one decimal place
    low: int  # scores 1–2
    high: int  # scores 4–5

    @property
    def response_rate(self) -> int:
        return round(100 * self.rated / self.asked) if self.asked else 0


@reporting_reads()
def satisfaction_by_agent(ratings: QuerySet[SatisfactionRating] | None = None) -> list[AgentSatisfactionRow]:
    """Requests, answers and the average score per agent (best average first), in one
    query. `ratings` narrows the set (the admin passes its filtered changelist)."""
    base = SatisfactionRating.objects.all() if ratings is None else ratings.order_by()
    rows = (
        base.values("agent__first_name", "agent__last_name", "agent__email")
        .annotate(
            asked=Count("id"),
            rated=Count("id", filter=Q(score__isnull=False)),
            average=Avg("score"),
            low=Count("id", filter=Q(score__lte=2)),
            high=Count("id", filter=Q(score__gte=4)),
        )
        .order_by("-average", "agent__email")
    )
    result = []
    for r in rows:
        name = f"{r['agent__first_name'] or ''} {r['agent__last_name'] or ''}".strip() or r["agent__email"]
        average = r["average"]
        result.append(
            AgentSatisfactionRow(
                agent=name or "No agent",
                asked=r["asked"],
                rated=r["rated"],
                average=None
                if average is None
                else Decimal(str(average)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
                low=r["low"],
                high=r["high"],
            )
        )
    # Rows without any answer sort last, whatever Postgres does with NULL averages.
    result.sort(key=lambda row: row.average is None)
    return result


def satisfaction_for(*, channel: str, object_id: int) -> SatisfactionRating | None:
    return SatisfactionRating.objects.select_related("agent").filter(channel=channel, object_id=object_id).first()
