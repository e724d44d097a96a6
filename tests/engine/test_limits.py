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
