"""Marketing by SMS: campaigns on the SMS channel (consent, STOP list, the cap shared with
email, the length shown before sending) and reminder 2 of cart abandonment by text."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from freezegun import freeze_time

from customers.models import Consent
from customers.roles import MARKETERS
from marketing.models import AbandonmentSettings, Campaign, CartAbandonment, MarketingMessage, Segment
from marketing.outcomes import StepOutcome
from marketing.services import abandonment, campaigns
from messaging.models import OutboundEmail
from messaging.services import email_enqueue
from mobile.models import OutboundMessage, SmsOptOut
from tests.marketing.factories import CartFactory, CartLineFactory, CustomerFactory, VariantFactory, consent

pytestmark = pytest.mark.django_db
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


def sms_consent(customer, granted=True):
    Consent.objects.create(
        customer=customer,
        purpose=Consent.Purpose.SMS_MARKETING,
        granted=granted,
        source="preferences",
        created_at=LONG_AGO,
    )


def sms_campaign(text="Hi {{ first_name }}, 20% off linen this week", **kwargs) -> Campaign:
    return Campaign.objects.create(
        name="Linen week",
        channel=Campaign.Channel.SMS,
        sms_text=text,
        segment=Segment.objects.create(name="all"),
        **kwargs,
    )


def send_all(campaign: Campaign) -> Campaign:
    campaigns.campaign_send_start(campaign=campaign)
    while not campaigns.campaign_batch_send(campaign_id=campaign.pk).done:
        pass
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def audience():
    """hana: texts allowed; ken: texts allowed, no number; mio: allowed, but her number
    texted STOP; sora: email only."""
    hana = CustomerFactory(first_name="Hana", phone="+819012345678", language="en")
    ken = CustomerFactory(first_name="Ken", phone="")
    mio = CustomerFactory(first_name="Mio", phone="+819011112222")
    sora = CustomerFactory(first_name="Sora", phone="+819033334444")
    for person in (hana, ken, mio):
        sms_consent(person)
    consent(sora, True, at=LONG_AGO)
    SmsOptOut.objects.create(phone="+819011112222", keyword="STOP")
    return {"hana": hana, "ken": ken, "mio": mio, "sora": sora}


def test_an_sms_campaign_texts_only_those_who_allowed_it(audience):
    campaign = send_all(sms_campaign())

    [text] = OutboundMessage.objects.all()
    assert (text.customer, text.to_phone, text.marketing, text.kind) == (
        audience["hana"],
        "+819012345678",
        True,
        "campaign",
    )
    assert text.body == "Unified Commerce: Hi Hana, 20% off linen this week\nReply STOP to opt out"
    assert not OutboundEmail.objects.exists()
    assert (campaign.status, campaign.sent_count) == (Campaign.Status.SENT, 1)
    assert (campaign.skipped_consent_count, campaign.skipped_suppressed_count) == (2, 1)  # ken + sora; mio
    message = MarketingMessage.objects.get()
    assert (message.channel, message.outbound_sms) == ("sms", text)
    from marketing.selectors import campaign_result

    assert campaign_result(campaign, cap="1 per 24 h").text == (
        "Sent to 1 of 4 customers; 2 without consent to marketing texts or a phone number, 1 whose number texted STOP."
    )


def test_the_frequency_cap_counts_emails_and_texts_together(audience):
    hana = audience["hana"]
    email_enqueue(to=hana.email, kind="campaign", template="test_message", context={}, dedupe_key="earlier",
                  customer=hana, marketing=True)  # fmt: skip
    campaign = send_all(sms_campaign())
    assert not OutboundMessage.objects.exists()
    assert campaign.skipped_cap_count == 1 and campaign.status == Campaign.Status.NOTHING_SENT


def test_a_text_counts_against_the_cap_for_the_next_email(audience):
    from marketing.services.sending import CAPPED, marketing_email_send

    hana = audience["hana"]
    consent(hana, True, at=LONG_AGO)  # she allows email too
    send_all(sms_campaign())
    result = marketing_email_send(customer=hana, flow="campaign", kind="campaign", template="test_message",
                                  build_context=lambda m: {}, dedupe_key="after-the-text")  # fmt: skip
    assert result.status == CAPPED


def test_an_sms_campaign_needs_its_text():
    from marketing.exceptions import CampaignStateError

    with pytest.raises(CampaignStateError, match="Write the SMS text"):
        campaigns.campaign_send_start(campaign=sms_campaign(text="  "))


@pytest.fixture
def marketer_client(client):
    marketer = CustomerFactory(is_staff=True)
    marketer.groups.add(Group.objects.get(name=MARKETERS))
    client.force_login(marketer)
    return client


def test_the_marketer_sees_segments_and_length_before_sending(marketer_client, audience):
    campaign = sms_campaign()
    page = marketer_client.get(f"/admin/marketing/campaign/{campaign.pk}/change/").content.decode()
    # "Unified Commerce: " (18) + "Hi " (3) + a 10-letter name + ", 20% off linen this week" (25)
    # + "\n" (1) + "Reply STOP to opt out" (21) = 78 GSM-7 characters. (Written out, the token's
    # braces would be extension characters of two septets each.)
    assert "<strong>1 segment</strong> · 78 characters · GSM-7 (up to 160 in one SMS)." in page
    # Everyone: the four of the audience and the marketer; only Hana can get texts.
    assert "“all” has 5 customers now; 1 of them can get texts" in page
    assert "about 1 SMS in all" in page

    # Typing a longer, Japanese text: the live line says 3 segments of UCS-2.
    japanese = "こんにちは、" * 20  # 120 characters + 18 + 1 + 21 = 160 UTF-16 units → 3 × 67
    live = marketer_client.post("/admin/marketing/campaign/sms-length/", {"text": japanese}).json()
    assert live["segments"] == 3 and "160 characters · UCS-2 (67 per segment)" in live["html"]


def test_the_marketer_sends_an_sms_campaign_from_its_page(
    marketer_client, audience, django_capture_on_commit_callbacks
):
    campaign = sms_campaign()
    with django_capture_on_commit_callbacks(execute=False):
        response = marketer_client.post(
            f"/admin/marketing/campaign/{campaign.pk}/change/",
            {
                "name": campaign.name, "channel": "sms", "subject": "", "preheader": "",
                "sms_text": campaign.sms_text, "segment": campaign.segment_id, "scheduled_at_0": "",
                "scheduled_at_1": "", "_send_now": "1",
                "blocks-TOTAL_FORMS": "0", "blocks-INITIAL_FORMS": "0", "blocks-MIN_NUM_FORMS": "0",
                "blocks-MAX_NUM_FORMS": "1000",
            },
        )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING and campaign.audience_size == 5  # with the marketer


# --- cart abandonment: reminder 2 by SMS ----------------------------------------------------


@pytest.fixture
def flow(db):
    row = AbandonmentSettings.current()
    row.delay1_minutes, row.delay2_minutes, row.promo_percent = 60, 24 * 60, 15
    row.save()
    return row


def test_reminder_2_goes_by_text_to_a_customer_without_email_consent(flow):
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo: not quiet hours
    customer = CustomerFactory(first_name="Hana", phone="+819012345678")
    sms_consent(customer)
    with freeze_time(start):
        cart = CartFactory(customer=customer)
        CartLineFactory(cart=cart, variant=VariantFactory(stock=5, product__name="Linen shirt"), quantity=1)
    with freeze_time(start + timedelta(hours=2)):
        outcome = abandonment.cart_abandonment_step(cart_id=cart.pk)
    assert outcome.kind == StepOutcome.WAITING  # reminder 1 is an email: skipped for her
    state = CartAbandonment.objects.get(cart=cart)
    assert state.reminder1_skipped and state.reminders_sent == 0
    assert state.next_due_at == start + timedelta(hours=24)
    assert not OutboundEmail.objects.exists() and not OutboundMessage.objects.exists()

    with freeze_time(start + timedelta(hours=25)):
        outcome = abandonment.cart_abandonment_step(cart_id=cart.pk)
    assert outcome.kind == StepOutcome.SENT
    [text] = OutboundMessage.objects.all()
    state.refresh_from_db()
    assert (state.status, state.reminders_sent, state.sms_reminders_sent) == ("completed", 1, 1)
    assert text.kind == "cart_reminder_2" and text.marketing
    assert text.body.startswith(
        f"Unified Commerce: Still thinking about Linen shirt? 15% off with code {state.promo_code}:"
    )
    assert "/cart/restore/" in text.body and text.body.endswith("Reply STOP to opt out")
    assert not OutboundEmail.objects.exists()


def test_customers_who_allow_email_get_email_reminders_only(flow):
    customer = CustomerFactory(phone="+819012345678")
    sms_consent(customer)
    consent(customer, True, at=LONG_AGO)
    cart = CartFactory(customer=customer)
    CartLineFactory(cart=cart, variant=VariantFactory(stock=5), quantity=1)
    from carts.models import Cart

    Cart.objects.filter(pk=cart.pk).update(last_activity_at=timezone.now() - timedelta(hours=2))
    assert abandonment.cart_abandonment_step(cart_id=cart.pk).kind == StepOutcome.SENT
    assert OutboundEmail.objects.filter(kind="cart_reminder_1").count() == 1
    assert not OutboundMessage.objects.exists()
