"""``switchboard compare``: one chat prompt to 2–4 (model, provider) pairs, side by side.

``--model M[@PROVIDER]`` is repeated per pair; each column is pinned to its provider (no
failover inside a column). Text mode prints one block per pair as it finishes, headed by the
pair and followed by its figures (wait, speed, size, estimated cost); ``--json`` prints one
object with the list of columns. The comparison is kept in the library. Exit 0 when at least
one column answered, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from desktop.cli_text import json_text
from desktop.core.errors import SwitchboardError
from desktop.core.table import provider_label
from desktop.core.vocab import Status

if TYPE_CHECKING:  # imported when a command runs: the light commands stay light (issue 8)
    from desktop.engine.compare import Column
    from desktop.services import Services


EXIT_FAILED = 1


class CompareCliError(SwitchboardError):
    """A one-line error of ``switchboard compare``."""


def block(column: Column) -> str:
    """One pair's block: a heading, the answer (or why not), the figures."""
    who = provider_label(column.answered_by or column.provider)
    head = f"=== {column.model} @ {who} ==="
    body = column.text if column.text else ""
    if column.error:
        body = (body + "\n" if body else "") + f"[{column.error}]"
    return f"{head}\n{body.rstrip()}\n[{' · '.join(column.figures())}]"


class _Blocks:
    """Prints each block when its column finishes (a comparison is read as answers arrive)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.first = True

    def delta(self, index: int, text: str) -> None:
        pass

    def column_done(self, index: int, column: Column) -> None:
        if self.quiet:
            return
        if not self.first:
            print()
        self.first = False
        print(block(column), flush=True)


async def run(services: Services, args: argparse.Namespace) -> int:
    from desktop.engine.compare import Pair, compare_chat, save_comparison, total_cost

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise CompareCliError("the prompt is empty.")
    pairs = [Pair.parse(text) for text in args.model]
    comparison = await compare_chat(
        services.engine, pairs, prompt, system=args.system, listener=_Blocks(args.json)
    )
    await services.db.run(save_comparison, services.history, comparison)
    answered = any(c.status != Status.FAILED for c in comparison.columns)
    if args.json:
        print(json_text(comparison.to_dict()))
    else:
        total = total_cost(comparison.columns)
        print(
            f"\n[compared {len(comparison.columns)} pairs · total {total.short()}]", file=sys.stderr
        )
    return 0 if answered else EXIT_FAILED
