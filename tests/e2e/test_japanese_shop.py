"""Issue 16 "Done when", in a real browser: a shopper switches the shop to 日本語, finds
products by searching in Japanese, buys in yen (prices tax-included, consumption tax per
rate) to a Japanese address; the order confirmation is delivered in Japanese by a real
Celery worker to a real SMTP server; an agent whose own language is English sees the order
in the console in English, then switches the console to Japanese. Screenshots of the
Japanese pages go to tests/artifacts/."""

import email
import re
from decimal import Decimal
from email.header import decode_header, make_header

import pytest

from catalog.models import Category, Product
from customers.models import Customer
from orders.models import Order
from tests.carts.factories import VariantFactory, agent
from tests.customers.factories import PASSWORD
from tests.e2e.conftest import screenshot
from tests.messaging.sink import SmtpSink

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

YEN = {
    "CURRENCY": "JPY",
    "CURRENCY_DECIMAL_PLACES": 0,
    "PRICES_INCLUDE_TAX": True,
    "TAX_RATE": Decimal("0.10"),
    "TAX_RATE_REDUCED": Decimal("0.08"),
    "SHIPPING_FLAT_RATE": Decimal("550"),
    "SHIPPING_EXPRESS_RATE": Decimal("1100"),
    "FREE_SHIPPING_THRESHOLD": Decimal("5000"),
    "INVOICE_REGISTRATION_NUMBER": "T1234567890123",
}


@pytest.fixture
def yen_shop(settings):
    for name, value in YEN.items():
        setattr(settings, name, value)
    jackets = Category.objects.create(name_en="Jackets", name_ja="ジャケット", slug="jackets")
    food = Category.objects.create(name_en="Tea", name_ja="お茶", slug="tea")
    jacket = Product.objects.create(
        category=jackets,
        name_en="Black wool jacket",
        name_ja="ウールジャケット（黒）",
        slug="black-wool-jacket",
        description_en="Warm and light.",
        description_ja="軽くて暖かいウールのジャケットです。",
        is_published=True,
    )
    navy = Product.objects.create(
        category=jackets,
        name_en="Navy denim jacket",
        name_ja="デニムジャケット（紺）",
        slug="navy-denim",
        is_published=True,
    )
    tea = Product.objects.create(
        category=food,
        name_en="Shizuoka sencha 100g",
        name_ja="静岡県産 煎茶 100g",
        slug="sencha",
        is_published=True,
        tax_class=Product.TaxClass.REDUCED,
    )
    VariantFactory(product=jacket, price=Decimal("12800"), stock=5, size="M", colour="Black")
    VariantFactory(product=navy, price=Decimal("9800"), stock=5, size="M", colour="Navy")
    VariantFactory(product=tea, price=Decimal("1080"), stock=20, size="", colour="")
    return jacket, tea


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def _decoded(value: str) -> str:
    return str(make_header(decode_header(value or "")))


