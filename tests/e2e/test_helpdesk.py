"""Issue 12's email story in a browser: the agent answers a case in the console, a real
Celery worker delivers the email to an SMTP server, the shopper answers that email (it
reaches the real inbound SMTP listener), and the answer appears on the console's case page
and on the shopper's requests page. Screenshots at 1280 and 375 px go to tests/artifacts/."""

import re
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from playwright.sync_api import expect

from helpdesk.models import SavedReply
from service_console.models import Case, CaseMessage
from tests.carts.factories import agent
from tests.customers.factories import PASSWORD, CustomerFactory
from tests.e2e.conftest import screenshot
from tests.messaging.sink import SmtpSink, body_parts
from tests.service_console.inbound_listener import inbound_listener  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def _sign_in(page, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}")


def test_the_shoppers_email_reply_appears_in_the_console(
    live_server,
    page_at,
    start_celery_worker,
    smtp_sink,
    inbound_listener,  # noqa: F811
):
    staff = agent(email="agent@example.com", first_name="Kenji", last_name="Tanaka", password=PASSWORD)
    shopper = CustomerFactory(email="shopper@example.com", first_name="Hana", last_name="Sato")
    case = Case.objects.create(
        customer=shopper, subject="Parcel has not arrived", assignee=staff, status=Case.Status.OPEN
    )
    SavedReply.objects.create(title="Chasing the courier", body="Hi {first_name}, I have asked the courier.")
    start_celery_worker(queues="email", concurrency=1, name="helpdesk-e2e", extra_env={"EMAIL_URL": smtp_sink.url})

    # The agent answers with a saved reply (inserted at the cursor by the page's script).
    page = page_at(1280)
    _sign_in(page, live_server.url, "agent@example.com", f"/console/cases/{case.pk}/")
    page.get_by_label("Saved reply").select_option(label="Chasing the courier")
    page.get_by_role("button", name="Insert saved reply").click()
    reply_box = page.get_by_label("Message")
    # expect() polls without eval (a string wait_for_function is eval'd in the page, which the CSP refuses)
    expect(page.locator("#case-reply-form textarea")).to_have_value(re.compile("courier"))
    assert reply_box.input_value() == "Hi Hana, I have asked the courier."
    reply_box.fill(reply_box.input_value() + " It should move tomorrow.")
    page.get_by_role("button", name="Send reply or add note").click()
    page.get_by_text("Reply emailed to shopper@example.com").wait_for()

    # The worker delivers it; it names the case in Reply-To and carries its Message-ID.
    assert smtp_sink.wait_for(lambda: len(smtp_sink.handler.messages) == 1, timeout=30)
    sent = smtp_sink.handler.messages[0]
    reply_to, message_id = sent["Reply-To"], sent["Message-ID"]
    assert reply_to.startswith(f"support+c{case.pk}-") and message_id
    assert "It should move tomorrow." in body_parts(sent)["text/plain"]

    # The shopper answers from their mail program: quoting us, to the Reply-To address.
    answer = EmailMessage()
    answer["From"] = "Hana Sato <shopper@example.com>"
    answer["To"] = reply_to
    answer["Subject"] = "Re: " + sent["Subject"]
    answer["Message-ID"] = make_msgid(domain="mail.example.net")
    answer["In-Reply-To"] = message_id
    answer["References"] = message_id
    answer.set_content(
        "Thank you Kenji, the tracking moved this morning!\n\n"
        "On Tue, Kenji <support@example.com> wrote:\n> Hi Hana, I have asked the courier.\n"
    )
    with smtplib.SMTP("127.0.0.1", inbound_listener.port, timeout=20) as smtp:
        smtp.send_message(answer, from_addr="shopper@example.com", to_addrs=[reply_to])

    # The agent sees it: a badge on the queue, and the stripped text on the case.
    page.goto(f"{live_server.url}/console/")
    page.get_by_text("Customer replied").wait_for()
    page.goto(f"{live_server.url}/console/cases/{case.pk}/")
    conversation = page.locator("section[aria-labelledby=conv-title]")
    answer_body = conversation.locator(".message-customer > .message-body")
    answer_body.wait_for()
    assert answer_body.inner_text() == ("Thank you Kenji, the tracking moved this morning!")
    assert page.locator(".console-head .pill.status-open").is_visible()
    screenshot(page, "helpdesk-console-case-with-email-reply-1280")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert CaseMessage.objects.get(case=case, kind=CaseMessage.Kind.CUSTOMER).via == "email"

    # The shopper's requests page shows the whole conversation, at phone width too.
    phone = page_at(375)
    _sign_in(phone, live_server.url, "shopper@example.com", "/account/requests/")
    phone.get_by_role("link", name="Parcel has not arrived").click()
    phone.get_by_text("Thank you Kenji, the tracking moved this morning!").wait_for()
    assert phone.get_by_text("It should move tomorrow.").is_visible()
    screenshot(phone, "helpdesk-requests-case-375")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
