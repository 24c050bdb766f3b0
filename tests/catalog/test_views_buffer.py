import threading

import pytest
from django.db import connection

from catalog.models import ProductView, SearchQuery
from catalog.redis_client import catalog_redis
from catalog.tasks import product_views_flush_task
from catalog.views_buffer import (
    BUFFER_KEY,
    SEARCH_BUFFER_KEY,
    product_view_record,
    product_views_flush,
    search_record,
    searches_flush,
)
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


@pytest.mark.django_db
def test_buffered_searches_keep_the_time_they_were_made_and_drop_erased_customers():
    from datetime import timedelta

    from django.utils import timezone

    from tests.customers.factories import CustomerFactory

    erased, kept = CustomerFactory(), CustomerFactory()
    before = timezone.now()
    search_record(query="Wool Socks", count=3, customer_id=kept.pk, session_key="s1")
    search_record(query="secret", count=1, customer_id=erased.pk, session_key="s2")
    search_record(query="x" * 300, count=0, customer_id=None, session_key="s3")
    catalog_redis().rpush(SEARCH_BUFFER_KEY, b"not json", b'{"q": "no count"}')
    after = timezone.now()
    erased.erased_at = timezone.now()
    erased.save(update_fields=["erased_at"])
    assert SearchQuery.objects.count() == 0  # nothing reaches the database on the request path
    assert searches_flush() == 2
    socks = SearchQuery.objects.get(session_key="s1")
    assert (socks.query, socks.normalized, socks.results_count, socks.customer_id) == (
        "Wool Socks",
        "wool socks",
        3,
        kept.pk,
    )
    assert before <= socks.created_at <= after  # the search's own time, not the flush's
    long = SearchQuery.objects.get(session_key="s3")
    assert len(long.query) == 200 and long.customer_id is None
    assert not SearchQuery.objects.filter(customer=erased).exists()
    assert catalog_redis().llen(SEARCH_BUFFER_KEY) == 0
    assert searches_flush() == 0
    assert timezone.now() - socks.created_at < timedelta(minutes=1)


@pytest.mark.django_db
def test_a_search_is_written_straight_to_the_database_when_redis_is_down(settings):
    from catalog.redis_client import _clients

    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        search_record(query="boots", count=4, customer_id=None, session_key="s9")
    finally:
        _clients.pop("redis://127.0.0.1:1/0", None)
    recorded = SearchQuery.objects.get()
    assert (recorded.query, recorded.results_count, recorded.session_key) == ("boots", 4, "s9")


@pytest.mark.django_db
def test_the_minutely_task_drains_views_and_searches():
    leaf = CategoryFactory(name="Hats", slug="hats")
    cap = product_with_variants(name="Cap", category=leaf)
    product_view_record(product_id=cap.pk, customer_id=None, session_key="s1")
    search_record(query="cap", count=1, customer_id=None, session_key="s1")
    assert product_views_flush_task() == 2
    assert ProductView.objects.count() == 1 and SearchQuery.objects.count() == 1
