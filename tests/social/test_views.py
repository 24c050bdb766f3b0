"""The console's social queue, the 360's handles panel, the shopper's social accounts page,
and the ingest API's answers."""

import re

import pytest
from django.utils import timezone

from customers.models import CustomerHandle
from service_console.models import Case
from social.models import SocialPost, SocialReply
from social.services import social_post_classify, social_post_receive
from tests.customers.factories import CustomerFactory
from tests.social.conftest import make_order

pytestmark = pytest.mark.django_db

COMPLAINT = "Returned the jacket a month ago and still no refund. What is going on?"


def flagged(handle="stranger_77", text=COMPLAINT, url="https://x.example/p/1"):
    post = social_post_receive(platform="x", handle=handle, text=text, url=url, posted_at=timezone.now()).post
    return social_post_classify(post_id=post.pk)


@pytest.fixture
def agent_client(client, agent_user):
    client.force_login(agent_user)
    return client


def test_the_queue_shows_text_author_network_link_score_and_rules(social_rules, agent_client, ana):
    post = flagged(handle="ana.shops")
    response = agent_client.get("/console/social/")
    assert response.status_code == 200
    html = response.content.decode()
    assert COMPLAINT in html and "@ana.shops" in html and "X / Twitter" in html
    assert 'href="https://x.example/p/1"' in html and 'rel="noopener noreferrer"' in html
    assert f"{post.score:.2f}" in html
    assert "“no refund” · Returns and refunds · -0.5 · complaint" in html
    assert post.reason in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert f"Case {post.case.number}" in html and "Ana Lima" in html
    assert 'aria-current="page">Social' in html  # the console nav


def test_the_queue_query_count_does_not_grow_with_posts(social_rules, agent_client, django_assert_num_queries):
    for i in range(3):
        flagged(handle=f"author{i}", url=f"https://x.example/p/{i}")
    # session, user, groups (console check), count of posts, posts page, their replies,
    # handle owners of unlinked authors, tab counts, shell badges (no order numbers named)
    with django_assert_num_queries(9):
        first = agent_client.get("/console/social/")
    for i in range(3, 8):
        flagged(handle=f"author{i}", url=f"https://x.example/p/{i}")
    with django_assert_num_queries(9):
        second = agent_client.get("/console/social/")
    assert first.content.decode().count('class="card social-post"') == 3
    assert second.content.decode().count('class="card social-post"') == 8


def test_an_empty_queue_says_so(agent_client):
    response = agent_client.get("/console/social/")
    assert "Nothing needs attention on social right now." in response.content.decode()
    assert agent_client.get("/console/social/?view=nonsense&page=abc").status_code == 200


def test_supervisors_see_the_precision_figure_agents_do_not(social_rules, agent_client, client, supervisor_user):
    assert "Precision, last 30 days" not in agent_client.get("/console/social/").content.decode()
    client.force_login(supervisor_user)
    assert "Precision, last 30 days" in client.get("/console/social/").content.decode()


def test_shoppers_marketers_and_visitors_reach_no_social_console_url(social_rules, client, ana, marketer_user):
    post = flagged()
    urls = ["/console/social/"] + [
        f"/console/social/{post.pk}/{action}/" for action in ("reply", "link", "dismiss", "handled")
    ]
    for url in urls:
        response = client.post(url) if url != "/console/social/" else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    for user in (ana, marketer_user):
        client.force_login(user)
        for url in urls:
            response = client.post(url) if url != "/console/social/" else client.get(url)
            assert response.status_code == 403, url
    post.refresh_from_db()
    assert post.status == SocialPost.Status.FLAGGED and not SocialReply.objects.exists()


