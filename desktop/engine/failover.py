"""The failover loop shared by every task: one logical request over ordered candidates.

Each task supplies only an *attempt function* (one HTTP exchange with one candidate, which
calls ``ctx.commit()`` at its commit point); everything else lives here once: skipping
candidates whose credential or account already failed, the retry budget, one same-candidate
retry when there is nowhere else to go, waiting out a short Retry-After for a pinned provider,
circuit-breaker bookkeeping, optional hedging, and cancellation that reaches every attempt in
flight (routing.md §5.3–§5.11).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from desktop.engine import trace as t
from desktop.engine.candidates import Candidate
from desktop.engine.classify import Failure, rank, sentence
from desktop.engine.health import HealthBook
from desktop.engine.limits import ProviderLimiter
from desktop.engine.trace import AttemptRecord, Trace


class AttemptOutcome(Protocol):
    """What every task's attempt returns: committed, or a classified failure."""

    committed: bool
    failure: Failure | None


OutcomeT = TypeVar("OutcomeT", bound=AttemptOutcome)


@dataclass
class Deadlines:
    """Engine-enforced deadlines and budgets, seconds (routing.md §5.12, chat column)."""

    ttft_s: float = 15.0
    ttft_min_s: float = 5.0
    ttft_max_s: float = 30.0
    idle_s: float = 30.0
    total_s: float = 600.0
    max_attempts: int = 4
    pinned_retry_after_cap_s: float = 20.0
    hedge_min_s: float = 1.5
    hedge_max_s: float = 8.0


@dataclass
class AttemptContext:
    """Handed to an attempt function. ``commit()`` returns False when another attempt won."""

    candidate: Candidate
    record: AttemptRecord
    first_deadline_at: float
    deadline_at: float
    commit: Callable[[], bool]


AttemptFn = Callable[[AttemptContext], Awaitable[OutcomeT]]


@dataclass
class Plan:
    """How to route one logical request."""

    candidates: list[Candidate]
    model: str
    explicit: bool
    first_deadline_s: Callable[[Candidate], float]
    hedge: bool = False
    interactive: bool = True


@dataclass
class Routed(Generic[OutcomeT]):
    """The winning outcome (if any) and every failure on the way."""

    outcome: OutcomeT | None = None
    candidate: Candidate | None = None
    record: AttemptRecord | None = None
    failures: list[tuple[Failure, Candidate]] = field(default_factory=list)


@dataclass
class _Running(Generic[OutcomeT]):
    task: asyncio.Task[OutcomeT]
    candidate: Candidate
    record: AttemptRecord


