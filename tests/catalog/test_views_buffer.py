import threading

import pytest
from django.db import connection

from catalog.models import ProductView
from catalog.redis_client import catalog_redis
from catalog.views_buffer import BUFFER_KEY, product_view_record, product_views_flush
from tests.catalog.factories import CategoryFactory, product_with_variants


@pytest.mark.django_db
def test_flush_skips_malformed_entries_and_deleted_products():
    leaf = CategoryFactory(name="Hats", slug="hats")
    keep = product_with_variants(name="Keep Cap", category=leaf)
    gone = product_with_variants(name="Gone Cap", category=leaf)
    product_view_record(product_id=keep.pk, customer_id=None, session_key="s1")
    product_view_record(product_id=gone.pk, customer_id=None, session_key="s1")
    catalog_redis().rpush(BUFFER_KEY, b"not json", b'{"p": "x"}')
    gone.delete()
    assert product_views_flush() == 1
    assert list(ProductView.objects.values_list("product_id", "session_key")) == [(keep.pk, "s1")]
    assert catalog_redis().llen(BUFFER_KEY) == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_flushes_write_each_view_exactly_once():
    leaf = CategoryFactory(name="Bags", slug="bags")
    product = product_with_variants(name="Tote", category=leaf)
    for i in range(1200):
        product_view_record(product_id=product.pk, customer_id=None, session_key=f"s{i}")
    written = []

    def flush():
        try:
            written.append(product_views_flush(batch_size=100))
        finally:
            connection.close()

    threads = [threading.Thread(target=flush) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(written) == 1200
    assert ProductView.objects.count() == 1200
    assert ProductView.objects.values("session_key").distinct().count() == 1200


@pytest.mark.django_db
def test_buffered_views_of_an_erased_customer_are_dropped():
    from django.utils import timezone

    from tests.customers.factories import CustomerFactory

    leaf = CategoryFactory(name="Hats", slug="hats")
    cap = product_with_variants(name="Cap", category=leaf)
    erased, kept = CustomerFactory(), CustomerFactory()
    product_view_record(product_id=cap.pk, customer_id=erased.pk, session_key="")
    product_view_record(product_id=cap.pk, customer_id=kept.pk, session_key="")
    erased.erased_at = timezone.now()
    erased.save(update_fields=["erased_at"])
    assert product_views_flush() == 1
    assert list(ProductView.objects.values_list("customer_id", flat=True)) == [kept.pk]
