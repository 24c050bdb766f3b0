"""The API speaks the same address and phone rules as the pages: addresses on file come with
their printed lines, the profile phone is validated and stored in E.164."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(SHOP_COUNTRY="US")
def test_addresses_on_file_carry_the_lines_the_pages_print(api):
    (address,) = api.get("/api/v1/me/addresses/").json()
    # The fixture's US address has no state: the line reads "City ZIP" with no stray comma.
    assert address["lines"] == ["Ana Lima", "1 Main St", "Springfield 12345"]
    assert address["last_name_reading"] == ""


def test_profile_phone_is_validated_and_stored_in_e164(api, shopper):
    assert api.patch("/api/v1/me/", {"phone": "not a phone"}, format="json").status_code == 400
    response = api.patch("/api/v1/me/", {"phone": "+81 90 1234 5678"}, format="json")
    assert response.status_code == 200 and response.json()["phone"] == "+819012345678"


def test_checkout_address_refuses_a_reading_that_is_not_kana(api):
    response = api.post(
        "/api/v1/checkout/",
        {
            "shipping_address": {
                "full_name": "山田 太郎",
                "last_name_reading": "yamada",
                "line1": "渋谷1-2-3",
                "city": "渋谷区",
                "postal_code": "150-0002",
                "country": "JP",
            },
            "payment_method": "pod",
            "expected_version": 1,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="reading-check-1",
    )
    assert response.status_code == 400
    assert "shipping_address.last_name_reading" in response.json()["error"]["fields"]
