"""Marketer walk in Django admin: build "spent > 100 and bought shoes", see the live count,
write a campaign, send it (a real Celery worker sends it), and read its metrics."""

import time

import pytest
from django.contrib.auth.models import Group

from customers.roles import MARKETERS, roles_sync
from marketing.models import Campaign
from messaging.models import OutboundEmail
from tests.customers.factories import PASSWORD
from tests.e2e.conftest import screenshot
from tests.marketing.factories import (
    CategoryFactory,
    CustomerFactory,
    ProductFactory,
    VariantFactory,
    consent,
    order_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketer_builds_segment_sends_campaign_and_sees_metrics(live_server, page_at, start_celery_worker):
    roles_sync()
    marketer = CustomerFactory(email="marketer.e2e@example.com", is_staff=True)
    marketer.groups.add(Group.objects.get(name=MARKETERS))
    shoes = CategoryFactory(slug="shoes", name="Shoes")
    boot = VariantFactory(product=ProductFactory(category=CategoryFactory(slug="boots", parent=shoes)))
    ann = CustomerFactory(email="ann.e2e@example.com", first_name="Ann")
    consent(ann, True)
    order_for(ann, total="150.00", variant=boot)
    bob = CustomerFactory(email="bob.e2e@example.com")
    consent(bob, True)
    order_for(bob, total="40.00", variant=boot)
    start_celery_worker(queues="campaigns,email", name="e2e-marketing")

    page = page_at(1280)
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", marketer.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")

    # Segment with two rules.
    page.goto(live_server.url + "/admin/marketing/segment/add/")
    page.fill("#id_name", "Spent over 100 and bought shoes")
    page.select_option("#id_rules-0-field", "total_spent")
    page.select_option("#id_rules-0-operator", "gt")
    page.fill("#id_rules-0-value", "100")
    page.click("text=Add another Segment rule")
    page.select_option("#id_rules-1-field", "bought_category")
    page.select_option("#id_rules-1-operator", "eq")
    page.fill("#id_rules-1-value", "shoes")
    live = page.locator("#segment-live-count")
    live.filter(has_text="1 customer matches the rules on screen").wait_for(timeout=10000)  # before saving
    page.click("input[name=_continue]")
    count = page.locator("#segment-count")
    assert count.get_attribute("data-count") == "1"
    assert page.get_by_text("ann.e2e@example.com").is_visible()
    screenshot(page, "marketing-segment-1280")

    # Campaign with a text block and a button.
    page.goto(live_server.url + "/admin/marketing/campaign/add/")
    page.fill("#id_name", "Spring shoes")
    page.fill("#id_subject", "{{ first_name }}, new shoes")
    page.select_option("#id_segment", label="Spent over 100 and bought shoes")
    page.click("text=Add another Campaign block")
    page.select_option("#id_blocks-0-kind", "text")
    page.fill("#id_blocks-0-text", "Hello {{ first_name }}, spring is here.")
    page.click("input[name=_save]")
    page.wait_for_url(live_server.url + "/admin/marketing/campaign/")

    # Send now (admin action) and wait for the worker to finish.
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "send_now")
    page.click("button[name=index]")
    page.locator("ul.messagelist").get_by_text("1 campaign is sending.").wait_for(timeout=10000)
    campaign = Campaign.objects.get(name="Spring shoes")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        campaign.refresh_from_db()
        delivered = OutboundEmail.objects.filter(kind="campaign", status="sent").count()
        if campaign.status == "sent" and delivered == 1:
            break
        time.sleep(0.5)
    assert campaign.status == "sent"
    assert list(OutboundEmail.objects.filter(kind="campaign").values_list("to_email", "status")) == [
        ("ann.e2e@example.com", "sent")
    ]

    page.goto(live_server.url + f"/admin/marketing/campaign/{campaign.pk}/change/")
    assert page.get_by_text("100% (1 of 1)").is_visible()
    page.click("text=Metrics and chart")
    row = page.locator("#metrics-table tbody tr").first
    assert row.locator("td").nth(0).inner_text() == "1"  # sent
    assert page.locator("#metrics-chart").is_visible()
    assert page.evaluate("typeof window.Chart") == "function"
    screenshot(page, "marketing-metrics-1280")
