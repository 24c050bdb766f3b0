import pytest

from tests.customers.factories import CustomerFactory
from tests.service_console.factories import ArticleFactory, CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(CustomerFactory(is_staff=True, is_superuser=True))
    return client


def test_article_admin_lists_edits_and_previews_sanitised_markdown(admin_client):
    article = ArticleFactory(title="Size guide", body="**Bold** <script>x()</script>")
    assert "Size guide" in admin_client.get("/admin/service_console/article/").content.decode()
    html = admin_client.get(f"/admin/service_console/article/{article.pk}/change/").content.decode()
    assert "<strong>Bold</strong>" in html and "<script>x()</script>" not in html
    response = admin_client.post(
        "/admin/service_console/article/add/",
        {
            "title": "Gift cards",
            "slug": "gift-cards",
            "summary": "",
            "category": "faq",
            "tags": "gift,cards",
            "is_public": "on",
            "body": "Buy one.",
        },
    )
    assert response.status_code == 302
    assert admin_client.get("/help/articles/gift-cards/").status_code == 200


def test_case_admin_lists_cases_with_numbers(admin_client):
    case = CaseFactory(subject="Broken zip")
    html = admin_client.get("/admin/service_console/case/").content.decode()
    assert case.number in html and "Broken zip" in html
    assert admin_client.get(f"/admin/service_console/case/{case.pk}/change/").status_code == 200
