"""The failover loop shared by every task: one logical request over ordered candidates.

Each task supplies only an *attempt function* (one HTTP exchange with one candidate, which
calls ``ctx.commit()`` at its commit point); everything else lives here once: skipping
candidates whose credential or account already failed, the retry budget, one same-candidate
retry when there is nowhere else to go, waiting out a short Retry-After for a pinned provider,
circuit-breaker bookkeeping, optional hedging, and cancellation that reaches every attempt in
flight (routing.md §5.3–§5.11).

Two rules were revised after an independent fault harness (issue 9): an answer cut after its
commit point is *restarted from scratch* on the next candidate when one is left (the listener
hears that the partial text is to be replaced, and the cut attempt stays in the trace), and a
short Retry-After on the user's first choice is waited out to keep the user's order. Every
candidate that was not tried gets a reason in the trace, in words.

Issue 12: attempts that could not even open a connection are held back from the breakers
until the request ends; when nobody answered and they point at this machine being offline
(:func:`desktop.core.classify.looks_offline`), nobody's health changes and the person reads
one sentence saying so.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from desktop.core.classify import OFFLINE_SENTENCE, Failure, looks_offline, rank, sentence
from desktop.core.table import provider_label
from desktop.core.trace import AttemptRecord, Outcome, Trace
from desktop.core.vocab import FixAction
from desktop.engine.candidates import Candidate
from desktop.engine.deadline import Deadline
from desktop.engine.health import HealthBook
from desktop.engine.health_summary import rest_words
from desktop.engine.limits import ProviderLimiter

# Enum members read on every request, bound once: each ``Outcome.X`` goes through the enum
# metaclass's attribute hook, about a Python call's cost (issue 8).
_OK, _CUT, _CONNECT_ERROR = Outcome.OK, Outcome.INTERRUPTED, Outcome.CONNECT_ERROR


class AttemptOutcome(Protocol):
    """What every task's attempt returns: committed, or a classified failure."""

    committed: bool
    failure: Failure | None


OutcomeT = TypeVar("OutcomeT", bound=AttemptOutcome)


@dataclass
class Deadlines:
    """Engine-enforced deadlines and budgets, seconds (routing.md §5.12, chat column)."""

    ttft_s: float = 10.0
    """Time to first token when neither our history nor the router's figure is known."""
    ttft_published_factor: float = 3.0
    ttft_min_s: float = 5.0
    ttft_max_s: float = 30.0
    idle_s: float = 30.0
    total_s: float = 600.0
    max_attempts: int = 4
    pinned_retry_after_cap_s: float = 20.0
    first_choice_retry_after_s: float = 2.0
    """A Retry-After this short on the user's first choice is waited out (keeps the order)."""
    hedge_min_s: float = 1.5
    hedge_max_s: float = 8.0


@dataclass
class AttemptContext:
    """Handed to an attempt function. ``commit()`` returns False when another attempt won.

    The deadlines are loop times: ``first_deadline_at`` bounds the wait for the first result
    (time to first token for chat; none for the last candidate), ``deadline_at`` the whole
    logical request; ``idle_s`` is the longest silence allowed between pieces of a stream.
    """

    candidate: Candidate
    record: AttemptRecord
    first_deadline_at: float
    deadline_at: float
    commit: Callable[[], bool]
    idle_s: float

    def keep_alive(self, timer: Deadline, now: float) -> None:
        """Content arrived: the attempt may now stay silent for ``idle_s`` (never past the total).

        The timer moves only when half of the idle time is used up: rescheduling it on every
        chunk costs more than parsing the chunk.
        """
        if timer.when() - now < self.idle_s / 2:
            timer.reschedule(min(self.deadline_at, now + self.idle_s))


