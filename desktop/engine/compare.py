"""One prompt, 2–4 (model, provider) pairs, answers side by side: the comparison.

Quality and speed differ widely between providers of one model, so a comparison sends the same
prompt to each pair at the same time and reports, per column, the wait (time to the first
text), the speed (output tokens per second while streaming), the size and the estimated cost.

Each column is its own routed request *pinned* to its pair: the provider is explicit, so the
engine tries only that provider (no silent failover inside a column; routing.md §5.9). A pair
given without a provider is pinned to the provider the user's order would pick first, so the
column still names exactly one provider. A failing column says why in words; the others go on.

Comparisons are kept in the library as items of their own kind (:data:`COMPARE_TASK`), with
every column's figures, so they can be reopened; "Keep this one" turns a chat column into an
ordinary conversation with that pair (:func:`keep_chat_column`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from desktop.core.chat_types import ChatMessage, ChatRequest, ChatResult
from desktop.core.cost_types import Cost, cost_of
from desktop.core.errors import SwitchboardError
from desktop.core.media_types import MediaFile, MediaResult
from desktop.core.table import Task, provider_label
from desktop.core.trace import Trace
from desktop.core.vocab import FixAction, Status
from desktop.engine.candidates import POLICIES
from desktop.engine.costs import estimate_tokens
from desktop.engine.router import Engine
from desktop.store.history import HistoryStore

COMPARE_TASK = "compare"
"""The library kind of a saved comparison."""
MIN_PAIRS, MAX_PAIRS = 2, 4


class CompareError(SwitchboardError):
    """A comparison that cannot start as asked; ``str()`` is one sentence."""


@dataclass(frozen=True)
class Pair:
    """A model and the provider that must serve it ("" until :func:`pin_pairs` chooses)."""

    model: str
    provider: str = ""

    @classmethod
    def parse(cls, text: str) -> Pair:
        """``owner/model@provider`` or ``owner/model``."""
        model, _, provider = text.strip().partition("@")
        if not model.strip():
            raise CompareError(f"{text!r} names no model; write owner/name or owner/name@provider.")
        return cls(model.strip(), provider.strip())

    def label(self) -> str:
        who = provider_label(self.provider) if self.provider else "auto"
        return f"{self.model} @ {who}"

    def spec(self) -> str:
        return f"{self.model}@{self.provider}" if self.provider else self.model


def check_pairs(pairs: Sequence[Pair]) -> None:
    if not MIN_PAIRS <= len(pairs) <= MAX_PAIRS:
        raise CompareError(
            f"A comparison takes {MIN_PAIRS} to {MAX_PAIRS} model and provider pairs "
            f"(got {len(pairs)})."
        )
    for p in pairs:
        if p.provider in POLICIES:
            raise CompareError(
                f"{p.spec()}: a column is pinned to one provider; name one (or none, and "
                "Switchboard picks the first in your order)."
            )


async def pin_pairs(engine: Engine, task: Task, pairs: Sequence[Pair]) -> list[Pair]:
    """Give each pair without a provider the one the user's order would try first."""
    check_pairs(pairs)
    pinned = []
    for pair in pairs:
        if pair.provider:
            pinned.append(pair)
            continue
        candidates, _notes = await engine.task_candidates(task, pair.model, "auto")
        if not candidates:
            raise CompareError(
                f"No provider you can use serves {pair.model}; check the Providers page."
            )
        pinned.append(Pair(pair.model, candidates[0].provider))
    return pinned


