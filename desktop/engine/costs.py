"""Estimated cost of every result, before (forms) and after (results, totals, budget).

Chat: the router's published price for the provider that answered (``/v1/models``:
``pricing.input`` / ``pricing.output`` in USD per million tokens, kept by the catalogue) times
the usage the provider reported; when it reported none, the tokens are estimated from the text
(about four characters a token) and the basis says so. A provider's own key uses the same
prices unless the user set their own (``costs.json``). Pictures, videos, audio and embeddings
come from the price table (:mod:`desktop.engine.price_table`).

Failed attempts cost nothing — Hugging Face bills only successful answers — so only attempts
that produced something are marked ``billed`` in the trace. Each estimate is written into the
result's trace (``trace.cost``, so the history keeps it) and appended to the cost ledger, which
the totals, the budget and ``switchboard costs`` read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path

from desktop.core.chat_types import ChatMessage, ChatResult
from desktop.core.cost_types import Cost, money_text
from desktop.core.media_types import MediaFile, MediaResult, tab_task
from desktop.core.table import PROVIDERS, Task, provider_label
from desktop.core.trace import Outcome, Trace
from desktop.core.vocab import Status
from desktop.engine.billing import ROUTED_VIAS, current_bill_to
from desktop.engine.catalog import ModelCatalog, ProviderStats
from desktop.engine.price_table import PriceRow, PriceTable
from desktop.store.cost_ledger import CostEntry, CostLedger, CostLedgerError
from desktop.store.cost_settings import CostSettings, CostSettingsStore
from desktop.store.settings import Settings
from desktop.store.worker import DbWorker

log = logging.getLogger(__name__)

LEDGER_WRITE_DELAY_S = 0.5
"""How long a result's ledger row may wait to be written with the ones that follow it."""

CHARS_PER_TOKEN = 4
DEFAULT_SIDE = 1024
DEFAULT_VIDEO_S = 5.0
DEFAULT_AUDIO_MIN = 1.0
BUDGET_WARN_SHARE = 0.8
COSTS_DB = "costs.db"
PRICE_WAIT_S = 2.0
"""How long a finished answer waits for the router's price list when none is cached."""

_UNIT_WORDS = {
    "image": "image",
    "megapixel": "megapixel",
    "video": "video",
    "video_second": "second of video",
    "audio_minute": "minute of audio",
    "thousand_characters": "1,000 characters",
    "million_tokens": "million tokens",
}


def estimate_tokens(text: str) -> int:
    """About four characters a token: the usual rule for English with BPE tokenisers."""
    return max(1, round(len(text) / CHARS_PER_TOKEN)) if text else 0


def _count_text(n: int) -> str:
    """``n`` with thousands separators (``format(n, ",")`` only where there are any: it costs
    more than the rest of an answer's cost text, issue 8)."""
    return f"{n}" if -1000 < n < 1000 else f"{n:,}"


def _tokens_text(n: int) -> str:
    return _count_text(n) + (" token" if n == 1 else " tokens")


def _price_text(usd: float) -> str:
    return f"${usd:g}"


_PRICE_WORDS: dict[tuple[str, float, float, str], str] = {}
"""The price half of chat cost texts, by provider, prices and source: the same few for every
answer, and formatting the prices cost more than the rest of the estimate (issue 8)."""


def _price_words(provider: str, price_in: float, price_out: float, source: str) -> str:
    """ " at Groq's $0.05 in / $0.08 out per million tokens (published by …)"."""
    key = (provider, price_in, price_out, source)
    words = _PRICE_WORDS.get(key)
    if words is None:
        if len(_PRICE_WORDS) >= 256:
            _PRICE_WORDS.clear()
        words = _PRICE_WORDS[key] = (
            f" at {provider_label(provider)}'s {_price_text(price_in)} in / "
            f"{_price_text(price_out)} out per million tokens ({source})"
        )
    return words


# Enum members read for every answer, bound once: each ``Status.X`` goes through the enum
# metaclass's attribute hook, about a Python call's cost (issue 8).
_FAILED = Status.FAILED
_BILLED = (Outcome.OK, Outcome.INTERRUPTED)


