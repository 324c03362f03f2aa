"""Calls of one moment answered together: one round trip for the reads that arrive while the event loop is busy.

``Batches(read).get(key)`` queues the key and waits; ``read(keys)`` answers a batch of them, in order. A batch
starts after every call in it was made, so it sees every change committed before any of them: a read batched this
way is as fresh as one made alone. At most ``in_flight`` batches run at once; calls made meanwhile wait for the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Batches(Generic[K, V]):
    def __init__(self, read: Callable[[Sequence[K]], Awaitable[Sequence[V]]], *, in_flight: int, name: str) -> None:
        self._read = read
        self._in_flight = in_flight
        self._name = name
        self._waiting: list[tuple[K, asyncio.Future[V]]] = []
        self._running: set[asyncio.Task[None]] = set()
        self._scheduled = False

    async def get(self, key: K) -> V:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[V] = loop.create_future()
        self._waiting.append((key, answer))
        if not self._scheduled and len(self._running) < self._in_flight:
            # After the callbacks already ready: the other requests of this loop turn join the batch.
            self._scheduled = True
            loop.call_soon(self._start)
        return await answer

    def _start(self) -> None:
        self._scheduled = False
        if not self._waiting or len(self._running) >= self._in_flight:
            return
        batch, self._waiting = self._waiting, []
        task = asyncio.get_running_loop().create_task(self._answer(batch), name=self._name)
        self._running.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._waiting and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._start)

    async def _answer(self, batch: list[tuple[K, asyncio.Future[V]]]) -> None:
        try:
            values = await self._read([key for key, _ in batch])
        except BaseException as exc:
            for _, answer in batch:
                if answer.done():
                    continue
                if isinstance(exc, Exception):
                    answer.set_exception(exc)
                else:
                    answer.cancel()
            if not isinstance(exc, Exception):
                raise
            return
        for (_, answer), value in zip(batch, values, strict=True):
            if not answer.done():
                answer.set_result(value)

    async def close(self) -> None:
        """Cancel the batches running and the calls waiting."""
        for task in list(self._running):
            task.cancel()
        if self._running:
            await asyncio.wait(self._running)
        waiting, self._waiting = self._waiting, []
        for _, answer in waiting:
            answer.cancel()
