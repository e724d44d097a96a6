"""What the user chose about money: who pays, the budget, when to ask, their own prices.

Kept in ``costs.json`` next to ``settings.json`` rather than inside it, so the cost feature
can grow its own choices without touching the main settings' versioned format. Written
atomically; a file we cannot read is ignored (defaults apply) and replaced on the next save.

- ``bill_to``: "" bills the user's own Hugging Face account; an organisation name is sent as
  ``X-HF-Bill-To`` on requests that go through the router (never to a provider directly).
- ``organisations``: the names offered in the "Bill to" choices.
- ``monthly_budget_usd``: optional; at 80 % the window warns, and going over asks first.
- ``ask_above_usd``: a video or a batch expected to cost more than this asks first.
- ``price_rows``: the user's own rows for the media price table (same shape as the shipped
  table), which win over shipped rows for the same task, provider and family.
- ``chat_prices``: ``"provider"`` or ``"provider|model"`` → [input, output] USD per million
  tokens, which win over the router's published prices (e.g. for a provider's own key).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from desktop.store.atomic import atomic_write_text

log = logging.getLogger(__name__)

COST_SETTINGS_FILE = "costs.json"


@dataclass
class CostSettings:
    bill_to: str = ""
    organisations: list[str] = field(default_factory=list)
    monthly_budget_usd: float | None = None
    ask_above_usd: float | None = 1.0
    price_rows: list[dict[str, Any]] = field(default_factory=list)
    chat_prices: dict[str, list[float]] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value >= 0 else None


def cost_settings_from_dict(data: Any) -> CostSettings:
    out = CostSettings()
    if not isinstance(data, dict):
        return out
    bill_to = data.get("bill_to")
    out.bill_to = bill_to.strip() if isinstance(bill_to, str) else ""
    orgs = data.get("organisations")
    if isinstance(orgs, list):
        out.organisations = [o.strip() for o in orgs if isinstance(o, str) and o.strip()]
    out.monthly_budget_usd = _number(data.get("monthly_budget_usd"))
    out.ask_above_usd = _number(data.get("ask_above_usd")) if "ask_above_usd" in data else 1.0
    rows = data.get("price_rows")
    if isinstance(rows, list):
        out.price_rows = [r for r in rows if isinstance(r, dict)]
    prices = data.get("chat_prices")
    if isinstance(prices, dict):
        for key, pair in prices.items():
            if (
                isinstance(key, str)
                and isinstance(pair, list)
                and len(pair) == 2
                and all(_number(p) is not None for p in pair)
            ):
                out.chat_prices[key] = [float(pair[0]), float(pair[1])]
    return out


class CostSettingsStore:
    """Loads and saves :class:`CostSettings` at ``config_dir / costs.json``."""

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / COST_SETTINGS_FILE

    def load(self) -> CostSettings:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return CostSettings()
        except (OSError, ValueError) as exc:
            log.warning("cost settings unreadable, using defaults: %s", exc)
            return CostSettings()
        return cost_settings_from_dict(data)

    def save(self, settings: CostSettings) -> None:
        atomic_write_text(self.path, json.dumps(asdict(settings), indent=2) + "\n")
