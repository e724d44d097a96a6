"""An attempt's Deadline behaves as ``asyncio.timeout_at`` does where the engine uses it."""

from __future__ import annotations

import asyncio

import pytest

from desktop.engine.deadline import Deadline


async def test_running_out_leaves_as_timeout_error_and_the_task_goes_on() -> None:
    loop = asyncio.get_running_loop()
    with pytest.raises(TimeoutError):
        async with Deadline(loop.time() + 0.02):
            await asyncio.sleep(5)
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
    await asyncio.sleep(0)  # nothing left pending: the task is not cancelled again


async def test_a_block_that_ends_in_time_leaves_no_timer_behind() -> None:
    loop = asyncio.get_running_loop()
    async with Deadline(loop.time() + 0.05) as timer:
        await asyncio.sleep(0)
    assert timer.when() == pytest.approx(loop.time() + 0.05, abs=0.05)
    await asyncio.sleep(0.1)  # past the old time: nothing fires


async def test_reschedule_moves_the_time_both_ways() -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with Deadline(start + 0.02) as timer:
        timer.reschedule(start + 5)
        await asyncio.sleep(0.06)  # the first time passed: still running
        assert timer.when() == start + 5
    with pytest.raises(TimeoutError):
        async with Deadline(start + 5) as timer:
            timer.reschedule(loop.time() - 1)  # already past: runs out at the next turn
            await asyncio.sleep(5)
    assert loop.time() - start < 1


async def test_someone_elses_cancel_stays_a_cancel() -> None:
    """The person stopped the request before the deadline: CancelledError, not a timeout."""
    loop = asyncio.get_running_loop()
    entered = asyncio.Event()

    async def attempt() -> None:
        async with Deadline(loop.time() + 5):
            entered.set()
            await asyncio.sleep(5)

    task = asyncio.create_task(attempt())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
