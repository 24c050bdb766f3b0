"""Redis (broker and cache) down must not fail a business write: orders still place, and
the tasks they would enqueue are logged, not raised (each pipeline re-sends from its table)."""

import logging

import pytest
from django.test import override_settings

from common.tasks import enqueue_on_commit
from orders.models import Order
from tests.carts.factories import CartFactory, CartLineFactory, VariantFactory
from tests.orders.helpers import place

DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}


class _BrokerDown:
    name = "tests.broker_down"

    def delay(self, *args, **kwargs):
        raise ConnectionError("broker unreachable")


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_logs_a_failed_publish_and_names_the_task(caplog):
    from django.db import transaction

    logger = logging.getLogger("django.db.backends.base")  # "django" does not propagate to root
    logger.addHandler(caplog.handler)
    try:
        with transaction.atomic():
            enqueue_on_commit(_BrokerDown(), 1)
    finally:
        logger.removeHandler(caplog.handler)
    assert "enqueue_on_commit[tests.broker_down]" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_order_places_while_the_redis_cache_is_unreachable():
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(stock=3), quantity=1)
    with override_settings(CACHES=DEAD_CACHE):
        order = place(cart, email="outage@example.com")
    assert Order.objects.filter(pk=order.pk, email="outage@example.com").exists()
