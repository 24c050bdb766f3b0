import time
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import ProductView, Recommendation
from catalog.recommendations import (
    recommendations_for_customer,
    recommendations_for_product,
    recommendations_recompute,
)
from catalog.tasks import recommendations_recompute_task
from catalog.views_buffer import product_view_record
from tests.catalog.factories import CategoryFactory, product_with_variants
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    tees = CategoryFactory(name="T-Shirts", slug="t-shirts")
    mugs = CategoryFactory(name="Kitchen", slug="kitchen")
    return {
        "tee_a": product_with_variants(name="Tee A", category=tees),
        "tee_b": product_with_variants(name="Tee B", category=tees),
        "tee_c": product_with_variants(name="Tee C", category=tees),
        "mug": product_with_variants(name="Mug", category=mugs, price="9.00"),
    }


def _view(product, *, customer=None, session_key="", minutes=0):
    ProductView.objects.create(
        product=product,
        customer=customer,
        session_key=session_key,
        viewed_at=timezone.now() - timedelta(minutes=minutes),
    )


def test_co_viewed_products_become_bought_together_with_reason(shop):
    # Two sessions look at Tee A and the mug; one looks at Tee A and Tee B.
    for key in ("s1", "s2"):
        _view(shop["tee_a"], session_key=key)
        _view(shop["mug"], session_key=key)
    _view(shop["tee_a"], session_key="s3")
    _view(shop["tee_b"], session_key="s3")
    recommendations_recompute()
    together = recommendations_for_product(shop["tee_a"], limit=4)["bought_together"]
    assert [(r.product.name, r.score) for r in together] == [("Mug", 2.0), ("Tee B", 1.0)]
    assert together[0].reason == "Shoppers who viewed Tee A also viewed this"
    assert together[0].product.price_from is not None


def test_also_like_is_popular_in_the_same_category_excluding_itself(shop):
    _view(shop["tee_c"], session_key="a")
    _view(shop["tee_c"], session_key="b")
    _view(shop["tee_b"], session_key="c")
    recommendations_recompute()
    also = recommendations_for_product(shop["tee_a"], limit=4)["also_like"]
    assert [r.product.name for r in also] == ["Tee C", "Tee B"]
    assert also[0].reason == "Popular in T-Shirts"


def _allows_personalisation(customer, granted: bool = True):
    from customers.models import Consent

    Consent.objects.create(customer=customer, purpose=Consent.Purpose.PERSONALISATION, granted=granted, source="signup")


def test_personal_picks_come_from_viewed_categories_and_skip_seen_products(shop):
    customer = CustomerFactory()
    _allows_personalisation(customer)
    _view(shop["tee_a"], customer=customer)
    recommendations_recompute()
    picks = recommendations_for_customer(customer, limit=5)
    assert {r.product.name for r in picks} == {"Tee B", "Tee C"}
    assert all(r.reason == "Because you looked at T-Shirts" for r in picks)
    assert recommendations_for_customer(None) == []


def test_reading_recommendations_is_one_query(shop, django_assert_num_queries):
    _view(shop["tee_a"], session_key="x")
    _view(shop["mug"], session_key="x")
    recommendations_recompute()
    with django_assert_num_queries(1):
        result = recommendations_for_product(shop["tee_a"], limit=4)
        names = [r.product.name for items in result.values() for r in items]
    assert "Mug" in names


def test_recompute_replaces_the_previous_set(shop):
    _view(shop["tee_a"], session_key="x")
    _view(shop["mug"], session_key="x")
    first = recommendations_recompute()
    second = recommendations_recompute()
    assert first == second == Recommendation.objects.count()


def test_product_page_shows_both_sections(client, shop):
    _view(shop["tee_a"], session_key="x")
    _view(shop["mug"], session_key="x")
    recommendations_recompute()
    html = client.get("/products/tee-a/").content.decode()
    # Co-views only (no orders yet): the heading must not claim these were bought together.
    assert 'id="together-title">Shoppers also viewed</h2>' in html and "You may also like" in html
    assert "Frequently bought together" not in html
    assert "Shoppers who viewed Tee A also viewed this" in html


