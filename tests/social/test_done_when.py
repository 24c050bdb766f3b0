"""Issue 15, social half, done when: a complaint post in English and one in Japanese arrive
through the API and appear as cases in the console queue linked to the right customer —
classified by a real Celery worker."""

import time

import pytest

from service_console.models import Case
from social.models import SocialPost
from tests.social.conftest import make_order

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def _wait_classified(count: int, timeout: float = 60) -> list[SocialPost]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        posts = list(SocialPost.objects.exclude(status=SocialPost.Status.RECEIVED).order_by("pk"))
        if len(posts) >= count:
            return posts
        time.sleep(0.2)
    raise AssertionError(f"only {SocialPost.objects.exclude(status='received').count()} of {count} posts classified")


def test_complaints_in_english_and_japanese_become_cases_in_the_console(
    social_rules, ana, hana, social_api, agent_user, client, celery_worker
):
    make_order(ana, "UC-7KQ2-MX4P")
    english = social_api.post(
        "/api/v1/social/posts",
        {
            "platform": "x",
            "handle": "@Ana.Shops",
            "text": "Returned the jacket for order UC-7KQ2-MX4P a month ago and still no refund. Thanks for nothing.",
            "url": "https://x.example/status/1",
            "posted_at": "2026-11-23T10:15:00Z",
        },
        format="json",
    )
    japanese = social_api.post(
        "/api/v1/social/posts",
        {
            "platform": "instagram",
            "handle": "hana_0312",
            "text": "注文してから2週間経つのにまだ届きません。最悪です。",
            "url": "https://instagram.example/p/2",
            "posted_at": "2026-11-23T10:20:00Z",
        },
        format="json",
    )
    praise = social_api.post(
        "/api/v1/social/posts",
        {
            "platform": "instagram",
            "handle": "happy_runner",
            "text": "トレイルランナー届きました！履き心地最高です。",
            "url": "https://instagram.example/p/3",
            "posted_at": "2026-11-23T10:25:00Z",
        },
        format="json",
    )
    assert (english.status_code, japanese.status_code, praise.status_code) == (201, 201, 201)

    posts = {post.url: post for post in _wait_classified(3)}
    en_post = posts["https://x.example/status/1"]
    ja_post = posts["https://instagram.example/p/2"]
    assert posts["https://instagram.example/p/3"].status == SocialPost.Status.IGNORED
    assert (en_post.language, ja_post.language) == ("en", "ja")
    en_case = Case.objects.get(pk=en_post.case_id)
    ja_case = Case.objects.get(pk=ja_post.case_id)
    assert (en_case.customer, en_case.channel, en_case.order_numbers) == (ana, "social", ["UC-7KQ2-MX4P"])
    assert (ja_case.customer, ja_case.channel) == (hana, "social")
    assert Case.objects.count() == 2

    client.force_login(agent_user)
    queue = client.get("/console/social/").content.decode()
    for post, case, name in ((en_post, en_case, "Ana Lima"), (ja_post, ja_case, "佐藤 花子")):
        card = queue.split(f'id="post-{post.pk}"')[1].split("</article>")[0]
        assert f"Case {case.number}" in card and name in card and post.text in card
    assert "トレイルランナー届きました" not in queue  # praise needs no case
    home = client.get("/console/").content.decode()
    assert en_case.number in home and ja_case.number in home  # the home queue's social panel
