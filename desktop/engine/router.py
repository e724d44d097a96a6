"""The routing engine's facade: one logical request of any task, many candidates, one path.

Every task, chat included, goes the same way: :class:`CandidateChooser` orders the candidates
(:mod:`desktop.engine.candidate_choice`), :meth:`Engine.plan` turns them into a routing plan
and :meth:`Engine.route` runs it through the failover core (:mod:`desktop.engine.failover`),
where the commit-point rule, the deadlines and the failure classes live once. A task supplies
only its attempt function; chat's is :func:`desktop.engine.chat.chat_attempt`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Coroutine, Mapping
from concurrent.futures import Executor
from dataclasses import replace
from random import getrandbits

from desktop.core.chat_types import ChatRequest, ChatResult
from desktop.core.errors import SwitchboardError
from desktop.core.table import Endpoints, Task
from desktop.core.trace import AttemptRecord, CandidateNote, Trace
from desktop.engine.billing import ROUTED_VIAS, current_bill_to
from desktop.engine.candidate_choice import CandidateChooser
from desktop.engine.candidates import POLICIES, Candidate
from desktop.engine.catalog import ModelCatalog
from desktop.engine.chat import ChatOutcome, DeltaCallback, chat_attempt, chat_result, failed_result
from desktop.engine.costs import CostMeter
from desktop.engine.credentials import Credentials
from desktop.engine.failover import (
    AttemptContext,
    AttemptFn,
    Deadlines,
    Failover,
    OutcomeT,
    Plan,
    Routed,
)
from desktop.engine.health import HealthBook
from desktop.engine.style_book import StyleBook
from desktop.providers.http_client import PooledClient
from desktop.providers.openai_chat import messages_to_wire
from desktop.store.settings import Settings

AttemptCallback = Callable[[AttemptRecord], None]

_TASK_NAMES: dict[Task, str] = {task: task.value for task in Task}
"""``task.value`` without the enum's property (two Python calls per request, issue 8)."""
_CHAT = Task.CHAT  # bound once: reading an enum member goes through its metaclass's hook

TASK_ATTEMPTS: dict[Task, int] = {
    Task.TEXT_TO_IMAGE: 3,
    Task.TEXT_TO_VIDEO: 2,
    Task.IMAGE_TO_IMAGE: 3,
    Task.IMAGE_TO_VIDEO: 2,
    Task.SPEECH_TO_TEXT: 3,
    Task.EMBEDDINGS: 4,
    Task.TEXT_TO_SPEECH: 3,
}
"""Attempts per logical request by task (routing.md §5.12): expensive work gets fewer; chat
uses the engine-wide budget in :class:`Deadlines`."""


