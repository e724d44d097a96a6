"""The database worker: one thread, calls in the order queued, a cancelled wait still writes."""

from __future__ import annotations

import asyncio
import threading

import pytest

from desktop.store.worker import THREAD_NAME, DbWorker


async def test_calls_run_on_one_thread_in_the_order_they_were_queued() -> None:
    worker = DbWorker()
    done: list[tuple[int, str]] = []
    release = threading.Event()

    def step(n: int) -> int:
        if n == 0:
            assert release.wait(5)
        done.append((n, threading.current_thread().name))
        return n

    try:
        worker.submit(step, 0)
        queued = [worker.submit(step, n) for n in range(1, 5)]
        release.set()
        assert await worker.run(step, 5) == 5
        assert all(f.done() for f in queued)
    finally:
        worker.close()
    assert [n for n, _ in done] == [0, 1, 2, 3, 4, 5]
    assert {name.rsplit("_", 1)[0] for _, name in done} == {THREAD_NAME}


async def test_a_cancelled_caller_stops_waiting_but_the_write_still_happens() -> None:
    worker = DbWorker()
    started, release = threading.Event(), threading.Event()
    written: list[str] = []

    def block() -> None:
        started.set()
        assert release.wait(5)

    try:
        worker.submit(block)
        waiting = asyncio.ensure_future(worker.run(written.append, "kept"))
        await asyncio.to_thread(started.wait, 5)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        release.set()
    finally:
        worker.close()  # drains the queue
    assert written == ["kept"]


async def test_close_runs_the_last_calls_after_the_queue_and_only_once() -> None:
    worker = DbWorker()
    order: list[str] = []
    worker.submit(order.append, "queued")
    worker.close(lambda: order.append("closed"))
    worker.close(lambda: order.append("again"))
    assert order == ["queued", "closed"]


async def test_errors_reach_the_caller() -> None:
    worker = DbWorker()

    def fail() -> None:
        raise ValueError("no such column")

    try:
        with pytest.raises(ValueError, match="no such column"):
            await worker.run(fail)
    finally:
        worker.close()
