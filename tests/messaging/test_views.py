"""Unsubscribe, tracking, newsletter, bounce webhook, password reset and the dev mail viewer."""

import json
import re

import pytest
from django.core import mail, signing
from django.core.mail import EmailMessage, get_connection
from django.test import override_settings
from django.urls import reverse

from customers.models import Consent
from customers.selectors import consent_current, may_send_marketing_email
from customers.services import consent_set
from messaging.models import EmailEvent, OutboundEmail, Suppression
from messaging.newsletter import newsletter_confirm_token
from messaging.rendering import CLICK_SALT, click_url, open_pixel_url, unsubscribe_url
from messaging.services import email_deliver, email_enqueue
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _path(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


@pytest.fixture
def subscriber():
    customer = CustomerFactory(email="sub@example.com")
    consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True, source="signup")
    return customer


@pytest.fixture
def marketing_row(subscriber):
    return email_enqueue(
        to=subscriber.email,
        kind="newsletter_welcome",
        template="newsletter_welcome",
        context={"first_name": "Sub", "shop_url": "/"},
        dedupe_key="m1",
        customer=subscriber,
        marketing=True,
    )


def test_unsubscribe_get_only_asks_and_post_withdraws_consent(client, subscriber, marketing_row):
    url = _path(unsubscribe_url(to_email=subscriber.email, public_id=marketing_row.public_id))
    page = client.get(url)
    assert page.status_code == 200
    assert b"Unsubscribe sub@example.com" in page.content
    assert may_send_marketing_email(subscriber) is True  # a GET (link scanner) changes nothing

    done = client.post(url)
    assert done.status_code == 200
    assert b"You are unsubscribed" in done.content
    assert consent_current(customer=subscriber, purpose="marketing_email") is False
    latest = Consent.objects.filter(customer=subscriber).first()
    assert (latest.granted, latest.source) == (False, "unsubscribe")
    assert EmailEvent.objects.filter(kind="unsubscribe", email=marketing_row, customer=subscriber).count() == 1


def test_rfc8058_one_click_post_works_without_csrf_or_session(subscriber, marketing_row):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = _path(unsubscribe_url(to_email=subscriber.email, public_id=marketing_row.public_id))
    response = client.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert may_send_marketing_email(subscriber) is False
    # and the queued marketing message is no longer sent
    assert email_deliver(email_id=marketing_row.pk).status == "suppressed"
    assert mail.outbox == []


def test_unsubscribing_an_address_without_account_suppresses_marketing_only(client):
    url = _path(unsubscribe_url(to_email="stranger@example.com"))
    assert client.post(url).status_code == 200
    assert list(Suppression.objects.values_list("email", "reason")) == [("stranger@example.com", "manual")]


def test_tampered_unsubscribe_token_is_refused(client, subscriber):
    url = _path(unsubscribe_url(to_email=subscriber.email))
    token = url.split("/")[3]
    forged = signing.dumps({"a": "victim@example.com", "m": ""}, salt="wrong-salt")
    assert client.post(url.replace(token, forged)).status_code == 400
    assert client.get("/email/u/garbage/").status_code == 400
    assert may_send_marketing_email(subscriber) is True


def test_click_redirects_to_site_urls_and_records_the_event(client, marketing_row):
    target = "http://127.0.0.1:8000/catalog/shoes/?utm_source=email"
    response = client.get(_path(click_url(marketing_row.public_id, target)))
    assert response.status_code == 302
    assert response["Location"] == target
    event = EmailEvent.objects.get(kind="click")
    assert (event.email_id, event.url, event.customer_id) == (marketing_row.pk, target, marketing_row.customer_id)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "http://127.0.0.1:8000.evil.com/",
        "//evil.example.com/",
        "http:\\\\evil.example.com",
        "javascript:alert(1)",
        "https://127.0.0.1:8000/",  # other scheme than the site's
    ],
)
def test_click_never_redirects_off_site_even_with_a_valid_signature(client, marketing_row, target):
    token = signing.dumps([marketing_row.public_id.hex, target], salt=CLICK_SALT, compress=True)
    response = client.get(reverse("messaging:click", args=[token]))
    assert response.status_code == 400
    assert EmailEvent.objects.count() == 0


def test_open_pixel_returns_a_gif_and_records_an_open(client, marketing_row):
    response = client.get(_path(open_pixel_url(marketing_row.public_id)))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a")
    assert EmailEvent.objects.filter(kind="open", email=marketing_row).count() == 1
    assert client.get("/email/o/forged.gif").status_code == 200
    assert EmailEvent.objects.count() == 1


