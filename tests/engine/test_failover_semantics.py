"""routing.md §5 scenarios over real HTTP: breakers, budgets, pins, hedging, context windows."""

from __future__ import annotations

import asyncio

from desktop.core.chat_types import ChatMessage, ChatRequest, ChatResult
from desktop.core.trace import Outcome
from desktop.core.vocab import Status
from desktop.engine.failover import Deadlines
from desktop.engine.health import CLOSED, HALF_OPEN, OPEN
from desktop.services import Services
from tests.emulator import LLAMA_8B, Emulator, direct_key


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def ask(services: Services, provider: str = "auto") -> ChatResult:
    request = ChatRequest(model=LLAMA_8B, messages=[ChatMessage("user", "Hi")], provider=provider)
    return await services.engine.chat(request)


def outcomes(result: ChatResult) -> list[tuple[str, str]]:
    return [(a.provider, a.outcome) for a in result.trace.attempts]


async def test_persistent_429_without_retry_after_is_not_hammered(open_services, emulator):
    services = await open_services()
    emulator.fault("groq", "status", status=429, retry_after=None)
    for _ in range(5):
        result = await ask(services)
        assert result.status == Status.COMPLETE and result.provider == "cerebras"
    assert len(emulator.requests_for("groq")) == 1  # the breaker kept it out afterwards
    key = services.health.key("groq", "huggingface")
    assert services.health.state(key) == OPEN


async def test_one_500_then_healthy_on_a_pinned_provider_is_retried_once(open_services, emulator):
    services = await open_services()
    emulator.fault("together", "status", status=500, times=1)
    result = await ask(services, provider="together")
    assert result.status == Status.COMPLETE and result.provider == "together"
    assert outcomes(result) == [("together", Outcome.SERVER_ERROR), ("together", Outcome.OK)]


async def test_500_with_other_candidates_fails_over_without_retrying(open_services, emulator):
    services = await open_services()
    emulator.fault("groq", "status", status=500, times=1)
    result = await ask(services)
    assert outcomes(result) == [("groq", Outcome.SERVER_ERROR), ("cerebras", Outcome.OK)]


async def test_slow_first_token_fails_over_when_others_remain(open_services, emulator):
    services = await open_services()
    emulator.fault("groq", "slow_first_token", delay=3.0)
    result = await ask(services)
    assert outcomes(result) == [("groq", Outcome.TIMEOUT), ("cerebras", Outcome.OK)]


async def test_failover_accounting_reports_the_fallback(open_services, emulator: Emulator):
    services = await open_services()
    emulator.fault("groq", "status", status=503)
    result = await ask(services)
    assert result.provider == "cerebras" and result.provider_model == "llama3.1-8b"
    assert result.trace.answered_by == "cerebras" and result.usage is not None
    assert result.trace.attempts[0].ttft_ms is None  # the failed attempt produced nothing


async def test_pinned_provider_waits_out_a_short_retry_after(open_services, emulator):
    services = await open_services()
    emulator.fault("together", "status", status=429, retry_after=1, times=1)
    result = await ask(services, provider="together")
    assert result.status == Status.COMPLETE
    first, second = emulator.requests_for("together")
    assert second.time - first.time >= 0.95


async def test_pinned_provider_with_a_long_retry_after_fails_clearly(open_services, emulator):
    services = await open_services()
    emulator.fault("together", "status", status=429, retry_after=120)
    result = await ask(services, provider="together")
    assert result.status == Status.FAILED and len(emulator.requests_for("together")) == 1
    assert "busy (too many requests)" in (result.error or "") and "120 s" in (result.error or "")


async def test_when_every_breaker_is_open_the_soonest_to_expire_is_tried(open_services, emulator):
    services = await open_services()
    health = services.health
    clock = FakeClock()
    health.clock = clock
    ids = ["groq", "cerebras", "together"]
    services.settings.set_order(ids)
    services.settings.disabled = [p for p in services.settings.ordered_providers() if p not in ids]
    for i, pid in enumerate(ids):
        health.record(
            health.key(pid, "huggingface"), Outcome.RATE_LIMITED, retry_after_s=60 - 10 * i
        )
    result = await ask(services)
    assert result.status == Status.COMPLETE and result.provider == "together"  # expires first