class Engine:
    """Routes requests over the candidates of each task, with failover and a trace."""

    def __init__(
        self,
        client: PooledClient,
        endpoints: Endpoints,
        credentials: Credentials,
        catalog: ModelCatalog,
        health: HealthBook,
        settings: Callable[[], Settings],
        deadlines: Deadlines | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.client = client
        self.executor = executor
        """The app's own pool for blocking work (reading attachments); never qasync's default."""
        self.endpoints = endpoints
        self.credentials = credentials
        self.catalog = catalog
        self.health = health
        self._settings = settings
        self.failover = Failover(health, deadlines or Deadlines(), on_not_found=catalog.invalidate)
        self.chooser = CandidateChooser(endpoints, credentials, catalog, health, settings)
        self.latency_mode = False
        """Hedge chat requests (start a second provider when the first is slow); opt-in."""
        self.costs = CostMeter(catalog, settings, executor)
        self.styles = StyleBook(client, endpoints.hub, credentials.hf_token, executor=executor)
        """Styles (LoRA adapters) from the Hub, cached; :meth:`StyleBook.keep_in` adds disk."""
        """Cost estimates, the ledger behind the totals, the budget (see ``costs.attach``)."""
        self.chooser.priced = self.costs.priced_stats

    @property
    def custom_models(self) -> Callable[[str], Collection[str]]:
        """Names a custom server listed at its ``/v1/models`` (set by Services from the model
        directory's cache), so Auto uses the server for them without an alias."""
        return self.chooser.custom_models

    @custom_models.setter
    def custom_models(self, value: Callable[[str], Collection[str]]) -> None:
        self.chooser.custom_models = value

    @property
    def deadlines(self) -> Deadlines:
        return self.failover.deadlines

    @deadlines.setter
    def deadlines(self, value: Deadlines) -> None:
        self.failover.deadlines = value

    # --- Candidates ---------------------------------------------------------------------

    async def task_candidates(
        self, task: Task, model: str, policy: str
    ) -> tuple[list[Candidate], list[CandidateNote]]:
        """Ordered candidates of any task; custom servers take part in chat and embeddings."""
        return await self.chooser.choose(task, model, policy)

    # --- The one routing path -----------------------------------------------------------

    async def plan(
        self,
        task: Task,
        model: str,
        policy: str,
        *,
        trace: Trace,
        first_deadline_s: float | Callable[[Candidate], float],
        interactive: bool = True,
        hedge: bool = False,
        exclude: Mapping[str, str] | None = None,
        restart_cut: bool = False,
    ) -> Plan:
        """Choose and order the candidates of one request and note them in ``trace``.

        Raises :class:`SwitchboardError` when no candidate exists. ``exclude`` maps providers
        already used up by this logical request to the reason (an async job that failed after
        it was accepted): they are noted in the trace, not tried. ``first_deadline_s`` is the
        time allowed for a first result, fixed or per candidate.
        """
        trace.task = _TASK_NAMES[task]
        trace.request_id = trace.request_id or f"{getrandbits(64):016x}"  # as uuid4().hex[:16]
        candidates, notes = await self.chooser.choose(task, model, policy)
        if exclude:
            used = [c.note(exclude[c.provider]) for c in candidates if c.provider in exclude]
            notes = used + notes
            candidates = [c for c in candidates if c.provider not in exclude]
        bill_to = current_bill_to(self.costs.cost_settings.bill_to)
        if bill_to:  # X-HF-Bill-To goes to the router only, never to a provider directly
            candidates = [
                replace(c, bill_to=bill_to) if c.via in ROUTED_VIAS else c for c in candidates
            ]
        # The plan's notes come first, in the candidates' order (the failover core relies on it).
        trace.candidates = [c.planned_note for c in candidates] + notes
        if policy == "auto" and candidates:
            if self.health.quiet():  # nothing rests: the candidates are in the user's order
                trace.first_choice = candidates[0].provider
            else:
                order = self._settings().provider_ranks()
                trace.first_choice = min(
                    candidates, key=lambda c: order.get(c.provider, len(order))
                ).provider
        if callable(first_deadline_s):
            first = first_deadline_s
        else:
            seconds = first_deadline_s

            def first(_cand: Candidate) -> float:
                return seconds

        return Plan(  # positional, in the fields' order: keywords cost more (issue 8)
            candidates,
            model,
            policy not in POLICIES,  # explicit
            first,  # first_deadline_s
            hedge,
            interactive,
            TASK_ATTEMPTS.get(task),  # max_attempts
            restart_cut,
            policy == "auto",  # keep_order
        )

    def route(
        self,
        plan: Plan,
        attempt: AttemptFn[OutcomeT],
        *,
        trace: Trace,
        on_attempt: AttemptCallback | None = None,
        on_restart: Callable[[str], None] | None = None,
    ) -> Coroutine[object, None, Routed[OutcomeT]]:
        """Run ``plan`` through the failover core, which notes who answered and who pays
        (``await`` it; the failover core's own coroutine, without one more layer)."""
        return self.failover.run(
            plan, attempt, trace=trace, on_attempt=on_attempt, on_restart=on_restart
        )

    async def run_task(
        self,
        task: Task,
        model: str,
        policy: str,
        attempt: AttemptFn[OutcomeT],
        *,
        trace: Trace,
        first_deadline_s: float,
        on_attempt: AttemptCallback | None = None,
        interactive: bool = True,
        hedge: bool = False,
        exclude: Mapping[str, str] | None = None,
    ) -> Routed[OutcomeT]:
        """Route one request of any task: :meth:`plan`, then :meth:`route`.

        The task module supplies ``attempt`` (one exchange with one candidate, calling
        ``ctx.commit()`` once its result is validated). Raises :class:`SwitchboardError`
        when no candidate exists; every other failure comes back in ``Routed.failures``
        (turn it into a sentence with :func:`desktop.engine.failover.failure_message`).
        """
        plan = await self.plan(
            task,
            model,
            policy,
            trace=trace,
            first_deadline_s=first_deadline_s,
            interactive=interactive,
            hedge=hedge,
            exclude=exclude,
        )
        return await self.route(plan, attempt, trace=trace, on_attempt=on_attempt)

    # --- Chat ---------------------------------------------------------------------------

    async def chat(
        self,
        request: ChatRequest,
        *,
        on_delta: DeltaCallback | None = None,
        on_attempt: AttemptCallback | None = None,
        trace: Trace | None = None,
        hedge: bool | None = None,
        on_restart: Callable[[str], None] | None = None,
    ) -> ChatResult:
        """Run one chat request to a result; cancelling the task cancels every attempt.

        Cancellation propagates as ``CancelledError``; the in-flight attempt is recorded as
        ``cancelled`` in ``trace`` (pass one in to keep it) and never counts against a provider.
        ``hedge`` (latency mode) defaults to the engine's ``latency_mode``. Chat takes the
        same path as every task; its time to first token depends on the candidate.

        An answer cut mid-way is restarted on the next candidate when
        ``Settings.restart_cut_answers`` is on and one is left: ``on_restart`` then hears a
        sentence ("Groq stopped mid-answer; Together AI answered instead") just before the
        new answer's first text, which *replaces* what ``on_delta`` delivered so far.
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        trace = trace or Trace(request.model, request.provider)  # model, policy
        settings = self._settings()
        try:
            plan = await self.plan(
                _CHAT,
                request.model,
                request.provider,
                trace=trace,
                first_deadline_s=self.failover.ttft_deadline,
                hedge=(self.latency_mode or settings.latency_mode) if hedge is None else hedge,
                restart_cut=settings.restart_cut_answers,
            )
        except SwitchboardError as exc:
            return failed_result(trace, (loop.time() - started) * 1000, str(exc), exc.action)
        for message in request.messages:  # a loop: ``any()`` over a generator costs more
            if message.attachments:
                wire = await loop.run_in_executor(self.executor, messages_to_wire, request.messages)
                break
        else:
            wire = messages_to_wire(request.messages)
        client = self.client

        def attempt(ctx: AttemptContext) -> Coroutine[object, None, ChatOutcome]:
            return chat_attempt(ctx, client, request, wire, on_delta)  # no coroutine of its own

        routed = await self.failover.run(
            plan, attempt, trace=trace, on_attempt=on_attempt, on_restart=on_restart
        )
        result = chat_result(routed, trace, (loop.time() - started) * 1000)
        await self.costs.settle_chat(result, request.messages)
        return result