def test_newsletter_double_opt_in(client):
    # Given the footer form is submitted
    response = client.post(reverse("messaging:newsletter_subscribe"), {"email": "new@example.com", "website": ""})
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    confirm = OutboundEmail.objects.get(kind="newsletter_confirm")
    assert (confirm.to_email, confirm.marketing) == ("new@example.com", False)
    # a second submit the same day sends nothing new
    client.post(reverse("messaging:newsletter_subscribe"), {"email": "new@example.com"})
    assert OutboundEmail.objects.filter(kind="newsletter_confirm").count() == 1
    assert not Consent.objects.exists()  # nothing recorded before confirmation

    # When the link in the email is opened (GET) nothing changes yet ...
    confirm_path = _path(confirm.context["confirm_url"])
    assert b"Yes, subscribe new@example.com" in client.get(confirm_path).content
    assert not Consent.objects.exists()
    # ... and the button (POST) records consent with source newsletter and sends the welcome
    assert client.post(confirm_path).status_code == 200
    consent = Consent.objects.get()
    assert (consent.customer.email, consent.granted, consent.source) == ("new@example.com", True, "newsletter")
    assert consent.customer.signup_source == "newsletter"
    welcome = OutboundEmail.objects.get(kind="newsletter_welcome")
    assert (welcome.marketing, welcome.customer_id) == (True, consent.customer_id)
    assert email_deliver(email_id=welcome.pk).status == "sent"
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers


def test_newsletter_rejects_bad_input_and_bad_links(client):
    response = client.post(reverse("messaging:newsletter_subscribe"), {"email": "not-an-email"})
    assert response.status_code == 400
    assert b"valid email address" in response.content
    # honeypot filled: no email, same answer
    client.post(reverse("messaging:newsletter_subscribe"), {"email": "bot@example.com", "website": "spam"})
    assert not OutboundEmail.objects.exists()
    token = newsletter_confirm_token("a@example.com")
    assert client.get(reverse("messaging:newsletter_confirm", args=[token + "x"])).status_code == 400


def test_newsletter_confirmation_email_renders_its_link(client):
    client.post(reverse("messaging:newsletter_subscribe"), {"email": "link@example.com"})
    row = OutboundEmail.objects.get(kind="newsletter_confirm")
    email_deliver(email_id=row.pk)
    msg = mail.outbox[0]
    assert msg.subject == "Confirm your Unified Commerce newsletter subscription"
    assert row.context["confirm_url"] in msg.body
    assert "List-Unsubscribe" not in msg.extra_headers


@override_settings(MESSAGING_WEBHOOK_SECRET="s3cret")
def test_bounce_webhook_records_suppression_with_the_secret_only(client):
    url = reverse("messaging:bounce_webhook")
    body = json.dumps({"email": "gone@example.com", "type": "hard_bounce"})
    assert client.post(url, body, content_type="application/json").status_code == 403
    wrong = client.post(url, body, content_type="application/json", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    ok = client.post(url, body, content_type="application/json", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert ok.json() == {"email": "gone@example.com", "reason": "hard_bounce"}
    bad = client.post(
        url,
        json.dumps({"email": "x", "type": "hard_bounce"}),
        "application/json",
        headers={"Authorization": "Bearer s3cret"},
    )
    assert bad.status_code == 400


def test_bounce_webhook_is_off_without_a_secret(client):
    assert client.post(reverse("messaging:bounce_webhook"), "{}", content_type="application/json").status_code == 404


def test_password_reset_is_sent_through_the_outbox_with_a_working_link(client):
    CustomerFactory(email="forgot@example.com", first_name="Fay")
    response = client.post(reverse("accounts:password_reset"), {"email": "forgot@example.com"})
    assert response.status_code == 302
    row = OutboundEmail.objects.get(kind="password_reset")
    assert row.to_email == "forgot@example.com"
    email_deliver(email_id=row.pk)
    msg = mail.outbox[0]
    assert msg.subject == "Reset your Unified Commerce password"
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/password-reset/\S+/)", msg.body).group(1)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert b"password" in page.content.lower()
    assert "new_password1" in page.content.decode()


def test_dev_mail_viewer_lists_and_shows_messages_written_by_the_file_backend(client, tmp_path, admin_user):
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(tmp_path)
    ):
        msg = EmailMessage("Your order UC-1 is confirmed", "Thanks!", to=["shopper@example.com"])
        msg.content_subtype = "plain"
        get_connection().send_messages([msg, EmailMessage("Second", "Body 2", to=["b@example.com"])])
        # not DEBUG and not staff: hidden
        assert client.get("/dev/mail/").status_code == 404
        client.force_login(admin_user)
        listing = client.get("/dev/mail/")
        assert listing.status_code == 200
        html = listing.content.decode()
        assert "Your order UC-1 is confirmed" in html and "shopper@example.com" in html
        # The mails are not handed to base.html's flash-message strip (it printed each one's repr as an alert).
        assert "DevMessage(" not in html and 'class="alert' not in html
        detail_link = re.search(r'href="(/dev/mail/[^"]+/0/)"', html).group(1)
        detail = client.get(detail_link)
        assert detail.status_code == 200
        assert "Thanks!" in detail.content.decode()
        assert client.get("/dev/mail/..%2Fsecret.log/0/").status_code == 404


@override_settings(DEBUG=True, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend")
def test_dev_mail_viewer_is_open_in_debug_and_has_an_empty_state(client, tmp_path):
    with override_settings(EMAIL_FILE_PATH=str(tmp_path / "none")):
        response = client.get("/dev/mail/")
    assert response.status_code == 200
    assert b"No mail yet" in response.content