def _text_part(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def _fits(page, width: int = 1280):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_shopper_buys_in_japanese_and_yen_agent_sees_it_in_english(
    live_server, page_at, yen_shop, start_celery_worker, smtp_sink
):
    jacket, tea = yen_shop
    start_celery_worker(
        queues="email",
        concurrency=1,
        name="i18n-e2e",
        extra_env={"EMAIL_URL": smtp_sink.url, **{name: str(value) for name, value in YEN.items()}},
    )
    staff = agent(email="agent@example.com", first_name="Kenji", last_name="Tanaka", password=PASSWORD, language="en")
    page = page_at(1280)

    # The shop opens in English (the browser asks for nothing else); the switcher says 日本語.
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_test_id("language-ja").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("button", name="検索").is_visible()

    # Japanese search: word order, the adjective's form and width do not matter.
    page.get_by_label("商品を検索").fill("ジャケット 黒")
    page.get_by_role("button", name="検索").click()
    page.get_by_role("heading", name="「ジャケット 黒」の検索結果").wait_for()
    assert page.locator(".product-card .name").all_inner_texts() == ["ウールジャケット（黒）"]
    page.goto(live_server.url + "/search/?q=黒いジャケット")
    assert page.locator(".product-card .name").all_inner_texts() == ["ウールジャケット（黒）"]
    page.goto(live_server.url + "/search/?q=ｼﾞｬｹｯﾄ")
    assert sorted(page.locator(".product-card .name").all_inner_texts()) == [
        "ウールジャケット（黒）",
        "デニムジャケット（紺）",
    ]
    _fits(page)
    screenshot(page, "ja-search-1280")

    # Yen, tax included, no decimals.
    page.goto(f"{live_server.url}/products/{jacket.slug}/")
    assert page.locator("#price").inner_text() == "￥12,800"
    assert page.locator(".product-price .tax-note").inner_text() == "税込"
    page.get_by_role("button", name="カートに入れる").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/products/{tea.slug}/")
    page.get_by_role("button", name="カートに入れる").click()
    page.wait_for_load_state()

    # The cart: ¥12,800 + ¥1,080 = ¥13,880 (free shipping over ¥5,000), tax inside the
    # prices, per rate: 10 %: 12,800 × 10/110 = 1,163.6 → ¥1,164; 8 %: 1,080 × 8/108 = ¥80.
    page.goto(live_server.url + "/cart/")
    assert page.get_by_test_id("cart-total").inner_text() == "￥13,880"
    summary = page.locator(".summary, aside").first.inner_text()
    assert "うち消費税（10%）" in summary and "￥1,164" in summary
    assert "うち消費税（8%）" in summary and "￥80" in summary
    screenshot(page, "ja-cart-1280")
    page.get_by_role("link", name="ご購入手続きへ").click()

    # A Japanese address, in Japanese order, with furigana.
    page.get_by_label("領収書の送付先メールアドレス").fill("taro@example.com")
    page.get_by_label("国").select_option("JP")
    page.locator('.address-fields[data-country="JP"]').wait_for()
    page.get_by_label("姓", exact=True).fill("山田")
    page.get_by_label("名", exact=True).fill("太郎")
    page.get_by_label("姓（フリガナ）").fill("ヤマダ")
    page.get_by_label("名（フリガナ）").fill("タロウ")
    page.get_by_label("郵便番号").fill("1500002")
    page.get_by_label("都道府県").select_option("東京都")
    page.get_by_label("市区町村").fill("渋谷区")
    page.get_by_label("番地").fill("渋谷1-2-3")
    page.get_by_label("建物名・階・部屋番号").fill("Xビル 4F")
    page.get_by_role("textbox", name=re.compile("^電話番号")).fill("090-1234-5678")  # the SMS box names it too
    _fits(page)
    screenshot(page, "ja-checkout-1280")
    page.get_by_role("button", name="確認画面へ進む").click()

    assert page.get_by_test_id("review-address").inner_text().splitlines()[:4] == [
        "〒150-0002",
        "東京都渋谷区渋谷1-2-3",
        "Xビル 4F",
        "山田 太郎 様",
    ]
    page.get_by_label("カード番号").fill("4242 4242 4242 4242")
    page.get_by_label("有効期限（MM/YY）").fill("12/30")
    page.get_by_label("セキュリティコード").fill("123")
    screenshot(page, "ja-review-1280")
    page.get_by_role("button", name="注文を確定する · ￥13,880").click()
    page.wait_for_url(re.compile(r"/orders/UC-[A-Z0-9-]+/\?t="))

    order = Order.objects.get(email="taro@example.com")
    assert order.total == Decimal("13880") and order.tax_total == Decimal("1244")
    assert order.language == "ja" and order.prices_include_tax
    assert Customer.objects.get(email="taro@example.com").language == "ja"  # a guest's is the checkout's
    assert page.get_by_role("heading", name=f"ご注文 {order.number}").is_visible()
    assert "登録番号 T1234567890123" in page.get_by_test_id("invoice-registration").inner_text()
    screenshot(page, "ja-order-1280")

    # The confirmation email arrives in Japanese: a receipt with tax per rate (適格請求書).
    assert smtp_sink.wait_for(lambda: len(smtp_sink.handler.messages) >= 1, timeout=40)
    message = smtp_sink.handler.messages[0]
    assert _decoded(message["Subject"]) == f"ご注文 {order.number} を承りました"
    body = _text_part(message)
    assert f"ご注文 {order.number} を承りました。" in body
    assert "静岡県産 煎茶 100g ※" in body
    assert "合計（税込）：￥13,880" in body
    assert "10% 対象 ￥12,800（内消費税 ￥1,164）" in body
    assert "8% 対象 ￥1,080（内消費税 ￥80）" in body
    assert "登録番号 T1234567890123" in body
    assert "〒150-0002" in body

    # The agent's own language is English: the console and the order are in English, yen
    # written the English way.
    console = page_at(1280)
    console.goto(live_server.url + "/accounts/login/?next=/console/")
    console.get_by_label("Email", exact=True).fill(staff.email)
    console.get_by_label("Password").fill(PASSWORD)
    console.get_by_role("button", name="Sign in").click()
    console.wait_for_url(live_server.url + "/console/")
    console.get_by_label("Search customers, orders and cases").fill(order.number)
    console.locator("#console-search-results [data-hit]").first.wait_for()
    console.keyboard.press("ArrowDown")
    console.keyboard.press("Enter")
    console.locator(f"#order-{order.number}").wait_for()
    assert "¥13,880" in console.locator(f"#order-{order.number}").inner_text()
    assert console.locator("html").get_attribute("lang") == "en"
    screenshot(console, "console-order-en-1280")

    # …and when they switch the console to 日本語, it stays theirs (saved on their record).
    console.get_by_test_id("language-ja").click()
    console.wait_for_load_state()
    assert console.get_by_role("link", name="ホームとキュー").is_visible()
    assert "￥13,880" in console.locator(f"#order-{order.number}").inner_text()
    staff.refresh_from_db()
    assert staff.language == "ja"
    _fits(console)
    screenshot(console, "console-order-ja-1280")


def test_japanese_pages_fit_a_phone(live_server, page_at, yen_shop):
    """375 px: the Japanese storefront pages (longer words, full-width text) never scroll sideways."""
    jacket, _tea = yen_shop
    page = page_at(375)
    page.context.add_cookies([{"name": "django_language", "value": "ja", "url": live_server.url}])
    for path, name in [
        ("/", "ja-home-375"),
        ("/search/?q=黒いジャケット", "ja-search-375"),
        (f"/products/{jacket.slug}/", "ja-product-375"),
    ]:
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == "ja"
        _fits(page, 375)
        screenshot(page, name)
    page.get_by_role("button", name="カートに入れる").click()
    page.wait_for_load_state()
    for path, name in [("/cart/", "ja-cart-375"), ("/checkout/", "ja-checkout-375"), ("/help/", "ja-help-375")]:
        page.goto(live_server.url + path)
        _fits(page, 375)
        screenshot(page, name)
