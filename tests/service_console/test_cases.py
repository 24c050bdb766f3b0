"""Cases: open from customer/order/contact form, status rules, notes, emailed replies,
article sharing; every change audited."""

import pytest

from common.models import AuditEntry
from customers.models import Customer
from messaging.models import OutboundEmail
from service_console.models import Case, CaseMessage
from tests.service_console.factories import ArticleFactory, CaseFactory

pytestmark = pytest.mark.django_db


def test_open_a_case_from_the_customer_page(agent_client, agent_user, shopper):
    response = agent_client.post(
        f"/console/customers/{shopper.public_id}/cases/new/",
        {
            "subject": "Wrong size",
            "description": "Needs L",
            "channel": "phone",
            "priority": "high",
            "order_number": "",
            "assign_to_me": "on",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/cases/{case.pk}/"
    assert (case.customer, case.assignee, case.priority, case.status) == (shopper, agent_user, "high", "new")
    assert AuditEntry.objects.get(action="case.create").after["channel"] == "phone"


def test_new_case_form_from_an_order_prefills_the_order(agent_client, shopper):
    html = agent_client.get(f"/console/customers/{shopper.public_id}/cases/new/?order=UC-1234").content.decode()
    assert 'value="UC-1234"' in html and "About order UC-1234" in html


def test_case_form_errors_are_shown(agent_client, shopper):
    response = agent_client.post(f"/console/customers/{shopper.public_id}/cases/new/", {"subject": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()


def test_contact_form_creates_guest_customer_and_unassigned_case(client):
    response = client.post(
        "/help/contact/",
        {
            "name": "Aiko Abe",
            "email": "Aiko@Example.com",
            "subject": "Gift wrap?",
            "message": "Can you gift wrap?",
            "order_number": "",
            "website": "",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(email__iexact="aiko@example.com")
    assert customer.is_guest and customer.first_name == "Aiko"
    case = Case.objects.get(customer=customer)
    assert (case.channel, case.assignee, case.status) == ("contact_form", None, "new")
    assert case.messages.get().kind == CaseMessage.Kind.CUSTOMER
    ack = OutboundEmail.objects.get(kind="case_received")
    assert ack.to_email.lower() == "aiko@example.com" and ack.context["case_number"] == case.number


def test_contact_form_links_to_the_existing_customer(client, shopper):
    client.post("/help/contact/", {"name": "Hana", "email": "HANA@example.com", "subject": "Hi", "message": "Hello"})
    assert Case.objects.get().customer == shopper
    assert Customer.objects.filter(email__iexact="hana@example.com").count() == 1


def test_contact_form_honeypot_rejects_bots(client):
    response = client.post(
        "/help/contact/",
        {"name": "Bot", "email": "b@example.com", "subject": "x", "message": "spam", "website": "http://spam"},
    )
    assert response.status_code == 400 and not Case.objects.exists()


def test_reply_is_emailed_and_case_goes_pending(agent_client, agent_user, shopper, django_capture_on_commit_callbacks):
    case = CaseFactory(customer=shopper, status=Case.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=False):
        agent_client.post(f"/console/cases/{case.pk}/messages/", {"kind": "reply", "body": "It ships today."})
    email = OutboundEmail.objects.get(kind="case_reply")
    assert email.to_email == shopper.email and email.context["body"] == "It ships today."
    assert email.context["case_number"] == case.number
    case.refresh_from_db()
    assert case.status == Case.Status.PENDING
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {"case.reply", "case.update"}


def test_internal_note_sends_nothing(agent_client, shopper):
    case = CaseFactory(customer=shopper)
    agent_client.post(f"/console/cases/{case.pk}/messages/", {"kind": "note", "body": "Called the carrier."})
    assert case.messages.get().kind == CaseMessage.Kind.NOTE
    assert not OutboundEmail.objects.exists()


def test_status_change_assignment_and_illegal_move(agent_client, agent_user, shopper):
    case = CaseFactory(customer=shopper, status=Case.Status.CLOSED)
    response = agent_client.post(
        f"/console/cases/{case.pk}/update/", {"status": "pending", "priority": "normal", "assignee": ""}
    )
    assert response.status_code == 409 and "cannot move to" in response.content.decode()
    agent_client.post(
        f"/console/cases/{case.pk}/update/", {"status": "open", "priority": "urgent", "assignee": agent_user.pk}
    )
    case.refresh_from_db()
    assert (case.status, case.priority, case.assignee) == ("open", "urgent", agent_user)
    entry = AuditEntry.objects.get(action="case.update")
    assert entry.before["status"] == "closed" and entry.after["status"] == "open"


def test_take_a_case_from_the_queue(agent_client, agent_user, shopper):
    case = CaseFactory(customer=shopper)
    agent_client.post(f"/console/cases/{case.pk}/take/")
    case.refresh_from_db()
    assert (case.assignee, case.status) == (agent_user, "open")


def test_suggested_articles_and_one_click_share(agent_client, shopper, django_capture_on_commit_callbacks):
    article = ArticleFactory(title="Returns and refunds", body="How to return an item for a refund.")
    ArticleFactory(title="Gift cards", body="Buy a gift card.")
    case = CaseFactory(customer=shopper, subject="I want a refund", description="The jacket does not fit")
    html = agent_client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "Returns and refunds" in html and "Gift cards" not in html
    with django_capture_on_commit_callbacks(execute=False):
        agent_client.post(f"/console/knowledge/{article.pk}/share/", {"case": case.pk})
        agent_client.post(f"/console/knowledge/{article.pk}/share/", {"case": case.pk})  # double click
    email = OutboundEmail.objects.get(kind="article_share")
    assert email.to_email == shopper.email and email.context["article_url"].endswith(
        "/help/articles/" + article.slug + "/"
    )
    assert AuditEntry.objects.filter(action="article.share", customer=shopper).count() == 2


def test_internal_article_cannot_be_shared(agent_client, shopper):
    article = ArticleFactory(is_public=False)
    agent_client.post("/console/knowledge/share/", {"article": article.pk, "customer": str(shopper.public_id)})
    assert not OutboundEmail.objects.exists()


def test_link_an_order_of_the_customer_only(agent_client, shopper, agent_user):
    from carts.services import cart_get_or_create, cart_line_add
    from tests.carts.factories import VariantFactory
    from tests.orders.helpers import place

    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=VariantFactory(), quantity=1, expected_version=None)
    order = place(cart, email=shopper.email)
    case = CaseFactory(customer=shopper)
    other_case = CaseFactory()
    agent_client.post(f"/console/cases/{case.pk}/link-order/", {"order_number": order.number})
    refused = agent_client.post(f"/console/cases/{other_case.pk}/link-order/", {"order_number": order.number})
    case.refresh_from_db()
    other_case.refresh_from_db()
    assert case.order_numbers == [order.number]
    assert refused.status_code == 400 and other_case.order_numbers == []


def test_case_page_shows_its_activity(agent_client, agent_user, shopper):
    case = CaseFactory(customer=shopper, subject="Refund please", description="refund")
    article = ArticleFactory(title="Returns and refunds", body="refund")
    agent_client.post(f"/console/cases/{case.pk}/update/", {"status": "open", "priority": "high", "assignee": ""})
    agent_client.post(f"/console/cases/{case.pk}/messages/", {"kind": "note", "body": "Checked stock"})
    agent_client.post(f"/console/knowledge/{article.pk}/share/", {"case": case.pk})
    html = agent_client.get(f"/console/cases/{case.pk}/").content.decode()
    activity = html.split('id="activity-title"')[1].split("</section>")[0]
    assert "Changed status: new → open, priority: normal → high" in activity
    assert "Internal note added" in activity and "Shared article “Returns and refunds”" in activity
    assert activity.count("Kenji Tanaka") == 3
