"""Console and help-centre pages render for the right people, with the right content."""

import pytest

from service_console.models import Case
from tests.service_console.factories import ArticleFactory, CaseFactory

pytestmark = pytest.mark.django_db


def test_console_home_shows_my_queue_and_unassigned(agent_client, agent_user, shopper):
    mine = CaseFactory(customer=shopper, subject="Mine to solve", assignee=agent_user, status=Case.Status.OPEN)
    free = CaseFactory(customer=shopper, subject="Nobody has this", channel=Case.Channel.CONTACT_FORM)
    CaseFactory(customer=shopper, subject="Already solved", status=Case.Status.SOLVED)
    html = agent_client.get("/console/").content.decode()
    assert "Assigned to me" in html and mine.subject in html
    assert free.subject in html and f"Take {free.number}" in html
    assert "Already solved" not in html


def test_search_finds_customer_by_name_email_phone_and_case_number(agent_client, shopper):
    case = CaseFactory(customer=shopper, subject="Parcel missing")
    for query in ("Hana Sato", "hana@exa", "09012345678"[-8:], "1234 5678"):
        html = agent_client.get("/console/search/", {"q": query}, HTTP_HX_REQUEST="true").content.decode()
        assert f"/console/customers/{shopper.public_id}/" in html, query
    html = agent_client.get("/console/search/", {"q": case.number}, HTTP_HX_REQUEST="true").content.decode()
    assert f"/console/cases/{case.pk}/" in html
    # An htmx request gets only the results fragment, not the whole page.
    assert "<html" not in html


def test_search_without_match_says_so(agent_client):
    html = agent_client.get("/console/search/", {"q": "zzzz-nobody"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Nothing matches" in html


def test_search_never_lists_staff(agent_client, agent_user):
    html = agent_client.get("/console/search/", {"q": "Kenji"}, HTTP_HX_REQUEST="true").content.decode()
    assert "kenji@example.com" not in html


def test_knowledge_search_ranks_title_matches_and_hides_nothing_from_agents(agent_client):
    ArticleFactory(title="Returns and refunds", body="Send it back within 30 days.")
    ArticleFactory(title="Delivery times", body="Standard delivery takes 3-5 days.")
    ArticleFactory(title="Discount policy", body="Agents may discount returns.", is_public=False)
    html = agent_client.get("/console/knowledge/", {"q": "returns"}).content.decode()
    assert "Returns and refunds" in html and "Discount policy" in html
    assert "Delivery times" not in html
    assert html.index("Returns and refunds") < html.index("Discount policy")


def test_article_markdown_is_sanitised(agent_client):
    article = ArticleFactory(body="# Hi\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1)) **bold**")
    html = agent_client.get(f"/console/knowledge/{article.pk}/").content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "javascript:alert" not in html


def test_help_centre_lists_and_searches_public_articles_only(client):
    ArticleFactory(title="Returns and refunds", slug="returns", body="Thirty days to return.")
    ArticleFactory(title="Secret agent policy", slug="secret", body="returns policy for agents", is_public=False)
    index = client.get("/help/").content.decode()
    assert "Returns and refunds" in index and "Secret agent policy" not in index
    found = client.get("/help/", {"q": "returns"}).content.decode()
    assert "Returns and refunds" in found and "Secret agent policy" not in found
    assert client.get("/help/articles/returns/").status_code == 200
    assert client.get("/help/articles/secret/").status_code == 404


def test_help_search_with_no_result_shows_empty_state(client):
    html = client.get("/help/", {"q": "nothing-like-this"}).content.decode()
    assert "No articles match" in html
