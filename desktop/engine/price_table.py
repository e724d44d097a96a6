"""The shipped media price table (``resources/prices.json``) and the user's own rows.

The router publishes per-token prices for chat (``/v1/models``), but nothing for pictures,
videos or audio, so those estimates come from a table shipped with the app: one row per task,
provider and model family, each with its unit, a date and a source, so a person can see how
old a figure is and where it came from. The file sits in the top-level ``resources/`` folder
(read through :mod:`desktop.assets`, so an installed wheel carries it too); it is read once,
on first use.

Matching: a row's ``family`` is a lower-case piece of the model id (``"flux.1-schnell"``) or
``"*"``; ``provider`` is a provider id or ``"*"``. The most specific row wins: the user's rows
before shipped ones, an exact provider before ``*``, a named family before ``*`` and a longer
family before a shorter one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from desktop import assets

UNITS: Final = (
    "image",
    "megapixel",
    "video",
    "video_second",
    "audio_minute",
    "thousand_characters",
    "million_tokens",
)


@dataclass(frozen=True)
class PriceRow:
    task: str
    provider: str
    family: str
    unit: str
    usd: float
    date: str = ""
    source: str = ""
    user: bool = False

    def matches(self, task: str, provider: str, names: Sequence[str]) -> bool:
        if self.task != task or self.provider not in ("*", provider):
            return False
        return self.family == "*" or any(self.family in n.lower() for n in names)

    def rank(self) -> tuple[int, int, int, int]:
        named = self.family != "*"
        return (
            int(not self.user),
            int(self.provider == "*"),
            int(not named),
            -len(self.family) if named else 0,
        )

    def where(self) -> str:
        """ "your price" or "price table 2026-12-07" for a basis sentence."""
        return "your price" if self.user else f"price table {self.date}".strip()


def row_from_dict(data: Any, *, user: bool = False) -> PriceRow | None:
    """One row, or None when it is not a usable row (a hand-edited file may hold anything)."""
    if not isinstance(data, dict):
        return None
    usd = data.get("usd")
    fields = [data.get(k) for k in ("task", "provider", "family", "unit")]
    if not all(isinstance(f, str) and f for f in fields) or data.get("unit") not in UNITS:
        return None
    if not isinstance(usd, int | float) or usd < 0:
        return None
    return PriceRow(
        task=str(data["task"]),
        provider=str(data["provider"]),
        family=str(data["family"]).lower(),
        unit=str(data["unit"]),
        usd=float(usd),
        date=str(data.get("date", "")),
        source=str(data.get("source", "")),
        user=user,
    )


@functools.cache
def shipped_rows() -> tuple[PriceRow, ...]:
    """The table shipped in ``resources/prices.json`` (read once)."""
    rows = assets.read_json("prices.json").get("rows", [])
    return tuple(r for r in (row_from_dict(d) for d in rows) if r is not None)


class PriceTable:
    """Shipped rows plus the user's overrides; :meth:`find` picks the most specific row."""

    def __init__(
        self, user_rows: Iterable[dict[str, Any]] = (), shipped: Iterable[PriceRow] | None = None
    ) -> None:
        mine = [r for r in (row_from_dict(d, user=True) for d in user_rows) if r is not None]
        self.rows: list[PriceRow] = mine + list(shipped_rows() if shipped is None else shipped)

    def find(self, task: str, provider: str, *names: str) -> PriceRow | None:
        hits = [r for r in self.rows if r.matches(task, provider, [n for n in names if n])]
        return min(hits, key=PriceRow.rank) if hits else None
