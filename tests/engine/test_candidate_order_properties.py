"""Properties of the provider order (routing.md §5.2), checked on many generated cases.

The candidate list is built by :func:`mapped_candidates` from a model's Hub mapping, the
user's settings and the keys we hold, then sorted by :func:`order_candidates` with the
health book. Whatever the mapping, order, switched-off set and open breakers: every eligible
provider is tried exactly once, a switched-off provider never is, the user's order holds
among the healthy ones, resting providers go last (soonest back first), and naming one
provider means only that one.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from desktop.core.table import PROVIDERS, Endpoints, Task
from desktop.core.trace import Outcome
from desktop.engine.candidates import Candidate, mapped_candidates, order_candidates
from desktop.engine.catalog import MappingEntry
from desktop.engine.credentials import Credentials
from desktop.engine.health import HealthBook
from desktop.store.settings import Settings

NOW = 1_000_000.0
ROUTED_CHAT = sorted(p for p, s in PROVIDERS.items() if Task.CHAT in s.tasks and s.routed)
"""Providers HF's router reaches for chat: with only an HF token, these can be candidates."""
ALL_IDS = sorted(PROVIDERS)


@dataclass
class Case:
    entries: list[MappingEntry]
    settings: Settings
    resting: dict[str, float]  # provider → seconds its breaker stays open


@st.composite
def cases(draw: st.DrawFn) -> Case:
    providers = draw(st.lists(st.sampled_from(ROUTED_CHAT), unique=True, max_size=9))
    entries = [
        MappingEntry(
            provider=p,
            provider_model=f"{p}/model",
            task=draw(st.sampled_from([Task.CHAT.value, Task.CHAT.value, "text-to-image"])),
            status=draw(st.sampled_from(["live", "live", "live", "staging", "error"])),
        )
        for p in providers
    ]
    if entries and draw(st.booleans()):  # the Hub may list a provider twice
        entries.append(draw(st.sampled_from(entries)))
    order = draw(st.permutations(ALL_IDS))
    order = order[: draw(st.integers(0, len(order)))]  # an order may name only some
    disabled = draw(st.lists(st.sampled_from(ALL_IDS), unique=True, max_size=4))
    resting = draw(
        st.dictionaries(
            st.sampled_from(ROUTED_CHAT), st.floats(1, 3600, allow_nan=False), max_size=4
        )
    )
    return Case(entries, Settings(provider_order=list(order), disabled=disabled), resting)


def candidates_for(case: Case, only: str | None = None) -> tuple[list[Candidate], HealthBook]:
    credentials = Credentials({"HF_TOKEN": "hf_property"})
    endpoints = Endpoints.from_env({})
    health = HealthBook(None, clock=lambda: NOW)
    found, _notes = mapped_candidates(
        case.entries,
        task=Task.CHAT,
        settings=case.settings,
        credentials=credentials,
        endpoints=endpoints,
        only=only,
    )
    for provider, seconds in case.resting.items():
        key = HealthBook.key(provider, "huggingface")
        health.record(key, Outcome.RATE_LIMITED, retry_after_s=seconds)
    return found, health


def eligible(case: Case) -> set[str]:
    """Listed for chat, public and healthy at HF, and not switched off."""
    return {
        e.provider
        for e in case.entries
        if e.task == Task.CHAT.value
        and e.status not in ("staging", "error")
        and e.provider not in case.settings.disabled
    }


@given(cases())
def test_every_eligible_provider_once_and_no_other(case: Case) -> None:
    found, health = candidates_for(case)
    ordered = order_candidates(found, case.settings, health)
    providers = [c.provider for c in ordered]
    assert sorted(providers) == sorted(c.provider for c in found)  # a permutation
    assert len(providers) == len(set(providers))
    assert set(providers) == eligible(case)
    assert not set(providers) & set(case.settings.disabled)


@given(cases())
def test_user_order_among_the_healthy_and_resting_ones_last(case: Case) -> None:
    found, health = candidates_for(case)
    ordered = order_candidates(found, case.settings, health)
    resting = [c.provider in case.resting for c in ordered]
    assert resting == sorted(resting)  # no healthy provider after a resting one
    rank = {p: i for i, p in enumerate(case.settings.ordered_providers())}
    healthy = [c.provider for c in ordered if c.provider not in case.resting]
    assert healthy == sorted(healthy, key=rank.__getitem__)
    back_at = [case.resting[c.provider] for c in ordered if c.provider in case.resting]
    assert back_at == sorted(back_at)  # the soonest back is tried first


@given(cases(), st.dictionaries(st.sampled_from(ROUTED_CHAT), st.integers(0, 3)))
def test_a_policy_score_sorts_first_and_the_user_order_breaks_ties(
    case: Case, scores: dict[str, int]
) -> None:
    found, health = candidates_for(case)
    ordered = order_candidates(
        found, case.settings, health, score=lambda c: float(scores.get(c.provider, 2))
    )
    rank = {p: i for i, p in enumerate(case.settings.ordered_providers())}
    healthy = [c.provider for c in ordered if c.provider not in case.resting]
    assert healthy == sorted(healthy, key=lambda p: (scores.get(p, 2), rank[p]))


@given(cases(), st.sampled_from(ROUTED_CHAT))
def test_an_explicit_provider_yields_only_that_provider(case: Case, chosen: str) -> None:
    found, health = candidates_for(case, only=chosen)
    ordered = order_candidates(found, case.settings, health)
    assert [c.provider for c in ordered] in ([], [chosen])
    listed = any(
        e.provider == chosen and e.task == Task.CHAT.value and e.status in ("live", "staging")
        for e in case.entries
    )
    # Naming a provider overrides switching it off, and uses it even while it is test-only
    # (staging, with a note); it is there whenever the Hub lists it.
    assert bool(ordered) is listed
