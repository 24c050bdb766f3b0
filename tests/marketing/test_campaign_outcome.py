"""A campaign says what happened to its audience: "Nothing sent" (not "Sent") when every
recipient was skipped, with a count per reason on the campaign page and list; the campaign
page has the Send now / Schedule / Send a test buttons; empty blocks are refused."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from customers.roles import MARKETERS, roles_sync
from marketing.exceptions import CampaignStateError
from marketing.models import Campaign, CampaignBlock, Segment
from marketing.services import campaigns as svc
from messaging.models import OutboundEmail, Suppression
from tests.marketing.factories import CustomerFactory, consent

pytestmark = pytest.mark.django_db


def _campaign(segment, name="Spring", **kwargs) -> Campaign:
    campaign = Campaign.objects.create(name=name, subject="Hi {{ first_name }}", segment=segment, **kwargs)
    CampaignBlock.objects.create(campaign=campaign, position=0, kind="text", text="Spring is here.")
    return campaign


def _mailed_an_hour_ago(customer) -> None:
    OutboundEmail.objects.create(
        customer=customer, to_email=customer.email, kind="welcome_journey", template="marketing_welcome",
        dedupe_key=f"earlier:{customer.pk}", marketing=True, status="sent",
    )  # fmt: skip
    OutboundEmail.objects.filter(dedupe_key=f"earlier:{customer.pk}").update(
        created_at=timezone.now() - timedelta(hours=1)
    )


def _send_all(campaign, django_capture_on_commit_callbacks) -> Campaign:
    with django_capture_on_commit_callbacks(execute=False):
        svc.campaign_send_start(campaign=campaign)
        while not svc.campaign_batch_send(campaign_id=campaign.pk, batch_size=2).done:
            pass
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def everyone_skipped():
    """6 customers: 3 consenting but mailed an hour ago (cap 1 per 24 h), 2 never consented,
    1 consenting but on the suppression list."""
    for n in range(3):
        capped = CustomerFactory(email=f"capped{n}@example.com")
        consent(capped, True)
        _mailed_an_hour_ago(capped)
    CustomerFactory(email="no0@example.com")
    CustomerFactory(email="no1@example.com")
    bounced = CustomerFactory(email="Bounced@example.com")
    consent(bounced, True)
    Suppression.objects.create(email="bounced@example.com", reason=Suppression.Reason.HARD_BOUNCE)
    return _campaign(Segment.objects.create(name="All six"))


def test_every_recipient_skipped_ends_as_nothing_sent_with_a_count_per_reason(
    everyone_skipped, django_capture_on_commit_callbacks
):
    campaign = _send_all(everyone_skipped, django_capture_on_commit_callbacks)
    assert campaign.status == Campaign.Status.NOTHING_SENT
    assert campaign.get_status_display() == "Nothing sent"
    assert (campaign.audience_size, campaign.processed_count, campaign.sent_count) == (6, 6, 0)
    assert (campaign.skipped_cap_count, campaign.skipped_consent_count, campaign.skipped_suppressed_count) == (3, 2, 1)
    assert OutboundEmail.objects.filter(kind="campaign").count() == 0


def test_some_sent_some_skipped_is_sent_and_names_the_skips(django_capture_on_commit_callbacks):
    from marketing.models import AbandonmentSettings
    from marketing.selectors import campaign_result, cap_description

    for n in range(4):
        consent(CustomerFactory(email=f"yes{n}@example.com"), True)
    capped = CustomerFactory(email="capped@example.com")
    consent(capped, True)
    _mailed_an_hour_ago(capped)
    CustomerFactory(email="no@example.com")
    campaign = _send_all(_campaign(Segment.objects.create(name="Six")), django_capture_on_commit_callbacks)
    assert (campaign.status, campaign.sent_count) == (Campaign.Status.SENT, 4)
    result = campaign_result(campaign, cap=cap_description(AbandonmentSettings.current()))
    assert result.text == (
        "Sent to 4 of 6 customers; 1 skipped by the frequency cap (1 per 24 h, Flow settings), 1 without consent."
    )


def test_an_empty_segment_is_nothing_sent_too(django_capture_on_commit_callbacks):
    segment = Segment.objects.create(name="Nobody")
    segment.rules.create(field="city", operator="eq", value="Atlantis")
    CustomerFactory(email="lives.elsewhere@example.com")
    campaign = _send_all(_campaign(segment), django_capture_on_commit_callbacks)
    assert (campaign.status, campaign.audience_size) == (Campaign.Status.NOTHING_SENT, 0)


def test_a_campaign_without_blocks_or_with_an_empty_button_is_not_sent():
    segment = Segment.objects.create(name="s")
    bare = Campaign.objects.create(name="Bare", subject="Hi", segment=segment)
    with pytest.raises(CampaignStateError, match="Add at least one block"):
        svc.campaign_send_start(campaign=bare)
    # A button block saved before the rule existed (no label) is caught when sending.
    CampaignBlock.objects.create(campaign=bare, position=0, kind="button", link_url="/")
    with pytest.raises(CampaignStateError, match=r"Block 1 \(button\): Write the button's label"):
        svc.campaign_send_start(campaign=bare)
    bare.refresh_from_db()
    assert bare.status == Campaign.Status.DRAFT


@pytest.fixture
def marketer_client(client):
    roles_sync()
    marketer = CustomerFactory(email="marketer.outcome@example.com", first_name="Mai", is_staff=True)
    marketer.groups.add(Group.objects.get(name=MARKETERS))
    client.force_login(marketer)
    client.marketer = marketer
    return client


def _text(html: bytes) -> str:
    """Visible text of a page, tags removed and whitespace collapsed."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))
    return text.replace(" ,", ",").replace(" .", ".").replace(" )", ")")


