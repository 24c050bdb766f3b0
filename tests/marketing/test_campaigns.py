"""Campaigns: personalisation, batching over a real worker, pause/cancel, test send, agent
send, preview, and that every marketing template renders."""

import time
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from customers.roles import MARKETERS
from marketing.exceptions import CampaignStateError
from marketing.models import Campaign, CampaignBlock, MarketingMessage, Segment, SegmentRule
from marketing.personalise import personalise, token_values
from marketing.services import campaigns as svc
from messaging.models import OutboundEmail
from messaging.rendering import email_render
from tests.marketing.factories import CustomerFactory, ProductFactory, VariantFactory, consent


def make_campaign(segment, **kwargs) -> Campaign:
    campaign = Campaign.objects.create(
        name=kwargs.pop("name", "Spring"),
        subject=kwargs.pop("subject", "{{ first_name }}, spring is here"),
        preheader="New in",
        segment=segment,
        **kwargs,
    )
    CampaignBlock.objects.create(
        campaign=campaign, position=1, kind="text", heading="Hi {{ first_name }}", text="A\n\nB"
    )
    CampaignBlock.objects.create(campaign=campaign, position=2, kind="button", button_label="Shop", link_url="/")
    return campaign


def test_tokens_have_safe_defaults_and_no_template_injection():
    values = token_values(CustomerFactory.build(first_name="", last_name="Sato", email="x@example.com"))
    assert personalise("Hi {{ first_name }}!", values) == "Hi there!"
    assert personalise('Hi {{ first_name|default:"friend" }}!', values) == "Hi friend!"
    assert personalise("{{ last_name }} / {{ unknown }} / {% load x %}", values) == "Sato /  / {% load x %}"
    values = token_values(CustomerFactory.build(first_name="Bo"))
    assert personalise("Hi {{first_name}}", values) == "Hi Bo"


@pytest.mark.django_db
def test_personal_values_are_escaped_in_html():
    customer = CustomerFactory(first_name="<b>Bo</b>")
    campaign = make_campaign(Segment.objects.create(name="all"))
    context = svc.campaign_context(campaign, customer=customer, message=None)
    rendered = email_render(
        template="marketing_campaign", to_email=customer.email, context=context, marketing=True,
        public_id=uuid.uuid4(), kind="campaign",
    )  # fmt: skip
    assert "Hi &lt;b&gt;Bo&lt;/b&gt;" in rendered.html
    assert "<b>Bo</b>" not in rendered.html
    assert rendered.subject == "<b>Bo</b>, spring is here"  # plain text subject, not HTML
    assert "List-Unsubscribe" in rendered.headers


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("template", "context"),
    [
        ("marketing_cart_reminder", {"step": 2, "lines": [{"name": "Tee", "quantity": 1, "price": "$1.00",
          "line_total": "$1.00", "image": ""}], "restore_url": "http://127.0.0.1:8000/cart/restore/x/",
          "shop_url": "/", "subtotal": "$1.00", "promo_code": "BACK-X", "promo_label": "10% off"}),
        ("marketing_browse_abandonment", {"product": {"name": "Tee", "url": "/p", "image": "", "price": "$1",
          "reason": "r"}, "product_list": [], "recommendations": []}),
        ("marketing_search_abandonment", {"query": "tee", "results": [], "recommendations": [], "search_url": "/"}),
        ("marketing_welcome", {"subject": "Welcome", "heading": "Hi", "paragraphs": ["x"], "button_label": "Go",
          "button_url": "/", "recommendations": []}),
    ],
)  # fmt: skip
def test_marketing_templates_render(template, context):
    rendered = email_render(
        template=template, to_email="a@example.com", context=context, marketing=True, public_id=uuid.uuid4(),
        kind=template,
    )  # fmt: skip
    assert rendered.subject.strip()
    assert "Unsubscribe" in rendered.html and "unsubscribe" in rendered.text.lower()


@pytest.mark.django_db
def test_batches_follow_the_cursor_and_pause_stops_them(django_capture_on_commit_callbacks):
    people = [CustomerFactory(email=f"b{n}@example.com") for n in range(5)]
    for person in people:
        consent(person, True)
    segment = Segment.objects.create(name="b")
    SegmentRule.objects.create(segment=segment, field="consent", operator="eq", value="yes")
    campaign = make_campaign(segment)
    with django_capture_on_commit_callbacks(execute=False):
        svc.campaign_send_start(campaign=campaign)
    first = svc.campaign_batch_send(campaign_id=campaign.pk, batch_size=2)
    campaign.refresh_from_db()
    assert (first.processed, first.sent, campaign.cursor_customer_id) == (2, 2, people[1].pk)
    svc.campaign_pause(campaign=campaign)
    paused = svc.campaign_batch_send(campaign_id=campaign.pk, batch_size=2)
    assert paused.processed == 0
    svc.campaign_resume(campaign=campaign)
    svc.campaign_batch_send(campaign_id=campaign.pk, batch_size=2)
    svc.campaign_batch_send(campaign_id=campaign.pk, batch_size=2)
    last = svc.campaign_batch_send(campaign_id=campaign.pk, batch_size=2)
    campaign.refresh_from_db()
    assert last.done and campaign.status == "sent"
    keys = set(OutboundEmail.objects.filter(kind="campaign").values_list("dedupe_key", flat=True))
    assert keys == {f"campaign:{campaign.pk}:{p.pk}" for p in people}
    with pytest.raises(CampaignStateError):
        svc.campaign_cancel(campaign=campaign)


