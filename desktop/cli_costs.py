"""``switchboard costs``: what the work cost, by provider, task, model or day.

The figures are the same estimates the window shows (the cost ledger the engine keeps): USD
from published or table prices, never an invoice. Text mode prints today, this month (and the
budget when one is set), then one line per group; ``--json`` prints one object.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from desktop.cli_text import json_text
from desktop.core.cost_types import money_text
from desktop.core.errors import SwitchboardError
from desktop.core.table import Task, provider_label
from desktop.store.cost_ledger import CostTotal, month_start, parse_day

if TYPE_CHECKING:  # imported when a command runs: the light commands stay light (issue 8)
    from desktop.services import Services


TASK_WORDS = {
    Task.CHAT.value: "Chat",
    Task.TEXT_TO_IMAGE.value: "Pictures",
    Task.TEXT_TO_VIDEO.value: "Videos",
    Task.SPEECH_TO_TEXT.value: "Transcripts",
    Task.EMBEDDINGS.value: "Embeddings",
}


class CostsCliError(SwitchboardError):
    """A one-line error of ``switchboard costs``."""


def group_label(by: str, key: str) -> str:
    """What a person reads for a group key: provider names, task words, the model id."""
    if by == "provider":
        return provider_label(key) if key else "unknown"
    if by == "task":
        return TASK_WORDS.get(key, key)
    return key


def _total_dict(by: str, total: CostTotal) -> dict[str, Any]:
    return {
        "key": total.key,
        "label": group_label(by, total.key),
        "usd": round(total.usd, 8),
        "count": total.count,
        "unpriced": total.unpriced,
    }


async def run(services: Services, args: argparse.Namespace) -> int:
    meter = services.engine.costs
    ledger = meter.ledger
    if ledger is None:
        raise CostsCliError("the cost ledger could not be opened, so there are no totals.")
    now = ledger.now()
    since = parse_day(args.since) if args.since else month_start(now)
    totals = await services.db.run(ledger.totals, args.by, since)
    today, month = await services.db.run(lambda: (ledger.today(), ledger.this_month()))
    budget = meter.budget_check(spent=month)
    grand = sum(t.usd for t in totals)
    count = sum(t.count for t in totals)
    since_text = datetime.fromtimestamp(since).strftime("%Y-%m-%d")
    if args.json:
        print(
            json_text(
                {
                    "since": since_text,
                    "by": args.by,
                    "estimate": True,
                    "today_usd": round(today, 8),
                    "month_usd": round(month, 8),
                    "budget_usd": budget.budget,
                    "totals": [_total_dict(args.by, t) for t in totals],
                    "total": {"usd": round(grand, 8), "count": count},
                }
            )
        )
        return 0
    month_line = f"This month: {money_text(month)}"
    if budget.budget:
        share = 100 * month / budget.budget
        month_line += f" of a {money_text(budget.budget, approx=False)} budget ({share:.0f} %)"
    print(f"Today: {money_text(today)} · {month_line}")
    print(f"By {args.by} since {since_text} (estimates):")
    if not totals:
        print("  nothing yet")
    width = max([len(group_label(args.by, t.key)) for t in totals] + [5])
    for t in totals:
        unpriced = f", {t.unpriced} without a price" if t.unpriced else ""
        items = f"{t.count} item" + ("" if t.count == 1 else "s")
        print(
            f"  {group_label(args.by, t.key):<{width}}  {money_text(t.usd):>12}  {items}{unpriced}"
        )
    print(
        f"  {'Total':<{width}}  {money_text(grand):>12}  {count} item" + ("" if count == 1 else "s")
    )
    if budget.level == "warn":
        print(f"switchboard: {budget.message}", file=sys.stderr)
    return 0