@dataclass
class Column:
    """One pair's result and its figures, as shown side by side and kept in the library."""

    model: str
    provider: str
    status: str = Status.RUNNING
    text: str = ""
    error: str | None = None
    error_action: str | None = None
    answered_by: str | None = None
    ttft_ms: float | None = None
    duration_ms: float | None = None
    tokens_out: int | None = None
    tokens_estimated: bool = False
    tokens_per_s: float | None = None
    size: str = ""
    cost: dict[str, Any] = field(default_factory=lambda: Cost(None, "not finished").to_dict())
    files: list[dict[str, Any]] = field(default_factory=list)
    record_id: int | None = None

    @property
    def pair(self) -> Pair:
        return Pair(self.model, self.provider)

    def cost_value(self) -> Cost:
        return Cost.from_dict(self.cost) or Cost(None, "")

    def figures(self) -> list[str]:
        """ "wait 0.4 s", "62 tokens/s", "180 words", "≈ $0.0001" for the column's footer."""
        out = []
        if self.ttft_ms is not None:
            out.append(f"wait {self.ttft_ms / 1000:.2f} s")
        if self.tokens_per_s is not None:  # "≈": counted from the text, not reported
            about = "≈ " if self.tokens_estimated else ""
            out.append(f"{about}{self.tokens_per_s:.0f} tokens/s")
        elif self.duration_ms is not None and self.status != Status.RUNNING:
            out.append(f"took {self.duration_ms / 1000:.1f} s")
        if self.size:
            out.append(self.size)
        out.append(self.cost_value().short())
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Column:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Comparison:
    kind: str  # a Task value: conversational, text-to-image, automatic-speech-recognition
    prompt: str
    columns: list[Column]
    created_at: float = 0.0
    record_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "prompt": self.prompt,
            "created_at": self.created_at,
            "record_id": self.record_id,
            "columns": [asdict(c) for c in self.columns],
            "cost": total_cost(self.columns).to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Comparison:
        return cls(
            kind=str(data.get("kind", Task.CHAT.value)),
            prompt=str(data.get("prompt", "")),
            columns=[Column.from_dict(c) for c in data.get("columns", []) if isinstance(c, dict)],
            created_at=float(data.get("created_at", 0.0)),
            record_id=data.get("record_id"),
        )


def total_cost(columns: Sequence[Column]) -> Cost:
    costs = [c.cost_value() for c in columns]
    known = [c.usd for c in costs if c.usd is not None]
    usd = sum(known) if len(known) == len(costs) else None
    return Cost(
        usd, f"the sum of {len(costs)} columns" + ("" if usd is not None else " (some unpriced)")
    )


class CompareListener(Protocol):
    def delta(self, index: int, text: str) -> None: ...
    def column_done(self, index: int, column: Column) -> None: ...


def fill_chat_column(column: Column, result: ChatResult) -> None:
    """Copy a chat result's answer and figures into ``column``."""
    column.status = result.status
    column.text = result.text
    column.error = result.error
    column.error_action = result.error_action
    column.answered_by = result.provider
    column.ttft_ms = result.ttft_ms
    column.duration_ms = result.duration_ms
    usage = result.usage
    if usage is not None and usage.completion_tokens is not None:
        column.tokens_out, column.tokens_estimated = usage.completion_tokens, False
    elif result.text:
        column.tokens_out, column.tokens_estimated = estimate_tokens(result.text), True
    streaming_s = (
        (result.duration_ms - result.ttft_ms) / 1000
        if result.duration_ms is not None and result.ttft_ms is not None
        else 0.0
    )
    if column.tokens_out and streaming_s > 0.001:
        column.tokens_per_s = column.tokens_out / streaming_s
    words = len(result.text.split())
    column.size = f"{words} word" + ("" if words == 1 else "s") if result.text else ""
    column.cost = result.cost.to_dict()
    if result.status == Status.FAILED:
        column.error_action = FixAction.OTHER_PROVIDER


def fill_media_column(column: Column, result: MediaResult) -> None:
    column.status = result.status
    column.error = result.error
    column.error_action = FixAction.OTHER_PROVIDER if result.status == Status.FAILED else None
    column.answered_by = result.provider
    column.duration_ms = result.duration_ms
    column.text = result.text or ""
    column.files = [asdict(f) for f in result.files]
    column.record_id = result.record_id
    column.cost = cost_of(result.trace).to_dict()
    if result.files and result.task == Task.TEXT_TO_IMAGE.value:
        f = result.files[0]
        column.size = f"{f.width}×{f.height}" if f.width and f.height else ""
    elif result.text:
        words = len(result.text.split())
        column.size = f"{words} word" + ("" if words == 1 else "s")


def _failed(column: Column, message: str) -> None:
    column.status = Status.FAILED
    column.error = message
    column.error_action = FixAction.OTHER_PROVIDER
    column.cost = Cost(0.0, "nothing was made; failed attempts are not billed").to_dict()