class Failover:
    """Runs plans; one instance per engine (it owns the limiter and the hedge budget)."""

    def __init__(
        self,
        health: HealthBook,
        deadlines: Deadlines,
        limiter: ProviderLimiter | None = None,
        on_not_found: Callable[[str], None] | None = None,
    ) -> None:
        self.health = health
        self.deadlines = deadlines
        self.limiter = limiter or ProviderLimiter()
        self._on_not_found = on_not_found

    async def run(
        self,
        plan: Plan,
        attempt: AttemptFn[OutcomeT],
        *,
        trace: Trace,
        on_attempt: Callable[[AttemptRecord], None] | None = None,
    ) -> Routed[OutcomeT]:
        loop = asyncio.get_running_loop()
        d = self.deadlines
        deadline_at = loop.time() + d.total_s
        routed: Routed[OutcomeT] = Routed()
        remaining = list(plan.candidates)
        running: list[_Running[OutcomeT]] = []
        winner: list[_Running[OutcomeT]] = []
        won = asyncio.Event()
        blocked_credentials: set[str] = set()
        hf_account_blocked = False
        context_floor: int | None = None
        retried: set[str] = set()
        started_attempts = 0
        hedged = False

        def notify(record: AttemptRecord) -> None:
            if on_attempt is not None:
                on_attempt(record)

        def skip_reason(cand: Candidate) -> str | None:
            if cand.credential and cand.credential in blocked_credentials:
                return "its key was refused earlier in this request"
            if hf_account_blocked and cand.billed_to == "huggingface":
                return "the Hugging Face account has no credits"
            if context_floor is not None and (cand.context_length or 0) <= context_floor:
                return "its context window is not larger"
            return None

        def next_candidate() -> Candidate | None:
            while remaining:
                cand = remaining.pop(0)
                why = skip_reason(cand)
                if why is None:
                    return cand
                trace.candidates.append(cand.note(why))
            return None

        def start(cand: Candidate) -> None:
            nonlocal started_attempts
            started_attempts += 1
            is_last = not any(skip_reason(c) is None for c in remaining)
            now = loop.time()
            first_at = deadline_at if is_last else min(
                deadline_at, now + plan.first_deadline_s(cand)
            )
            record = AttemptRecord(
                provider=cand.provider, via=cand.via, provider_model=cand.provider_model,
                started_at=time.time(),
            )
            record.breaker = self.health.begin(cand.health_key)
            self.health.note_attempt(cand.health_key)
            trace.attempts.append(record)
            notify(record)
            holder: list[_Running[OutcomeT]] = []

            def commit() -> bool:
                if winner:
                    return winner[0] is holder[0]
                winner.append(holder[0])
                won.set()
                return True

            ctx = AttemptContext(cand, record, first_at, deadline_at, commit)
            task = loop.create_task(self._limited(plan, ctx, attempt))
            holder.append(_Running(task, cand, record))
            running.append(holder[0])

        def finish_record(run: _Running[OutcomeT], outcome_name: str) -> None:
            rec = run.record
            rec.outcome = outcome_name
            if rec.duration_ms is None:
                rec.duration_ms = (time.time() - rec.started_at) * 1000
            # Neutral for the breaker, but it releases a half-open probe slot.
            self.health.record(run.candidate.health_key, outcome_name)

        try:
            while True:
                if not running:
                    if started_attempts >= d.max_attempts or loop.time() >= deadline_at:
                        break
                    cand = next_candidate()
                    if cand is None:
                        break
                    start(cand)
                hedge_wait = None
                if (
                    plan.hedge and not hedged and len(running) == 1 and not winner
                    and any(skip_reason(c) is None for c in remaining)
                ):
                    hedge_wait = self._hedge_delay(running[0].candidate)
                waiters: set[asyncio.Future[object]] = {r.task for r in running}  # type: ignore[misc]
                won_waiter = loop.create_task(won.wait()) if not winner else None
                if won_waiter is not None:
                    waiters.add(won_waiter)  # type: ignore[arg-type]
                try:
                    done, _ = await asyncio.wait(
                        waiters, timeout=hedge_wait, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    if won_waiter is not None and not won_waiter.done():
                        won_waiter.cancel()
                if not done and hedge_wait is not None:
                    if self.health.hedge_allowed():
                        cand = next_candidate()
                        if cand is not None:
                            hedged = True
                            self.health.note_hedge()
                            start(cand)
                            running[-1].record.message = "hedge: started because the first was slow"
                    else:
                        hedged = True  # budget spent: behave like plain failover
                    continue
                if winner:
                    champion = winner[0]
                    for other in list(running):
                        if other is not champion and not other.task.done():
                            other.task.cancel()
                            finish_record(other, t.CANCELLED)
                            other.record.message = "lost the hedge; cancelled"
                            notify(other.record)
                    losers = [r.task for r in running if r is not champion]
                    if losers:
                        await asyncio.gather(*losers, return_exceptions=True)
                    running[:] = [champion]
                    outcome = await champion.task
                    self._settle(champion, outcome)
                    notify(champion.record)
                    routed.outcome, routed.candidate, routed.record = (
                        outcome, champion.candidate, champion.record,
                    )
                    return routed
                for run in [r for r in running if r.task.done()]:
                    running.remove(run)
                    outcome = run.task.result()
                    self._settle(run, outcome)
                    notify(run.record)
                    failure = outcome.failure or Failure(t.BAD_RESPONSE, "")
                    cand = run.candidate
                    routed.failures.append((failure, cand))
                    kind = failure.outcome
                    if kind in (t.CONTENT_POLICY, t.INVALID_REQUEST):
                        remaining.clear()  # every provider would refuse it; no shopping
                        continue
                    if kind == t.CONTEXT_LENGTH:
                        context_floor = cand.context_length or 0
                    elif kind == t.AUTH and cand.credential:
                        blocked_credentials.add(cand.credential)
                    elif kind == t.BILLING:
                        if cand.billed_to == "huggingface":
                            hf_account_blocked = True
                        elif cand.credential:
                            blocked_credentials.add(cand.credential)
                    elif kind == t.NOT_FOUND and self._on_not_found is not None:
                        self._on_not_found(plan.model)
                    alive = running or any(skip_reason(c) is None for c in remaining)
                    if not alive and cand.health_key not in retried:
                        wait = self._same_candidate_wait(
                            failure, plan.explicit, deadline_at - loop.time(), cand
                        )
                        if wait is not None:
                            retried.add(cand.health_key)
                            self.health.note_retry(cand.health_key)
                            await asyncio.sleep(wait)
                            remaining.insert(0, cand)
        except asyncio.CancelledError:
            for run in running:
                run.task.cancel()
            for run in running:
                finish_record(run, t.CANCELLED)
                notify(run.record)
            if running:
                await asyncio.wait([r.task for r in running], timeout=1.0)
            raise
        return routed

    async def _limited(
        self, plan: Plan, ctx: AttemptContext, attempt: AttemptFn[OutcomeT]
    ) -> OutcomeT:
        async with self.limiter.slot(ctx.candidate.provider, interactive=plan.interactive):
            return await attempt(ctx)

    def _settle(self, run: _Running[OutcomeT], outcome: OutcomeT) -> None:
        """Feed the breaker; a cancelled hedge loser or a user stop is nobody's fault."""
        rec = run.record
        if rec.outcome == "" and outcome.failure is not None:
            rec.outcome = outcome.failure.outcome
        self.health.record(
            run.candidate.health_key, rec.outcome, ttft_ms=rec.ttft_ms,
            retry_after_s=rec.retry_after_s,
        )

    def _hedge_delay(self, cand: Candidate) -> float:
        p95 = self.health.ttft_p95_ms(cand.health_key)
        base = self.deadlines.hedge_min_s if p95 is None else p95 / 1000.0
        return min(self.deadlines.hedge_max_s, max(self.deadlines.hedge_min_s, base))

    def _same_candidate_wait(
        self, failure: Failure, explicit: bool, time_left: float, cand: Candidate
    ) -> float | None:
        """One same-candidate retry when there is nowhere else to go (routing.md §5.3)."""
        if not self.health.retry_allowed(cand.health_key):
            return None
        if failure.outcome == t.SERVER_ERROR:
            return min(random.uniform(0.3, 1.0), max(0.0, time_left))
        if failure.outcome == t.RATE_LIMITED and explicit and failure.retry_after_s:
            cap = min(self.deadlines.pinned_retry_after_cap_s, time_left)
            return failure.retry_after_s if failure.retry_after_s <= cap else None
        return None


def failure_message(
    trace: Trace, failures: list[tuple[Failure, Candidate]]
) -> tuple[str, str | None]:
    """The most actionable failure as one sentence, and the button to offer with it."""
    if not failures:
        return (
            "No provider could be tried for this request; check the Providers page.",
            "open_providers",
        )
    failure, cand = min(failures, key=lambda fc: rank(fc[0].outcome))
    message = sentence(failure, cand.provider, via_hf=cand.billed_to == "huggingface")
    if len(failures) > 1 and all(f.outcome == t.CONNECT_ERROR for f, _ in failures):
        message = "Could not reach any provider; check your internet connection."
    if len(failures) > 1:
        message += f" ({len(failures)} attempts: {trace.summary()}.)"
    action: str | None = {
        t.AUTH: "open_providers", t.BILLING: "open_providers", t.NOT_FOUND: "open_providers",
        t.CONTENT_POLICY: "other_provider", t.INVALID_REQUEST: None, t.CONTEXT_LENGTH: None,
    }.get(failure.outcome, "retry")
    return message, action
