"""Cache invalidation only (no business flow here): catalog edits make cached pages stale."""

from django.db.models.signals import post_delete, post_save

from catalog.cache import catalog_cache_invalidate
from catalog.models import Category, Product, ProductImage, Variant


def _invalidate(sender, **kwargs) -> None:
    catalog_cache_invalidate()


def connect() -> None:
    for model in (Category, Product, Variant, ProductImage):
        post_save.connect(_invalidate, sender=model, dispatch_uid=f"catalog-cache-save-{model.__name__}")
        post_delete.connect(_invalidate, sender=model, dispatch_uid=f"catalog-cache-delete-{model.__name__}")