@pytest.mark.celery
def test_celery_task_flushes_buffered_views_then_recomputes(celery_worker, shop):
    customer = CustomerFactory()
    product_view_record(product_id=shop["tee_a"].pk, customer_id=customer.pk, session_key="k")
    product_view_record(product_id=shop["mug"].pk, customer_id=customer.pk, session_key="k")
    recommendations_recompute_task.delay()
    deadline = timezone.now() + timedelta(seconds=20)
    while timezone.now() < deadline and not Recommendation.objects.filter(kind="bought_together").exists():
        time.sleep(0.2)
    assert ProductView.objects.count() == 2
    together = recommendations_for_product(shop["tee_a"])["bought_together"]
    assert [r.product.name for r in together] == ["Mug"]


def _order(customer, *products, status="placed"):
    from decimal import Decimal

    from orders.models import Order, OrderLine

    order = Order.objects.create(
        number=f"T{Order.objects.count() + 1:06d}",
        customer=customer,
        subtotal=Decimal("10.00"),
        total=Decimal("10.00"),
        payment_method="test_card",
        status=status,
    )
    for product in products:
        variant = product.variants.first()
        OrderLine.objects.create(
            order=order,
            variant=variant,
            sku=variant.sku,
            product_name=product.name,
            unit_price=variant.price,
            quantity=1,
            subtotal=variant.price,
            total=variant.price,
        )
    return order


def test_co_purchases_win_over_co_views_and_cancelled_orders_do_not_count(client, shop):
    buyer, other = CustomerFactory(), CustomerFactory()
    _allows_personalisation(buyer)
    _order(buyer, shop["tee_a"], shop["mug"])
    _order(other, shop["tee_a"], shop["mug"])
    _order(other, shop["tee_a"], shop["tee_b"])
    _order(other, shop["tee_a"], shop["tee_c"], status="cancelled")
    _view(shop["tee_a"], session_key="v")
    _view(shop["tee_c"], session_key="v")  # co-viewed only: not "bought together" once orders exist
    recommendations_recompute()
    together = recommendations_for_product(shop["tee_a"], limit=4)["bought_together"]
    assert [(r.product.name, r.reason) for r in together] == [
        ("Mug", "Bought together with Tee A in 2 orders"),
        ("Tee B", "Bought together with Tee A in 1 order"),
    ]
    assert 'id="together-title">Frequently bought together</h2>' in client.get("/products/tee-a/").content.decode()
    # Personal picks from purchases: the buyer bought in T-Shirts and Kitchen. Kitchen has nothing
    # unseen; of the tees, B (1 sale = 5 points) ranks above C (1 view = 1 point).
    picks = [r.product.name for r in recommendations_for_customer(buyer, limit=5)]
    assert picks == ["Tee B", "Tee C"]


def test_without_personalisation_consent_picks_are_featured_not_personal(shop):
    """Opt-in: no personal profile is built without a grant; a withdrawal takes effect at once
    (before the next recompute) and picks fall back to the same featured list everyone sees."""
    silent, withdrawn = CustomerFactory(), CustomerFactory()
    _allows_personalisation(withdrawn)
    for customer in (silent, withdrawn):
        _view(shop["tee_a"], customer=customer)
    recommendations_recompute()
    assert not Recommendation.objects.filter(customer=silent).exists()  # never profiled
    assert {r.kind for r in recommendations_for_customer(withdrawn)} == {"personal"}

    _allows_personalisation(withdrawn, granted=False)

    for customer in (silent, withdrawn):
        picks = recommendations_for_customer(customer, limit=3)
        assert picks and {r.kind for r in picks} == {"featured"}
        assert not any(r.reason.startswith("Because you") for r in picks)
    recommendations_recompute()
    assert not Recommendation.objects.filter(customer=withdrawn).exists()


def test_a_japanese_product_page_gives_the_reasons_in_japanese_with_japanese_names(client, shop):
    """Reasons are written when read, in the reader's language, from the products' and
    categories' names in that language (they were stored as English sentences)."""
    from catalog.models import Category, Product

    Product.objects.filter(pk=shop["tee_a"].pk).update(name_ja="Tシャツ A")
    Category.objects.filter(slug="kitchen").update(name_ja="キッチン")
    _view(shop["tee_a"], session_key="x")
    _view(shop["mug"], session_key="x")
    recommendations_recompute()
    client.cookies["django_language"] = "ja"
    html = client.get("/products/tee-a/").content.decode()
    assert "Shoppers who viewed" not in html and "Popular in" not in html
    assert "Tシャツ Aを見た方はこちらも見ています" in html
    english = client.get("/products/tee-a/", headers={"cookie": "django_language=en"})
    assert "Shoppers who viewed Tee A also viewed this" in english.content.decode()