async def test_a_flapping_primary_gets_its_traffic_back(open_services, emulator: Emulator):
    services = await open_services()
    health = services.health
    clock = FakeClock()
    health.clock = clock
    key = health.key("groq", "huggingface")
    emulator.fault("groq", "status", status=503, times=3)
    for _ in range(3):
        assert (await ask(services)).provider == "cerebras"
    assert health.state(key) == OPEN
    emulator.clear_requests()
    assert (await ask(services)).provider == "cerebras"
    assert emulator.requests_for("groq") == []  # open: skipped
    clock.now += 6  # cooldown (5 s) over: the next real request is the probe
    assert health.state(key) == HALF_OPEN
    result = await ask(services)
    assert result.provider == "groq" and health.state(key) == CLOSED
    assert (await ask(services)).provider == "groq"


async def test_a_refused_key_blocks_that_provider_only(open_services, emulator: Emulator):
    services = await open_services(extra_env={"GROQ_API_KEY": "key-wrong"})
    result = await ask(services)
    assert outcomes(result) == [("groq", Outcome.AUTH), ("cerebras", Outcome.OK)]
    assert result.trace.attempts[0].short() == "Groq key refused"
    key = services.health.key("groq", "groq")
    assert services.health.state(key) == OPEN
    await services.set_secret("groq", direct_key("groq"))  # fixing the key lifts the block
    services.credentials._env.pop("GROQ_API_KEY")
    assert services.health.state(key) == CLOSED


async def test_context_length_only_moves_to_a_larger_window(open_services, emulator):
    services = await open_services()
    await services.catalog.provider_stats(LLAMA_8B)  # cerebras 32k, groq 131k
    services.settings.set_order(["cerebras", "novita", "groq"])  # novita has 16k
    emulator.fault("cerebras", "context_length")
    result = await ask(services)
    assert outcomes(result) == [("cerebras", Outcome.CONTEXT_LENGTH), ("groq", Outcome.OK)]
    skipped = {n.provider: n.skipped for n in result.trace.candidates if n.skipped}
    assert skipped["novita"] == "its context window is not larger"


async def test_fastest_and_cheapest_follow_the_published_numbers(open_services, emulator):
    services = await open_services()
    assert (await ask(services, provider="fastest")).provider == "cerebras"
    assert (await ask(services, provider="cheapest")).provider == "novita"


def hedging(hedge_min_s: float) -> Deadlines:
    """Generous deadlines, with a hedge allowed after ``hedge_min_s``."""
    return Deadlines(
        ttft_s=5, ttft_min_s=5, ttft_max_s=5, idle_s=5, total_s=20, hedge_min_s=hedge_min_s
    )


async def test_hedge_starts_a_second_provider_and_the_first_answer_wins(open_services, emulator):
    services = await open_services(deadlines=hedging(hedge_min_s=0.2))
    services.engine.latency_mode = True
    emulator.fault("groq", "slow_first_token", delay=3.0, times=1)
    result = await ask(services)
    assert result.status == Status.COMPLETE and result.provider == "cerebras"
    assert outcomes(result) == [("groq", Outcome.CANCELLED), ("cerebras", Outcome.OK)]
    assert "lost the hedge" in result.trace.attempts[0].message
    key = services.health.key("groq", "huggingface")
    assert services.health.state(key) == CLOSED  # losing a hedge is not a failure


async def test_hedges_stay_within_their_budget(open_services, emulator: Emulator):
    services = await open_services(deadlines=hedging(hedge_min_s=0.1))
    services.engine.latency_mode = True
    emulator.fault("groq", "slow_first_token", delay=0.4, times=2)
    first = await ask(services)
    assert len(first.trace.attempts) == 2  # one hedge allowed to begin with
    second = await ask(services)
    assert outcomes(second) == [("groq", Outcome.OK)]  # budget spent: no second hedge yet


async def test_cancel_during_a_hedge_reaches_both_attempts(open_services, emulator: Emulator):
    services = await open_services(deadlines=hedging(hedge_min_s=0.1))
    services.engine.latency_mode = True
    emulator.fault("groq", "silent")
    emulator.fault("cerebras", "silent")
    heard: list[tuple[str, str]] = []
    request = ChatRequest(model=LLAMA_8B, messages=[ChatMessage("user", "Hi")])
    task = asyncio.create_task(
        services.engine.chat(request, on_attempt=lambda r: heard.append((r.provider, r.outcome)))
    )
    await asyncio.to_thread(emulator.wait_for_requests, 1, "cerebras", 5.0)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=1.0)
    assert task in done and task.cancelled()
    assert ("groq", Outcome.CANCELLED) in heard and ("cerebras", Outcome.CANCELLED) in heard
