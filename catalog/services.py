"""Catalog writes."""

from django.db import transaction
from django.utils import timezone

from catalog.cache import catalog_cache_invalidate
from catalog.models import Product
from common.audit import audit_record
from common.audit_actions import AuditAction


@transaction.atomic
def products_publish(*, product_ids: list[int], published: bool, actor) -> int:
    """Bulk publish/unpublish. Returns how many products changed; one audit entry per product."""
    changed = list(
        Product.objects.filter(pk__in=product_ids)
        .exclude(is_published=published)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Product.objects.filter(pk__in=changed).update(is_published=published, updated_at=timezone.now())
    for product in Product.objects.filter(pk__in=changed):
        audit_record(
            actor=actor,
            action=AuditAction.PRODUCT_PUBLISH if published else AuditAction.PRODUCT_UNPUBLISH,
            obj=product,
            before={"is_published": not published},
            after={"is_published": published},
        )
    transaction.on_commit(catalog_cache_invalidate)
    return len(changed)
