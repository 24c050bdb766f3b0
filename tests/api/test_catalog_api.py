"""Public catalog endpoints: categories, listing with filters/search/pagination (constant
queries), product detail with variants and stock (ETag), recommendations."""

import pytest

from catalog.models import Recommendation, Variant
from tests.catalog.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_categories_are_listed_with_their_parent(anon_api, catalog):
    body = anon_api.get("/api/v1/categories/").json()
    assert body["count"] == 3
    assert {c["slug"]: c["parent"] for c in body["results"]} == {"clothing": None, "shirts": "clothing", "shoes": None}


def test_listing_filters_by_category_tree_size_and_price(anon_api, catalog):
    def slugs(**params):
        return [p["slug"] for p in anon_api.get("/api/v1/products/", params).json()["results"]]

    assert slugs(category="clothing") == ["oxford-shirt", "linen-shirt"]  # includes sub-category, not drafts
    assert slugs(size="42") == ["trail-runner"]
    assert slugs(min_price="50", max_price="60") == ["oxford-shirt"]
    assert slugs(sort="price_asc") == ["linen-shirt", "oxford-shirt", "trail-runner"]
    assert slugs(q="linen") == ["linen-shirt"]
    assert set(slugs(q="shirts")) == {"oxford-shirt", "linen-shirt"}
    assert slugs(q="runer") == ["trail-runner"]  # typo tolerated (trigram)
    assert anon_api.get("/api/v1/products/", {"category": "nope"}).status_code == 404


def test_listing_card_shows_price_range_and_stock(anon_api, catalog):
    cards = {p["slug"]: p for p in anon_api.get("/api/v1/products/").json()["results"]}
    assert (cards["linen-shirt"]["price_from"], cards["linen-shirt"]["price_to"]) == ("40.00", "42.00")
    assert cards["linen-shirt"]["in_stock"] is True and cards["linen-shirt"]["category"] == "shirts"


def test_listing_paginates_in_a_constant_number_of_queries(anon_api, catalog, django_assert_num_queries):
    for n in range(30):
        VariantFactory(product=ProductFactory(name=f"Tee {n}", slug=f"tee-{n}", category=catalog["shoes"]))
    with django_assert_num_queries(2):  # count + one page query with annotated price/stock/image
        page1 = anon_api.get("/api/v1/products/", {"page_size": 10}).json()
    assert page1["count"] == 33 and len(page1["results"]) == 10 and page1["next"].endswith("page=2&page_size=10")
    with django_assert_num_queries(2):
        page4 = anon_api.get("/api/v1/products/", {"page_size": 10, "page": 4}).json()
    assert len(page4["results"]) == 3 and page4["next"] is None
    assert anon_api.get("/api/v1/products/", {"page": 99}).status_code == 404


def test_product_detail_has_variants_with_stock_and_an_etag(anon_api, catalog):
    response = anon_api.get("/api/v1/products/linen-shirt/")
    assert response.status_code == 200
    body = response.json()
    assert [(v["sku"], v["price"], v["stock"]) for v in body["variants"]] == [
        ("LIN-M-WHT", "40.00", 5),
        ("LIN-L-WHT", "42.00", 0),
    ]
    assert body["category"]["slug"] == "shirts"
    etag = response["ETag"]
    again = anon_api.get("/api/v1/products/linen-shirt/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    Variant.objects.filter(sku="LIN-M-WHT").update(stock=4)  # stock moved: the ETag changes
    changed = anon_api.get("/api/v1/products/linen-shirt/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_unpublished_or_unknown_products_are_404(anon_api, catalog):
    assert anon_api.get("/api/v1/products/secret-jacket/").status_code == 404
    assert anon_api.get("/api/v1/products/nope/").json()["error"]["code"] == "not_found"


def test_recommendations_for_a_product(anon_api, catalog):
    Recommendation.objects.create(
        kind="also_like", source_product=catalog["linen"], product=catalog["oxford"], rank=0, reason="Popular in Shirts"
    )
    body = anon_api.get("/api/v1/products/linen-shirt/recommendations/").json()
    assert body == [
        {
            "kind": "also_like",
            "reason": "Popular in Shirts",
            "slug": "oxford-shirt",
            "name": "Oxford Shirt",
            "price_from": "55.00",
        }
    ]


def test_docs_page_and_schema_are_served_offline(anon_api):
    docs = anon_api.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html and "cdn" not in html.lower()
    schema = anon_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in [
        "/api/v1/products/",
        "/api/v1/cart/lines/",
        "/api/v1/checkout/",
        "/api/v1/orders/{number}/",
        "/api/v1/me/consents/",
        "/api/v1/staff/customers/{customer_id}/cart/overrides/",
        "/api/v1/social/posts",
    ]:
        assert path in paths
    checkout = paths["/api/v1/checkout/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in checkout["parameters"])
    assert {"400", "402", "409", "422"} <= set(checkout["responses"])
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"
