"""The marketer's first campaign right after `make run` (issue 11): demo data from seed_demo,
a real Celery worker delivering to a real SMTP server, the welcome journey scan run on that
worker as beat runs it a few minutes after start-up; then, as marketer@example.com with the
demo password, open the seeded "Spring shoes" draft and press "Send now" on its page.

Every consenting member of its segment gets it (counted in the outbox and at the SMTP
server), and the campaign page and list say who was skipped and why."""

import io
import re
import time

import pytest
from django.core.management import call_command

from commerce_platform.celery import app
from customers.models import Consent
from customers.roles import roles_sync
from marketing.models import Campaign, JourneyEnrollment, JourneyStep, MarketingCursor
from marketing.segments import segment_queryset
from messaging.models import OutboundEmail
from tests.e2e.conftest import screenshot
from tests.messaging.sink import SmtpSink

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def _wait(predicate, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _consenting_now(customer_ids: set[int]) -> set[int]:
    """By hand from the consent history: the newest marketing-email row says granted."""
    latest = {}
    rows = (
        Consent.objects.filter(purpose="marketing_email", customer_id__in=customer_ids)
        .order_by("customer_id", "created_at", "id")
        .values_list("customer_id", "granted")
    )
    for customer_id, granted in rows:
        latest[customer_id] = granted
    return {pk for pk, granted in latest.items() if granted}


def test_first_campaign_after_make_run_reaches_every_consenting_member(
    live_server, page_at, start_celery_worker, smtp_sink
):
    # `make run`: migrations (roles and the welcome journey's steps; a transactional test
    # emptied what they wrote), seed_demo, then the worker and beat.
    roles_sync()
    JourneyStep.objects.get_or_create(
        position=1, defaults={"delay_hours": 0, "subject": "Welcome, {{ first_name }}", "text": "Thanks for joining."}
    )
    call_command("seed_demo", customers=80, products=30, quiet_progress=True, stdout=io.StringIO())
    start_celery_worker(
        queues="email,campaigns,scans", name="e2e-first-campaign", extra_env={"EMAIL_URL": smtp_sink.url}
    )
    newest_consent = (
        Consent.objects.filter(purpose="marketing_email").order_by("-pk").values_list("pk", flat=True).first()
    )
    app.send_task("marketing.journey_scan")  # what beat sends a few minutes after start-up
    _wait(
        lambda: MarketingCursor.objects.filter(name="journey_consent_id", value=newest_consent).exists(),
        what="the journey scan to read every consent",
    )
    assert JourneyEnrollment.objects.count() == 0  # no seeded customer is a fresh sign-up

    campaign = Campaign.objects.get(name="Spring shoes")
    members = set(segment_queryset(campaign.segment).values_list("pk", flat=True))
    consenting = _consenting_now(members)
    assert len(members) > len(consenting) > 0, (len(members), len(consenting))
    without_consent = len(members) - len(consenting)

    page = page_at(1280)
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "marketer@example.com")
    page.fill("#id_password", "demo-pass-2026")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(live_server.url + "/admin/marketing/campaign/")
    page.get_by_role("link", name="Spring shoes").click()
    page.get_by_role("button", name="Send now").click()
    page.locator("ul.messagelist").get_by_text(
        f"Saved and sending “Spring shoes” to the {len(members)} customers of “{campaign.segment.name}”."
    ).wait_for(timeout=15000)

    # The page follows the send (no reload) and ends with who was skipped and why.
    expected = f"Sent to {len(consenting)} of {len(members)} customers; {without_consent} without consent."
    result = page.locator(".field-result .readonly")
    result.get_by_text(expected).wait_for(timeout=60000)
    assert page.locator(".field-status .readonly").inner_text() == "Sent"
    # Buttons and metrics follow too: a sent campaign offers only a test; the metrics count
    # what the worker delivered.
    page.locator(".field-metrics .readonly").get_by_text(
        f"Sent {len(consenting)} · delivered {len(consenting)} ·"
    ).wait_for(timeout=60000)
    assert page.locator(".campaign-buttons button").all_inner_texts() == ["Send a test to me"]
    screenshot(page, "marketing-first-campaign-sent-1280")

    # Delivered: every consenting member, once, in the outbox and at the SMTP server.
    emails = OutboundEmail.objects.filter(dedupe_key__startswith=f"campaign:{campaign.pk}:")
    _wait(lambda: emails.filter(status="sent").count() == len(consenting), what="the outbox to deliver")
    assert set(emails.values_list("customer_id", flat=True)) == consenting
    to = set(emails.values_list("to_email", flat=True))
    delivered = lambda: {m["To"] for m in smtp_sink.handler.messages if "new shoes for spring" in m["Subject"]}  # noqa: E731
    _wait(lambda: delivered() == to, what="the SMTP server to accept every message")
    assert len([m for m in smtp_sink.handler.messages if "new shoes for spring" in m["Subject"]]) == len(consenting)

    page.goto(live_server.url + "/admin/marketing/campaign/")
    row = page.locator("#result_list tr", has_text="Spring shoes")
    assert expected in re.sub(r"\s+", " ", row.inner_text())
    screenshot(page, "marketing-campaign-list-1280")
    narrow = page_at(375)
    narrow.context.add_cookies(page.context.cookies())
    narrow.goto(live_server.url + f"/admin/marketing/campaign/{campaign.pk}/change/")
    assert expected in narrow.locator(".field-result .readonly").inner_text()
    screenshot(narrow, "marketing-first-campaign-sent-375")
