"""The benchmark suite (``make bench``, never part of ``make test``) imports and reads its options.

No timing here: this only keeps ``python -m tests.bench --quick`` from rotting between runs.
"""

from __future__ import annotations

import pytest

from tests.bench.__main__ import APP_SECTIONS, parse_args
from tests.bench.figures import Figure


def test_quick_is_a_short_smoke_run_of_every_section() -> None:
    quick = parse_args(["--quick"])
    full = parse_args([])
    assert quick.quick and not full.quick
    assert quick.runs < full.runs and quick.requests < full.requests
    assert quick.stream_seconds < full.stream_seconds
    assert full.runs >= 5 and full.rounds >= 5  # medians of at least five runs
    assert quick.app_section_set == set(APP_SECTIONS)
    assert "engine" in full.contender_names and "httpx2" in full.contender_names


def test_unknown_sections_are_refused() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--app-sections", "stream,nonsense"])
    assert parse_args(["--app-sections", "cli"]).app_section_set == {"cli"}


def test_a_figure_passes_only_when_every_run_meets_its_target() -> None:
    steady = Figure("s", "steady", "ms", 10, values=[8, 9, 9.5])
    spiky = Figure("s", "one bad run", "ms", 10, values=[8, 9, 11])
    ratio = Figure("s", "ratio", "ms", 2, values=[3, 5], baseline=[2, 2], ratio=True)
    assert steady.passed and not spiky.passed and not ratio.passed
    assert ratio.ratios == [1.5, 2.5]
