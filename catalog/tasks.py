from celery import shared_task

from catalog.recommendations import recommendations_recompute
from catalog.views_buffer import buffers_flush


@shared_task(name="catalog.product_views_flush", ignore_result=True)
def product_views_flush_task() -> int:
    return buffers_flush()  # views and searches


@shared_task(name="catalog.recommendations_recompute", ignore_result=True)
def recommendations_recompute_task() -> int:
    # Fresh views first, so recommendations include the last minute of browsing.
    buffers_flush()
    return recommendations_recompute()
