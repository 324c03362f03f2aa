"""Background tasks stop when their process closes, even when a library swallowed the cancellation."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from liveroom import background


async def _loop_swallowing(cancellations: int, ticks: list[int]) -> None:
    """A sweep loop whose I/O swallows the first ``cancellations`` cancellations (as redis-py has done)."""
    swallowed = 0
    while True:
        try:
            await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            if swallowed == cancellations:
                raise
            swallowed += 1
        ticks.append(1)


async def test_a_task_that_swallowed_a_cancellation_is_cancelled_again_until_it_ends() -> None:
    ticks: list[int] = []
    task = asyncio.create_task(_loop_swallowing(2, ticks))
    await asyncio.sleep(0.05)
    await asyncio.wait_for(background.stop(task), 5)
    assert task.cancelled()
    assert ticks  # it had been running


async def test_a_task_that_never_ends_is_left_behind_after_the_grace_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    task = asyncio.create_task(_loop_swallowing(10**9, []), name="stubborn")
    await asyncio.sleep(0.02)  # inside its loop
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="liveroom"):
        await background.stop(task, grace=0.3)
    assert 0.3 <= time.monotonic() - started < 2
    assert not task.done()
    assert "stubborn did not stop within" in caplog.text
    task.get_coro().close()  # type: ignore[union-attr]  # the test's own clean-up: it would never end


async def test_a_task_that_had_failed_is_reported_and_none_is_nothing(caplog: pytest.LogCaptureFixture) -> None:
    async def fail() -> None:
        raise RuntimeError("the sweep broke")

    task = asyncio.create_task(fail(), name="sweep")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="liveroom"):
        await background.stop(task)
        await background.stop(None)
    assert "background task sweep had failed" in caplog.text
    assert "the sweep broke" in caplog.text
