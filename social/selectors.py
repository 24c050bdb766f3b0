"""Reads worth naming: the console's social queue, the precision of the classifier as agents
judged it, and the marketers' insight (volume and sentiment per category over time, top terms)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connections
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.db_routers import reporting_db, reporting_reads
from social.models import Category, SocialPost, SocialRule

QUEUE_VIEWS = {
    "open": (_("Needs attention"), Q(status=SocialPost.Status.FLAGGED)),
    "replied": (_("Replied"), Q(status=SocialPost.Status.REPLIED)),
    "handled": (_("Handled"), Q(status=SocialPost.Status.HANDLED)),
    "dismissed": (_("Dismissed"), Q(status=SocialPost.Status.DISMISSED)),
    "ignored": (_("Not flagged"), Q(status=SocialPost.Status.IGNORED)),
}


def social_queue(*, view: str = "open") -> QuerySet[SocialPost]:
    """Posts for one tab of the social queue, newest first, with what the row shows."""
    _, condition = QUEUE_VIEWS.get(view, QUEUE_VIEWS["open"])
    return (
        SocialPost.objects.filter(condition)
        .select_related("customer", "case", "case__assignee", "reviewed_by")
        .order_by("-received_at", "-id")
    )


def social_queue_counts() -> dict[str, int]:
    row = SocialPost.objects.aggregate(
        **{key: Count("pk", filter=condition) for key, (_, condition) in QUEUE_VIEWS.items()}
    )
    return {key: row[key] or 0 for key in QUEUE_VIEWS}


@dataclass(frozen=True)
class Precision:
    """How often a flagged post was worth acting on, as agents judged it."""

    actionable: int  # replied or handled
    dismissed: int  # "not actionable"
    waiting: int  # flagged, nobody has judged it yet
    days: int

    @property
    def judged(self) -> int:
        return self.actionable + self.dismissed

    @property
    def value(self) -> float | None:
        return self.actionable / self.judged if self.judged else None

    @property
    def percent(self) -> str:
        return f"{self.value:.0%}" if self.value is not None else "—"


def social_precision(*, days: int = 30) -> Precision:
    since = timezone.now() - timedelta(days=days)
    row = SocialPost.objects.filter(received_at__gte=since).aggregate(
        actionable=Count("pk", filter=Q(status__in=SocialPost.REVIEWED_ACTIONABLE)),
        dismissed=Count("pk", filter=Q(status=SocialPost.Status.DISMISSED)),
        waiting=Count("pk", filter=Q(status=SocialPost.Status.FLAGGED)),
    )
    return Precision(actionable=row["actionable"], dismissed=row["dismissed"], waiting=row["waiting"], days=days)


@dataclass(frozen=True)
class InsightSeries:
    days: list[date]
    categories: list[tuple[str, str]]  # (value, label) of categories with posts
    volume: dict[str, list[int]]  # category -> posts per day
    sentiment: dict[str, list[float | None]]  # category -> mean score per day (None: no posts)
    totals: list[dict]  # per category: label, posts, mean score, share needing a case


def social_insight(*, days: int = 28, today: date | None = None) -> InsightSeries:
    """Classified posts per category per day over the last `days` days, with their mean
    score, in one grouped query (from the reporting replica when one is set)."""
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    tz = timezone.get_current_timezone()
    start_at = timezone.make_aware(datetime.combine(start, datetime.min.time()), tz)
    with reporting_reads():
        rows = list(
            SocialPost.objects.filter(received_at__gte=start_at, classified_at__isnull=False)
            .exclude(category="")
            .annotate(day=TruncDate("received_at", tzinfo=tz))
            .values("day", "category")
            .annotate(n=Count("pk"), mean=Avg("score"), cases=Count("pk", filter=Q(needs_case=True)))
            .order_by()
        )
    day_list = [start + timedelta(days=i) for i in range(days)]
    index = {day: i for i, day in enumerate(day_list)}
    present = {row["category"] for row in rows}
    categories = [(value, label) for value, label in Category.choices if value in present]
    volume = {value: [0] * days for value, _ in categories}
    sums = {value: [0.0] * days for value, _ in categories}
    totals = {value: {"posts": 0, "score_sum": 0.0, "cases": 0} for value, _ in categories}
    for row in rows:
        i = index.get(row["day"])
        if i is None:
            continue
        value = row["category"]
        volume[value][i] += row["n"]
        sums[value][i] += (row["mean"] or 0.0) * row["n"]
        totals[value]["posts"] += row["n"]
        totals[value]["score_sum"] += (row["mean"] or 0.0) * row["n"]
        totals[value]["cases"] += row["cases"]
    sentiment = {
        value: [round(sums[value][i] / volume[value][i], 2) if volume[value][i] else None for i in range(days)]
        for value, _ in categories
    }
    summary = []
    for value, label in categories:
        t = totals[value]
        summary.append(
            {
                "category": value,
                "label": label,
                "posts": t["posts"],
                "mean_score": round(t["score_sum"] / t["posts"], 2) if t["posts"] else None,
                "case_share": f"{t['cases'] / t['posts']:.0%}" if t["posts"] else "—",
            }
        )
    return InsightSeries(days=day_list, categories=categories, volume=volume, sentiment=sentiment, totals=summary)


@dataclass(frozen=True)
class TopTerm:
    term: str
    posts: int
    previous: int  # posts with the term in the 7 days before
    mean_score: float | None
    is_rule: bool


def social_top_terms(*, limit: int = 20, now: datetime | None = None) -> list[TopTerm]:
    """The words most posts used in the last 7 days (SocialPost.terms: content words, stop
    words removed), with the week before for comparison and whether a rule already has the
    word. One grouped query over unnest(terms)."""
    now = now or timezone.now()
    week = now - timedelta(days=7)
    before = now - timedelta(days=14)
    table = SocialPost._meta.db_table
    sql = f"""
        SELECT term,
               count(*) FILTER (WHERE received_at >= %s) AS posts,
               count(*) FILTER (WHERE received_at < %s) AS previous,
               avg(score) FILTER (WHERE received_at >= %s) AS mean_score
        FROM {table}, unnest(terms) AS term
        WHERE received_at >= %s AND received_at < %s
        GROUP BY term
        HAVING count(*) FILTER (WHERE received_at >= %s) > 0
        ORDER BY posts DESC, term
        LIMIT %s
    """  # noqa: S608 - the table name is the model's, values are parameters
    with connections[reporting_db()].cursor() as cursor:
        cursor.execute(sql, [week, week, week, before, now, week, limit])
        rows = cursor.fetchall()
    rule_terms = {term.lower() for term in SocialRule.objects.values_list("term", flat=True)}
    return [
        TopTerm(
            term=term,
            posts=posts,
            previous=previous,
            mean_score=round(mean, 2) if mean is not None else None,
            is_rule=term.lower() in rule_terms,
        )
        for term, posts, previous, mean in rows
    ]
