"""Satisfaction: solving a case emails one-click 1–5 links (signed; no sign-in); the score
shows on the case and per agent in admin; forged and expired links record nothing."""

from decimal import Decimal

import pytest
from django.test import Client
from freezegun import freeze_time

from helpdesk.models import SatisfactionRating
from helpdesk.selectors import satisfaction_by_agent
from helpdesk.services import satisfaction_record, satisfaction_request
from messaging.models import OutboundEmail
from messaging.rendering import email_render
from service_console.models import Case
from service_console.services.cases import case_create, case_update
from tests.carts.factories import agent
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def solved(shopper, agent_user):
    case = case_create(customer=shopper, subject="Late parcel", assignee=agent_user)
    case_update(case=case, actor=agent_user, status=Case.Status.SOLVED)
    return case


def _links(case) -> dict[int, str]:
    row = OutboundEmail.objects.get(kind="case_solved")
    return {link["score"]: link["url"].removeprefix("http://127.0.0.1:8000") for link in row.context["rating_links"]}


def test_solving_a_case_emails_five_rating_links_in_its_thread(solved, agent_user):
    row = OutboundEmail.objects.get(kind="case_solved")
    assert row.to_email == "hana@example.com"
    assert row.headers["Auto-Submitted"] == "auto-generated"
    assert row.headers["Reply-To"].startswith(f"support+c{solved.pk}-")
    assert sorted(_links(solved)) == [1, 2, 3, 4, 5]
    rating = SatisfactionRating.objects.get()
    assert (rating.channel, rating.object_id, rating.reference, rating.agent, rating.score) == (
        "case",
        solved.pk,
        solved.number,
        agent_user,
        None,
    )
    rendered = email_render(
        template=row.template,
        to_email=row.to_email,
        context=row.context,
        marketing=False,
        public_id=row.public_id,
        kind=row.kind,
        track=False,
    )
    assert rendered.subject == f"Solved: Late parcel [{solved.number}] - how did we do?"
    assert "How did Kenji do?" in rendered.text and _links(solved)[5] in rendered.text


def test_opening_a_link_records_nothing_posting_records_the_score(solved):
    url = _links(solved)[4]
    visitor = Client()
    page = visitor.get(url)
    assert page.status_code == 200 and "data-autosubmit" in page.content.decode()
    assert SatisfactionRating.objects.get().score is None  # a mail scanner's GET changes nothing
    response = visitor.post(url.rsplit("/", 2)[0] + "/", {"score": "4", "comment": "Quick and kind"}, follow=True)
    assert "you rated 4 out of 5" in response.content.decode()
    rating = SatisfactionRating.objects.get()
    assert (rating.score, rating.comment) == (4, "Quick and kind") and rating.rated_at is not None


def test_the_score_shows_on_the_console_case(solved, agent_client):
    satisfaction_record(rating=SatisfactionRating.objects.get(), score=5, comment="Great")
    html = agent_client.get(f"/console/cases/{solved.pk}/").content.decode()
    assert "<strong>5/5</strong>" in html and "Great" in html


def test_forged_and_expired_links_record_nothing(solved):
    url = _links(solved)[5]
    token = url.split("/")[2]
    forged = f"/rate/{token[:-3]}xyz/5/"
    assert Client().get(forged).status_code == 404
    assert Client().post(forged.rsplit("/", 2)[0] + "/", {"score": "5"}).status_code == 404
    with freeze_time() as clock:
        case = case_create(customer=CustomerFactory(), subject="Other")
        rating, _ = satisfaction_request(channel="case", object_id=case.pk, reference=case.number)
        from helpdesk.services import satisfaction_token

        fresh = satisfaction_token(rating)
        clock.tick(31 * 86400)  # HELPDESK_RATING_LINK_MAX_AGE_DAYS is 30
        response = Client().post(f"/rate/{fresh}/", {"score": "1"})
    assert response.status_code == 410
    assert SatisfactionRating.objects.filter(score__isnull=False).count() == 0


def test_a_rated_case_is_not_asked_again(solved, agent_user):
    satisfaction_record(rating=SatisfactionRating.objects.get(), score=3)
    case_update(case=solved, actor=agent_user, status=Case.Status.OPEN)
    case_update(case=solved, actor=agent_user, status=Case.Status.SOLVED)
    assert OutboundEmail.objects.filter(kind="case_solved").count() == 1


def test_a_customer_closing_their_case_is_not_asked_for_a_rating(shopper):
    from service_console.services.customer_side import case_customer_close

    case_customer_close(case=case_create(customer=shopper, subject="Never mind"))
    assert not OutboundEmail.objects.filter(kind="case_solved").exists()


def test_report_per_agent(shopper):
    kenji, yui = agent(first_name="Kenji", last_name="T"), agent(first_name="Yui", last_name="S")
    for i, (who, score) in enumerate([(kenji, 5), (kenji, 4), (kenji, None), (yui, 2), (yui, 3), (yui, 2)]):
        rating, _ = satisfaction_request(channel="case", object_id=i + 1, reference=f"CS-{i}", agent=who)
        if score:
            satisfaction_record(rating=rating, score=score)
    rows = {r.agent: r for r in satisfaction_by_agent()}
    # Kenji: (5 + 4) / 2 = 4.5 from 3 asked; Yui: (2 + 3 + 2) / 3 = 2.33 -> 2.3.
    assert (rows["Kenji T"].asked, rows["Kenji T"].rated, rows["Kenji T"].average) == (3, 2, Decimal("4.5"))
    assert rows["Kenji T"].response_rate == 67 and rows["Kenji T"].high == 2
    assert (rows["Yui S"].average, rows["Yui S"].low) == (Decimal("2.3"), 2)
    assert [r.agent for r in satisfaction_by_agent()] == ["Kenji T", "Yui S"]


def test_admin_report_lists_agents(client, solved):
    from tests.carts.factories import supervisor

    satisfaction_record(rating=SatisfactionRating.objects.get(), score=5)
    client.force_login(supervisor(email="boss@example.com"))
    html = client.get("/admin/helpdesk/satisfactionrating/").content.decode()
    assert "Satisfaction by agent" in html and "Kenji Tanaka" in html and ">5.0<" in html
