"""DATABASE_REPLICA_URL: reporting reads (segments and audiences, campaign metrics, admin
reports) go to the replica, everything else to the primary.

The test settings configure a second real Postgres database as the `replica` alias. It holds
different rows from the primary (as a lagging replica would), so each report's answer shows
which database it was read from; the captured SQL per connection confirms it."""

from decimal import Decimal

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer
from marketing.models import Campaign, CampaignBlock, Segment, SegmentRule
from marketing.segments import RuleSpec, rules_count, segment_count
from marketing.services.campaigns import campaign_send_start
from orders.models import Order
from orders.selectors import sales_by_source

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

NEWSLETTER = Customer.Source.NEWSLETTER


def _customers(db: str, count: int) -> list[Customer]:
    return [
        Customer.objects.db_manager(db).create_user(email=f"{db}{i}@example.com", signup_source=NEWSLETTER)
        for i in range(count)
    ]


def _order(db: str, customer: Customer, total: str) -> Order:
    return Order.objects.using(db).create(
        number=f"R-{db}-{customer.pk}",
        customer=customer,
        email=customer.email,
        status=Order.Status.PAID,
        subtotal=Decimal(total),
        total=Decimal(total),
        payment_method=Order.PaymentMethod.TEST_CARD,
        placed_at=timezone.now(),
    )


@pytest.fixture
def two_databases():
    primary = _customers("default", 3)
    _order("default", primary[0], "30.00")
    replica = _customers("replica", 1)
    _order("replica", replica[0], "12.50")
    segment = Segment.objects.create(name="Newsletter sign-ups")
    SegmentRule.objects.create(segment=segment, field=SegmentRule.Field.SIGNUP_SOURCE, operator="eq", value=NEWSLETTER)
    return segment


def _reports(segment):
    rule = RuleSpec(SegmentRule.Field.SIGNUP_SOURCE, "eq", NEWSLETTER, 0)
    ((source_row,),) = [sales_by_source()]
    return segment_count(segment), rules_count([rule]), source_row.net


def test_reports_read_the_replica_when_it_is_switched_on(settings, two_databases):
    settings.REPORTING_READS_FROM_REPLICA = False
    assert _reports(two_databases) == (3, 3, Decimal("30.00"))  # the primary's rows

    settings.REPORTING_READS_FROM_REPLICA = True
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        assert _reports(two_databases) == (1, 1, Decimal("12.50"))  # the replica's rows
    assert sum('FROM "customers_customer"' in q["sql"] for q in on_replica.captured_queries) == 2
    assert any('FROM "orders_order"' in q["sql"] for q in on_replica.captured_queries)
    assert not any('FROM "customers_customer"' in q["sql"] for q in on_primary.captured_queries)
    # The segment's rules are read from the primary (they exist only there).
    assert any('"marketing_segmentrule"' in q["sql"] for q in on_primary.captured_queries)


def test_audience_is_counted_on_the_replica_while_the_campaign_is_written_on_the_primary(settings, two_databases):
    settings.REPORTING_READS_FROM_REPLICA = True
    campaign = Campaign.objects.create(name="Spring", subject="New in", segment=two_databases)
    CampaignBlock.objects.create(campaign=campaign, kind=CampaignBlock.Kind.TEXT, text="Hello")
    campaign = campaign_send_start(campaign=campaign)
    assert campaign.audience_size == 1
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENDING
    assert not Campaign.objects.using("replica").exists()


def test_other_reads_and_all_writes_stay_on_the_primary(settings, two_databases):
    settings.REPORTING_READS_FROM_REPLICA = True
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert Customer.objects.filter(signup_source=NEWSLETTER).count() == 3
        Customer.objects.create_user(email="late@example.com")
    assert on_replica.captured_queries == []
    assert Customer.objects.using("replica").count() == 1


def test_service_reports_read_the_replica_too(settings, two_databases):
    from datetime import timedelta

    from helpdesk.selectors import satisfaction_by_agent
    from service_console.selectors import sla_report

    settings.REPORTING_READS_FROM_REPLICA = True
    now = timezone.now()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        sla_report(since=now - timedelta(days=30), now=now)
        satisfaction_by_agent()
    tables = " ".join(q["sql"] for q in on_replica.captured_queries)
    assert '"service_console_case"' in tables and '"helpdesk_satisfactionrating"' in tables