@pytest.mark.django_db
def test_cancelled_campaign_sends_nothing_more(django_capture_on_commit_callbacks):
    for n in range(3):
        consent(CustomerFactory(email=f"c{n}@example.com"), True)
    campaign = make_campaign(Segment.objects.create(name="c"))
    with django_capture_on_commit_callbacks(execute=False):
        svc.campaign_send_start(campaign=campaign)
    svc.campaign_batch_send(campaign_id=campaign.pk, batch_size=1)
    svc.campaign_cancel(campaign=campaign)
    assert svc.campaign_batch_send(campaign_id=campaign.pk, batch_size=1).processed == 0
    assert OutboundEmail.objects.filter(kind="campaign").count() == 1


@pytest.mark.django_db(transaction=True)
def test_campaign_sends_in_batches_on_a_real_worker(start_celery_worker):
    """23 customers: 18 consent, 4 never did, 1 consenting but capped (marketing mail an hour ago)."""
    consenting = [CustomerFactory(email=f"w{n:02d}@example.com") for n in range(18)]
    for person in consenting:
        consent(person, True)
    for n in range(4):
        CustomerFactory(email=f"none{n}@example.com")
    capped = CustomerFactory(email="capped@example.com")
    consent(capped, True)
    OutboundEmail.objects.create(
        customer=capped, to_email=capped.email, kind="browse_abandonment", template="marketing_welcome",
        dedupe_key="earlier", marketing=True, status="sent",
    )  # fmt: skip
    OutboundEmail.objects.filter(dedupe_key="earlier").update(created_at=timezone.now() - timedelta(hours=1))
    campaign = make_campaign(Segment.objects.create(name="everyone"))
    start_celery_worker(queues="campaigns,email", extra_env={"MARKETING_CAMPAIGN_BATCH_SIZE": "5"})
    svc.campaign_send_start(campaign=campaign)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        campaign.refresh_from_db()
        if campaign.status == "sent":
            break
        time.sleep(0.3)
    assert campaign.status == "sent"
    assert (campaign.audience_size, campaign.processed_count) == (23, 23)
    assert (campaign.sent_count, campaign.skipped_consent_count, campaign.skipped_cap_count) == (18, 4, 1)
    sent_to = set(OutboundEmail.objects.filter(kind="campaign").values_list("to_email", flat=True))
    assert sent_to == {p.email for p in consenting}
    assert MarketingMessage.objects.filter(campaign=campaign).count() == 18


@pytest.mark.django_db
def test_send_test_to_me_is_marked_and_not_marketing():
    marketer = CustomerFactory(email="m@example.com", first_name="Mia", is_staff=True)
    campaign = make_campaign(Segment.objects.create(name="t"))
    svc.campaign_send_test(campaign=campaign, to_user=marketer)
    email = OutboundEmail.objects.get(kind="campaign_test")
    assert (email.to_email, email.marketing, email.context["subject"]) == (
        "m@example.com",
        False,
        "[TEST] Mia, spring is here",
    )
    assert MarketingMessage.objects.count() == 0


@pytest.mark.django_db
def test_agent_send_uses_consent_and_needs_an_approved_template():
    agent = CustomerFactory(email="agent.send@example.com", is_staff=True)
    yes = CustomerFactory(email="yes@example.com")
    consent(yes, True)
    no = CustomerFactory(email="no@example.com")
    campaign = make_campaign(Segment.objects.create(name="a"))
    with pytest.raises(CampaignStateError):
        svc.campaign_send_to_one(campaign=campaign, customer=yes, actor=agent)
    campaign.agent_sendable = True
    campaign.save()
    assert svc.campaign_send_to_one(campaign=campaign, customer=yes, actor=agent).status == "sent"
    assert svc.campaign_send_to_one(campaign=campaign, customer=no, actor=agent).status == "no_consent"
    assert list(OutboundEmail.objects.values_list("to_email", flat=True)) == ["yes@example.com"]


@pytest.fixture
def marketer_client(client, db):
    from customers.roles import roles_sync

    roles_sync()
    marketer = CustomerFactory(email="marketer.t@example.com", is_staff=True)
    marketer.groups.add(Group.objects.get(name=MARKETERS))
    client.force_login(marketer)
    return client


