"""The one way business code enqueues Celery tasks: after the transaction commits."""

from functools import partial

from django.db import transaction


def enqueue_on_commit(task, *args, using: str | None = None, **kwargs) -> None:
    """Send `task.delay(*args, **kwargs)` once the current transaction commits.

    Never enqueues when the transaction rolls back. Outside a transaction it sends at once.
    Task arguments must be JSON-serialisable ids, not model instances.
    """
    transaction.on_commit(partial(task.delay, *args, **kwargs), using=using, robust=True)
