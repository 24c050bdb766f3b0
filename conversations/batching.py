"""Batching for the chat's hot path: one round trip for everything that queued meanwhile.

A socket hands its item over and awaits its own result; while one batch is in flight, the
items that arrive meanwhile queue up and go together in the next. At low traffic a batch is
one item and nothing waits; under load the cost per item (a Redis or Postgres round trip, a
thread hop) shrinks instead of queueing up behind a lock. Used by the message writer
(group commit), flood control (Redis counters) and pushes (Redis PUBLISH), one batcher of
each per event loop (a redis.asyncio client and an asyncio future belong to one loop).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class LoopBatcher(Generic[Item, Result]):
    """`run` takes a list of items and returns one result per item, in order; if it
    raises, every item of that batch gets the exception."""

    def __init__(self, run: Callable[[list[Item]], Awaitable[list[Result]]], *, max_batch: int):
        self.run = run
        self.max_batch = max_batch
        self.pending: list[tuple[Item, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append((item, future))
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[: self.max_batch], self.pending[self.max_batch :]
            try:
                results = await self.run([item for item, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


def per_loop(factory: Callable[[], LoopBatcher]) -> Callable[[], LoopBatcher]:
    """A getter for one batcher per running event loop."""
    batchers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get() -> LoopBatcher:
        loop = asyncio.get_running_loop()
        batcher = batchers.get(loop)
        if batcher is None:
            batcher = batchers[loop] = factory()
        return batcher

    return get
