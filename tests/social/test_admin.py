"""Admin: marketers tune the rules, try a post, and read the insight page (volume and mean
score per category per day, top terms of the week, precision)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from social.models import SocialPost, SocialRule
from social.selectors import social_insight, social_top_terms

pytestmark = pytest.mark.django_db


def post(*, days_ago=0, category="delivery", score=-0.5, terms=(), status="flagged", needs_case=True):
    at = timezone.now() - timedelta(days=days_ago)
    return SocialPost.objects.create(
        platform="x",
        handle="someone",
        text="text",
        posted_at=at,
        received_at=at,
        classified_at=at,
        category=category,
        score=score,
        terms=list(terms),
        status=status,
        needs_case=needs_case,
    )


@pytest.fixture
def marketer_client(client, marketer_user):
    client.force_login(marketer_user)
    return client


def test_insight_series_counts_posts_and_averages_scores_per_category_per_day():
    today = timezone.localdate()
    post(days_ago=1, category="delivery", score=-0.6)
    post(days_ago=1, category="delivery", score=-0.2)
    post(days_ago=0, category="praise", score=0.8, needs_case=False, status="ignored")
    post(days_ago=40, category="quality", score=-0.9)  # outside the 28 days
    series = social_insight(days=28, today=today)
    assert series.days[-1] == today and len(series.days) == 28
    assert [value for value, _ in series.categories] == ["delivery", "praise"]
    assert series.volume["delivery"][-2:] == [2, 0]
    assert series.volume["praise"][-2:] == [0, 1]
    assert series.sentiment["delivery"][-2:] == [-0.4, None]  # (−0.6 + −0.2) / 2
    assert series.totals == [
        {"category": "delivery", "label": "Delivery", "posts": 2, "mean_score": -0.4, "case_share": "100%"},
        {"category": "praise", "label": "Praise", "posts": 1, "mean_score": 0.8, "case_share": "0%"},
    ]


def test_top_terms_of_the_week_with_the_week_before_and_rules():
    SocialRule.objects.create(term="Zipper", category="quality", weight=-0.4, opens_case=True)
    post(days_ago=1, terms=["zipper", "broke"], score=-0.8)
    post(days_ago=2, terms=["zipper"], score=-0.4)
    post(days_ago=3, terms=["refund", "zipper"], score=-0.6)
    post(days_ago=5, terms=["refund"], score=-0.2)
    post(days_ago=9, terms=["zipper", "hoodie"], score=0.1)  # the week before
    terms = social_top_terms(limit=3)
    assert [(t.term, t.posts, t.previous, t.mean_score, t.is_rule) for t in terms] == [
        ("zipper", 3, 1, -0.6, True),  # (−0.8 − 0.4 − 0.6) / 3
        ("refund", 2, 0, -0.4, False),  # (−0.6 − 0.2) / 2
        ("broke", 1, 0, -0.8, False),
    ]


def test_the_insight_page_for_marketers(marketer_client):
    post(days_ago=1, category="delivery", score=-0.6, terms=["parcel"])
    post(days_ago=0, category="praise", score=0.8, terms=["comfy"], status="replied", needs_case=False)
    response = marketer_client.get("/admin/social/socialpost/insight/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<canvas id="social-volume"' in html and "social/insight.js" in html and "marketing/chart.umd.js" in html
    data = json.loads(html.split('<script id="social-insight-data" type="application/json">')[1].split("</script>")[0])
    assert [d["label"] for d in data["datasets"]] == ["Delivery", "Praise"]
    assert data["datasets"][0]["volume"][-2:] == [1, 0] and len(data["labels"]) == 28
    assert '<th scope="row">Delivery</th><td>1</td><td>-0.60</td><td>100%</td>' in html
    assert '<th scope="row">parcel</th><td>1</td><td>0</td><td>-0.60</td>' in html
    assert "/admin/social/socialrule/add/?term=parcel&amp;language=en" in html
    assert "Precision of the classifier" in html and "<strong>100%</strong>" in html  # 1 replied, none dismissed
    assert marketer_client.get("/admin/social/socialpost/insight/?days=abc").status_code == 200
    empty = marketer_client.get("/admin/social/socialpost/insight/?days=7")
    assert "Last 7 days" in empty.content.decode()


def test_marketers_edit_rules_and_try_them(marketer_client, social_rules):
    changelist = marketer_client.get("/admin/social/socialrule/")
    assert changelist.status_code == 200 and "Try the rules on a post" in changelist.content.decode()
    response = marketer_client.post(
        "/admin/social/socialrule/add/",
        {"term": "zip broke", "language": "en", "category": "quality", "weight": "-0.5", "opens_case": "on",
         "is_active": "on", "note": "zips on the autumn parka"},
    )  # fmt: skip
    assert response.status_code == 302
    tried = marketer_client.get("/admin/social/socialrule/try/", {"text": "The zip broke on day one"})
    html = tried.content.decode()
    assert "Opens a case" in html and "“zip broke” (Product quality, -0.5, complaint)" in html
    out_of_range = marketer_client.post(
        "/admin/social/socialrule/add/", {"term": "x", "language": "en", "category": "quality", "weight": "-3"}
    )
    assert (
        out_of_range.status_code == 200
        and "Ensure this value is greater than or equal to -1.0." in out_of_range.content.decode()
    )


def test_agents_read_posts_and_insight_but_cannot_edit_rules(client, agent_user):
    from customers.roles import roles_sync

    roles_sync()
    client.force_login(agent_user)
    assert client.get("/admin/social/socialrule/add/").status_code == 403
    assert client.get("/admin/social/socialpost/insight/").status_code == 200  # agents may view posts
