"""SLA: due times from the admin-editable targets (defaults: normal 8 h to the first reply,
72 h to solve; urgent 1 h / 8 h), breaches, the queues' labels and the admin report."""

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from service_console.models import Case, SlaTarget
from service_console.selectors import sla_report
from service_console.services.cases import case_create, case_reply_send, case_update
from service_console.services.sla import first_response_breached, resolution_breached, sla_state
from tests.service_console.factories import CaseFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_due_times_follow_the_priority_target(shopper):
    with freeze_time(T0):
        case = case_create(customer=shopper, subject="Late", priority=Case.Priority.NORMAL)
    assert case.first_response_due_at == T0 + timedelta(hours=8)
    assert case.resolution_due_at == T0 + timedelta(hours=72)


def test_raising_the_priority_recomputes_from_when_the_case_opened(shopper, agent_user):
    with freeze_time(T0):
        case = case_create(customer=shopper, subject="Late")
    with freeze_time(T0 + timedelta(minutes=30)):
        case_update(case=case, actor=agent_user, priority=Case.Priority.URGENT)
    case.refresh_from_db()
    assert case.first_response_due_at == T0 + timedelta(hours=1)
    assert case.resolution_due_at == T0 + timedelta(hours=8)


def test_an_edited_target_applies_to_new_cases(shopper):
    SlaTarget.objects.update_or_create(
        priority=Case.Priority.LOW, defaults={"first_response_minutes": 90, "resolution_minutes": 600}
    )
    with freeze_time(T0):
        case = case_create(customer=shopper, subject="Colour?", priority=Case.Priority.LOW)
    assert (case.first_response_due_at, case.resolution_due_at) == (
        T0 + timedelta(minutes=90),
        T0 + timedelta(minutes=600),
    )


def test_first_reply_in_time_then_late_resolution(shopper, agent_user):
    with freeze_time(T0):
        case = case_create(customer=shopper, subject="Late", priority=Case.Priority.URGENT)
    with freeze_time(T0 + timedelta(minutes=59)):
        case_reply_send(case=case, actor=agent_user, body="On it")
    case.refresh_from_db()
    assert case.first_response_at == T0 + timedelta(minutes=59)
    now = T0 + timedelta(hours=8, minutes=1)
    assert not first_response_breached(case, now=now)
    assert resolution_breached(case, now=now)
    state = sla_state(case, now=now)
    assert (state.label, state.due_at, state.breached, state.done) == (
        "Resolution",
        T0 + timedelta(hours=8),
        True,
        False,
    )
    # Solved later: it stays counted as missed.
    with freeze_time(T0 + timedelta(hours=9)):
        case_update(case=case, actor=agent_user, status=Case.Status.SOLVED)
    case.refresh_from_db()
    assert resolution_breached(case, now=T0 + timedelta(days=30))
    assert sla_state(case, now=T0 + timedelta(days=30)).done


def test_no_reply_yet_breaches_after_the_target(shopper):
    with freeze_time(T0):
        case = case_create(customer=shopper, subject="Late")
    assert not first_response_breached(case, now=T0 + timedelta(hours=8))
    assert first_response_breached(case, now=T0 + timedelta(hours=8, seconds=1))
    state = sla_state(case, now=T0 + timedelta(hours=2))
    assert (state.label, state.breached) == ("First reply", False)


def test_queues_show_due_times_and_highlight_breaches(agent_client, agent_user, shopper):
    with freeze_time(T0):
        late = case_create(customer=shopper, subject="Overdue parcel", assignee=agent_user)
        fine = case_create(customer=shopper, subject="Fresh question", assignee=agent_user, priority="low")
    with freeze_time(T0 + timedelta(hours=10)):
        home = agent_client.get("/console/").content.decode()
        listing = agent_client.get("/console/cases/").content.decode()
    # normal: reply due 8 h after opening -> 2 h overdue at +10 h; low: 24 h -> due in 14 h.
    assert "Reply overdue by 2 h" in home and "Reply due in 14 h" in home
    assert home.count("is-breached") == 1
    assert "Reply overdue by 2 h" in listing and listing.count('class="is-breached"') == 1
    assert late.pk != fine.pk


def test_the_report_counts_breaches_per_priority(shopper, agent_user):
    with freeze_time(T0):
        answered_late = case_create(customer=shopper, subject="a")  # normal: 8 h / 72 h
        on_time = case_create(customer=shopper, subject="b")
        urgent_open = case_create(customer=shopper, subject="c", priority="urgent")  # 1 h / 8 h
    with freeze_time(T0 + timedelta(hours=9)):
        case_reply_send(case=answered_late, actor=agent_user, body="sorry for the wait")
    with freeze_time(T0 + timedelta(hours=1)):
        case_reply_send(case=on_time, actor=agent_user, body="quick")
        case_update(case=on_time, actor=agent_user, status=Case.Status.SOLVED)
    CaseFactory(customer=shopper)  # no due times (made outside the services): never counted late
    rows = {r.priority: r for r in sla_report(since=T0 - timedelta(days=1), now=T0 + timedelta(hours=10))}
    # Normal: a, b and the factory case opened; only a was answered late; none solved late.
    assert (rows["Normal"].opened, rows["Normal"].first_response_breached, rows["Normal"].resolution_breached) == (
        3,
        1,
        0,
    )
    assert (rows["Urgent"].opened, rows["Urgent"].first_response_breached, rows["Urgent"].resolution_breached) == (
        1,
        1,
        1,
    )
    # Late right now (+10 h): the urgent case (no reply, solve-by +8 h); "a" was answered late
    # but is within its 72 h to solve, so it is not late now.
    assert rows["Urgent"].breached_open_now == 1 and rows["Normal"].breached_open_now == 0
    assert urgent_open.pk


def test_admin_report_page_and_breach_filter(client, shopper):
    from tests.carts.factories import supervisor

    with freeze_time(T0):
        case_create(customer=shopper, subject="Very late", priority="urgent")
    client.force_login(supervisor(email="boss@example.com"))
    with freeze_time(T0 + timedelta(hours=2)):
        report = client.get("/admin/service_console/slatarget/report/?days=7")
        late = client.get("/admin/service_console/case/?sla=late_now")
    assert report.status_code == 200
    html = report.content.decode()
    assert "SLA report: cases opened in the last 7 days" in html
    assert '<td>Urgent</td><td style="text-align:right;padding-left:16px">1</td>' in html
    assert "Very late" in late.content.decode()