def chat_cost(
    result: ChatResult,
    messages: Sequence[ChatMessage],
    price: tuple[float, float] | None,
    price_source: str,
) -> Cost:
    """The arithmetic of one chat turn (pure; the meter finds ``price``)."""
    provider = result.provider
    if result.status == _FAILED or provider is None:
        return Cost(0.0, "nothing was answered; failed attempts are not billed")
    if result.via == "custom" and price is None:
        return Cost(
            None, f"{provider_label(provider)} is your own server; no price is known for it"
        )
    usage = result.usage
    reported = (
        usage is not None
        and usage.prompt_tokens is not None
        and usage.completion_tokens is not None
    )
    if reported:
        assert usage is not None and usage.prompt_tokens is not None
        assert usage.completion_tokens is not None
        tokens_in, tokens_out = usage.prompt_tokens, usage.completion_tokens
        counted = "reported by the provider"
    else:
        tokens_in = sum(estimate_tokens(m.content) for m in messages)
        tokens_out = estimate_tokens(result.text)
        counted = "estimated from the text; the provider reported no usage"
    tokens = f"{_tokens_text(tokens_in)} in + {_count_text(tokens_out)} out ({counted})"
    if price is None:
        return Cost(None, f"{tokens}; {provider_label(provider)} publishes no price for this model")
    price_in, price_out = price
    usd = (tokens_in * price_in + tokens_out * price_out) / 1_000_000
    return Cost(usd, tokens + _price_words(provider, price_in, price_out, price_source))


def units_of(row: PriceRow, result: MediaResult, text: str = "") -> tuple[float, str]:
    """How many of ``row.unit`` the result made, and a note when it had to be assumed;
    ``text`` is what was read aloud (text-to-speech is priced by its characters)."""
    files = result.files
    if row.unit == "thousand_characters":
        return len(text) / 1000, ""
    if row.unit == "image":
        return float(len(files)), ""
    if row.unit == "megapixel":
        total, assumed = 0.0, False
        for f in files:
            w = f.width or _int(result.params.get("width"))
            h = f.height or _int(result.params.get("height"))
            if not w or not h:
                assumed = True
            total += (w or DEFAULT_SIDE) * (h or DEFAULT_SIDE) / 1_000_000
        return total, f" (size unknown, {DEFAULT_SIDE}×{DEFAULT_SIDE} assumed)" if assumed else ""
    if row.unit == "video":
        return float(len(files)), ""
    if row.unit == "video_second":
        seconds = sum(f.duration_s or 0.0 for f in files)
        if seconds <= 0:
            return DEFAULT_VIDEO_S * max(
                1, len(files)
            ), f" (length unknown, {DEFAULT_VIDEO_S:g} s assumed)"
        return seconds, ""
    if row.unit == "audio_minute":
        seconds = _float(result.params.get("duration_s")) or sum(f.duration_s or 0 for f in files)
        if not seconds:
            return DEFAULT_AUDIO_MIN, f" (length unknown, {DEFAULT_AUDIO_MIN:g} minute assumed)"
        return seconds / 60, ""
    texts = result.params.get("texts")
    count = sum(estimate_tokens(t) for t in texts) if isinstance(texts, list) else 0
    return count / 1_000_000, " (tokens estimated from the text)"


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and value > 0 else None


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _amount_text(units: float, unit: str) -> str:
    word = _UNIT_WORDS.get(unit, unit)
    if unit == "thousand_characters":
        return f"{round(units * 1000):,} characters"
    if unit in ("image", "video") and units == int(units):
        return f"{int(units)} {word}" + ("" if units == 1 else "s")
    return f"{units:.3g} {word}" + ("" if units == 1 or word.endswith("s") else "s")


def media_cost(result: MediaResult, table: PriceTable) -> Cost:
    """The arithmetic of one media result (pure)."""
    if result.status != Status.COMPLETE or (not result.files and result.vectors is None):
        return Cost(0.0, "nothing was made; failed attempts are not billed")
    by_provider: dict[str, MediaResult] = {}
    for f in result.files:
        who = f.provider or result.provider or ""
        part = by_provider.setdefault(
            who,
            MediaResult(result.task, result.status, result.trace, params=result.params),
        )
        part.files.append(f)
    if not by_provider:  # embeddings: no files, one provider
        by_provider[result.provider or ""] = result
    total, parts = 0.0, []
    for provider, part in by_provider.items():
        # A change of a picture is priced as a picture, an animated one as a video.
        task = tab_task(result.task)
        row = table.find(task, provider, result.trace.model, result.provider_model or "")
        if row is None:
            return Cost(
                None, f"no price is known for {result.trace.model} at {provider_label(provider)}"
            )
        units, note = units_of(row, part, result.text or "")
        total += units * row.usd
        parts.append(
            f"{_amount_text(units, row.unit)}{note} at {provider_label(provider)}'s "
            f"{_price_text(row.usd)} per {_UNIT_WORDS[row.unit]} ({row.where()})"
        )
    return Cost(total, "; ".join(parts))


