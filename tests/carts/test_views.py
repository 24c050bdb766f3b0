from decimal import Decimal

import pytest

from carts.models import Cart, CartLine
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory, VoucherFactory, agent
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_anonymous_add_creates_a_session_cart_and_header_count(client):
    variant = VariantFactory(stock=5, price=Decimal("12.00"))
    response = client.post("/cart/add/", {"variant_id": variant.pk, "quantity": 2})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    cart = Cart.objects.get()
    assert cart.customer is None and cart.session_key == client.session.session_key
    assert client.session["cart_id"] == cart.pk
    page = client.get("/cart/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<span class="badge">2</span>' in html
    assert "Added 2 ×" in html
    assert "$24.00" in html  # line total


def test_add_more_than_stock_shows_the_reason(client):
    variant = VariantFactory(stock=1)
    response = client.post("/cart/add/", {"variant_id": variant.pk, "quantity": 3}, follow=True)
    assert "Only 1 of" in response.content.decode()
    assert not CartLine.objects.exists()


def test_empty_cart_page(client):
    response = client.get("/cart/")
    assert response.status_code == 200
    assert "Your cart is empty" in response.content.decode()


def test_stale_quantity_update_shows_the_new_cart(client):
    customer = CustomerFactory()
    client.force_login(customer)
    cart = CartFactory(customer=customer)
    line = CartLineFactory(cart=cart, quantity=1)
    Cart.objects.filter(pk=cart.pk).update(version=5)  # someone (an agent) changed it meanwhile
    response = client.post(f"/cart/lines/{line.pk}/", {"quantity": 3, "version": 1}, follow=True)
    assert "This cart changed" in response.content.decode()
    line.refresh_from_db()
    assert line.quantity == 1
    response = client.post(f"/cart/lines/{line.pk}/", {"quantity": 3, "version": 5}, follow=True)
    line.refresh_from_db()
    assert line.quantity == 3
    client.post(f"/cart/lines/{line.pk}/", {"remove": "1", "version": 6})
    assert not CartLine.objects.filter(pk=line.pk).exists()


def test_other_customers_line_cannot_be_touched(client):
    victim_line = CartLineFactory(quantity=2)
    client.force_login(CustomerFactory())
    response = client.post(f"/cart/lines/{victim_line.pk}/", {"quantity": 0, "version": 1})
    assert response.status_code == 302
    victim_line.refresh_from_db()
    assert victim_line.quantity == 2


def test_voucher_form_messages(client):
    customer = CustomerFactory()
    client.force_login(customer)
    cart = CartFactory(customer=customer)
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("40.00")))
    VoucherFactory(code="HALF", value=Decimal("50"), min_spend=Decimal("60.00"))
    response = client.post("/cart/voucher/", {"code": "HALF", "version": cart.version}, follow=True)
    assert "minimum spend of $60.00" in response.content.decode()
    VoucherFactory(code="TEN", value=Decimal("10"))
    response = client.post("/cart/voucher/", {"code": "ten", "version": cart.version}, follow=True)
    html = response.content.decode()
    assert "Code TEN applied: 10% off" in html
    assert "−$4.00" in html


def test_cart_page_shows_advisor_and_constant_queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer = CustomerFactory()
    client.force_login(customer)
    cart = CartFactory(customer=customer, voucher=VoucherFactory())
    staff = agent(first_name="Kenji")
    CartLineFactory(cart=cart, added_by=staff)
    response = client.get("/cart/")  # also warms the cached category navigation
    assert "Added by your advisor Kenji" in response.content.decode()
    with CaptureQueriesContext(connection) as one_line:
        client.get("/cart/")
    for _ in range(5):
        CartLineFactory(cart=cart, added_by=agent())
    client.get("/cart/")  # new products reset the storefront's cached navigation; warm it again
    with CaptureQueriesContext(connection) as six_lines:
        client.get("/cart/")
    assert len(six_lines) == len(one_line)
    # session, user, the open cart's id, then the cart with voucher, customer, lines (+variants,
    # products, authors) and applied overrides in one query (carts.selectors.cart_for_page);
    # the recommendations are a cached fragment and the header count comes from the priced cart
    assert len(one_line) == 4


def test_admin_generates_single_use_codes_from_a_voucher(admin_client):
    template = VoucherFactory(code="SPRING", kind="fixed", value=Decimal("7.00"), min_spend=Decimal("20.00"))
    response = admin_client.post(
        "/admin/carts/voucher/", {"action": "generate_single_use_codes", "_selected_action": [template.pk]}, follow=True
    )
    assert "10 single-use codes created" in response.content.decode()
    from carts.models import Voucher

    copies = Voucher.objects.filter(source="admin:SPRING")
    assert copies.count() == 10
    assert all(v.code.startswith("SPRING-") and v.single_use and v.value == Decimal("7.00") for v in copies)
    assert all(v.min_spend == Decimal("20.00") and v.valid_to is not None for v in copies)


