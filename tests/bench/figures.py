"""One figure of the benchmark: every run's value, its baseline side by side, and the verdict.

Why a verdict on the whole spread (issue 8): a verdict on the median flips from run to run on
a shared machine. A figure PASSes only when *every* run meets its target; for a ratio, every
run's own ratio (measured side by side with its baseline, in the same round) does.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    """``values`` per run; ``baseline`` per run when the target is a ratio to it."""

    section: str
    name: str
    unit: str
    limit: float | None
    """None: shown for comparison, no target."""
    values: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    baseline_name: str = ""
    ratio: bool = False
    note: str = ""

    @property
    def ratios(self) -> list[float]:
        return [v / b if b else math.nan for v, b in zip(self.values, self.baseline, strict=False)]

    @property
    def judged(self) -> list[float]:
        return self.ratios if self.ratio else self.values

    @property
    def passed(self) -> bool:
        judged = self.judged
        if self.limit is None:
            return True
        limit = self.limit
        return bool(judged) and all(math.isfinite(v) and v <= limit for v in judged)

    @property
    def verdict(self) -> str:
        if self.limit is None:
            return "info"
        return "PASS" if self.passed else "FAIL"

    @property
    def target(self) -> str:
        if self.limit is None:
            return "—"
        return f"≤ {self.limit:g}×" if self.ratio else f"≤ {self.limit:g} {self.unit}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratios": self.ratios, "passed": self.passed}


def _spread(values: list[float], digits: int) -> str:
    if not values:
        return "—"
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return "n/a"
    median = statistics.median(finite)
    return f"{median:.{digits}f} ({min(finite):.{digits}f}–{max(finite):.{digits}f})"


def table(figures: list[Figure]) -> str:
    """The figures as text, one section after another: median (min–max) over the runs."""
    lines: list[str] = []
    section = None
    for f in figures:
        if f.section != section:
            section = f.section
            lines.append(f"\n{section}")
        digits = 2 if f.ratio else (1 if f.unit in ("ms", "MiB", "s") else 2)
        measured = f"{_spread(f.values, digits)} {f.unit}"
        if f.baseline:
            base = f"{f.baseline_name} {_spread(f.baseline, digits)} {f.unit}"
            ratio = f"ratio {_spread(f.ratios, 2)}"
        else:
            base = ratio = ""
        lines.append(
            f"  {f.verdict:4}  {f.name:44} {measured:28} {base:36} {ratio:26} "
            f"target {f.target}  [{len(f.values)} runs]"
        )
        if f.note:
            lines.append(f"        {f.note}")
    return "\n".join(lines)


def markdown(figures: list[Figure]) -> str:
    """The same table in Markdown, for the README's developer section."""
    rows = [
        "| Figure | Median (min–max) | Baseline | Ratio | Target | |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        digits = 2 if f.ratio else 1
        base = f"{f.baseline_name} {_spread(f.baseline, digits)} {f.unit}" if f.baseline else ""
        ratio = _spread(f.ratios, 2) if f.baseline else ""
        rows.append(
            f"| {f.section}: {f.name} | {_spread(f.values, digits)} {f.unit} | {base} | {ratio} "
            f"| {f.target} | {f.verdict} |"
        )
    return "\n".join(rows)
