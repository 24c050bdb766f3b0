"""Admin reports of issue 6: overrides by agent and reason with the revenue given away (the
cart override changelist, same selector as the console report), and orders summed by source
(organic / email / agent who) on the order changelist."""

from decimal import Decimal

import pytest
from django.test import Client

from carts.selectors import cart_with_lines
from carts.services import cart_get_or_create, cart_line_add, cart_override_apply
from common.money import format_money
from tests.carts.factories import VariantFactory
from tests.customers.factories import CustomerFactory
from tests.orders.helpers import place

pytestmark = pytest.mark.django_db


def _section(html: str, element_id: str) -> str:
    assert f'id="{element_id}"' in html
    return html.split(f'id="{element_id}"')[1].split("</table>")[0]


def _cart(customer, variant, quantity=1, attribution=None):
    cart = cart_get_or_create(customer=customer)
    cart_line_add(cart=cart, variant=variant, quantity=quantity, expected_version=None)
    if attribution:
        cart.attribution = attribution
        cart.save(update_fields=["attribution"])
    return cart_with_lines(cart.pk)


def _override(cart, agent, **kw):
    return cart_override_apply(
        cart=cart, actor=agent, reason_text="because", expected_version=cart.version, **({"scope": "cart"} | kw)
    )


def test_admin_override_report_by_agent_and_reason_with_revenue_given_away(agent_user, supervisor_user):
    shirt = VariantFactory(price="40.00", stock=20)
    first = _cart(CustomerFactory(), shirt, quantity=2)  # $80.00
    _override(first, agent_user, kind="percent", value=Decimal("10"), reason_code="goodwill")
    place(cart_with_lines(first.pk))  # 10 % of $80.00 = $8.00 given away
    second = _cart(CustomerFactory(), shirt)  # $40.00
    _override(second, supervisor_user, kind="amount", value=Decimal("5"), reason_code="damaged")
    place(cart_with_lines(second.pk))  # $5.00 given away
    third = _cart(CustomerFactory(), shirt)
    _override(third, agent_user, kind="amount", value=Decimal("3"), reason_code="goodwill")  # applied, not ordered

    supervisor = Client()
    supervisor.force_login(supervisor_user)
    html = supervisor.get("/admin/carts/cartoverride/").content.decode()
    report = _section(html, "override-report")
    body = report.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 2
    assert "Kenji Tanaka" in body and "Goodwill gesture" in body and "$8.00" in body
    assert "Yui Suzuki" in body and "Damaged or faulty item" in body and "$5.00" in body
    assert "$13.00" in report.split("<tfoot>")[1]
    # Each override row names the customer whose cart it was applied to.
    listing = html.split('id="result_list"')[1]
    assert first.customer.email in listing and second.customer.email in listing

    # The report follows the changelist filters.
    narrowed = _section(
        supervisor.get("/admin/carts/cartoverride/?reason_code__exact=damaged").content.decode(), "override-report"
    )
    assert "Yui Suzuki" in narrowed and "Kenji Tanaka" not in narrowed and "$5.00" in narrowed.split("<tfoot>")[1]

    # Agents may list overrides in admin but, as in the console, not the money report.
    agent = Client()
    agent.force_login(agent_user)
    response = agent.get("/admin/carts/cartoverride/")
    assert response.status_code == 200 and 'id="override-report"' not in response.content.decode()


def test_admin_orders_show_their_source_and_sum_sales_by_source(agent_user, supervisor_user):
    shirt = VariantFactory(price="40.00", stock=20)
    organic = place(_cart(CustomerFactory(), shirt))
    email = place(_cart(CustomerFactory(), shirt, 2, attribution={"utm_medium": "email", "utm_campaign": "spring"}))
    by_agent = [place(_cart(CustomerFactory(), shirt), placed_by=agent_user, actor=agent_user) for _ in range(2)]
    assert (organic.source, email.source, by_agent[0].source) == ("organic", "email", "agent")

    admin = Client()
    admin.force_login(CustomerFactory(is_staff=True, is_superuser=True))
    html = admin.get("/admin/orders/order/").content.decode()
    # Each order row says where it came from.
    assert "Agent: Kenji Tanaka" in html and "Email (spring)" in html
    summary = _section(html, "sales-by-source")
    rows = {
        row.split("<td>")[1].split("</td>")[0]: row
        for row in summary.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")
        if "<td>" in row
    }
    assert set(rows) == {"Organic", "Email", "Agent: Kenji Tanaka"}
    assert format_money(by_agent[0].total + by_agent[1].total) in rows["Agent: Kenji Tanaka"]
    assert ">2<" in rows["Agent: Kenji Tanaka"] and ">1<" in rows["Email"]
    assert format_money(email.total) in rows["Email"] and format_money(organic.total) in rows["Organic"]
    grand = organic.total + email.total + by_agent[0].total + by_agent[1].total
    assert format_money(grand) in summary.split("<tfoot>")[1]

    # Filtering the list narrows the sum.
    only_agent = _section(admin.get("/admin/orders/order/?source__exact=agent").content.decode(), "sales-by-source")
    assert "Agent: Kenji Tanaka" in only_agent and "Organic" not in only_agent and "Email" not in only_agent
