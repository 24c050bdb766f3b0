"""A marketer who reads Japanese gets the marketing admin in Japanese: the campaign list
(columns, actions and the result message of an action, singular and plural), the campaign
page (sections, buttons, help, the message after "Schedule") and the segment page."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from customers.roles import MARKETERS, roles_sync
from marketing.models import Campaign, CampaignBlock, Segment
from tests.marketing.factories import CustomerFactory, ProductFactory, consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(client):
    roles_sync()
    user = CustomerFactory(email="marketer.ja@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=MARKETERS))
    client.force_login(user)
    return client


def _campaign(segment, name) -> Campaign:
    campaign = Campaign.objects.create(name=name, subject="こんにちは", segment=segment)
    CampaignBlock.objects.create(campaign=campaign, position=0, kind="text", text="春のセール")
    return campaign


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


@pytest.fixture
def segment():
    consent(CustomerFactory(email="hana@example.com"), True)
    segment = Segment.objects.create(name="同意済み")
    segment.rules.create(field="consent", operator="eq", value="yes")
    return segment


def _send_now_action(client, campaigns, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/admin/marketing/campaign/",
            {"action": "send_now", "_selected_action": [c.pk for c in campaigns], "index": 0},
            follow=True,
        )
    assert response.status_code == 200
    return _text(response.content)


def test_campaign_list_and_its_action_message_in_japanese(marketer, segment, django_capture_on_commit_callbacks):
    spring = _campaign(segment, "春")
    marketer.cookies["django_language"] = "ja"
    page = marketer.get("/admin/marketing/campaign/").content.decode()
    assert ">ステータス<" in page and ">Status<" not in page
    assert ">結果<" in page and ">今すぐ送信<" in page and ">送信を一時停止<" in page
    assert ">Result<" not in page and ">Send now<" not in page and ">Pause sending<" not in page
    shown = _send_now_action(marketer, [spring], django_capture_on_commit_callbacks)
    assert "1件のキャンペーンを送信しています。" in shown
    assert "campaign" not in shown.split("1件のキャンペーン")[0][-40:] and "sending." not in shown


def test_action_message_is_singular_or_plural_in_english(marketer, segment, django_capture_on_commit_callbacks):
    one = _send_now_action(marketer, [_campaign(segment, "One")], django_capture_on_commit_callbacks)
    assert "1 campaign is sending." in one and "campaign(s)" not in one
    two = _send_now_action(
        marketer, [_campaign(segment, "Two"), _campaign(segment, "Three")], django_capture_on_commit_callbacks
    )
    assert "2 campaigns are sending." in two


def test_campaign_page_and_schedule_message_in_japanese(marketer, segment):
    campaign = _campaign(segment, "春")
    marketer.cookies["django_language"] = "ja"
    url = f"/admin/marketing/campaign/{campaign.pk}/change/"
    page = marketer.get(url).content.decode()
    text = _text(page.encode())
    expected = (
        "送信とテスト", "今すぐ送信", "予約する", "自分にテスト送信", "どのボタンも、まず変更内容を保存します。",
        "「同意済み」には現在1人の顧客がいます。", "顧客の表示でプレビュー", "まだ送信していません。", "送信 0・配達 0",
    )  # fmt: skip
    for japanese in expected:
        assert japanese in text, japanese
    # Field labels and help texts come from the model, in Japanese too.
    assert "予約日時:" in text and "件名:" in text and "件名の後ろに表示されるプレビュー文です。" in text
    assert "Scheduled at:" not in text and "Preview text shown after the subject." not in text
    for english in ("Send and test", ">Send now<", ">Schedule<", "Each button saves", "Preview as a customer",
                    "Not sent yet.", "Sent 0 · delivered"):  # fmt: skip
        assert english not in page, english
    block = campaign.blocks.get()
    when = timezone.localtime(timezone.now() + timedelta(days=2))
    response = marketer.post(
        url,
        {
            "name": campaign.name,
            "channel": "email",
            "subject": campaign.subject,
            "preheader": "",
            "segment": segment.pk,
            "scheduled_at_0": when.strftime("%Y-%m-%d"),
            "scheduled_at_1": when.strftime("%H:%M:%S"),
            "blocks-TOTAL_FORMS": "1",
            "blocks-INITIAL_FORMS": "1",
            "blocks-MIN_NUM_FORMS": "0",
            "blocks-MAX_NUM_FORMS": "1000",
            "blocks-0-id": block.pk,
            "blocks-0-campaign": campaign.pk,
            "blocks-0-position": "0",
            "blocks-0-kind": "text",
            "blocks-0-text": block.text,
            "blocks-0-limit": "4",
            "_schedule": "1",
        },  # fmt: skip
        follow=True,
    )
    shown = _text(response.content)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED
    assert "保存して予約しました。「春」は" in shown and "に自動で送信を開始します。" in shown
    assert "Saved and scheduled" not in shown
    # The sections of a saved campaign.
    assert "<h2" in response.content.decode() and "成果" in shown and "Results" not in shown


def test_segment_page_in_japanese(marketer, segment):
    marketer.cookies["django_language"] = "ja"
    page = marketer.get(f"/admin/marketing/segment/{segment.pk}/change/").content.decode()
    text = _text(page.encode())
    expected = (
        "該当人数とプレビュー", "1人 が現在このセグメントに含まれています。",
        "ハッシュ化したメールアドレスを書き出す（CSV）", "先頭20人（保存済みの条件）",
    )  # fmt: skip
    for japanese in expected:
        assert japanese in text, japanese
    for english in ("Live count and preview", "in the segment now", "Export hashed emails", "First 20 members"):
        assert english not in page, english
    changelist = marketer.get("/admin/marketing/segment/").content.decode()
    assert ">条件<" in changelist and ">Rules<" not in changelist


def test_campaign_result_line_in_japanese_links_the_flow_settings(marketer, segment):
    campaign = _campaign(segment, "夏")
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.SENT, started_at=timezone.now(), audience_size=6, processed_count=6, sent_count=4,
        skipped_cap_count=1, skipped_consent_count=1,
    )  # fmt: skip
    marketer.cookies["django_language"] = "ja"
    page = marketer.get("/admin/marketing/campaign/").content.decode()
    text = _text(page.encode())
    assert (
        "6人中4人に送信しました。見送り：送信回数の上限による1人（24時間に1通、 フロー設定 ）、同意のない1人。" in text
    )
    assert re.search(r'<a href="/admin/marketing/abandonmentsettings/">フロー設定</a>', page)
    assert "Sent to 4 of 6" not in page and "without consent" not in page


def test_other_apps_admin_columns_and_actions_in_japanese(client):
    ProductFactory()
    client.force_login(CustomerFactory(is_staff=True, is_superuser=True))
    client.cookies["django_language"] = "ja"
    products = client.get("/admin/catalog/product/").content.decode()
    assert ">在庫<" in products and ">選択した商品を公開する<" in products
    assert ">Stock<" not in products and "Publish selected products" not in products
    emails = client.get("/admin/messaging/outboundemail/").content.decode()
    assert ">選択した失敗・停止中のメールを再送する<" in emails and "Retry the selected" not in emails


def test_preview_page_names_the_customer_in_one_japanese_sentence(marketer, segment):
    campaign = _campaign(segment, "秋")
    marketer.cookies["django_language"] = "ja"
    page = marketer.get(f"/admin/marketing/campaign/{campaign.pk}/preview/").content.decode()
    assert "<strong>marketer.ja@example.com</strong> さんに届くメールを表示しています。" in page
    assert "Showing the email as" not in page