def _published(found: ProviderStats | None) -> tuple[tuple[float, float] | None, str]:
    """The router's published price in ``found`` and where it came from, if it has one."""
    if found is None or found.price_in is None or found.price_out is None:
        return None, ""
    return (found.price_in, found.price_out), "published by Hugging Face's router"


def mark_billed(trace: Trace) -> None:
    """Attempts that produced something are billed; failed, cancelled ones are not."""
    for attempt in trace.attempts:
        attempt.billed = attempt.outcome in _BILLED


@dataclass(frozen=True)
class BudgetCheck:
    """Where this month stands against the budget, with ``extra`` about to be spent."""

    level: str  # "none" (no budget), "ok", "warn" (≥ 80 %), "over"
    spent: float
    budget: float | None
    message: str = ""


class CostMeter:
    """Estimates costs, writes them into traces, keeps the ledger and watches the budget."""

    def __init__(
        self,
        catalog: ModelCatalog,
        settings: Callable[[], Settings],
        executor: Executor | None = None,
    ) -> None:
        self._catalog = catalog
        self._settings = settings
        self._executor = executor
        self._db: DbWorker | None = None
        self.cost_settings = CostSettings()
        self.ledger: CostLedger | None = None
        self._store: CostSettingsStore | None = None
        self._table: PriceTable | None = None
        self.last_month_spent: float | None = None
        """This month's total as of the last recorded result (None until one is recorded):
        what the form hints use, so typing in a form never reads the ledger."""
        self._write_due = False
        """A write of the ledger's queued rows is scheduled (:meth:`_write_soon`)."""

    # --- Wiring -------------------------------------------------------------------------

    def attach(self, data_dir: Path, config_dir: Path, db: DbWorker | None = None) -> None:
        """Open the ledger (``data_dir/costs.db``) and the user's choices (``costs.json``);
        the ledger is then written on ``db``, the one database worker.

        A ledger that cannot be opened leaves totals empty; estimates still work.
        """
        self._db = db
        self._store = CostSettingsStore(config_dir)
        self.cost_settings = self._store.load()
        self._table = None
        try:
            self.ledger = CostLedger(data_dir / COSTS_DB)
        except CostLedgerError as exc:
            log.warning("%s", exc)
            self.ledger = None

    def close(self) -> None:
        """Close the ledger; from then on totals read as empty (a late hint or refresh
        during shutdown must not touch a closed database)."""
        ledger, self.ledger = self.ledger, None
        if ledger is not None:
            ledger.close()

    def save_settings(self) -> None:
        self._table = None
        if self._store is not None:
            self._store.save(self.cost_settings)

    @property
    def table(self) -> PriceTable:
        if self._table is None:
            self._table = PriceTable(self.cost_settings.price_rows)
        return self._table

    # --- Prices -------------------------------------------------------------------------

    async def chat_price(
        self, model: str, provider: str, *, fetch: bool = True
    ) -> tuple[tuple[float, float] | None, str]:
        """(input, output) USD per million tokens for ``provider`` serving ``model``, and where
        the figure came from; the user's own price wins over the router's published one."""
        known = self._known_chat_price(model, provider, fetch)
        if known is not None:
            return known
        # The chooser refreshes these in the background at every request, so they are
        # usually cached; a missing entry is fetched, but never holds a turn for long.
        try:
            stats = await asyncio.wait_for(self._catalog.provider_stats(model), PRICE_WAIT_S)
        except TimeoutError:
            return None, ""
        return _published(stats.get(provider))

    def _known_chat_price(
        self, model: str, provider: str, fetch: bool
    ) -> tuple[tuple[float, float] | None, str] | None:
        """:meth:`chat_price` from what is at hand; None when the router's figures for
        ``provider`` are to be fetched first (a settled answer usually needs no coroutine)."""
        mine = self.cost_settings.chat_prices
        if mine:  # usually none: no key to build
            pair = mine.get(f"{provider}|{model}") or mine.get(provider)
            if pair is not None:
                return (pair[0], pair[1]), "your price"
        if provider not in PROVIDERS:
            return None, ""
        stats = self._catalog.cached_stats(model)
        if provider not in stats and fetch:
            return None
        return _published(stats.get(provider))

    def priced_stats(self, model: str, stats: dict[str, ProviderStats]) -> dict[str, ProviderStats]:
        """``stats`` with the user's own chat prices in place of the published ones."""
        mine = self.cost_settings.chat_prices
        if not mine:
            return stats
        out = dict(stats)
        for provider in set(stats) | {k.split("|", 1)[0] for k in mine}:
            pair = mine.get(f"{provider}|{model}") or mine.get(provider)
            if pair is not None:
                base = stats.get(provider) or ProviderStats()
                out[provider] = replace(base, price_in=pair[0], price_out=pair[1])
        return out

    def likely_provider(self, task: Task, model: str, policy: str) -> str:
        """Who will probably serve a request (for the figure a form shows before it starts):
        the pinned provider, else the first provider the cached mapping names in the user's
        order; "*" (the table's any-provider row) when nothing is known."""
        if policy not in ("auto", "fastest", "cheapest", "hf-auto"):
            return policy
        serving = {e.provider for e in self._catalog.cached(model) or [] if e.task == task.value}
        settings = self._settings()
        for provider in settings.ordered_providers():
            if provider in serving and settings.is_enabled(provider):
                return provider
        return "*"

    def expected_media(
        self,
        task: Task,
        model: str,
        policy: str,
        *,
        count: int = 1,
        width: int | None = None,
        height: int | None = None,
        seconds: float | None = None,
    ) -> Cost:
        """What a picture (or ``count``), a video or a transcript is expected to cost."""
        provider = self.likely_provider(task, model, policy)
        probe = MediaResult(
            task.value,
            Status.COMPLETE,
            Trace(model=model, policy=policy, task=task.value),
            provider=None if provider == "*" else provider,
            files=[
                MediaFile(
                    path="",
                    mime="",
                    width=width,
                    height=height,
                    duration_s=seconds,
                    provider=provider,
                )
                for _ in range(max(1, count))
            ],
            params={"duration_s": seconds} if task == Task.SPEECH_TO_TEXT else {},
        )
        return media_cost(probe, self.table)

    # --- After a result -----------------------------------------------------------------

    async def settle_chat(self, result: ChatResult, messages: Sequence[ChatMessage]) -> Cost:
        """Estimate a chat turn, write it into its trace and the ledger."""
        price: tuple[float, float] | None = None
        source = ""
        if result.status != _FAILED and result.provider is not None:
            # Coroutines only when a price is to be fetched or the month read (issue 8).
            known = self._known_chat_price(result.trace.model, result.provider, True)
            if known is None:
                known = await self.chat_price(result.trace.model, result.provider)
            price, source = known
        cost = chat_cost(result, messages, price, source)
        ledger = self._record(result.trace, cost, result.provider)
        if ledger is not None:
            await self._read_month(ledger)
        return cost

    async def settle_stopped(
        self, trace: Trace, messages: Sequence[ChatMessage], text: str
    ) -> Cost:
        """Estimate a chat answer the user stopped mid-stream (providers bill what they
        generated), write it into its trace and the ledger.

        The answering attempt is the last one that sent words; a stopped stream rarely
        carries usage, so the tokens are estimated from ``text`` (the basis says so). The
        price is taken from what is cached only: a stop must not wait on the network.
        """
        answering = next(
            (
                a
                for a in reversed(trace.attempts)
                if a.outcome in (Outcome.OK, Outcome.CANCELLED, Outcome.INTERRUPTED)
                and a.ttft_ms is not None
            ),
            None,
        )
        if answering is None or not text:
            cost = Cost(0.0, "stopped before any words arrived; nothing is billed")
            await self._keep(trace, cost, None)
            return cost
        provider = answering.served_by or answering.provider
        if answering.via in ROUTED_VIAS and trace.bill_to is None:
            trace.bill_to = current_bill_to(self.cost_settings.bill_to)
        price, source = await self.chat_price(trace.model, provider, fetch=False)
        stopped = ChatResult(
            text=text, status=Status.INTERRUPTED, trace=trace, provider=provider, via=answering.via
        )
        counted = chat_cost(stopped, messages, price, source)
        cost = Cost(counted.usd, f"stopped mid-answer, billed for what was made: {counted.basis}")
        await self._keep(trace, cost, provider)
        answering.billed = True  # the provider bills the words it sent before the stop
        return cost

    async def settle_media(self, result: MediaResult) -> MediaResult:
        """Estimate a media result, write it into its trace and the ledger; returns it."""
        cost = media_cost(result, self.table)
        await self._keep(result.trace, cost, result.provider)
        return result

    async def _keep(self, trace: Trace, cost: Cost, provider: str | None) -> None:
        ledger = self._record(trace, cost, provider)
        if ledger is not None:
            await self._read_month(ledger)

    def _record(self, trace: Trace, cost: Cost, provider: str | None) -> CostLedger | None:
        """Write ``cost`` into ``trace`` and queue its ledger row; returns the ledger when
        this month's total is to be read (:meth:`_read_month`) before it runs in memory."""
        mark_billed(trace)
        trace.cost = cost.to_dict()
        if self.ledger is None or (cost.usd == 0.0 and provider is None):
            return None  # nothing was made: no row, so counts stay "things made"
        ledger = self.ledger
        entry = CostEntry(  # positional, in the fields' order: keywords cost more (issue 8)
            trace.task,
            trace.model,
            trace.answered_by or provider or "",  # provider
            cost.usd,
            cost.basis,
            trace.bill_to,
            trace.request_id,
            ledger.now(),  # at
        )
        spent = ledger.queue(entry)
        if spent is not None:  # the month's total runs in memory: write the row soon
            self.last_month_spent = spent
            self._write_soon(ledger)
            return None
        return ledger

    async def _read_month(self, ledger: CostLedger) -> None:
        """The first result of the month (or after another process wrote): read its total."""
        try:
            self.last_month_spent = await self._on_worker(ledger.this_month)
        except CostLedgerError as exc:  # pragma: no cover - disk full and the like
            log.warning("cost not recorded: %s", exc)

    def _write_soon(self, ledger: CostLedger) -> None:
        """Write the queued rows after :data:`LEDGER_WRITE_DELAY_S`, together: one
        transaction and one trip to the database worker for a burst of results instead of
        one of each per answer (issue 8). Reads and closing write the queue first."""
        if self._write_due:
            return
        self._write_due = True
        asyncio.get_running_loop().call_later(LEDGER_WRITE_DELAY_S, self._write_queued, ledger)

    def _write_queued(self, ledger: CostLedger) -> None:
        self._write_due = False
        if ledger is not self.ledger:
            return  # closed meanwhile: closing wrote the queue
        if self._db is not None:
            self._db.submit(_flush, ledger)
        else:
            asyncio.get_running_loop().run_in_executor(self._executor, _flush, ledger)

    async def _on_worker(self, fn: Callable[[], float]) -> float:
        if self._db is not None:
            return await self._db.run(fn)
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    # --- Budget -------------------------------------------------------------------------

    async def month_spent(self) -> float:
        """This month's total, read on the database worker (never on the caller's thread:
        the window asks this before a dear start, and SQL must not run on the GUI thread)."""
        ledger = self.ledger
        if ledger is None:
            return 0.0
        spent = await self._on_worker(ledger.this_month)
        self.last_month_spent = spent
        return spent

    def budget_check(self, extra: float = 0.0, *, spent: float) -> BudgetCheck:
        """This month (``spent``, from :meth:`month_spent` or :attr:`last_month_spent`)
        against the budget with ``extra`` more; pure, so any thread may ask."""
        budget = self.cost_settings.monthly_budget_usd
        if not budget:
            return BudgetCheck("none", spent, None)
        after = spent + extra
        shown = f"{money_text(spent, approx=False)} of your {money_text(budget, approx=False)}"
        if after > budget:
            return BudgetCheck("over", spent, budget, f"Over your monthly budget: {shown} used.")
        if after >= BUDGET_WARN_SHARE * budget:
            return BudgetCheck(
                "warn", spent, budget, f"You have used {shown} monthly budget (80 % or more)."
            )
        return BudgetCheck("ok", spent, budget)

    async def question_before(self, expected: Cost, *, batch: bool) -> str | None:
        """The question to ask before starting, or None to just start.

        A video or a batch above the user's threshold asks; so does anything that would go
        over the monthly budget (the month so far is read on the database worker).
        """
        extra = expected.usd or 0.0
        if self.cost_settings.monthly_budget_usd:
            check = self.budget_check(extra, spent=await self.month_spent())
            if check.level == "over" and check.budget is not None:
                return (
                    f"This would take you over your monthly budget "
                    f"({money_text(check.spent, approx=False)} of "
                    f"{money_text(check.budget, approx=False)} used, and this is expected to "
                    f"cost {money_text(extra)}). Go ahead anyway?"
                )
        limit = self.cost_settings.ask_above_usd
        if batch and limit is not None and expected.usd is not None and expected.usd > limit:
            return (
                f"This is expected to cost {money_text(expected.usd)} ({expected.basis}), more "
                f"than the {money_text(limit, approx=False)} you asked to be warned about. "
                "Start it?"
            )
        return None


def _flush(ledger: CostLedger) -> None:
    """Write the ledger's queued rows (on the database worker); a failure is logged."""
    try:
        ledger.flush()
    except CostLedgerError as exc:  # pragma: no cover - disk full and the like
        log.warning("costs not recorded: %s", exc)