# The segment has no rules, so the signed-in marketer (no consent) is its seventh member.
SKIPS = (
    "3 skipped by the frequency cap (1 per 24 h, Flow settings), 3 without consent, "
    "1 on the suppression list (bounced or complained)."
)


def test_campaign_page_and_list_say_nothing_sent_and_why(
    everyone_skipped, marketer_client, django_capture_on_commit_callbacks
):
    campaign = _send_all(everyone_skipped, django_capture_on_commit_callbacks)
    page = marketer_client.get(f"/admin/marketing/campaign/{campaign.pk}/change/")
    listing = marketer_client.get("/admin/marketing/campaign/")
    for response in (page, listing):
        text = _text(response.content)
        assert f"Nothing sent: {SKIPS}" in text
        assert 'href="/admin/marketing/abandonmentsettings/">Flow settings</a>' in response.content.decode()
    assert "Sent to" not in _text(listing.content)


def _post(client, campaign: Campaign, button: str | None, **changes) -> object:
    block = campaign.blocks.get()
    data = {
        "name": campaign.name, "subject": campaign.subject, "preheader": "", "segment": campaign.segment_id or "",
        "scheduled_at_0": "", "scheduled_at_1": "",
        "blocks-TOTAL_FORMS": "1", "blocks-INITIAL_FORMS": "1", "blocks-MIN_NUM_FORMS": "0",
        "blocks-MAX_NUM_FORMS": "1000", "blocks-0-id": block.pk, "blocks-0-campaign": campaign.pk,
        "blocks-0-position": "0", "blocks-0-kind": block.kind, "blocks-0-text": block.text, "blocks-0-limit": "4",
        "blocks-0-button_label": block.button_label, "blocks-0-link_url": block.link_url,
    }  # fmt: skip
    data.update(changes)
    if button:
        data[button] = "1"
    return client.post(f"/admin/marketing/campaign/{campaign.pk}/change/", data)


