"""What a result cost, as Switchboard estimates it: an amount in USD, or none, and why.

Every figure is an estimate (``estimate`` stays True: Hugging Face and the providers bill, we
only multiply published prices by what was made), and ``basis`` says in words what was
multiplied ("1,204 tokens in + 310 out at Groq's $0.05/$0.08 per million"), so a person can
check it. ``usd`` is None when no price is known (a custom server, a model missing from the
price table); that is different from 0.0, which means "nothing billable was made".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from desktop.core.trace import Trace


@dataclass(frozen=True)
class Cost:
    usd: float | None
    basis: str
    estimate: bool = True

    def __init__(self, usd: float | None, basis: str, estimate: bool = True) -> None:
        # Written past the frozen ``__setattr__`` as the generated ``__init__`` does, but with
        # one dict store per field instead of a lookup and call of ``object.__setattr__``
        # each: one estimate is made per answer, and that cost half again (issue 8).
        fields = self.__dict__
        fields["usd"] = usd
        fields["basis"] = basis
        fields["estimate"] = estimate

    def to_dict(self) -> dict[str, Any]:
        return {"usd": self.usd, "estimate": self.estimate, "basis": self.basis}

    @classmethod
    def from_dict(cls, data: Any) -> Cost | None:
        if not isinstance(data, dict):
            return None
        usd = data.get("usd")
        return cls(
            usd=float(usd) if isinstance(usd, int | float) else None,
            basis=str(data.get("basis", "")),
            estimate=bool(data.get("estimate", True)),
        )

    def short(self) -> str:
        """ "≈ $0.0042" / "free" / "price unknown", for badges and columns."""
        return money_text(self.usd, approx=self.estimate)


NOT_ESTIMATED = Cost(None, "no estimate was made for this result")


def money_text(usd: float | None, *, approx: bool = True) -> str:
    """Dollars for people: enough digits that a tenth of a cent still shows."""
    if usd is None:
        return "price unknown"
    prefix = "≈ " if approx else ""
    if usd == 0:
        return f"{prefix}$0"
    if usd < 0.0001:  # a short chat answer: keep two significant digits, never "$0.0000"
        digits = 2 - math.floor(math.log10(usd)) - 1
        return f"{prefix}${usd:.{min(digits, 10)}f}".rstrip("0")
    if usd < 0.01:
        return f"{prefix}${usd:.4f}"
    if usd < 100:
        return f"{prefix}${usd:.2f}"
    return f"{prefix}${usd:,.0f}"


def cost_of(trace: Trace) -> Cost:
    """The estimate kept in a :class:`~desktop.core.trace.Trace` (``trace.cost``)."""
    return Cost.from_dict(trace.cost) or NOT_ESTIMATED
