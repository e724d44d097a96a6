"""Styles (LoRA adapters) looked up once and kept: a second lookup asks the Hub nothing, an
old copy is asked again, and with the Hub out of reach the kept copy answers "as of" its date,
also after a restart (on disk)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from desktop.core.media_types import ImageRequest, LoraChoice
from desktop.core.vocab import Status
from desktop.engine.style_book import CARD_TTL_S, LIST_TTL_S, StyleBook
from desktop.providers.hub_adapters import AdapterProblem
from desktop.services import Services
from tests.emulator import Emulator
from tests.emulator.image_edit import STYLE_FROSTING, STYLE_INK
from tests.emulator.media_models import FLUX_SCHNELL
from tests.fast_polls import FAST_POLL


def hub_asks(emulator: Emulator, what: str) -> list[Any]:
    return [r for r in emulator.requests_for("hub") if r.path.startswith(f"/hub/api/{what}")]


def listings(emulator: Emulator) -> list[Any]:
    return [r for r in hub_asks(emulator, "models") if r.path == "/hub/api/models"]


def cards(emulator: Emulator, repo: str) -> list[Any]:
    return [r for r in hub_asks(emulator, "models") if r.path == f"/hub/api/models/{repo}"]


def later(services: Services, seconds: float) -> None:
    base = services.engine.styles.clock()
    services.engine.styles.clock = lambda: base + seconds


async def test_a_second_search_asks_the_hub_nothing(open_services, emulator: Emulator) -> None:
    services = await open_services()
    first = await services.search_styles(FLUX_SCHNELL)
    second = await services.search_styles(FLUX_SCHNELL)
    assert {a.repo for a in first.adapters} == {STYLE_FROSTING, STYLE_INK}
    assert second.adapters == first.adapters and not second.stale
    assert len(listings(emulator)) == 1
    await services.search_styles(FLUX_SCHNELL, "ink")  # another query is its own entry
    assert len(listings(emulator)) == 2


async def test_an_old_list_is_asked_again(open_services, emulator: Emulator) -> None:
    services = await open_services()
    await services.search_styles(FLUX_SCHNELL)
    later(services, LIST_TTL_S + 1)
    again = await services.search_styles(FLUX_SCHNELL)
    assert not again.stale and len(listings(emulator)) == 2


async def test_offline_the_kept_list_answers_as_of_its_date_after_a_restart(
    open_services, emulator: Emulator
) -> None:
    first = await open_services(subdir="app")
    fetched = await first.search_styles(FLUX_SCHNELL)
    await first.aclose()
    second = await open_services(subdir="app")
    later(second, LIST_TTL_S + 60)
    emulator.fault("hub", "status", status=503)
    kept = await second.search_styles(FLUX_SCHNELL)
    assert kept.stale and kept.adapters == fetched.adapters
    assert kept.fetched_at == fetched.fetched_at
    year = datetime.fromtimestamp(kept.fetched_at).year
    assert kept.as_of().startswith("as of ") and str(year) in kept.as_of()
    with pytest.raises(AdapterProblem, match="busy"):  # nothing kept for this query
        await second.search_styles(FLUX_SCHNELL, "watercolor")


async def test_a_style_card_is_checked_once_for_many_requests(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    services.images.poll = FAST_POLL
    request = ImageRequest(
        model=FLUX_SCHNELL,
        prompt="a cake",
        seed=1,
        provider="fal-ai",
        loras=[LoraChoice(STYLE_INK)],
    )
    for _ in range(2):
        result = await services.images.generate(request)
        assert result.status == Status.COMPLETE, result.error
    assert len(cards(emulator, STYLE_INK)) == 1
    later(services, CARD_TTL_S + 1)
    emulator.fault("hub", "status", status=503)
    result = await services.images.generate(request)  # the Hub is out of reach: the copy serves
    assert result.status == Status.COMPLETE, result.error


async def test_a_wrong_style_is_refused_from_the_kept_card_too(
    open_services, emulator: Emulator
) -> None:
    services = await open_services()
    book: StyleBook = services.engine.styles
    with pytest.raises(AdapterProblem, match="not a style"):
        await book.check(LoraChoice(STYLE_INK), "stabilityai/stable-diffusion-xl-base-1.0")
    with pytest.raises(AdapterProblem, match="not a style"):
        await book.check(LoraChoice(STYLE_INK), "stabilityai/stable-diffusion-xl-base-1.0")
    assert len(cards(emulator, STYLE_INK)) == 1
