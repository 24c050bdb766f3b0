"""Every console list page costs the same number of queries with 1 row or many."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carts.services import cart_get_or_create, cart_line_add, cart_override_apply
from service_console.models import Case, CaseMessage
from tests.carts.factories import VariantFactory
from tests.customers.factories import CustomerFactory
from tests.service_console.factories import ArticleFactory, CaseFactory

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), [q["sql"][:90] for q in ctx.captured_queries]


def _cases(agent, n):
    for i in range(n):
        CaseFactory(
            subject=f"Parcel {i}",
            assignee=agent if i % 2 else None,
            channel=Case.Channel.CONTACT_FORM if i % 3 == 0 else Case.Channel.PHONE,
        )


def _pending_overrides(agent, n):
    variant = VariantFactory(price="40.00", stock=500)
    for _ in range(n):
        cart = cart_get_or_create(customer=CustomerFactory())
        cart_line_add(cart=cart, variant=variant, quantity=1, expected_version=None)
        cart_override_apply(
            cart=cart,
            actor=agent,
            scope="cart",
            kind="percent",
            value=Decimal("30"),
            reason_code="other",
            reason_text="Big ask",
            expected_version=cart.version,
            request_approval=True,
        )


PAGES = {
    # session, user, groups + the page's own queries + the pending-approvals badge
    "home": ("/console/", _cases, 3 + 3 + 1),  # my / unassigned / inbound queues
    "cases": ("/console/cases/", _cases, 3 + 2 + 1),  # count + page (with customer, assignee)
    "knowledge": (
        "/console/knowledge/?q=parcel",
        lambda agent, n: [ArticleFactory(body="parcel help") for _ in range(n)],
        3 + 1 + 1,
    ),
    "approvals": ("/console/approvals/", _pending_overrides, 3 + 2 + 1),  # pending + recently decided
}


@pytest.mark.parametrize("page", PAGES)
def test_console_list_pages_have_a_constant_query_count(agent_client, agent_user, page):
    url, make, expected = PAGES[page]
    make(agent_user, 1)
    few, sql_few = _count(agent_client, url)
    make(agent_user, 24)
    many, sql_many = _count(agent_client, url)
    assert few == many == expected, (sql_few, sql_many)


def test_case_page_query_count_does_not_grow_with_the_conversation(agent_client, agent_user):
    case = CaseFactory(subject="Refund for a damaged jacket", description="The zip broke")
    ArticleFactory(title="Returns and refunds", body="Refund within 30 days")
    CaseMessage.objects.create(case=case, kind=CaseMessage.Kind.NOTE, body="first", author=agent_user)
    few, sql_few = _count(agent_client, f"/console/cases/{case.pk}/")
    CaseMessage.objects.bulk_create(
        [CaseMessage(case=case, kind=CaseMessage.Kind.REPLY, body=f"reply {i}", author=agent_user) for i in range(30)]
    )
    many, sql_many = _count(agent_client, f"/console/cases/{case.pk}/")
    # session, user, groups; case (+customer, assignee, creator); agents for the assignee list;
    # messages (+author, inbound email); activity (audit entries +actor); suggested articles;
    # the shell's badges (approvals + unread notifications, one query); helpdesk: mark the case's
    # notifications read, the messages' attachments, saved replies, the satisfaction rating.
    assert few == many == 3 + 1 + 1 + 1 + 1 + 1 + 1 + 4, (sql_few, sql_many)