def test_send_now_button_on_the_campaign_page_saves_then_sends(marketer_client, django_capture_on_commit_callbacks):
    consent(CustomerFactory(email="one@example.com"), True)
    segment = Segment.objects.create(name="Everyone")
    segment.rules.create(field="consent", operator="eq", value="yes")
    campaign = _campaign(segment)
    page = marketer_client.get(f"/admin/marketing/campaign/{campaign.pk}/change/").content.decode()
    for label in ("Send now", "Schedule", "Send a test to me"):
        assert re.search(rf'<button type="submit" name="_\w+" value="1" class="button[^"]*">{label}</button>', page)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(marketer_client, campaign, "_send_now", subject="Edited {{ first_name }}")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/marketing/campaign/{campaign.pk}/change/"
    campaign.refresh_from_db()
    assert (campaign.status, campaign.subject, campaign.audience_size) == ("sending", "Edited {{ first_name }}", 1)
    assert len(callbacks) == 1  # the first batch, after commit
    shown = marketer_client.get(response["Location"]).content.decode()
    assert "Saved and sending “Spring” to the 1 customer of “Everyone”." in _text(shown.encode())
    # A sending campaign offers pause and cancel, no longer "Send now".
    buttons = re.findall(r'<button type="submit" name="(_\w+)"', shown)
    assert buttons == ["_send_test", "_pause", "_cancel"]


def test_schedule_button_needs_a_future_time_next_to_the_field(marketer_client):
    campaign = _campaign(Segment.objects.create(name="Later"))
    response = _post(marketer_client, campaign, "_schedule")
    assert response.status_code == 200
    assert "Choose the date and time to send at, then press “Schedule”." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "draft"
    when = timezone.localtime() + timedelta(days=2)
    response = _post(
        marketer_client, campaign, "_schedule",
        scheduled_at_0=when.strftime("%Y-%m-%d"), scheduled_at_1=when.strftime("%H:%M:%S"),
    )  # fmt: skip
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"


def test_send_test_button_mails_only_the_marketer(marketer_client):
    campaign = _campaign(Segment.objects.create(name="Test"))
    response = _post(marketer_client, campaign, "_send_test")
    assert response.status_code == 302
    assert list(OutboundEmail.objects.values_list("to_email", "kind", "marketing")) == [
        ("marketer.outcome@example.com", "campaign_test", False)
    ]
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_an_empty_button_block_is_a_validation_error_not_shop_now(marketer_client):
    campaign = _campaign(Segment.objects.create(name="Buttons"))
    CampaignBlock.objects.filter(campaign=campaign).update(kind="button", text="")
    response = _post(marketer_client, campaign, None, **{"blocks-0-kind": "button", "blocks-0-text": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Write the button&#x27;s label, e.g. “Shop shoes”." in body
    assert "Where should the button go?" in body
    response = _post(
        marketer_client, campaign, None,
        **{"blocks-0-kind": "button", "blocks-0-text": "", "blocks-0-button_label": "Shop shoes",
           "blocks-0-link_url": "/category/shoes/"},
    )  # fmt: skip
    assert response.status_code == 302
    context = svc.campaign_context(campaign, customer=marketer_client.marketer, message=None)
    assert [(b["kind"], b["label"]) for b in context["blocks"]] == [("button", "Shop shoes")]


def test_segment_page_shows_one_count_message(marketer_client):
    consent(CustomerFactory(email="counted@example.com"), True)
    segment = Segment.objects.create(name="Consenting")
    segment.rules.create(field="consent", operator="eq", value="yes")
    body = marketer_client.get(f"/admin/marketing/segment/{segment.pk}/change/").content.decode()
    assert body.count('id="segment-live-count"') == 1
    assert len(re.findall(r"customers? (?:in the segment now|match)", _text(body.encode()))) == 1
    add = marketer_client.get("/admin/marketing/segment/add/").content.decode()
    assert add.count('id="segment-live-count"') == 1
