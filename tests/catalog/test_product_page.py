import json
from io import BytesIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.images import product_image_thumbnail_make
from catalog.models import ProductImage, ProductView
from catalog.views_buffer import product_views_flush
from tests.catalog.factories import CategoryFactory, product_with_variants
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee():
    parent = CategoryFactory(name="Clothing", slug="clothing")
    leaf = CategoryFactory(name="T-Shirts", slug="t-shirts", parent=parent)
    product = product_with_variants(
        name="Urban Tee",
        category=leaf,
        price="25.00",
        options=[("S", "Black", 0), ("M", "Black", 3), ("L", "Black", 12), ("S", "White", 5)],
        size_guide="Fits true to size.",
    )
    return product


def _variant_data(html: str) -> list[dict]:
    start = html.index('id="variant-data"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_product_page_shows_price_stock_states_size_guide_and_cart_form(client, tee):
    html = client.get("/products/urban-tee/").content.decode()
    assert "<h1>Urban Tee</h1>" in html
    assert "$25.00" in html
    # The first in-stock option (M / Black, 3 left) is preselected.
    assert "Only 3 left" in html
    assert "Size guide" in html and "Fits true to size." in html
    assert 'action="/cart/add/"' in html
    assert 'name="variant_id"' in html and 'name="quantity"' in html
    data = {(v["size"], v["colour"]): (v["stock"], v["stock_label"]) for v in _variant_data(html)}
    assert data == {
        ("S", "Black"): (0, "Sold out"),
        ("M", "Black"): (3, "Only 3 left"),
        ("L", "Black"): (12, "In stock"),
        ("S", "White"): (5, "In stock"),
    }


def test_sold_out_product_disables_add_to_cart(client):
    leaf = CategoryFactory(name="Hats", slug="hats")
    product_with_variants(name="Gone Cap", category=leaf, options=[("", "Red", 0)])
    html = client.get("/products/gone-cap/").content.decode()
    assert "Sold out" in html
    assert 'id="add-button" disabled' in html


@pytest.mark.parametrize("slug", ["nope", "x" * 300, "urban-tee-draft"])
def test_unknown_or_unpublished_product_is_404(client, tee, slug):
    product_with_variants(name="Urban Tee Draft", category=tee.category, is_published=False)
    assert client.get(f"/products/{slug}/").status_code == 404


def test_product_page_query_count_is_constant(client, tee, django_assert_max_num_queries):
    client.get("/products/urban-tee/")  # warm the header nav cache
    # product + images + variants + recommendations (one query) = 4.
    with django_assert_max_num_queries(4):
        assert client.get("/products/urban-tee/").status_code == 200


def test_view_is_buffered_then_flushed_with_customer_and_session(client, tee, django_assert_num_queries):
    customer = CustomerFactory()
    client.force_login(customer)
    client.get("/products/urban-tee/")
    client.get("/products/urban-tee/")
    assert ProductView.objects.count() == 0  # no write on the request path
    assert product_views_flush() == 2
    views = list(ProductView.objects.all())
    assert {(v.product_id, v.customer_id) for v in views} == {(tee.pk, customer.pk)}
    assert views[0].session_key == client.session.session_key
    assert product_views_flush() == 0  # drained


def test_anonymous_view_is_recorded_without_customer(client, tee):
    client.get("/products/urban-tee/?utm_source=instagram")  # attribution creates the session
    product_views_flush()
    view = ProductView.objects.get()
    assert view.customer_id is None
    assert view.session_key == client.session.session_key


def _png(size=(50, 40), colour=(200, 10, 10)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_uploaded_image_gets_a_thumbnail_and_shows_on_page_and_listing(client, tee):
    image = ProductImage(product=tee, alt_text="Urban Tee, front", colour="Black")
    image.image.save("front.png", SimpleUploadedFile("front.png", _png()), save=False)
    image.full_clean()
    image.save()
    product_image_thumbnail_make(image=image)
    image.refresh_from_db()
    with Image.open(image.thumbnail.path) as thumb:
        assert thumb.size == (320, 320)
    page = client.get("/products/urban-tee/").content.decode()
    assert 'alt="Urban Tee, front"' in page
    listing = client.get("/category/t-shirts/").content.decode()
    assert image.thumbnail.name in listing


def test_image_validation_rejects_non_images(tee):
    from django.core.exceptions import ValidationError

    image = ProductImage(product=tee)
    image.image.save("fake.png", SimpleUploadedFile("fake.png", b"not an image at all"), save=False)
    with pytest.raises(ValidationError) as excinfo:
        image.full_clean()
    assert "not a readable image" in str(excinfo.value)


def test_structured_data_lists_offers_and_cannot_be_broken_out_of(client):
    leaf = CategoryFactory(name="Hats", slug="hats")
    product_with_variants(name="Cap </script><b>x", category=leaf, price="12.50", options=[("", "Red", 0)])
    html = client.get("/products/cap-scriptbx/").content.decode()
    start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["name"] == "Cap </script><b>x"
    assert data["offers"][0]["price"] == "12.50"
    assert data["offers"][0]["availability"] == "https://schema.org/OutOfStock"
    assert f'<link rel="canonical" href="{settings.SITE_URL}/products/cap-scriptbx/">' in html
