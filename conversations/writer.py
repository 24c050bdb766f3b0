"""Group commit for chat messages arriving on sockets.

Each server process has one writer per event loop. A socket hands its message over and
awaits the result; while one batch is being stored, the messages that arrive meanwhile
queue up and go together in the next (one statement, one transaction, one WAL flush:
`services.text_messages_store`). At low traffic a batch is one message and nothing waits;
under load the database work per message shrinks instead of queueing up.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection

from conversations.batching import LoopBatcher, per_loop
from conversations.services import PendingText, text_messages_store

MAX_BATCH = 200


def _store_in_pool(items: list[PendingText]):
    """Runs in a pool thread that keeps its own database connection; a connection that
    failed is closed so the next batch reconnects (no per-call health-check query)."""
    try:
        return text_messages_store(items)
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        raise


_store = sync_to_async(_store_in_pool, thread_sensitive=False)


class MessageWriter(LoopBatcher[PendingText, tuple]):
    def __init__(self):
        super().__init__(_store, max_batch=MAX_BATCH)

    async def store(self, item: PendingText):
        return await self.submit(item)


_writer = per_loop(MessageWriter)


def writer() -> MessageWriter:
    return _writer()
