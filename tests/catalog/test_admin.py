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
    assert "Published 3 product(s)." in response.content.decode()
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
