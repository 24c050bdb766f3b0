import re

import pytest
from django.core import mail
from django.db import connection

from customers.models import Address, Consent
from customers.selectors import consent_current, may_send_marketing_email
from tests.customers.factories import PASSWORD, AddressFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(client):
    customer = CustomerFactory(email="shopper@example.com", first_name="Aiko", last_name="Sato")
    client.force_login(customer)
    return customer


@pytest.mark.parametrize(
    "url", ["/accounts/", "/accounts/addresses/", "/accounts/addresses/new/", "/accounts/privacy/"]
)
def test_account_pages_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_profile_edit(client, shopper):
    page = client.get("/accounts/").content.decode()
    assert "shopper@example.com" in page and 'for="id_first_name"' in page
    response = client.post("/accounts/", {"first_name": "Aiko", "last_name": "Tanaka", "phone": "+81 90 1234 5678"})
    assert response.status_code == 302
    shopper.refresh_from_db()
    assert shopper.last_name == "Tanaka"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM customers_customer WHERE id = %s", [shopper.pk])
        assert cursor.fetchone()[0] == "+819012345678"  # E.164 in the database


def test_address_book_add_first_address_becomes_default(client, shopper):
    assert "No saved addresses" in client.get("/accounts/addresses/").content.decode()
    data = {
        "label": "Home",
        "country": "jp",
        "last_name": "佐藤",
        "first_name": "愛子",
        "last_name_reading": "さとう",  # hiragana is stored as katakana
        "first_name_reading": "ｱｲｺ",  # and half-width as full-width
        "postal_code": "1500002",
        "region": "東京都",
        "city": "渋谷区",
        "line1": "渋谷1-2-3",
    }
    assert client.post("/accounts/addresses/new/", data).status_code == 302
    address = Address.objects.get(customer=shopper)
    assert (address.country, address.is_default, address.postal_code) == ("JP", True, "150-0002")
    readings = (address.last_name_reading, address.first_name_reading)
    assert (address.full_name, readings) == ("佐藤 愛子", ("サトウ", "アイコ"))
    assert "〒150-0002<br>東京都渋谷区渋谷1-2-3<br>佐藤 愛子 様" in client.get("/accounts/addresses/").content.decode()


def test_address_form_shows_field_errors(client, shopper):
    response = client.post("/accounts/addresses/new/", {"full_name": "", "country": "J1"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Select a valid choice. J1 is not one of the available choices." in html
    assert "This field is required." in html
    assert not Address.objects.exists()


def test_address_form_country_is_a_list_that_shapes_the_fields(client, shopper):
    html = client.get("/accounts/addresses/new/").content.decode()
    assert '<option value="JP">Japan</option>' in html
    assert "The fields below follow the country’s address format." in html
    assert "ISO 3166-1" not in html


def test_make_default_and_delete_promotes_another(client, shopper):
    home = AddressFactory(customer=shopper, label="Home", is_default=True)
    work = AddressFactory(customer=shopper, label="Work", is_default=False)
    client.post(f"/accounts/addresses/{work.pk}/default/")
    home.refresh_from_db()
    work.refresh_from_db()
    assert (home.is_default, work.is_default) == (False, True)
    client.post(f"/accounts/addresses/{work.pk}/delete/")
    home.refresh_from_db()
    assert home.is_default is True
    assert list(Address.objects.filter(customer=shopper)) == [home]


def test_cannot_touch_someone_elses_address(client, shopper):
    other = AddressFactory()
    assert client.get(f"/accounts/addresses/{other.pk}/edit/").status_code == 404
    assert client.post(f"/accounts/addresses/{other.pk}/delete/").status_code == 404
    assert client.post(f"/accounts/addresses/{other.pk}/default/").status_code == 404
    assert Address.objects.filter(pk=other.pk).exists()


def test_consent_settings_grant_and_withdraw(client, shopper):
    page = client.get("/accounts/privacy/").content.decode()
    assert "we send no marketing until you say yes" in page
    client.post("/accounts/privacy/", {"marketing_email": "on", "personalisation": "on"})
    assert may_send_marketing_email(shopper) is True
    assert consent_current(customer=shopper, purpose=Consent.Purpose.PERSONALISATION) is True
    assert consent_current(customer=shopper, purpose=Consent.Purpose.SMS_MARKETING) is False
    rows = Consent.objects.filter(customer=shopper).all  # re-evaluated at every call
    # The first save records an explicit answer for each of the four checkboxes (marketing
    # email, order texts, marketing texts, personalisation; push is set by the browser).
    assert rows().count() == 4
    assert {r.source for r in rows()} == {Consent.Source.PREFERENCES}
    # Saving the same choices again writes nothing new.
    client.post("/accounts/privacy/", {"marketing_email": "on", "personalisation": "on"})
    assert rows().count() == 4
    client.post("/accounts/privacy/", {"personalisation": "on"})
    assert may_send_marketing_email(shopper) is False
    assert rows().count() == 5


def test_password_reset_enqueues_email_and_link_sets_new_password(client):
    # The reset mail goes through the messaging outbox (the URL is routed to its subclass of
    # this view); the link it carries is the one our confirm view accepts.
    from messaging.models import OutboundEmail

    customer = CustomerFactory(email="forgot@example.com")
    response = client.post("/accounts/password-reset/", {"email": "FORGOT@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert "Check your email" in client.get(response["Location"]).content.decode()
    outbound = OutboundEmail.objects.get(kind="password_reset")
    assert outbound.to_email == "forgot@example.com"
    link = re.search(r"(/accounts/password-reset/[^/]+/[^/]+/)$", outbound.context["reset_url"]).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "A-much-better-pass-2026", "new_password2": "A-much-better-pass-2026"}
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/password-reset/complete/"
    customer.refresh_from_db()
    assert customer.check_password("A-much-better-pass-2026")
    assert not customer.check_password(PASSWORD)


def test_password_reset_for_unknown_email_sends_nothing_but_looks_the_same(client):
    from messaging.models import OutboundEmail

    response = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert not OutboundEmail.objects.exists()
    assert mail.outbox == []


def test_bad_reset_link_shows_expired_page(client):
    html = client.get("/accounts/password-reset/MQ/bad-token/").content.decode()
    assert "This link has expired" in html


def test_password_reset_requests_are_rate_limited_per_ip(client):
    from messaging.models import OutboundEmail

    CustomerFactory(email="target@example.com")
    for _ in range(5):
        assert client.post("/accounts/password-reset/", {"email": "target@example.com"}).status_code == 302
    sent_before = OutboundEmail.objects.filter(kind="password_reset").count()
    assert sent_before >= 1
    OutboundEmail.objects.all().delete()
    blocked = client.post("/accounts/password-reset/", {"email": "target@example.com"})
    assert blocked.status_code == 429
    assert "Too many reset requests" in blocked.content.decode()
    assert not OutboundEmail.objects.exists()  # the blocked request sent nothing


def test_the_profile_says_who_is_signed_in_as_a_japanese_sentence(client, shopper):
    client.cookies["django_language"] = "ja"
    html = client.get("/accounts/").content.decode()
    assert f"<strong>{shopper.email}</strong> でログインしています。" in html
    assert f"{shopper.email}</strong>.<" not in html
