"""``switchboard models``: the model browser on the command line, from the same data and cache.

``switchboard models --task TASK [--search TEXT] [--provider ID] [--limit N] [--json]`` lists
models of a tab with the providers that serve them (for chat with prices per million tokens
and context); ``switchboard models show ID [--json]`` shows one model. Conventions are those of
:mod:`desktop.cli`: results on stdout, notes on stderr, one line ``switchboard: …`` on failure.
Offline, the lists come from the cache (or the starter picks) with a note on stderr, and the
command still exits 0: a stale list is still an answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from desktop.core.errors import SwitchboardError
from desktop.engine.model_tasks import TASKS, TaskName, task_for_tag
from desktop.engine.model_types import ModelInfo, ModelPage, ProviderOffer

if TYPE_CHECKING:  # the command line imports what a command needs when it runs (issue 8)
    from desktop.services import Services

EXIT_FAILED = 1


class ModelsCliError(SwitchboardError):
    """A one-line error of ``switchboard models`` (a task with no tab, an unknown model)."""


async def run(services: Services, args: argparse.Namespace) -> int:
    try:
        if not args.action:
            return await _list(services, args)
        if args.action[0] == "show" and len(args.action) == 2:
            return await _show(services, args.action[1], args.json)
        raise ModelsCliError(
            "use 'switchboard models --task TASK' or 'switchboard models show ID'."
        )
    except SwitchboardError as exc:
        print(f"switchboard: {exc}", file=sys.stderr)
        return EXIT_FAILED


def resolve_task(name: str | None) -> TaskName:
    """Our tab for ``--task``: a tab name, an alias or one of the tab's pipeline tags."""
    if not name:
        raise ModelsCliError("say which task: --task " + ", ".join(TASKS) + ".")
    task = task_for_tag(name.strip().lower())
    if task is None:
        raise ModelsCliError(
            f"there is no tab for the task {name!r}; use one of " + ", ".join(TASKS) + "."
        )
    return task


def _note(page: ModelPage) -> None:
    if page.note:
        print(f"[{page.note}]", file=sys.stderr)


async def _list(services: Services, args: argparse.Namespace) -> int:
    task = resolve_task(args.task)
    if not 1 <= args.limit <= 100:
        raise ModelsCliError("--limit must be between 1 and 100.")
    page = await services.models.search(
        task,
        args.search,
        provider=args.provider,
        sort=args.sort,
        limit=args.limit,
        refresh=True,
    )
    models = page.models[: args.limit]
    _note(page)
    if args.json:
        payload = {
            "task": task,
            "fetched_at": page.fetched_at,
            "stale": page.stale,
            "note": page.note,
            "models": [model_dict(m) for m in models],
        }
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    if not models:
        print(f"No {task} models found" + (f" for {args.search!r}." if args.search else "."))
        return 0
    for model in models:
        print(model_text(model, task == "chat"))
    return 0


async def _show(services: Services, model_id: str, as_json: bool) -> int:
    info = await services.models.show(model_id, refresh=True)
    if info is None:
        if services.models.offline:
            raise ModelsCliError(
                f"could not reach Hugging Face, and {model_id} is not in the cache; "
                "try again when online."
            )
        warning = services.models.check(model_id, "chat")
        hint = (
            f"; did you mean {' or '.join(warning.suggestions)}?"
            if warning is not None and warning.suggestions
            else " (check the spelling: owner/name)."
        )
        raise ModelsCliError(f"there is no model called {model_id}{hint}")
    if services.models.offline:
        print("[Offline: showing what was cached.]", file=sys.stderr)
    if as_json:
        print(json.dumps(model_dict(info), ensure_ascii=False))
        return 0
    print(model_text(info, info.task == "chat", detailed=True))
    return 0


def model_dict(model: ModelInfo) -> dict[str, Any]:
    data = asdict(model)
    data["badges"] = sorted(model.badges)
    return data


def _count(value: int | None) -> str:
    if value is None:
        return ""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(value)


def _offer_text(offer: ProviderOffer, chat: bool) -> str:
    parts = [f"{offer.label:<20} {offer.state:<12}"]
    if chat:
        if offer.price_in is not None and offer.price_out is not None:
            parts.append(f"${offer.price_in:g} in / ${offer.price_out:g} out per 1M tokens")
        elif offer.is_free:
            parts.append("free")
        if offer.context_length:
            parts.append(f"{offer.context_length:,} tokens context")
        if offer.first_token_ms is not None:
            parts.append(f"first token {offer.first_token_ms / 1000:.2g} s")
        if offer.throughput is not None:
            parts.append(f"{offer.throughput:g} tokens/s")
    return ("  " + parts[0] + "  " + " · ".join(parts[1:])).rstrip()


def model_text(model: ModelInfo, chat: bool, *, detailed: bool = False) -> str:
    """A model as a few readable lines: name, id, what it is good at, popularity, providers."""
    head = f"{model.id}  —  {model.name}"
    if model.summary:
        head += f": {model.summary}"
    facts = []
    if detailed and model.task:
        facts.append(f"task: {model.task} ({model.pipeline_tag or 'custom server'})")
    if model.likes is not None:
        facts.append(f"{_count(model.likes)} likes")
    if model.downloads is not None:
        facts.append(f"{_count(model.downloads)} downloads")
    if model.badges:
        facts.append(", ".join(sorted(model.badges)))
    lines = [head]
    if facts:
        lines.append("  " + " · ".join(facts))
    if model.offers:
        lines += [_offer_text(o, chat) for o in model.offers]
    else:
        lines.append("  (no provider known yet)")
    return "\n".join(lines)
