"""Scores for the "fastest" and "cheapest" policies (routing.md §5.7).

Lower is better. Our own measurements beat published numbers when we have enough of them;
unknown numbers rank last (the user's order breaks ties among them). Scores are deterministic:
no random shuffling on a single-user desktop.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from desktop.engine.candidates import Candidate
from desktop.engine.catalog import ProviderStats
from desktop.engine.health import HealthBook

EXPECTED_PROMPT_TOKENS = 1000
EXPECTED_OUTPUT_TOKENS = 500
MIN_OWN_SAMPLES = 3
SLOW_FACTOR = 2.0


def expected_seconds(cand: Candidate, stats: ProviderStats | None, health: HealthBook) -> float:
    """Time to first token plus generation time, divided by the recent success rate."""
    item = health.get(cand.health_key)
    if len(item.ttft_samples) >= MIN_OWN_SAMPLES and item.ttft_ewma_ms is not None:
        ttft = item.ttft_ewma_ms / 1000.0
    elif stats is not None and stats.ttft_ms is not None:
        ttft = stats.ttft_ms / 1000.0
    else:
        return math.inf
    speed = stats.throughput if stats is not None and stats.throughput else None
    generation = EXPECTED_OUTPUT_TOKENS / speed if speed else 10.0
    rate = item.success_rate()
    return (ttft + generation) / max(0.1, rate if rate is not None else 1.0)


def expected_cost(stats: ProviderStats | None) -> float:
    if stats is None or stats.price_in is None or stats.price_out is None:
        return math.inf
    return (
        EXPECTED_PROMPT_TOKENS * stats.price_in + EXPECTED_OUTPUT_TOKENS * stats.price_out
    ) / 1e6


def score_for(
    policy: str, stats: dict[str, ProviderStats], health: HealthBook
) -> Callable[[Candidate], float]:
    if policy == "fastest":
        return lambda c: expected_seconds(c, stats.get(c.provider), health)

    # cheapest: a provider much slower than the fastest known one doesn't win on a cent.
    def cheap(c: Candidate) -> float:
        cost = expected_cost(stats.get(c.provider))
        time_s = expected_seconds(c, stats.get(c.provider), health)
        return cost * (SLOW_FACTOR if time_s > SLOW_FACTOR * fastest else 1.0)

    fastest = min(
        (
            s.ttft_ms / 1000.0 + EXPECTED_OUTPUT_TOKENS / s.throughput
            for s in stats.values()
            if s.ttft_ms is not None and s.throughput
        ),
        default=math.inf,
    )
    return cheap