def past_commit_point(committed: bool, failure: Failure, mid_answer: str) -> str | None:
    """The commit-point rule of every task (routing.md §5.4), in one place.

    Before the commit point a failure is the attempt's failure and the request may fail over
    (returns None). After it (a result already reached the person) the attempt ends
    ``interrupted`` with what was shown kept, and this returns the sentence saying so; the
    failover core then restarts the request on the next candidate when the plan allows it
    (:attr:`Plan.restart_cut`) and keeps this sentence if nobody finishes the answer. Result
    tasks commit only once their result is validated, so for them nothing can fail after it;
    streamed chat commits at its first text.
    """
    if not committed:
        return None
    return mid_answer or f"The answer was cut off ({failure.detail}); the partial answer is kept."


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
    max_attempts: int | None = None
    """This request's attempt budget; None: the engine-wide one in :class:`Deadlines`."""
    restart_cut: bool = False
    """Restart an answer cut after its commit point on the next candidate (chat)."""
    keep_order: bool = False
    """The order is the user's own (policy ``auto``): a short Retry-After on the first
    candidate is waited out rather than skipping to the second."""


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


class _Request(Generic[OutcomeT]):
    """The state of one logical request while it is routed: what may still be tried."""

    def __init__(
        self,
        failover: Failover,
        plan: Plan,
        trace: Trace,
        on_attempt: Callable[[AttemptRecord], None] | None,
        on_restart: Callable[[str], None] | None = None,
    ) -> None:
        self.failover = failover
        self.on_restart = on_restart
        self.cut: tuple[OutcomeT, Candidate, AttemptRecord] | None = None
        """The last answer cut after its commit point, kept in case nobody finishes it."""
        self.cut_message = ""
        self.replace_pending = False
        self.current: Candidate | None = None
        self.stop_reason = ""
        self.plan = plan
        self.trace = trace
        self.on_attempt = on_attempt
        self.loop = asyncio.get_running_loop()
        self.deadline_at = self.loop.time() + failover.deadlines.total_s
        self.remaining = list(plan.candidates)
        self.routed: Routed[OutcomeT] = Routed()
        self.blocked_credentials: set[str] = set()
        self.hf_account_blocked = False
        self.context_floor: int | None = None
        self.retried: set[str] = set()
        self.started = 0
        self.unsent: list[tuple[Candidate, AttemptRecord, Failure]] = []
        """Attempts that could not even connect: held back from the breakers until the
        request ends, so an offline machine does not count against every provider."""
        self.answered = False
        """Some attempt met a provider (any answer, even an error): not offline."""
        self.noted_skips = False
        """A candidate's note was given a reason during the request (:meth:`skipped`)."""

    def notify(self, record: AttemptRecord) -> None:
        if self.on_attempt is not None:
            self.on_attempt(record)

    def skip_reason(self, cand: Candidate) -> str | None:
        if not (self.blocked_credentials or self.hf_account_blocked) and self.context_floor is None:
            return None  # the usual case: nothing ruled out yet
        if cand.credential and cand.credential in self.blocked_credentials:
            return "its key was refused earlier in this request"
        if self.hf_account_blocked and cand.billed_to == "huggingface":
            return "the Hugging Face account has no credits"
        # Unknown is not "not larger": custom servers and missing metadata are tried.
        if (
            self.context_floor is not None
            and cand.context_length is not None
            and cand.context_length <= self.context_floor
        ):
            return "its context window is not larger"
        return None

    def more_to_try(self) -> bool:
        if not (self.blocked_credentials or self.hf_account_blocked) and self.context_floor is None:
            return bool(self.remaining)  # nothing ruled out: every one left may be tried
        return any(self.skip_reason(c) is None for c in self.remaining)

    def can_continue(self) -> bool:
        """Another attempt fits: a candidate is left, and the attempt and time budgets allow."""
        return (
            self.started < (self.plan.max_attempts or self.failover.deadlines.max_attempts)
            and self.loop.time() < self.deadline_at
            and self.more_to_try()
        )

    def restartable(self, record: AttemptRecord, outcome: OutcomeT) -> bool:
        """A committed answer that was cut, and a plan that restarts cut answers elsewhere."""
        return (
            outcome.committed
            and record.outcome == _CUT
            and self.plan.restart_cut
            and self.can_continue()
        )

    def keep_cut(self, cand: Candidate, record: AttemptRecord, outcome: OutcomeT) -> None:
        """Keep a cut answer aside; the next answer to start replaces it on screen."""
        self.cut = (outcome, cand, record)
        self.cut_message = record.message
        self.replace_pending = True
        record.message = (
            f"{provider_label(record.served_by or cand.provider)} stopped in the middle of the "
            "answer; it was restarted on the next provider."
        )
        self.notify(record)

    def committing(self, commit: Callable[[], bool]) -> Callable[[], bool]:
        """``commit`` that first tells the listener to replace a cut answer, when one is
        (``commit`` itself when none is: a cut is only kept between attempts)."""
        if not self.replace_pending:
            return commit

        def wrapped() -> bool:
            ok = commit()
            if ok and self.replace_pending and self.cut is not None and self.current is not None:
                self.replace_pending = False
                _, cut_cand, cut_record = self.cut
                note = (
                    f"{provider_label(cut_record.served_by or cut_cand.provider)} stopped "
                    f"mid-answer; {provider_label(self.current.provider)} answered instead"
                )
                self.trace.restarts.append(note)
                if self.on_restart is not None:
                    self.on_restart(note)
            return ok

        return wrapped

    def finish(self) -> Routed[OutcomeT]:
        """Note who answered and who pays; nobody finished: a cut answer is the result
        (interrupted, its text kept)."""
        routed = self.routed
        if routed.outcome is None and self.cut is not None:
            outcome, cand, record = self.cut
            record.message = self.cut_message
            self.won(cand, record, outcome)
        if routed.candidate is not None and routed.record is not None:
            trace = self.trace
            trace.answered_by = routed.record.served_by or routed.candidate.provider
            trace.billed_to = routed.candidate.billed_to
            trace.bill_to = routed.candidate.bill_to
        self.note_untried()
        return routed

    def note_untried(self) -> None:
        """Give every candidate that was not tried a reason, in words (issue 9, §5.10)."""
        attempts = self.trace.attempts
        winner = self.routed.candidate
        health = self.failover.health
        keys: dict[tuple[str, str], str] = {}
        if not health.quiet():
            for c in reversed(self.plan.candidates):  # the first of equals wins, as before
                keys[(c.provider, c.via)] = c.health_key
        not_needed = (
            f"not needed ({provider_label(winner.provider)} answered)"
            if winner is not None
            and self.routed.record is not None
            and (self.routed.record.outcome == _OK)
            else None
        )
        notes = self.trace.candidates
        if not keys and not_needed is not None and len(attempts) == 1 and not self.noted_skips:
            # The usual end: nobody rests, the one attempt answered, nothing was skipped. The
            # trace's first notes are the plan's, in its order (``Engine.plan``); the others
            # (providers left out) have their reasons. Each candidate keeps its own note for
            # "not needed", so no note is made here (issue 8, CPU per request).
            provider, via = attempts[0].provider, attempts[0].via
            for i, cand in enumerate(self.plan.candidates):
                if cand.provider != provider or cand.via != via:
                    notes[i] = cand.not_needed_note(not_needed)
            return
        tried = {(a.provider, a.via) for a in attempts}
        for i, note in enumerate(notes):
            if note.skipped or (note.provider, note.via) in tried:
                continue
            why: str | None
            key = keys.get((note.provider, note.via))
            resting = rest_words(health, key) if key else None
            if resting is not None:
                why = resting
            elif not_needed is not None:
                why = not_needed
            elif self.stop_reason:
                why = self.stop_reason
            elif self.started >= (self.plan.max_attempts or self.failover.deadlines.max_attempts):
                why = "the attempts allowed for one request were used up"
            elif self.loop.time() >= self.deadline_at:
                why = "the request ran out of time"
            else:
                why = None
            if why is not None:
                notes[i] = note.skipped_for(why)

    def skipped(self, cand: Candidate, why: str) -> None:
        """Note in the trace why ``cand`` is not tried (on its own line of the plan)."""
        self.noted_skips = True
        notes = self.trace.candidates
        for i, note in enumerate(notes):
            if note.provider == cand.provider and note.via == cand.via and not note.skipped:
                notes[i] = note.skipped_for(why)
                return
        notes.append(cand.note(why))

    def next_candidate(self) -> Candidate | None:
        """The next candidate worth an attempt, or None when budget or list are spent."""
        if self.started >= (self.plan.max_attempts or self.failover.deadlines.max_attempts):
            return None
        if self.loop.time() >= self.deadline_at:
            return None
        while self.remaining:
            cand = self.remaining.pop(0)
            why = self.skip_reason(cand)
            if why is None:
                return cand
            self.skipped(cand, why)
        return None

    def begin(self, cand: Candidate, commit: Callable[[], bool]) -> AttemptContext:
        """Open the attempt's record; the last candidate gets no first-result cut-off."""
        self.started += 1
        self.current = cand
        health = self.failover.health
        now = self.loop.time()
        first_at = (
            self.deadline_at
            if not self.more_to_try()
            else min(self.deadline_at, now + self.plan.first_deadline_s(cand))
        )
        record = AttemptRecord(cand.provider, cand.via, cand.provider_model, time.time())
        record.breaker = health.begin(cand.health_key)
        health.note_attempt(cand.health_key)
        self.trace.attempts.append(record)
        if self.on_attempt is not None:  # ``notify``, inline: once per attempt
            self.on_attempt(record)
        return AttemptContext(
            cand,
            record,
            first_at,
            self.deadline_at,
            self.committing(commit),
            self.failover.deadlines.idle_s,
        )

    def settle(self, cand: Candidate, record: AttemptRecord, outcome: OutcomeT) -> None:
        """Feed the breaker; a cancelled hedge loser or a user stop is nobody's fault.

        A failure to connect at all waits for :meth:`settle_unsent`: only at the end of the
        request is it known whether the machine itself was offline.
        """
        if record.outcome == "" and outcome.failure is not None:
            record.outcome = outcome.failure.outcome
        failure = outcome.failure
        if (
            not outcome.committed
            and failure is not None
            and failure.network
            and record.outcome == _CONNECT_ERROR
        ):
            self.unsent.append((cand, record, failure))
            self.failover.health.release(cand.health_key)
        else:
            self.answered = True
            self.failover.health.record(
                cand.health_key,
                record.outcome,
                ttft_ms=record.ttft_ms,
                retry_after_s=record.retry_after_s,
            )
        if self.on_attempt is not None:  # ``notify``, inline: once per attempt
            self.on_attempt(record)

    def offline(self) -> bool:
        """No provider answered and the connect failures point at this machine's network."""
        return not self.answered and looks_offline((f, c.provider) for c, _, f in self.unsent)

    def settle_unsent(self) -> None:
        """The request is over: connect failures count against their providers unless the
        machine was offline (then nothing reached anyone, and nobody's health changes)."""
        if not self.unsent:  # the usual end: every attempt reached its provider
            return
        if not self.offline():
            for cand, record, _ in self.unsent:
                self.failover.health.record(cand.health_key, record.outcome)
        self.unsent.clear()

    def cancelled(self, cand: Candidate, record: AttemptRecord, message: str = "") -> None:
        record.outcome = Outcome.CANCELLED
        if message:
            record.message = message
        if record.duration_ms is None:
            record.duration_ms = (time.time() - record.started_at) * 1000
        # Neutral for the breaker, but it releases a half-open probe slot.
        self.failover.health.record(cand.health_key, Outcome.CANCELLED)
        self.notify(record)

    async def after_failure(self, cand: Candidate, outcome: OutcomeT, others_running: bool) -> None:
        """Decide what the failure rules out, and wait for a same-candidate retry if due."""
        failure = outcome.failure or Failure(Outcome.BAD_RESPONSE, "")
        self.routed.failures.append((failure, cand))
        kind = failure.outcome
        if kind in (Outcome.CONTENT_POLICY, Outcome.INVALID_REQUEST):
            self.remaining.clear()  # every provider would refuse it; no shopping around
            self.stop_reason = (
                f"not asked: {provider_label(cand.provider)} refused the request itself, "
                "and every provider would"
            )
            return
        if kind == Outcome.CONTEXT_LENGTH:
            self.context_floor = cand.context_length or 0
        elif kind == Outcome.AUTH and cand.credential:
            if cand.via in ("router", "hf-auto") and failure.whole_credential:
                # The router refused the token itself: every routed candidate would be too.
                self.blocked_credentials.add(cand.credential)
                self.failover.health.rest_credential(cand.credential, kind)
            elif cand.via not in ("router", "hf-auto"):
                self.blocked_credentials.add(cand.credential)
            # else: one provider refused through the router; only that provider rests.
        elif kind == Outcome.BILLING:
            if cand.billed_to == "huggingface":
                self.hf_account_blocked = True
            elif cand.credential:
                self.blocked_credentials.add(cand.credential)
        elif kind == Outcome.NOT_FOUND and self.failover.on_not_found is not None:
            self.failover.on_not_found(self.plan.model)
        if others_running or cand.health_key in self.retried:
            return
        if self.more_to_try():
            wait = self.first_choice_wait(cand, failure)
            if wait is not None:
                await self.wait_and_retry(cand, wait)
            return
        wait = self.failover.same_candidate_wait(
            failure, self.plan.explicit, self.deadline_at - self.loop.time(), cand
        )
        if wait is not None:
            await self.wait_and_retry(cand, wait)

    def first_choice_wait(self, cand: Candidate, failure: Failure) -> float | None:
        """Seconds to wait out a short Retry-After on the user's first choice, or None.

        Under the user's own order a 429 asking for at most two seconds (that fits the
        deadline, with time for the answer) does not hand the request to the second choice.
        """
        d = self.failover.deadlines
        retry_after = failure.retry_after_s
        if not (
            self.plan.keep_order
            and failure.outcome == Outcome.RATE_LIMITED
            and retry_after
            and retry_after <= d.first_choice_retry_after_s
            and self.started == 1
            and self.plan.candidates
            and self.plan.candidates[0] is cand
            and cand.provider == self.trace.first_choice
            and self.failover.health.retry_allowed(cand.health_key)
        ):
            return None
        if self.loop.time() + retry_after + d.ttft_min_s > self.deadline_at:
            return None
        return retry_after

    async def wait_and_retry(self, cand: Candidate, wait: float) -> None:
        self.retried.add(cand.health_key)
        self.failover.health.note_retry(cand.health_key)
        self.trace.waits.append(
            f"waited {wait:g} s for {provider_label(cand.provider)} as it asked "
            "(Retry-After), then asked it again"
        )
        await asyncio.sleep(wait)
        # The wait was its Retry-After: its breaker's rest is over for this request.
        self.remaining.insert(0, cand)

    def won(self, cand: Candidate, record: AttemptRecord, outcome: OutcomeT) -> Routed[OutcomeT]:
        self.routed.outcome, self.routed.candidate, self.routed.record = outcome, cand, record
        return self.routed


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
        self.on_not_found = on_not_found

    async def run(
        self,
        plan: Plan,
        attempt: AttemptFn[OutcomeT],
        *,
        trace: Trace,
        on_attempt: Callable[[AttemptRecord], None] | None = None,
        on_restart: Callable[[str], None] | None = None,
    ) -> Routed[OutcomeT]:
        """Route ``plan``; ``on_restart`` hears (with a sentence) that an answer already shown
        was cut and is being replaced by a new one from the next candidate."""
        req: _Request[OutcomeT] = _Request(self, plan, trace, on_attempt, on_restart)
        try:
            if plan.hedge:
                await self._run_hedged(req, attempt)
            else:
                await self._run_sequential(req, attempt)
        finally:
            req.settle_unsent()
        return req.finish()

    async def _run_sequential(
        self, req: _Request[OutcomeT], attempt: AttemptFn[OutcomeT]
    ) -> Routed[OutcomeT]:
        """One attempt at a time, in the caller's task (the common, cheapest path)."""
        limiter, interactive = self.limiter, req.plan.interactive
        while (cand := req.next_candidate()) is not None:
            ctx = req.begin(cand, _always_commit)
            try:
                # ``limiter.slot()`` without its object and two coroutines (issue 8).
                gate = limiter.take_free(cand.provider, interactive)
                if gate is None:
                    gate = await limiter.take(cand.provider, interactive)
                try:
                    outcome = await attempt(ctx)
                finally:
                    limiter.release(gate)
            except asyncio.CancelledError:
                req.cancelled(cand, ctx.record)
                raise
            req.settle(cand, ctx.record, outcome)
            if req.restartable(ctx.record, outcome):
                req.keep_cut(cand, ctx.record, outcome)
                continue
            if outcome.committed:
                return req.won(cand, ctx.record, outcome)
            await req.after_failure(cand, outcome, others_running=False)
        return req.routed

    async def _run_hedged(
        self, req: _Request[OutcomeT], attempt: AttemptFn[OutcomeT]
    ) -> Routed[OutcomeT]:
        """Latency mode: a second candidate starts when the first misses its p95 TTFT."""
        loop = req.loop
        running: list[_Running[OutcomeT]] = []
        winner: list[_Running[OutcomeT]] = []
        won = asyncio.Event()
        hedged = False

        def start(cand: Candidate) -> None:
            holder: list[_Running[OutcomeT]] = []

            def commit() -> bool:
                if winner:
                    return winner[0] is holder[0]
                winner.append(holder[0])
                won.set()
                return True

            ctx = req.begin(cand, commit)
            task = loop.create_task(self._limited(req.plan, ctx, attempt))
            holder.append(_Running(task, cand, ctx.record))
            running.append(holder[0])

        try:
            while True:
                if not running:
                    cand = req.next_candidate()
                    if cand is None:
                        break
                    start(cand)
                hedge_wait = None
                if not hedged and len(running) == 1 and not winner and req.more_to_try():
                    hedge_wait = self._hedge_delay(running[0].candidate)
                won_waiter = loop.create_task(won.wait())
                try:
                    done, _ = await asyncio.wait(
                        [won_waiter, *(r.task for r in running)],
                        timeout=hedge_wait,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    won_waiter.cancel()
                if not done and hedge_wait is not None:
                    hedged = True
                    if self.health.hedge_allowed() and (cand := req.next_candidate()):
                        self.health.note_hedge()
                        start(cand)
                        running[-1].record.message = "hedge: started because the first was slow"
                    continue
                if winner:
                    champion = winner[0]
                    for other in running:
                        if other is not champion and not other.task.done():
                            other.task.cancel()
                            req.cancelled(
                                other.candidate, other.record, "lost the hedge; cancelled"
                            )
                    losers = [r.task for r in running if r is not champion]
                    if losers:
                        await asyncio.gather(*losers, return_exceptions=True)
                    running[:] = [champion]
                    outcome = await champion.task
                    req.settle(champion.candidate, champion.record, outcome)
                    if req.restartable(champion.record, outcome):
                        # Cut after it won: the rest of the request goes one at a time.
                        req.keep_cut(champion.candidate, champion.record, outcome)
                        return await self._run_sequential(req, attempt)
                    return req.won(champion.candidate, champion.record, outcome)
                for run in [r for r in running if r.task.done()]:
                    running.remove(run)
                    outcome = run.task.result()
                    req.settle(run.candidate, run.record, outcome)
                    await req.after_failure(run.candidate, outcome, others_running=bool(running))
        except asyncio.CancelledError:
            for run in running:
                run.task.cancel()
            for run in running:
                req.cancelled(run.candidate, run.record)
            if running:
                await asyncio.wait([r.task for r in running], timeout=1.0)
            raise
        return req.routed

    async def _limited(
        self, plan: Plan, ctx: AttemptContext, attempt: AttemptFn[OutcomeT]
    ) -> OutcomeT:
        async with self.limiter.slot(ctx.candidate.provider, interactive=plan.interactive):
            return await attempt(ctx)

    def ttft_deadline(self, cand: Candidate) -> float:
        """Seconds a streamed answer may take to start: three times this candidate's usual
        time to first token, within the configured bounds. Before we have measured it, three
        times the router's published figure for the provider (``first_token_latency_ms``),
        with the same floor; with neither, the default (10 s)."""
        ewma = self.health.get(cand.health_key).ttft_ewma_ms
        d = self.deadlines
        if ewma is None:
            if cand.published_ttft_ms is None:
                return d.ttft_s
            seconds = d.ttft_published_factor * cand.published_ttft_ms / 1000.0
            return min(d.ttft_max_s, max(d.ttft_min_s, seconds))
        return min(d.ttft_max_s, max(d.ttft_min_s, 3 * ewma / 1000.0))

    def _hedge_delay(self, cand: Candidate) -> float:
        p95 = self.health.ttft_p95_ms(cand.health_key)
        base = self.deadlines.hedge_min_s if p95 is None else p95 / 1000.0
        return min(self.deadlines.hedge_max_s, max(self.deadlines.hedge_min_s, base))

    def same_candidate_wait(
        self, failure: Failure, explicit: bool, time_left: float, cand: Candidate
    ) -> float | None:
        """One same-candidate retry when there is nowhere else to go (routing.md §5.3)."""
        if not self.health.retry_allowed(cand.health_key):
            return None
        if failure.outcome == Outcome.SERVER_ERROR:
            return min(random.uniform(0.3, 1.0), max(0.0, time_left))
        if failure.outcome == Outcome.RATE_LIMITED and explicit and failure.retry_after_s:
            cap = min(self.deadlines.pinned_retry_after_cap_s, time_left)
            return failure.retry_after_s if failure.retry_after_s <= cap else None
        return None


def _always_commit() -> bool:
    return True


def failure_message(
    trace: Trace, failures: list[tuple[Failure, Candidate]]
) -> tuple[str, FixAction | None]:
    """The most actionable failure as one sentence, and the button to offer with it."""
    if not failures:
        return (
            "No provider could be tried for this request; check the Providers page.",
            FixAction.OPEN_PROVIDERS,
        )
    if looks_offline((f, c.provider) for f, c in failures):
        return OFFLINE_SENTENCE, FixAction.RETRY
    failure, cand = min(failures, key=lambda fc: rank(fc[0].outcome))
    message = sentence(failure, cand.provider, via_hf=cand.billed_to == "huggingface")
    if len(failures) > 1 and all(f.outcome == Outcome.CONNECT_ERROR for f, _ in failures):
        message = "Could not reach any provider; check your internet connection."
    if len(failures) > 1:
        message += f" ({len(failures)} attempts: {trace.summary()}.)"
    action: FixAction | None = {
        Outcome.AUTH: FixAction.OPEN_PROVIDERS,
        Outcome.BILLING: FixAction.OPEN_PROVIDERS,
        Outcome.NOT_FOUND: FixAction.OPEN_PROVIDERS,
        Outcome.CONTENT_POLICY: FixAction.OTHER_PROVIDER,
        Outcome.INVALID_REQUEST: None,
        Outcome.CONTEXT_LENGTH: None,
        Outcome.REJECTED: FixAction.OTHER_PROVIDER,
    }.get(failure.outcome, FixAction.RETRY)
    return message, action
