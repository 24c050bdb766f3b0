"""The console's first-time-caller forms use the shared name/phone/address rules: furigana
stored in katakana, phone in E.164, a Japanese address printed the Japanese way."""

import pytest

from customers.models import Customer
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_new_customer_keeps_the_reading_in_katakana_and_the_phone_in_e164(agent_client):
    response = agent_client.post(
        "/console/customers/new/",
        {
            "first_name": "花子",
            "last_name": "佐藤",
            "first_name_reading": "はなこ",
            "last_name_reading": "ｻﾄｳ",
            "email": "hanako@example.com",
            "phone": "+81 90 1234 5678",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(email="hanako@example.com")
    assert (customer.first_name_reading, customer.last_name_reading) == ("ハナコ", "サトウ")
    assert customer.full_name == "佐藤 花子"  # family name first in Japanese script
    assert customer.phone.as_e164 == "+819012345678"
    page = agent_client.get(f"/console/customers/{customer.public_id}/").content.decode()
    assert "サトウ ハナコ" in page  # the reading beside the name


def test_a_reading_that_is_not_kana_is_refused(agent_client):
    response = agent_client.post(
        "/console/customers/new/",
        {"first_name": "Taro", "last_name": "Yamada", "first_name_reading": "taro", "email": "t@example.com"},
    )
    assert response.status_code == 400
    assert "Write the reading in katakana or hiragana" in response.content.decode()


def test_console_address_panel_adds_a_japanese_address_written_the_japanese_way(agent_client):
    caller = CustomerFactory(email="kana@example.com", first_name="花子", last_name="佐藤")
    panel = agent_client.get(f"/console/customers/{caller.public_id}/").content.decode()
    assert 'name="addr-country"' in panel and 'value="佐藤"' in panel  # the name is filled in
    data = {
        "addr-country": "JP",
        "addr-last_name": "佐藤",
        "addr-first_name": "花子",
        "addr-last_name_reading": "サトウ",
        "addr-first_name_reading": "ハナコ",
        "addr-postal_code": "530-0001",
        "addr-region": "大阪府",
        "addr-city": "大阪市北区",
        "addr-line1": "梅田1-1-1",
        "addr-line2": "梅田ビル 10F",
    }
    saved = agent_client.post(f"/console/customers/{caller.public_id}/addresses/new/", data, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert "〒530-0001<br>大阪府大阪市北区梅田1-1-1<br>梅田ビル 10F<br>佐藤 花子 様" in saved.content.decode()


def test_the_chat_workspace_writes_the_customers_phone_as_people_read_it(agent_client):
    from conversations.services import conversation_start

    customer = CustomerFactory(first_name="Hana", phone="+819012345678")
    conversation, _ = conversation_start(customer=customer)
    page = agent_client.get(f"/console/chats/{conversation.public_id}/").content.decode()
    assert "+819012345678<" not in page and "· +819012345678" not in page
    assert '<a class="nowrap" href="tel:+819012345678">+81 90-1234-5678</a>' in page