@pytest.mark.django_db
def test_admin_segment_page_shows_live_count_preview_and_exports_hashes(marketer_client):
    ann = CustomerFactory(email="Ann.Admin@Example.com")
    consent(ann, True)
    CustomerFactory(email="nobody@example.com")
    segment = Segment.objects.create(name="consenting")
    SegmentRule.objects.create(segment=segment, field="consent", operator="eq", value="yes")
    page = marketer_client.get(f"/admin/marketing/segment/{segment.pk}/change/")
    assert page.status_code == 200
    assert b'data-count="1"' in page.content and b"Ann.Admin@Example.com" in page.content
    export = marketer_client.get(f"/admin/marketing/segment/{segment.pk}/export/")
    import hashlib

    body = b"".join(export.streaming_content).decode()
    assert body.split() == ["email_sha256", hashlib.sha256(b"ann.admin@example.com").hexdigest()]


@pytest.mark.django_db
def test_admin_rejects_a_bad_rule_next_to_it(marketer_client):
    response = marketer_client.post(
        "/admin/marketing/segment/add/",
        {
            "name": "bad", "description": "",
            "rules-TOTAL_FORMS": "1", "rules-INITIAL_FORMS": "0", "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "1000",
            "rules-0-position": "0", "rules-0-field": "total_spent", "rules-0-operator": "gt", "rules-0-value": "lots",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "is not a number" in response.content.decode()
    assert not Segment.objects.filter(name="bad").exists()


@pytest.mark.django_db
def test_admin_preview_as_customer_and_metrics_page(marketer_client):
    hana = CustomerFactory(email="hana.p@example.com", first_name="Hana")
    product = ProductFactory(name="Blue Runner")
    VariantFactory(product=product)
    campaign = make_campaign(Segment.objects.create(name="p"))
    grid = CampaignBlock.objects.create(campaign=campaign, position=3, kind="product_grid", text="Our pick")
    grid.products.add(product)
    page = marketer_client.get(f"/admin/marketing/campaign/{campaign.pk}/preview/", {"customer": hana.email})
    content = page.content.decode()
    assert page.status_code == 200
    assert "Hana, spring is here" in content and "Blue Runner" in content
    assert 'srcdoc="&lt;!doctype html&gt;' in content  # the whole email stays inside the attribute
    metrics = marketer_client.get(f"/admin/marketing/campaign/{campaign.pk}/metrics/")
    assert metrics.status_code == 200 and b"chart.umd" in metrics.content and b"metrics-series" in metrics.content
    flows = marketer_client.get("/admin/marketing/abandonmentsettings/metrics/")
    assert flows.status_code == 200 and b"Cart abandonment" in flows.content
    # The chart's legend is written in the reader's language (the script reads it from the canvas).
    marketer_client.cookies["django_language"] = "ja"
    japanese = marketer_client.get(f"/admin/marketing/campaign/{campaign.pk}/metrics/").content.decode()
    assert 'data-sent="送信" data-clicked="クリック" data-orders="注文"' in japanese
    assert 'label: "Sent"' not in japanese and "label: canvas.dataset.sent" in japanese


@pytest.mark.django_db
def test_scheduled_campaign_starts_when_due(django_capture_on_commit_callbacks):
    consent(CustomerFactory(email="sched@example.com"), True)
    campaign = make_campaign(
        Segment.objects.create(name="s"), status="scheduled", scheduled_at=timezone.now() + timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert svc.campaigns_start_due() == 0
        assert svc.campaigns_start_due(now=timezone.now() + timedelta(hours=1, seconds=1)) == 1
    campaign.refresh_from_db()
    assert (campaign.status, campaign.audience_size, len(callbacks)) == ("sending", 1, 1)


@pytest.mark.django_db
def test_admin_schedule_by_setting_a_time(marketer_client):
    segment = Segment.objects.create(name="sched")
    when = (timezone.localtime() + timedelta(days=1)).replace(microsecond=0)
    response = marketer_client.post(
        "/admin/marketing/campaign/add/",
        {
            "name": "Later", "subject": "Soon", "preheader": "", "segment": segment.pk,
            "scheduled_at_0": when.strftime("%Y-%m-%d"), "scheduled_at_1": when.strftime("%H:%M:%S"),
            "blocks-TOTAL_FORMS": "1", "blocks-INITIAL_FORMS": "0", "blocks-MIN_NUM_FORMS": "0",
            "blocks-MAX_NUM_FORMS": "1000", "blocks-0-position": "0", "blocks-0-kind": "text",
            "blocks-0-text": "See you soon", "blocks-0-limit": "4",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Campaign.objects.get(name="Later").status == "scheduled"


@pytest.mark.django_db
def test_admin_live_count_of_unsaved_rules(marketer_client):
    ann = CustomerFactory(email="live@example.com")
    consent(ann, True)
    CustomerFactory(email="other@example.com")
    url = "/admin/marketing/segment/count/"
    ok = marketer_client.post(
        url, {"rules": [{"field": "consent", "operator": "eq", "value": "yes"}]}, content_type="application/json"
    )
    assert ok.json() == {"count": 1}
    bad = marketer_client.post(
        url, {"rules": [{"field": "total_spent", "operator": "gt", "value": "lots"}]}, content_type="application/json"
    )
    assert bad.json() == {"error": "rule 1: “lots” is not a number"}
    assert marketer_client.get(url).status_code == 405
