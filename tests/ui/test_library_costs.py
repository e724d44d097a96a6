"""A video made and a text read aloud show their estimated cost in the Library's facts, the
same figure the engine kept with the item (and ``--json`` prints)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import qasync

from desktop.core.cost_types import Cost
from desktop.core.media_types import SpeakRequest, VideoRequest
from desktop.core.vocab import Status
from desktop.services import Services
from desktop.ui.library import LibraryPage
from tests.emulator.jobs import WAN_T2V
from tests.emulator.media_models import KOKORO
from tests.fast_polls import FAST_VIDEO_POLL
from tests.ui.page_helpers import (  # noqa: F401 (fixtures)
    build_page_fixture,
    drive,
    media_env_fixture,
    wait_until,
)

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("kind", ["video", "speech"])
def test_a_made_item_shows_its_estimated_cost_in_the_library(
    loop: qasync.QEventLoop,
    build_page: Callable[..., Any],
    open_services: Callable[..., Services],
    media_env: dict[str, str],
    kind: str,
) -> None:
    services = open_services(media_env)
    services.video.timing = replace(FAST_VIDEO_POLL)
    if kind == "video":
        made = drive(
            loop, services.video.generate(VideoRequest(WAN_T2V, "a fox", provider="fal-ai"))
        )
    else:
        made = drive(
            loop, services.speak.speak(SpeakRequest(KOKORO, "Hello there.", provider="fal-ai"))
        )
    assert made.status == Status.COMPLETE, made.error
    cost = Cost.from_dict(made.to_dict()["cost"])
    assert cost is not None and cost.usd is not None and cost.usd > 0

    page: LibraryPage = build_page(LibraryPage, services)
    wait_until(loop, lambda: page.model.rowCount() == 1)
    wait_until(loop, lambda: page.details.kind.text() != "")
    assert page.details.kind.text().endswith(f" · {cost.short()} (estimate)")
