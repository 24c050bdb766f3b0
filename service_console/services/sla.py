"""SLA: due times from the priority's target, and whether a case is (or was) late.

Clock time, not business hours: a target of 8 h means 8 h after the case opened. Due times
are stored on the case when it opens and when its priority changes (measured from when it
opened), so the queues sort and the report counts in SQL, and an edited target applies to
cases from then on (admin can recompute the open ones)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from service_console.models import Case, SlaTarget

# Used for a priority without an SlaTarget row (the data migration creates rows with these
# values; admin edits the rows).
DEFAULT_TARGET_MINUTES: dict[str, tuple[int, int]] = {
    Case.Priority.URGENT: (60, 8 * 60),
    Case.Priority.HIGH: (4 * 60, 24 * 60),
    Case.Priority.NORMAL: (8 * 60, 72 * 60),
    Case.Priority.LOW: (24 * 60, 7 * 24 * 60),
}


def _target_minutes() -> dict[str, tuple[int, int]]:
    rows = {t.priority: (t.first_response_minutes, t.resolution_minutes) for t in SlaTarget.objects.all()}
    return {**DEFAULT_TARGET_MINUTES, **rows}


def sla_due_times(*, priority: str, opened_at: datetime) -> tuple[datetime | None, datetime | None]:
    """(first response due, resolution due) for a case of `priority` opened at `opened_at`;
    (None, None) for an unknown priority."""
    minutes = _target_minutes().get(priority)
    if minutes is None:
        return None, None
    return opened_at + timedelta(minutes=minutes[0]), opened_at + timedelta(minutes=minutes[1])


def sla_apply(case: Case) -> None:
    """Set the case's due times from its priority (not saved: the caller saves)."""
    case.first_response_due_at, case.resolution_due_at = sla_due_times(
        priority=case.priority, opened_at=case.created_at or timezone.now()
    )


@transaction.atomic
def sla_recompute_open_cases() -> int:
    """After targets change: recompute the due times of every open case. Returns the count."""
    targets = _target_minutes()
    cases = list(Case.objects.select_for_update().filter(status__in=Case.OPEN_STATUSES).order_by("pk"))
    for case in cases:
        minutes = targets.get(case.priority)
        if minutes is None:
            case.first_response_due_at = case.resolution_due_at = None
        else:
            case.first_response_due_at = case.created_at + timedelta(minutes=minutes[0])
            case.resolution_due_at = case.created_at + timedelta(minutes=minutes[1])
    Case.objects.bulk_update(cases, ["first_response_due_at", "resolution_due_at"], batch_size=500)
    return len(cases)


@dataclass(frozen=True)
class SlaState:
    """Where a case stands: the next due time that matters and whether it is late."""

    label: str  # "First reply" / "Resolution"
    due_at: datetime | None
    breached: bool  # late now, or was late when it happened
    done: bool  # met or missed; nothing more is due


def sla_state(case: Case, *, now: datetime | None = None) -> SlaState | None:
    """The target that matters now: the first reply until it is sent, then resolution.
    None when the case has no targets. A finished case reports whether any target was missed."""
    now = now or timezone.now()
    if case.first_response_due_at is None and case.resolution_due_at is None:
        return None
    if not case.is_open:
        late = first_response_breached(case, now=now) or resolution_breached(case, now=now)
        return SlaState("Resolution", case.resolution_due_at, late, True)
    if case.first_response_at is None and case.first_response_due_at is not None:
        return SlaState("First reply", case.first_response_due_at, now > case.first_response_due_at, False)
    if case.resolution_due_at is None:
        return None
    return SlaState("Resolution", case.resolution_due_at, now > case.resolution_due_at, False)


def first_response_breached(case: Case, *, now: datetime | None = None) -> bool:
    if case.first_response_due_at is None:
        return False
    answered = case.first_response_at
    if answered is None and not case.is_open:
        return False  # closed without a reply (e.g. the customer closed it): nothing was owed
    return (answered or now or timezone.now()) > case.first_response_due_at


def resolution_breached(case: Case, *, now: datetime | None = None) -> bool:
    if case.resolution_due_at is None:
        return False
    if case.is_open:
        return (now or timezone.now()) > case.resolution_due_at
    return case.solved_at is not None and case.solved_at > case.resolution_due_at


def first_response_breached_q(now: datetime) -> Q:
    """SQL twin of first_response_breached (for queues and the report)."""
    return Q(first_response_due_at__isnull=False) & (
        Q(first_response_at__isnull=True, first_response_due_at__lt=now, status__in=Case.OPEN_STATUSES)
        | Q(first_response_at__isnull=False, first_response_at__gt=F("first_response_due_at"))
    )


def resolution_breached_q(now: datetime) -> Q:
    """SQL twin of resolution_breached."""
    open_ = Q(status__in=Case.OPEN_STATUSES)
    return Q(resolution_due_at__isnull=False) & (
        (open_ & Q(resolution_due_at__lt=now))
        | (~open_ & Q(solved_at__isnull=False, solved_at__gt=F("resolution_due_at")))
    )


def breached_q(now: datetime) -> Q:
    """Cases late now, or late when they were answered or solved."""
    return first_response_breached_q(now) | resolution_breached_q(now)


def late_now_q(now: datetime) -> Q:
    """Open cases past the target that matters now (no reply yet and past the first-reply
    due time, or past the resolution due time): what the queues highlight."""
    return Q(status__in=Case.OPEN_STATUSES) & (
        Q(first_response_at__isnull=True, first_response_due_at__lt=now) | Q(resolution_due_at__lt=now)
    )
