"""The one way business code enqueues Celery tasks: after the transaction commits."""

from functools import partial

from django.db import transaction


def enqueue_on_commit(task, *args, using: str | None = None, **kwargs) -> None:
    """Send `task.delay(*args, **kwargs)` once the current transaction commits.

    Never enqueues when the transaction rolls back. Outside a transaction it sends at once.
    Task arguments must be JSON-serialisable ids, not model instances. A broker that is
    down at that moment is logged, not raised: the business change has committed, and each
    pipeline re-sends from its own table (the outbox relay, webhook retries).
    """
    send_task = partial(task.delay, *args, **kwargs)  # .func/.args stay inspectable in tests
    # Django names a failed robust callback by __qualname__, which a bare partial lacks.
    send_task.__qualname__ = f"enqueue_on_commit[{getattr(task, 'name', task)}]"
    transaction.on_commit(send_task, using=using, robust=True)
