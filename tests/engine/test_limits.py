"""Per-provider concurrency: at most N in flight, and interactive requests jump the queue."""

from __future__ import annotations

import asyncio

from desktop.engine.limits import ProviderLimiter


async def test_batch_work_cannot_starve_an_interactive_request() -> None:
    limiter = ProviderLimiter(limit=2)
    release = asyncio.Event()
    two_running = asyncio.Event()
    order: list[str] = []

    async def job(name: str, interactive: bool) -> None:
        async with limiter.slot("together", interactive=interactive):
            order.append(name)
            if len(order) == 2:
                two_running.set()
            await release.wait()

    batch = [asyncio.create_task(job(f"batch{i}", False)) for i in range(5)]
    await two_running.wait()
    chat = asyncio.create_task(job("chat", True))
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["batch0", "batch1"]  # full: everyone else waits
    release.set()
    await asyncio.gather(*batch, chat)
    assert order[2] == "chat"  # the first freed slot went to the interactive request
    assert limiter.in_flight("together") == 0


async def test_a_cancelled_waiter_gives_its_place_back() -> None:
    limiter = ProviderLimiter(limit=1)
    hold = asyncio.Event()
    entered = asyncio.Event()

    async def holder() -> None:
        async with limiter.slot("groq"):
            entered.set()
            await hold.wait()

    first = asyncio.create_task(holder())
    await entered.wait()
    waiting = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiting.cancel()
    hold.set()
    await first
    await asyncio.gather(waiting, return_exceptions=True)
    assert limiter.in_flight("groq") == 0
    async with limiter.slot("groq"):
        assert limiter.in_flight("groq") == 1


async def test_a_slot_taken_without_the_context_manager_counts_and_queues_the_same() -> None:
    """The failover core takes its slot with ``take_free``/``take``/``release`` (issue 8):
    the same count, and a waiting interactive request is still let in before batch work."""
    limiter = ProviderLimiter(limit=1)
    gate = limiter.take_free("groq")
    assert gate is not None and limiter.in_flight("groq") == 1
    assert limiter.take_free("groq") is None  # full: the caller must wait
    order: list[str] = []

    async def waiter(name: str, interactive: bool) -> None:
        taken = await limiter.take("groq", interactive)
        order.append(name)
        limiter.release(taken)

    batch = asyncio.create_task(waiter("batch", False))
    await asyncio.sleep(0)
    chat = asyncio.create_task(waiter("chat", True))
    await asyncio.sleep(0)
    assert limiter.take_free("groq", interactive=True) is None  # somebody waits: no jumping
    limiter.release(gate)
    await asyncio.gather(batch, chat)
    assert order == ["chat", "batch"]
    assert limiter.in_flight("groq") == 0
    assert limiter.take_free("groq", interactive=False) is not None
