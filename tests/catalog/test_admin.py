import pytest

from catalog.models import Product
from common.models import AuditEntry
from tests.catalog.factories import CategoryFactory, product_with_variants
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(CustomerFactory(is_staff=True, is_superuser=True))
    return client


def test_bulk_publish_and_unpublish_with_audit(admin_client):
    leaf = CategoryFactory(name="Bags", slug="bags")
    drafts = [product_with_variants(name=f"Bag {i}", category=leaf, is_published=False) for i in range(3)]
    ids = [str(p.pk) for p in drafts]
    response = admin_client.post(
        "/admin/catalog/product/", {"action": "publish", "_selected_action": ids, "index": 0}, follow=True
    )
    assert response.status_code == 200
    assert "Published 3 products." in response.content.decode()
    assert Product.objects.filter(is_published=True).count() == 3
    assert AuditEntry.objects.filter(action="catalog.product_publish").count() == 3
    admin_client.post("/admin/catalog/product/", {"action": "unpublish", "_selected_action": ids[:1], "index": 0})
    assert Product.objects.filter(is_published=False).count() == 1


def test_product_admin_pages_render_with_search_and_filters(admin_client):
    leaf = CategoryFactory(name="Bags", slug="bags")
    product = product_with_variants(name="Weekend Tote", category=leaf, options=[("", "Olive", 2)])
    assert "Weekend Tote" in admin_client.get("/admin/catalog/product/?q=tote").content.decode()
    assert admin_client.get("/admin/catalog/product/?stock=low").status_code == 200
    assert admin_client.get("/admin/catalog/product/?stock=out").status_code == 200
    change = admin_client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    assert "variants-TOTAL_FORMS" in change and "images-TOTAL_FORMS" in change
    for url in ("/admin/catalog/category/", "/admin/catalog/variant/", "/admin/catalog/searchquery/"):
        assert admin_client.get(url).status_code == 200


def test_admin_creates_product_with_variant_and_uploaded_image_thumbnail(admin_client):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from catalog.models import ProductImage

    leaf = CategoryFactory(name="Bags", slug="bags")
    buffer = BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 60)).save(buffer, "JPEG")
    upload = SimpleUploadedFile("tote.jpg", buffer.getvalue(), content_type="image/jpeg")
    data = {
        # Name and description are edited per language (English required), the tax rate too.
        "name_en": "Market Tote",
        "name_ja": "マーケットトート",
        "slug": "market-tote",
        "category": leaf.pk,
        "description_en": "Roomy.",
        "tax_class": "standard",
        "size_guide": "",
        "is_published": "on",
        "seo_title": "",
        "seo_description": "",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-0-sku": "TOTE-1",
        "variants-0-size": "",
        "variants-0-colour": "Green",
        "variants-0-price": "35.00",
        "variants-0-compare_at_price": "",
        "variants-0-stock": "4",
        "variants-0-weight_grams": "300",
        "variants-0-is_active": "on",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-0-image": upload,
        "images-0-alt_text": "Green tote, front",
        "images-0-colour": "Green",
        "images-0-position": "0",
    }
    response = admin_client.post("/admin/catalog/product/add/", data)
    assert response.status_code == 302, [str(e) for e in response.context["errors"]] if response.context else ""
    image = ProductImage.objects.get(product__slug="market-tote")
    with Image.open(image.thumbnail.path) as thumb:
        assert thumb.size == (320, 320)
    product = Product.objects.get(slug="market-tote")
    assert product.variants.get().stock == 4
    assert (product.name_en, product.name_ja) == ("Market Tote", "マーケットトート")


def test_admin_rejects_a_file_that_is_not_an_image(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    leaf = CategoryFactory(name="Bags", slug="bags")
    data = {
        "name_en": "Bad Tote",
        "slug": "bad-tote",
        "category": leaf.pk,
        "tax_class": "standard",
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-0-image": SimpleUploadedFile("x.jpg", b"GIF89a not really", content_type="image/jpeg"),
        "images-0-position": "0",
    }
    response = admin_client.post("/admin/catalog/product/add/", data)
    assert response.status_code == 200
    # Refused for the image alone (the rest of the form is valid).
    errors = [str(error) for error in response.context["errors"]]
    assert len(errors) == 1 and "image" in errors[0].lower(), errors
    assert not Product.objects.filter(slug="bad-tote").exists()
