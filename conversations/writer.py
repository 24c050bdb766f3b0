"""Group commit for chat messages arriving on sockets.

Each server process has one writer per event loop. A socket hands its message over and
awaits the result; while one batch is being stored, the messages that arrive meanwhile
queue up and go together in the next (one statement, one transaction, one WAL flush:
`services.text_messages_store`). At low traffic a batch is one message and nothing waits;
under load the database work per message shrinks instead of queueing up.
"""

from __future__ import annotations

import asyncio
import weakref

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection

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


class MessageWriter:
    def __init__(self):
        self.pending: list[tuple[PendingText, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    async def store(self, item: PendingText):
        future = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            try:
                results = await _store([item for item, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def writer() -> MessageWriter:
    loop = asyncio.get_running_loop()
    current = _writers.get(loop)
    if current is None:
        current = _writers[loop] = MessageWriter()
    return current
