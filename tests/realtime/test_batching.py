"""When a room's messages are batched (``realtime.batching``), on a clock of the test's own: above the threshold
within a window, for as long as windows stay that busy, and never for a quiet room."""

from __future__ import annotations

import asyncio

from liveroom.realtime.batching import MAX_BATCH_BYTES, MessageBatches
from liveroom.realtime.protocol import Frame

ROOM = (1, "loud")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def message(i: int, size: int = 0) -> Frame:
    return Frame.of(f'{{"n":{i},"pad":"{"x" * size}"}}')


def numbers(frames: list[Frame]) -> list[int]:
    return [int(frame.text.split(",")[0].removeprefix('{"n":')) for frame in frames]


async def test_a_room_is_batched_above_the_threshold_while_its_windows_stay_busy() -> None:
    clock, sent = Clock(), list[list[Frame]]()
    batches = MessageBatches(lambda key, frames: sent.append(frames), window=0.1, threshold=3, clock=clock)
    assert [batches.offer(ROOM, message(i)) for i in range(6)] == [True, True, True, False, False, False]
    clock.now += 0.1
    batches.flush(ROOM)  # as the timer does
    assert [numbers(frames) for frames in sent] == [[3, 4, 5]]
    # That window had 3 messages batched: as busy as the threshold, the next message is batched at once.
    assert batches.offer(ROOM, message(6)) is False
    clock.now += 0.1
    batches.flush(ROOM)
    assert [numbers(frames) for frames in sent] == [[3, 4, 5], [6]]
    # A window of one message: the next ones go alone again, until the room is over the threshold once more.
    assert [batches.offer(ROOM, message(i)) for i in range(7, 10)] == [True, True, False]
    batches.flush(ROOM)
    # A quiet while later, the count starts again.
    clock.now += 0.5
    assert [batches.offer(ROOM, message(i)) for i in range(10, 14)] == [True, True, True, False]
    batches.forget(ROOM)


async def test_a_batch_is_sent_after_the_window_and_its_waiters_released() -> None:
    sent: list[list[int]] = []
    batches = MessageBatches(lambda key, frames: sent.append(numbers(frames)), window=0.05, threshold=1)
    assert batches.offer(ROOM, message(0))
    assert not batches.offer(ROOM, message(1))
    await asyncio.wait_for(batches.sent(ROOM), 5)
    assert sent == [[1]]
    await asyncio.wait_for(batches.sent(ROOM), 5)  # nothing open: at once


async def test_a_batch_goes_out_at_64_kib_and_a_window_of_0_never_batches() -> None:
    sent: list[list[int]] = []
    batches = MessageBatches(lambda key, frames: sent.append(numbers(frames)), window=10, threshold=1)
    assert batches.offer(ROOM, message(0))
    results = [batches.offer(ROOM, message(i, 8000)) for i in range(1, 20)]
    assert not any(results)
    assert sent and all(len(batch) * 8000 >= MAX_BATCH_BYTES - 8000 for batch in sent)
    assert [n for batch in sent for n in batch] == list(range(1, 1 + sum(map(len, sent))))
    batches.forget(ROOM)
    never = MessageBatches(lambda key, frames: sent.append([]), window=0, threshold=1)
    assert all(never.offer(ROOM, message(i)) for i in range(100))


async def test_gifts_and_likes_join_an_open_batch_without_counting_as_messages() -> None:
    clock, sent = Clock(), list[list[int]]()
    batches = MessageBatches(lambda key, frames: sent.append(numbers(frames)), window=0.1, threshold=2, clock=clock)
    assert not batches.join(ROOM, message(100))  # no batch open: it goes alone
    assert [batches.offer(ROOM, message(i)) for i in range(3)] == [True, True, False]
    assert all(batches.join(ROOM, message(i)) for i in range(101, 104))
    clock.now += 0.1
    batches.flush(ROOM)
    assert sent == [[2, 101, 102, 103]]
    # The batch had one message: the next ones go alone.
    assert [batches.offer(ROOM, message(i)) for i in range(3, 5)] == [True, False]
    batches.forget(ROOM)
