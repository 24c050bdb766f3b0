"""One definition of revenue (orders.selectors.revenue_orders): a refunded order counts for
what was kept, a cancelled one for nothing, in every report that sums orders."""

from decimal import Decimal

import pytest

from marketing.models import SegmentRule
from marketing.segments import RuleSpec, rules_queryset
from orders.models import Order
from orders.selectors import revenue_orders, sales_by_source
from service_console.customer360 import customer_360
from tests.customers.factories import CustomerFactory
from tests.marketing.factories import order_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    customer = CustomerFactory(email="rev.buyer@example.com")
    order_for(customer, total="100.00", refunded="30.00")  # kept 70
    order_for(customer, total="20.00", status=Order.Status.DELIVERED)  # kept 20
    order_for(customer, total="50.00", status=Order.Status.CANCELLED)  # counts for nothing
    return customer


def test_revenue_orders_leave_out_cancelled_ones(buyer):
    assert sorted(revenue_orders().values_list("total", flat=True)) == [Decimal("20.00"), Decimal("100.00")]


def test_every_report_agrees_on_90_over_2_orders(buyer):
    spent = SegmentRule.Field.TOTAL_SPENT
    count = SegmentRule.Field.ORDER_COUNT
    assert list(rules_queryset([RuleSpec(spent, "gte", "90", 0)])) == [buyer]
    assert list(rules_queryset([RuleSpec(spent, "gt", "90", 0)])) == []
    assert list(rules_queryset([RuleSpec(count, "eq", "2", 0)])) == [buyer]

    assert customer_360(buyer).lifetime_value == Decimal("90.00")

    (row,) = sales_by_source()
    assert (row.orders, row.net) == (2, Decimal("90.00"))