def test_cart_page_recommends_items_bought_together_but_not_those_in_the_cart(client):
    from catalog.models import Recommendation

    customer = CustomerFactory()
    client.force_login(customer)
    cart = CartFactory(customer=customer)
    line = CartLineFactory(cart=cart)
    also_in_cart = CartLineFactory(cart=cart)
    partner = VariantFactory(price=Decimal("9.00")).product
    for rank, product in enumerate([also_in_cart.variant.product, partner]):
        Recommendation.objects.create(
            kind="bought_together",
            source_product=line.variant.product,
            product=product,
            reason="Often bought with this",
            rank=rank,
            score=1.0,
        )
    html = client.get("/cart/").content.decode()
    assert "Goes well with your cart" in html
    assert f"/products/{partner.slug}/" in html
    assert f'href="/products/{also_in_cart.variant.product.slug}/"' not in html


def test_header_count_for_a_signed_in_customer_sums_units(client):
    customer = CustomerFactory()
    client.force_login(customer)
    cart = CartFactory(customer=customer)
    CartLineFactory(cart=cart, quantity=2)
    CartLineFactory(cart=cart, quantity=3)
    CartLineFactory(cart=CartFactory(), quantity=7)  # someone else's cart
    assert '<span class="badge">5</span>' in client.get("/cart/").content.decode()


@pytest.mark.parametrize(
    "language, label",
    [("en", "Shipping: Standard (3-5 days)"), ("ja", "送料：通常配送（3〜5 日）")],
)
def test_cart_summary_names_the_shipping_method_without_nested_brackets(client, language, label):
    client.cookies["django_language"] = language
    client.post("/cart/add/", {"variant_id": VariantFactory(stock=3).pk, "quantity": 1})
    html = client.get("/cart/", headers={"accept-language": language}).content.decode()
    assert label in html
    assert "(Standard (3-5 days))" not in html and "（通常配送（3〜5 日））" not in html


def test_applying_an_empty_discount_code_asks_for_one(client):
    customer = CustomerFactory()
    client.force_login(customer)
    cart = CartFactory(customer=customer)
    CartLineFactory(cart=cart)
    response = client.post("/cart/voucher/", {"code": "  ", "version": cart.version}, follow=True)
    html = response.content.decode()
    assert "Enter a discount code." in html
    assert "recognise the code" not in html


def _elements(node):
    """Every element under `node` (django.test.html's parsed tree), `node` first."""
    if isinstance(node, str):
        return
    yield node
    for child in node.children:
        yield from _elements(child)


def _by_id(root, element_id: str):
    matches = [el for el in _elements(root) if dict(el.attributes).get("id") == element_id]
    assert len(matches) == 1, f"expected one element #{element_id}, found {len(matches)}"
    return matches[0]


def _text(node) -> str:
    if isinstance(node, str):
        return node
    return " ".join(_text(child) for child in node.children)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("NOPE-42", "recognise the code"), ("HALF", "minimum spend of $60.00"), ("   ", "Enter a discount code.")],
)
def test_refused_discount_code_is_shown_beside_the_field_with_the_code_kept(client, code, expected):
    from django.test.html import parse_html

    customer = CustomerFactory()
    client.force_login(customer)
    cart = CartFactory(customer=customer)
    CartLineFactory(cart=cart, variant=VariantFactory(price=Decimal("40.00")))
    VoucherFactory(code="HALF", value=Decimal("50"), min_spend=Decimal("60.00"))
    response = client.post("/cart/voucher/", {"code": code, "version": cart.version})
    assert response.status_code == 302 and response["Location"].startswith("/cart/")
    html = client.get(response["Location"]).content.decode()
    page = parse_html(html)
    form = _by_id(page, "voucher-form")
    field = _by_id(form, "voucher-code")
    attributes = dict(field.attributes)
    assert attributes.get("aria-invalid") == "true"
    assert attributes.get("value", "") == code
    error = _by_id(form, attributes["aria-describedby"])
    assert expected in _text(error)
    # Said once, beside the field, not also as a message at the top of the page.
    assert _text(page).count(expected) == 1
    cart.refresh_from_db()
    assert cart.voucher_id is None
    # Shown once: the next visit to the cart is clean again.
    again = parse_html(client.get("/cart/").content.decode())
    field = dict(_by_id(_by_id(again, "voucher-form"), "voucher-code").attributes)
    assert "aria-invalid" not in field and not field.get("value")
    assert expected not in _text(again)


def test_refused_code_on_an_emptied_cart_still_says_why(client):
    customer = CustomerFactory()
    client.force_login(customer)
    cart = CartFactory(customer=customer)
    response = client.post("/cart/voucher/", {"code": "NOPE-42", "version": cart.version}, follow=True)
    assert "recognise the code" in response.content.decode()
