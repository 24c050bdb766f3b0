"""/account/requests/: a shopper's cases, the thread without internal notes, reply, close;
another shopper's case is a 404; guests reach a case from the signed link in its emails."""

import pytest
from django.core import signing
from django.test import Client
from freezegun import freeze_time

from service_console.models import AgentNotification, Case, CaseMessage
from service_console.services.case_email import case_link_token
from service_console.services.cases import case_create, case_note_add, case_reply_send
from tests.customers.factories import CustomerFactory, GuestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper_client(shopper):
    client = Client()
    client.force_login(shopper)
    return client


@pytest.fixture
def case(shopper, agent_user):
    case = case_create(customer=shopper, subject="Late parcel", channel=Case.Channel.PHONE, assignee=agent_user)
    case_note_add(case=case, actor=agent_user, body="INTERNAL: courier is slow this week")
    case_reply_send(case=case, actor=agent_user, body="It ships today.")
    return case


def test_the_list_shows_only_my_cases_with_a_status_in_words(shopper_client, shopper, case):
    other = CustomerFactory()
    case_create(customer=other, subject="Someone else's problem")
    closed = case_create(customer=shopper, subject="Old question")
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)

    html = shopper_client.get("/account/requests/").content.decode()
    assert "Late parcel" in html and "Old question" in html
    assert "Someone else" not in html
    assert "Waiting for your reply" in html  # pending customer, in words
    assert "Closed" in html


def test_the_list_has_an_empty_state_and_asks_visitors_to_sign_in(shopper_client):
    assert "No requests yet" in shopper_client.get("/account/requests/").content.decode()
    response = Client().get("/account/requests/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/account/requests/")


def test_the_thread_never_shows_internal_notes(shopper_client, case):
    html = shopper_client.get(f"/account/requests/{case.pk}/").content.decode()
    assert "It ships today." in html
    assert "INTERNAL" not in html and "courier is slow" not in html


def test_another_shoppers_case_is_a_404_everywhere(case):
    intruder = Client()
    intruder.force_login(CustomerFactory())
    for url in (f"/account/requests/{case.pk}/", f"/account/requests/{case.pk}/files/1/"):
        assert intruder.get(url).status_code == 404, url
    assert intruder.post(f"/account/requests/{case.pk}/", {"action": "reply", "body": "hi"}).status_code == 404
    assert intruder.post(f"/account/requests/{case.pk}/", {"action": "close"}).status_code == 404
    case.refresh_from_db()
    assert case.status == Case.Status.PENDING
    assert not case.messages.filter(kind=CaseMessage.Kind.CUSTOMER).exists()
    assert intruder.get("/account/requests/999999/").status_code == 404


def test_replying_adds_to_the_case_reopens_it_and_tells_the_assignee(shopper_client, case, agent_user):
    response = shopper_client.post(f"/account/requests/{case.pk}/", {"action": "reply", "body": "Thanks!"})
    assert response.status_code == 302
    message = case.messages.get(kind=CaseMessage.Kind.CUSTOMER)
    assert (message.body, message.via, message.author) == ("Thanks!", "portal", case.customer)
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert AgentNotification.objects.get().agent == agent_user
    # The agent sees it in the console (unread badge), and opening the case reads it.
    agent = Client()
    agent.force_login(agent_user)
    home = agent.get("/console/").content.decode()
    assert "Customer replied" in home and "new on your cases" in home
    agent.get(f"/console/cases/{case.pk}/")
    assert AgentNotification.objects.get().read_at is not None


def test_an_empty_reply_is_refused_next_to_the_field(shopper_client, case):
    response = shopper_client.post(f"/account/requests/{case.pk}/", {"action": "reply", "body": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_closing_my_request(shopper_client, case):
    response = shopper_client.post(f"/account/requests/{case.pk}/", {"action": "close"}, follow=True)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert f"{case.number} is closed" in response.content.decode()
    assert AgentNotification.objects.get().kind == AgentNotification.Kind.CUSTOMER_CLOSED


def test_a_guest_reads_replies_and_closes_from_the_signed_link(agent_user):
    guest = GuestFactory(email="guest@example.com")
    case = case_create(customer=guest, subject="Gift wrap?")
    case_reply_send(case=case, actor=agent_user, body="Yes, we can wrap it.")
    url = f"/account/requests/link/{case_link_token(case)}/"
    visitor = Client()
    assert "Yes, we can wrap it." in visitor.get(url).content.decode()
    assert visitor.post(url, {"action": "reply", "body": "Great, please do"}).status_code == 302
    assert visitor.post(url, {"action": "close"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.messages.get(kind=CaseMessage.Kind.CUSTOMER).body == "Great, please do"


def test_a_forged_or_expired_link_shows_nothing(shopper, case):
    token = case_link_token(case)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = Client().get(f"/account/requests/link/{forged}/")
    assert response.status_code == 404 and "It ships today." not in response.content.decode()
    other = signing.dumps({"c": case.pk}, salt="another-purpose", compress=True)
    assert Client().get(f"/account/requests/link/{other}/").status_code == 404
    with freeze_time() as clock:
        token = case_link_token(case)
        clock.tick(91 * 86400)  # HELPDESK_CASE_LINK_MAX_AGE_DAYS is 90
        response = Client().get(f"/account/requests/link/{token}/")
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_an_account_holder_signs_in_first_and_another_account_is_refused(shopper, case):
    url = f"/account/requests/link/{case_link_token(case)}/"
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/account/requests/{case.pk}/"
    someone = Client()
    someone.force_login(CustomerFactory())
    assert someone.get(url).status_code == 403
    owner = Client()
    owner.force_login(shopper)
    assert owner.get(url)["Location"] == f"/account/requests/{case.pk}/"