def test_reply_from_the_queue_answers_with_the_card_and_the_outcome(social_rules, agent_client):
    post = flagged()
    response = agent_client.post(
        f"/console/social/{post.pk}/reply/", {"body": "Sorry! DM us please."}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(f'<article class="card social-post" id="post-{post.pk}"')
    assert "Reply to @stranger_77 recorded; it is being posted on X / Twitter." in html
    assert 'role="status" aria-live="polite"' in html and "Sorry! DM us please." in html
    assert SocialReply.objects.get().body == "Sorry! DM us please."
    empty = agent_client.post(f"/console/social/{post.pk}/reply/", {"body": "  "}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 400 and "Write the reply" in empty.content.decode()


def test_without_javascript_actions_redirect_back_with_a_message(social_rules, agent_client):
    post = flagged()
    response = agent_client.post(f"/console/social/{post.pk}/dismiss/", follow=True)
    assert response.redirect_chain[-1][0] == "/console/social/"
    assert "Dismissed as not actionable" in response.content.decode()
    post.refresh_from_db()
    assert post.status == SocialPost.Status.DISMISSED


def test_link_the_author_by_email_or_order_number(social_rules, agent_client):
    customer = CustomerFactory(email="jo@example.com", first_name="Jo", last_name="Park")
    make_order(customer, "UC-7KQ2-MX4P")
    post = flagged()
    unknown = agent_client.post(
        f"/console/social/{post.pk}/link/", {"who": "nobody@example.com"}, HTTP_HX_REQUEST="true"
    )
    assert (
        unknown.status_code == 400
        and "No customer with that email address or order number." in unknown.content.decode()
    )
    response = agent_client.post(f"/console/social/{post.pk}/link/", {"who": "uc 7kq2 mx4p"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "@stranger_77 is now on Jo Park&#x27;s profile and 1 case moved to them." in response.content.decode()
    assert Case.objects.get().customer == customer
    again = flagged(handle="stranger_77", text="Still no refund, what now", url="https://x.example/p/2")
    other = CustomerFactory(first_name="Mo", last_name="Ali")
    taken = agent_client.post(f"/console/social/{again.pk}/link/", {"who": other.email}, HTTP_HX_REQUEST="true")
    assert taken.status_code == 409 and "already on Jo Park" in taken.content.decode()


def test_handled_and_unknown_posts(social_rules, agent_client):
    post = flagged()
    response = agent_client.post(f"/console/social/{post.pk}/handled/", HTTP_HX_REQUEST="true")
    assert "Marked handled." in response.content.decode()
    assert agent_client.post("/console/social/999999/handled/").status_code == 404
    assert agent_client.get(f"/console/social/{post.pk}/handled/").status_code == 405


def test_customer_360_handles_panel_add_and_remove(agent_client, agent_user):
    customer = CustomerFactory(first_name="Jo", last_name="Park")
    page = agent_client.get(f"/console/customers/{customer.public_id}/")
    assert f'hx-get="/console/customers/{customer.public_id}/social/"' in page.content.decode()
    panel = agent_client.get(f"/console/customers/{customer.public_id}/social/", HTTP_HX_REQUEST="true")
    assert "No social handles." in panel.content.decode()
    added = agent_client.post(
        f"/console/customers/{customer.public_id}/social/add/",
        {"network": "instagram", "handle": "@Jo.Park"},
        HTTP_HX_REQUEST="true",
    )
    assert "@jo.park (Instagram) added" in added.content.decode()
    row = CustomerHandle.objects.get()
    assert (row.customer, row.network, row.handle, row.source) == (customer, "instagram", "jo.park", "agent")
    bad = agent_client.post(
        f"/console/customers/{customer.public_id}/social/add/",
        {"network": "myspace", "handle": "jo park!"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 400 and "Check the network and handle." in bad.content.decode()
    removed = agent_client.post(
        f"/console/customers/{customer.public_id}/social/{row.pk}/remove/", HTTP_HX_REQUEST="true"
    )
    assert "Handle removed." in removed.content.decode() and not CustomerHandle.objects.exists()
    no_js = agent_client.get(f"/console/customers/{customer.public_id}/social/")
    assert "<html" in no_js.content.decode() and "Add a social handle" in no_js.content.decode()


def test_shopper_adds_and_removes_their_social_accounts(client, ana):
    client.force_login(ana)
    page = client.get("/accounts/social/")
    assert page.status_code == 200 and "@ana.shops" in page.content.decode()
    response = client.post("/accounts/social/", {"network": "instagram", "handle": "@Ana_Insta"}, follow=True)
    assert "@ana_insta is on your profile." in response.content.decode()
    assert set(ana.social_handles.values_list("handle", flat=True)) == {"ana.shops", "ana_insta"}
    other = CustomerFactory()
    CustomerHandle.objects.create(customer=other, network="tiktok", handle="taken", source="customer")
    taken = client.post("/accounts/social/", {"network": "tiktok", "handle": "taken"})
    assert taken.status_code == 400 and "linked to another account" in taken.content.decode()
    theirs = CustomerHandle.objects.get(handle="taken")
    assert client.post(f"/accounts/social/{theirs.pk}/remove/").status_code == 404
    mine = ana.social_handles.get(handle="ana_insta")
    client.post(f"/accounts/social/{mine.pk}/remove/")
    assert not ana.social_handles.filter(handle="ana_insta").exists()
    assert re.search(r'href="/accounts/social/"[^>]*aria-current="page"', page.content.decode())


def test_the_api_stores_and_answers_with_the_post(social_api):
    body = {
        "platform": "instagram",
        "handle": "@Hana_0312",
        "text": "届かない",
        "url": "https://instagram.example/p/9",
        "posted_at": "2026-11-23T10:15:00Z",
    }
    created = social_api.post("/api/v1/social/posts", body, format="json")
    assert created.status_code == 201
    assert created.json()["handle"] == "hana_0312"
    post = SocialPost.objects.get()
    assert (post.status, post.source) == (SocialPost.Status.RECEIVED, "Listener")
    assert social_api.post("/api/v1/social/posts", body, format="json").status_code == 200


def test_hostile_input_gets_a_clear_answer_not_a_500(social_rules, agent_client, ana, client):
    post = flagged()
    assert agent_client.get("/console/social/", {"view": "\x00", "page": "-1"}).status_code == 200
    for url, data in (
        (f"/console/social/{post.pk}/reply/", {"body": "hi\x00there"}),
        (f"/console/social/{post.pk}/reply/", {"body": "x" * 1_000_000}),
        (f"/console/social/{post.pk}/link/", {"who": "a@b.c\x00"}),
        (f"/console/social/{post.pk}/link/", {"who": "x" * 100_000}),
    ):
        assert agent_client.post(url, data, HTTP_HX_REQUEST="true").status_code == 400, url
    assert agent_client.post("/console/social/-1/reply/").status_code == 404
    assert agent_client.get("/admin/social/socialrule/try/", {"text": "\x00"}).status_code in (200, 302, 403)
    client.force_login(ana)
    assert client.post("/accounts/social/", {"network": "x\x00", "handle": "a\x00b"}).status_code == 400