async def compare_chat(
    engine: Engine,
    pairs: Sequence[Pair],
    prompt: str,
    *,
    system: str | None = None,
    listener: CompareListener | None = None,
) -> Comparison:
    """Send ``prompt`` to every pair at once; columns fill as answers stream in."""
    pinned = await pin_pairs(engine, Task.CHAT, pairs)
    messages = ([ChatMessage("system", system)] if system else []) + [ChatMessage("user", prompt)]
    comparison = Comparison(
        Task.CHAT.value, prompt, [Column(p.model, p.provider) for p in pinned], time.time()
    )

    async def one(index: int) -> None:
        column = comparison.columns[index]
        request = ChatRequest(model=column.model, messages=messages, provider=column.provider)

        def on_delta(text: str) -> None:
            if listener is not None:
                listener.delta(index, text)

        result = await engine.chat(
            request,
            on_delta=on_delta,
            trace=Trace(model=column.model, policy=column.provider),
            hedge=False,
        )
        fill_chat_column(column, result)
        if listener is not None:
            listener.column_done(index, column)

    await asyncio.gather(*(one(i) for i in range(len(pinned))))
    return comparison


MediaRun = Callable[[Pair], Awaitable[MediaResult]]


async def compare_media(
    engine: Engine,
    task: Task,
    pairs: Sequence[Pair],
    prompt: str,
    run: MediaRun,
    *,
    listener: CompareListener | None = None,
) -> Comparison:
    """The same for pictures or transcripts: ``run(pair)`` makes one pinned result."""
    pinned = await pin_pairs(engine, task, pairs)
    comparison = Comparison(
        task.value, prompt, [Column(p.model, p.provider) for p in pinned], time.time()
    )

    async def one(index: int) -> None:
        column = comparison.columns[index]
        try:
            result = await run(column.pair)
        except SwitchboardError as exc:
            _failed(column, str(exc))
        else:
            fill_media_column(column, result)
        if listener is not None:
            listener.column_done(index, column)

    await asyncio.gather(*(one(i) for i in range(len(pinned))))
    return comparison


def save_comparison(history: HistoryStore, comparison: Comparison) -> int:
    """Keep a finished comparison in the library (blocking SQLite: call it off the loop)."""
    files = [MediaFile(**f) for c in comparison.columns for f in c.files if f.get("path")]
    done = any(c.status in (Status.COMPLETE, Status.INTERRUPTED) for c in comparison.columns)
    summary = "\n\n".join(
        f"## {c.pair.label()}\n{c.text or c.error or ''}" for c in comparison.columns
    )
    comparison.record_id = history.add_generation(
        COMPARE_TASK,
        prompt=comparison.prompt,
        model=", ".join(c.model for c in comparison.columns),
        provider=", ".join(c.provider for c in comparison.columns),
        status=Status.COMPLETE if done else Status.FAILED,
        params={"comparison": comparison.to_dict()},
        files=[asdict(f) for f in files],
        text=summary,
    )
    return comparison.record_id


def load_comparison(history: HistoryStore, record_id: int) -> Comparison | None:
    gen = history.get_generation(record_id)
    if gen is None or gen.task != COMPARE_TASK:
        return None
    data = gen.params.get("comparison") if isinstance(gen.params, dict) else None
    if not isinstance(data, dict):
        return None
    comparison = Comparison.from_dict(data)
    comparison.record_id = record_id
    return comparison


def keep_chat_column(history: HistoryStore, comparison: Comparison, index: int) -> int:
    """Turn one chat column into a conversation with that pair; returns its id (blocking)."""
    column = comparison.columns[index]
    title = comparison.prompt.strip().splitlines()[0][:60] if comparison.prompt.strip() else ""
    conversation = history.create_conversation(title or "Comparison", column.model, column.provider)
    history.add_message(conversation, "user", comparison.prompt)
    history.add_message(
        conversation,
        "assistant",
        column.text,
        model=column.model,
        provider=column.answered_by or column.provider,
        status=column.status if column.status != Status.RUNNING else Status.INTERRUPTED,
        error=column.error,
        ttft_ms=column.ttft_ms,
        duration_ms=column.duration_ms,
    )
    return conversation
